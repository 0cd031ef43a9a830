package api_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
)

var tokenRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

const msgNoCredentials = `{"detail": "Authentication credentials were not provided."}`

func TestTokenAuth(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, old := f.user("alice", false)
		for _, path := range []string{"/api/v1/token-auth/", "/oidc/api-token-auth/"} {
			t.Run(path, func(t *testing.T) {
				// D4: both paths issue a fresh token on every call and the
				// previous one stops working.
				r := f.send(http.MethodPost, path, "", map[string]string{"username": "alice", "password": "pw"})
				r.want(t, http.StatusOK, "")
				body := r.object(t)
				wantKeys(t, body, "token")
				key, _ := body["token"].(string)
				if !tokenRE.MatchString(key) {
					t.Fatalf("token %q is not 40 lowercase hex characters", key)
				}
				f.get("/api/v1/auth/user/", key).want(t, http.StatusOK, "")
				f.get("/api/v1/auth/user/", old).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
				old = key
			})
		}
		t.Run("form body", func(t *testing.T) {
			r := f.do(req{method: http.MethodPost, path: "/api/v1/token-auth/",
				body: "username=alice&password=pw", contentType: "application/x-www-form-urlencoded"})
			r.want(t, http.StatusOK, "")
			wantKeys(t, r.object(t), "token")
		})
		bad := `{"non_field_errors": ["Unable to log in with provided credentials."]}`
		for name, body := range map[string]any{
			"wrong password": map[string]string{"username": "alice", "password": "nope"},
			"unknown user":   map[string]string{"username": "nobody", "password": "pw"},
		} {
			t.Run(name, func(t *testing.T) {
				f.send(http.MethodPost, "/api/v1/token-auth/", "", body).want(t, http.StatusBadRequest, bad)
			})
		}
		t.Run("missing fields", func(t *testing.T) {
			f.send(http.MethodPost, "/api/v1/token-auth/", "", map[string]string{}).want(t, http.StatusBadRequest,
				`{"username": ["This field is required."], "password": ["This field is required."]}`)
		})
		t.Run("inactive user", func(t *testing.T) {
			u, _ := f.user("gone", false)
			setActive(t, f, u.ID, false)
			f.send(http.MethodPost, "/api/v1/token-auth/", "", map[string]string{"username": "gone", "password": "pw"}).
				want(t, http.StatusBadRequest, bad)
		})
	})
}

// setActive flips is_active directly: no API deactivates users yet.
func setActive(t *testing.T, f *fixture, userID int64, active bool) {
	t.Helper()
	if _, err := f.st.DB().ExecContext(context.Background(),
		`UPDATE argus_auth_user SET is_active = $1 WHERE id = $2`, active, userID); err != nil {
		t.Fatal(err)
	}
}

func TestTokenAuthUpgradesDjangoHash(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, _ := f.user("imported", false)
		// Django's pbkdf2_sha256 hash of "correct horse" with salt "saltsalt"
		// and 1000 iterations, as an Argus v1 database holds it (D22):
		// python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'correct horse',b'saltsalt',1000)).decode())"
		django := "pbkdf2_sha256$1000$saltsalt$qQDPSZa3Ormyy9oK1Pu0ZLLwP2Svzmx3yu8OvDdq/J0="
		if err := f.st.SetPassword(context.Background(), u.ID, django); err != nil {
			t.Fatal(err)
		}
		login := map[string]string{"username": "imported", "password": "correct horse"}
		f.send(http.MethodPost, "/api/v1/token-auth/", "", login).want(t, http.StatusOK, "")
		got, err := f.st.User(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, rehash := auth.CheckPassword(got.Password, "correct horse"); !ok || rehash {
			t.Errorf("after login the stored hash %q: ok=%v rehash=%v; want our own current hash", got.Password[:12], ok, rehash)
		}
		f.send(http.MethodPost, "/api/v1/token-auth/", "", login).want(t, http.StatusOK, "")
	})
}

