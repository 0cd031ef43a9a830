package auth_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
		acc := auth.NewAccounts(st, clock.Now, time.Hour)

		alice, err := acc.CreateUser(ctx, store.NewUser{Username: "alice"}, "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		nopass, err := acc.CreateUser(ctx, store.NewUser{Username: "nopass"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(nopass.Password, "!") {
			t.Errorf("a user created without a password has %q; want an unusable one", nopass.Password)
		}

		t.Run("login", func(t *testing.T) {
			u, err := acc.Login(ctx, "alice", "s3cret")
			if err != nil || u.ID != alice.ID {
				t.Fatalf("Login = %v, %v; want alice", u.ID, err)
			}
			stored, err := st.User(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.LastLogin == nil || !stored.LastLogin.Equal(clock.Now()) {
				t.Errorf("last_login = %v; want %v", stored.LastLogin, clock.Now())
			}
			for _, c := range []struct{ user, pass string }{{"alice", "wrong"}, {"nobody", "s3cret"}, {"nopass", ""}, {"nopass", "!"}} {
				if _, err := acc.Login(ctx, c.user, c.pass); !errors.Is(err, auth.ErrBadCredentials) {
					t.Errorf("Login(%q, %q) error = %v; want ErrBadCredentials", c.user, c.pass, err)
				}
			}
		})

		t.Run("a Django hash is replaced on login", func(t *testing.T) {
			u, err := st.CreateUser(ctx, store.NewUser{Username: "django",
				Password: "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="}, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := acc.Login(ctx, "django", "lètmein"); err != nil {
				t.Fatalf("Login with the Django password: %v", err)
			}
			stored, err := st.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored.Password, "argon2$") {
				t.Errorf("hash after login = %q; want argon2", stored.Password)
			}
			if _, err := acc.Login(ctx, "django", "lètmein"); err != nil {
				t.Errorf("Login after the rehash: %v", err)
			}
		})

		t.Run("tokens", func(t *testing.T) {
			k1, err := acc.IssueToken(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := acc.UserByToken(ctx, k1); err != nil || u.ID != alice.ID {
				t.Fatalf("UserByToken = %v, %v; want alice", u.ID, err)
			}
			k2, err := acc.IssueToken(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := acc.UserByToken(ctx, k1); !errors.Is(err, auth.ErrUnknownToken) {
				t.Errorf("the replaced token: %v; want ErrUnknownToken", err)
			}
			clock.Add(time.Hour + time.Second)
			if _, err := acc.UserByToken(ctx, k2); !errors.Is(err, auth.ErrTokenExpired) {
				t.Errorf("an expired token: %v; want ErrTokenExpired", err)
			}
			if _, err := acc.UserByToken(ctx, k2); !errors.Is(err, auth.ErrUnknownToken) {
				t.Errorf("an expired token asked again: %v; want ErrUnknownToken (it was deleted)", err)
			}
			k3, err := acc.IssueToken(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := acc.RevokeToken(ctx, alice.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := acc.UserByToken(ctx, k3); !errors.Is(err, auth.ErrUnknownToken) {
				t.Errorf("a revoked token: %v; want ErrUnknownToken", err)
			}
		})

		t.Run("passwords", func(t *testing.T) {
			if err := acc.SetPassword(ctx, alice.ID, ""); !argus.HasCode(err, argus.CodeBlank) {
				t.Errorf("SetPassword(\"\") = %v; want CodeBlank", err)
			}
			if err := acc.SetPassword(ctx, alice.ID, "n3w"); err != nil {
				t.Fatal(err)
			}
			if _, err := acc.Login(ctx, "alice", "s3cret"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("the old password: %v; want ErrBadCredentials", err)
			}
			if _, err := acc.Login(ctx, "alice", "n3w"); err != nil {
				t.Errorf("the new password: %v", err)
			}
		})

		t.Run("sessions", func(t *testing.T) {
			acc.SessionLifetime, acc.SessionIdle = 10*time.Hour, time.Hour
			key, err := acc.StartSession(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(key) != 64 {
				t.Errorf("session key %q; want 256 bits in hex", key)
			}
			if u, err := acc.UserBySession(ctx, key); err != nil || u.ID != alice.ID {
				t.Fatalf("UserBySession = %v, %v; want alice", u.ID, err)
			}
			if err := acc.EndSession(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, err := acc.UserBySession(ctx, key); !errors.Is(err, argus.ErrNotFound) {
				t.Errorf("an ended session: %v; want ErrNotFound", err)
			}

			// Used within the idle time, a session lives on, up to its
			// lifetime.
			key, err = acc.StartSession(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			for range 9 {
				clock.Add(59 * time.Minute)
				if _, err := acc.UserBySession(ctx, key); err != nil {
					t.Fatalf("a session used every 59 minutes, at %v: %v", clock.Now(), err)
				}
			}
			clock.Add(59 * time.Minute) // 9 h 51 min
			if _, err := acc.UserBySession(ctx, key); err != nil {
				t.Fatalf("a session before its lifetime: %v", err)
			}
			clock.Add(10 * time.Minute) // past 10 h
			if _, err := acc.UserBySession(ctx, key); !errors.Is(err, argus.ErrNotFound) {
				t.Errorf("a session past its lifetime: %v; want ErrNotFound", err)
			}

			// Unused for the idle time, it ends.
			key, err = acc.StartSession(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Hour)
			if _, err := acc.UserBySession(ctx, key); !errors.Is(err, argus.ErrNotFound) {
				t.Errorf("an idle session: %v; want ErrNotFound", err)
			}
			acc.SessionLifetime, acc.SessionIdle = 14*24*time.Hour, 3*24*time.Hour
		})

		t.Run("inactive users", func(t *testing.T) {
			key, err := acc.IssueToken(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			session, err := acc.StartSession(ctx, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().ExecContext(ctx, `UPDATE argus_auth_user SET is_active = FALSE WHERE id = $1`, alice.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := acc.UserByToken(ctx, key); !errors.Is(err, auth.ErrInactive) {
				t.Errorf("token of an inactive user: %v; want ErrInactive", err)
			}
			if _, err := acc.UserBySession(ctx, session); !errors.Is(err, argus.ErrNotFound) {
				t.Errorf("session of an inactive user: %v; want ErrNotFound", err)
			}
			if _, err := acc.Login(ctx, "alice", "n3w"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("login of an inactive user: %v; want ErrBadCredentials", err)
			}
		})
	})
}

// TestNewAccountsHashesNothing checks that the dummy hash for unknown
// usernames is made on first use, not when the accounts are made: Argon2
// needs 19 MiB, which a command that logs nobody in should not pay.
func TestNewAccountsHashesNothing(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		auth.NewAccounts(nil, time.Now, time.Hour)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("making accounts allocated %d bytes; want no password hashing", grew)
	}
}
