package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// D1: a path without its trailing slash redirects, 301 for GET and HEAD
// and 308 (which keeps the method and body) for the rest.
func TestTrailingSlashRedirects(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			method, path, location string
			status                 int
		}{
			{http.MethodGet, "/api/v1/auth/user", "/api/v1/auth/user/", 301},
			{http.MethodHead, "/api/v1/incidents/sources", "/api/v1/incidents/sources/", 301},
			{http.MethodGet, "/api/v1/incidents/sources?a=1&b=2", "/api/v1/incidents/sources/?a=1&b=2", 301},
			{http.MethodPost, "/api/v1/token-auth", "/api/v1/token-auth/", 308},
			{http.MethodPut, "/api/v1/auth/phone-number/3", "/api/v1/auth/phone-number/3/", 308},
		} {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r := f.do(req{method: c.method, path: c.path})
				if r.status != c.status || r.header.Get("Location") != c.location {
					t.Errorf("%s %s = %d to %q; want %d to %q", c.method, c.path, r.status, r.header.Get("Location"), c.status, c.location)
				}
			})
		}
		// A 308 is followed with the method and body intact.
		_, _ = f.user("lars", false)
		resp, err := http.Post(f.srv.URL+"/api/v1/token-auth", "application/json", strings.NewReader(`{"username": "lars", "password": "pw"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("POST through the redirect = %d; want 200", resp.StatusCode)
		}
	})
}

func TestUnknownPathsAndMethods(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("mona", false)
		notFound := `{"detail": "Not found."}`
		f.get("/api/v1/nothing/", key).want(t, 404, notFound)
		f.get("/api/v1/auth/user/extra/", key).want(t, 404, notFound)
		f.get("/", "").want(t, 404, notFound)

		r := f.send(http.MethodDelete, "/api/v1/auth/user/", key, nil)
		r.want(t, 405, `{"detail": "Method \"DELETE\" not allowed."}`)
		if got := r.header.Get("Allow"); got != "GET, HEAD, OPTIONS" {
			t.Errorf("Allow = %q; want GET, HEAD, OPTIONS", got)
		}
		r = f.send(http.MethodGet, "/api/v1/token-auth/", "", nil)
		r.want(t, 405, `{"detail": "Method \"GET\" not allowed."}`)
		if got := r.header.Get("Allow"); got != "OPTIONS, POST" {
			t.Errorf("Allow = %q; want OPTIONS, POST", got)
		}
		r = f.do(req{method: http.MethodOptions, path: "/api/v1/auth/phone-number/1/", token: key})
		if r.status != 200 || r.header.Get("Allow") != "DELETE, GET, HEAD, OPTIONS, PATCH, PUT" {
			t.Errorf("OPTIONS = %d, Allow %q", r.status, r.header.Get("Allow"))
		}
		r = f.do(req{method: http.MethodHead, path: "/api/v1/auth/user/", token: key})
		if r.status != 200 || len(r.body) != 0 {
			t.Errorf("HEAD = %d with %d body bytes; want 200 and none", r.status, len(r.body))
		}
	})
}

func TestRequestBodies(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("nils", false)
		const path = "/api/v1/auth/phone-number/"
		r := f.do(req{method: http.MethodPost, path: path, token: key, body: `{"phone_number": `, contentType: "application/json"})
		r.want(t, 400, "")
		if d, _ := r.object(t)["detail"].(string); !strings.HasPrefix(d, "JSON parse error - ") {
			t.Errorf("detail = %q; want a JSON parse error", d)
		}
		wantKeys(t, r.object(t), "detail")

		big := `{"phone_number": "` + strings.Repeat("1", 1<<20) + `"}`
		r = f.do(req{method: http.MethodPost, path: path, token: key, body: big, contentType: "application/json"})
		r.want(t, 413, "")
		wantKeys(t, r.object(t), "detail")

		f.do(req{method: http.MethodPost, path: path, token: key, body: `"+4790909090"`, contentType: "application/json"}).
			want(t, 400, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}`)
		// Nothing was stored by any of the refused requests.
		f.get(path, key).want(t, 200, `[]`)
	})
}