func TestTokenAuthentication(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("bob", false)
		cases := []struct {
			name   string
			header string
			status int
			body   string
		}{
			{"no header", "", 401, msgNoCredentials},
			{"keyword only", "Token", 401, `{"detail": "Invalid token header. No credentials provided."}`},
			{"spaces", "Token a b", 401, `{"detail": "Invalid token header. Token string should not contain spaces."}`},
			{"unknown key", "Token 0123456789abcdef0123456789abcdef01234567", 401, `{"detail": "Invalid token."}`},
			{"bearer is ignored", "Bearer " + key, 401, msgNoCredentials},
			{"valid", "Token " + key, 200, ""},
			{"keyword in lower case", "token " + key, 200, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/", header: map[string]string{"Authorization": c.header}})
				r.want(t, c.status, c.body)
				if c.status == 401 && r.header.Get("WWW-Authenticate") != "Token" {
					t.Errorf("WWW-Authenticate = %q; want Token", r.header.Get("WWW-Authenticate"))
				}
			})
		}
		t.Run("inactive user", func(t *testing.T) {
			setActive(t, f, u.ID, false)
			defer setActive(t, f, u.ID, true)
			f.get("/api/v1/auth/user/", key).want(t, 401, `{"detail": "User inactive or deleted."}`)
		})
	})
}

// A token older than its lifetime answers 401 and is deleted; a fresh one
// from token-auth works again (api-v1.md §3.2).
func TestExpiredTokenIsDeleted(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("carol", false)
		f.clock.Set(start.Add(14 * 24 * time.Hour))
		f.get("/api/v1/auth/user/", key).want(t, 200, "")
		f.clock.Set(start.Add(14*24*time.Hour + time.Second))
		f.get("/api/v1/auth/user/", key).want(t, 401, `{"detail": "Token has expired."}`)
		_, _, err := f.st.UserByToken(context.Background(), auth.HashKey(key))
		if !errors.Is(err, argus.ErrNotFound) {
			t.Fatalf("expired token still stored (err %v)", err)
		}
		f.get("/api/v1/auth/user/", key).want(t, 401, `{"detail": "Invalid token."}`)
		r := f.send(http.MethodPost, "/api/v1/token-auth/", "", map[string]string{"username": "carol", "password": "pw"})
		r.want(t, 200, "")
		fresh, _ := r.object(t)["token"].(string)
		f.get("/api/v1/auth/user/", fresh).want(t, 200, "")
	})
}

func TestTokenLifetimeIsConfigurable(t *testing.T) {
	eachFixtureWith(t, api.Options{TokenLifetime: 24 * time.Hour}, func(t *testing.T, f *fixture) {
		_, key := f.user("dan", false)
		f.clock.Set(start.Add(24*time.Hour + time.Second))
		f.get("/api/v1/auth/user/", key).want(t, 401, `{"detail": "Token has expired."}`)
	})
}

func TestCurrentUserAndUserDetail(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("erin", false)
		other, _ := f.user("frank", false)
		ph, err := f.st.CreatePhoneNumber(context.Background(), u.ID, "+4790909090")
		if err != nil {
			t.Fatal(err)
		}
		r := f.get("/api/v1/auth/user/", key)
		r.want(t, 200, `{"username": "erin", "first_name": "First erin", "last_name": "", "email": "erin@example.org",
			"phone_numbers": [{"pk": `+itoa(ph.ID)+`, "user": `+itoa(u.ID)+`, "phone_number": "+4790909090"}]}`)

		// Any user's four basic fields, and nothing more.
		r = f.get("/api/v1/auth/users/"+itoa(other.ID)+"/", key)
		r.want(t, 200, `{"username": "frank", "first_name": "First frank", "last_name": "", "email": "frank@example.org"}`)
		f.get("/api/v1/auth/users/9999/", key).want(t, 404, `{"detail": "Not found."}`)
		f.get("/api/v1/auth/users/abc/", key).want(t, 404, `{"detail": "Not found."}`)
		f.get("/api/v1/auth/users/"+itoa(other.ID)+"/", "").want(t, 401, msgNoCredentials)
	})
}

func TestLogout(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("gina", false)
		r := f.send(http.MethodPost, "/api/v1/auth/logout/", key, nil)
		if r.status != 200 || len(r.body) != 0 {
			t.Fatalf("logout = %d %q; want 200 with an empty body", r.status, r.body)
		}
		f.get("/api/v1/auth/user/", key).want(t, 401, `{"detail": "Invalid token."}`)
		// Logging out without being logged in is fine too.
		r = f.send(http.MethodPost, "/api/v1/auth/logout/", "", nil)
		if r.status != 200 || len(r.body) != 0 {
			t.Fatalf("anonymous logout = %d %q; want 200 with an empty body", r.status, r.body)
		}
	})
}