func TestCORS(t *testing.T) {
	eachFixtureWith(t, api.Options{FrontendOrigins: []string{"https://argus.example.org", "http://localhost:3000"}}, func(t *testing.T, f *fixture) {
		_, key := f.user("olga", false)
		// The preflight of a credentialed PUT from the frontend.
		r := f.do(req{method: http.MethodOptions, path: "/api/v1/auth/phone-number/1/", header: map[string]string{
			"Origin":                         "https://argus.example.org",
			"Access-Control-Request-Method":  "PUT",
			"Access-Control-Request-Headers": "authorization, content-type",
		}})
		if r.status != 200 {
			t.Errorf("preflight status = %d; want 200", r.status)
		}
		for h, want := range map[string]string{
			"Access-Control-Allow-Origin":      "https://argus.example.org",
			"Access-Control-Allow-Credentials": "true",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s = %q; want %q", h, got, want)
			}
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			if !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("Access-Control-Allow-Methods %q lacks %s", r.header.Get("Access-Control-Allow-Methods"), m)
			}
		}
		for _, h := range []string{"authorization", "content-type"} {
			if !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), h) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", r.header.Get("Access-Control-Allow-Headers"), h)
			}
		}
		// An actual request from the second origin.
		r = f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/", token: key, header: map[string]string{"Origin": "http://localhost:3000"}})
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("CORS GET = %d, headers %v", r.status, r.header)
		}
		// Other origins get no CORS headers.
		r = f.do(req{method: http.MethodOptions, path: "/api/v1/auth/user/", header: map[string]string{
			"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET",
		}})
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("foreign origin allowed: %q", got)
		}
	})
}

// Session cookies (for the web UI) authenticate too; unsafe requests must
// come from the same origin; logout ends the session.
func TestSessionAuthentication(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, _ := f.user("per", false)
		key := auth.NewKey()
		ctx := context.Background()
		if err := f.st.CreateSession(ctx, u.ID, auth.HashKey(key), start, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		cookie := map[string]string{"Cookie": api.SessionCookie + "=" + key}
		f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/", header: cookie}).want(t, 200, "")

		crossSite := map[string]string{"Cookie": api.SessionCookie + "=" + key, "Sec-Fetch-Site": "cross-site"}
		r := f.do(req{method: http.MethodPost, path: "/api/v1/auth/phone-number/", header: crossSite, body: map[string]string{"phone_number": "+4790909090"}})
		r.want(t, 403, "")
		wantKeys(t, r.object(t), "detail")
		sameOrigin := map[string]string{"Cookie": api.SessionCookie + "=" + key, "Sec-Fetch-Site": "same-origin"}
		f.do(req{method: http.MethodPost, path: "/api/v1/auth/phone-number/", header: sameOrigin, body: map[string]string{"phone_number": "+4790909090"}}).
			want(t, 201, "")

		r = f.do(req{method: http.MethodPost, path: "/api/v1/auth/logout/", header: sameOrigin})
		if r.status != 200 {
			t.Fatalf("logout = %d", r.status)
		}
		f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/", header: cookie}).want(t, 401, msgNoCredentials)

		// An expired session is anonymous.
		if err := f.st.CreateSession(ctx, u.ID, auth.HashKey("old"), start.Add(-2*time.Hour), start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/", header: map[string]string{"Cookie": api.SessionCookie + "=old"}}).
			want(t, 401, msgNoCredentials)
	})
}

// Request logs carry no token, password or cookie (D21).
func TestLogsHoldNoSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var buf syncBuffer
		f := newFixture(t, st, api.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
		u, key := f.user("quinn", false)
		hash, err := auth.HashPassword("pw-secret-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetPassword(context.Background(), u.ID, hash); err != nil {
			t.Fatal(err)
		}
		r := f.send(http.MethodPost, "/api/v1/token-auth/", "", map[string]string{"username": "quinn", "password": "pw-secret-1"})
		r.want(t, 200, "")
		fresh, _ := r.object(t)["token"].(string)
		if fresh == "" {
			t.Fatal("no token issued")
		}
		f.get("/api/v1/auth/user/", key)
		f.get("/api/v1/auth/user/", fresh)
		f.do(req{method: http.MethodGet, path: "/api/v1/auth/user/?token=" + fresh, header: map[string]string{"Cookie": api.SessionCookie + "=cookie-secret-2"}})
		logs := buf.String()
		if strings.Count(logs, `"msg":"request"`) != 4 {
			t.Errorf("want 4 request log lines, got:\n%s", logs)
		}
		for _, secret := range []string{key, fresh, "pw-secret-1", "cookie-secret-2"} {
			if strings.Contains(logs, secret) {
				t.Errorf("a secret reached the log: %s", logs)
			}
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
