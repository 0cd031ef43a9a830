package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/apidoc/apitest"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/config"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// t0 is the fixed clock of every command and API server in these tests;
// tokens issued at t0 and checked at t0 never expire.
var t0 = time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

var (
	tokenRE     = regexp.MustCompile(`^[0-9a-f]{40}$`)
	generatedRE = regexp.MustCompile(`generated password "([A-Za-z0-9]*)"`)
)

// result is what one command line did.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs commands in process against one database.
type cli struct {
	t    *testing.T
	dsn  string
	vars map[string]string // extra environment besides DATABASE_URL
}

func newCLI(t *testing.T, b testdb.Backend) *cli {
	t.Helper()
	return &cli{t: t, dsn: b.DSN, vars: map[string]string{}}
}

func (c *cli) env(stdout, stderr io.Writer) *env {
	return &env{
		getenv: func(name string) string {
			if name == "DATABASE_URL" {
				return c.dsn
			}
			return c.vars[name]
		},
		stdout: stdout,
		stderr: stderr,
		now:    clock,
	}
}

// run runs "argus args…" and returns its exit status and output. A serve
// that gets as far as listening is stopped at once, so a test expecting
// it to fail earlier fails instead of hanging.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithCancel(c.t.Context())
	defer cancel()
	var stdout, stderr bytes.Buffer
	e := c.env(&stdout, &stderr)
	e.ready = func(string) { cancel() }
	code := runEnv(ctx, e, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// mustRun runs a command that must succeed and returns its stdout.
func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 || r.stderr != "" {
		c.t.Fatalf("argus %s: exit %d, stderr %q; want 0 and no stderr", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// wantFailure checks that a command failed with exactly one line on
// stderr containing each of wantIn.
func wantFailure(t *testing.T, r result, wantCode int, wantIn ...string) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("exit status = %d, want %d (stderr %q)", r.code, wantCode, r.stderr)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr = %q, want exactly one line", r.stderr)
	}
	for _, s := range wantIn {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr = %q, want it to contain %q", r.stderr, s)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

// openTestStore opens (and migrates) the database the commands use.
func openTestStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	return storetest.Open(t, dsn)
}

func countUsers(t *testing.T, st *store.Store) int {
	t.Helper()
	n, err := st.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func userByUsername(t *testing.T, st *store.Store, username string) argus.User {
	t.Helper()
	u, err := st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("UserByUsername(%q): %v", username, err)
	}
	return u
}

// apiServer serves the API over st with the fixed clock.
func apiServer(t *testing.T, st *store.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(apitest.Handler(t, api.New(st, api.Options{
		Now:    clock,
		Logger: slog.New(slog.DiscardHandler),
	})))
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request with an optional token and JSON body and returns the
// status and the decoded JSON response.
func do(t *testing.T, client *http.Client, method, url, token string, body any) (int, any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, v
}

// login posts to token-auth and returns the status and body.
func login(t *testing.T, srv *httptest.Server, username, password string) (int, any) {
	t.Helper()
	return do(t, srv.Client(), http.MethodPost, srv.URL+"/api/v1/token-auth/", "",
		map[string]string{"username": username, "password": password})
}

// mustLogin logs in, expecting success, and returns the token.
func mustLogin(t *testing.T, srv *httptest.Server, username, password string) string {
	t.Helper()
	status, body := login(t, srv, username, password)
	if status != http.StatusOK {
		t.Fatalf("token-auth as %q: status %d, body %v; want 200", username, status, body)
	}
	m, _ := body.(map[string]any)
	tok, _ := m["token"].(string)
	if !tokenRE.MatchString(tok) {
		t.Fatalf("token-auth as %q: body %v, want a 40-hex token", username, body)
	}
	return tok
}

var badCredentials = map[string]any{"non_field_errors": []any{"Unable to log in with provided credentials."}}

// wantLoginFails checks that token-auth refuses the credentials.
func wantLoginFails(t *testing.T, srv *httptest.Server, username, password string) {
	t.Helper()
	status, body := login(t, srv, username, password)
	if status != http.StatusBadRequest {
		t.Errorf("token-auth as %q: status %d, want 400", username, status)
	}
	if diff := cmp.Diff(badCredentials, body); diff != "" {
		t.Errorf("token-auth as %q: body (-want +got):\n%s", username, diff)
	}
}

// whoami calls GET /api/v1/auth/user/ with the token.
func whoami(t *testing.T, srv *httptest.Server, token string) (int, any) {
	t.Helper()
	return do(t, srv.Client(), http.MethodGet, srv.URL+"/api/v1/auth/user/", token, nil)
}

// wantWhoami checks that the token authenticates as username.
func wantWhoami(t *testing.T, srv *httptest.Server, token, username string) {
	t.Helper()
	status, body := whoami(t, srv, token)
	m, _ := body.(map[string]any)
	if status != http.StatusOK || m["username"] != username {
		t.Errorf("GET /api/v1/auth/user/: status %d, body %v; want 200 with username %q", status, body, username)
	}
}

// lastLine is the last line of s, without its newline.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestInitialSetup(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		out := c.mustRun("initial-setup")
		m := generatedRE.FindStringSubmatch(out)
		if m == nil || len(m[1]) != 16 {
			t.Fatalf("stdout = %q, want a generated 16-character alphanumeric password", out)
		}
		password := m[1]
		if !strings.Contains(out, `Created the user, source type and source "argus".`) {
			t.Errorf("stdout = %q, want it to report creating the argus user, type and source", out)
		}

		st := openTestStore(t, b.DSN)
		ctx := context.Background()
		admin := userByUsername(t, st, "admin")
		if !admin.IsSuperuser || !admin.IsStaff || !admin.IsActive {
			t.Errorf("admin: superuser %v, staff %v, active %v; want all true", admin.IsSuperuser, admin.IsStaff, admin.IsActive)
		}
		argusUser := userByUsername(t, st, "argus")
		types, err := st.SourceTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]argus.SourceType{{Name: "argus"}}, types); diff != "" {
			t.Errorf("source types (-want +got):\n%s", diff)
		}
		sources, err := st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSources := []argus.Source{{Name: "argus", Type: "argus", UserID: argusUser.ID}}
		if diff := cmp.Diff(wantSources, sources, cmpIgnoreSourceID); diff != "" {
			t.Errorf("sources (-want +got):\n%s", diff)
		}
		srv := apiServer(t, st)
		tok := mustLogin(t, srv, "admin", password)
		wantWhoami(t, srv, tok, "admin")

		before := countUsers(t, st)
		out = c.mustRun("initial-setup")
		if !strings.Contains(out, "nothing changed") {
			t.Errorf("second run: stdout = %q, want it to say nothing changed", out)
		}
		if strings.Contains(out, "Created") || generatedRE.MatchString(out) {
			t.Errorf("second run: stdout = %q, want no creation and no new password", out)
		}
		if got := countUsers(t, st); got != before {
			t.Errorf("users after the second run = %d, want %d", got, before)
		}
		sources2, err := st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sources, sources2); diff != "" {
			t.Errorf("sources changed by the second run (-before +after):\n%s", diff)
		}
		mustLogin(t, srv, "admin", password) // the password is unchanged
	})
}

var cmpIgnoreSourceID = cmp.Comparer(func(a, b argus.Source) bool {
	a.ID, b.ID = 0, 0
	return a == b
})

func TestInitialSetupFlags(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		const password = "correct horse battery staple"
		out := c.mustRun("initial-setup", "--username", "boss", "--password", password, "--email", "boss@example.org")
		if want := `Created superuser "boss" with the chosen password.`; !strings.Contains(out, want) {
			t.Errorf("stdout = %q, want it to contain %q", out, want)
		}
		if strings.Contains(out, password) {
			t.Errorf("stdout = %q, want the chosen password not echoed", out)
		}
		st := openTestStore(t, b.DSN)
		boss := userByUsername(t, st, "boss")
		if !boss.IsSuperuser || !boss.IsStaff || boss.Email != "boss@example.org" {
			t.Errorf("boss: superuser %v, staff %v, email %q; want true, true, boss@example.org", boss.IsSuperuser, boss.IsStaff, boss.Email)
		}
		if _, err := st.UserByUsername(context.Background(), "admin"); err == nil {
			t.Errorf(`user "admin" exists; want only the chosen username`)
		}
		userByUsername(t, st, "argus")
		srv := apiServer(t, st)
		tok := mustLogin(t, srv, "boss", password)
		wantWhoami(t, srv, tok, "boss")
		wantLoginFails(t, srv, "boss", "wrong password")
	})
}

func TestCreateSource(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		out := c.mustRun("create-source", "--name", "gw1", "--type", "nav", "--base-url", "https://nav.example.org")
		key := lastLine(out)
		if !tokenRE.MatchString(key) {
			t.Fatalf("last line of stdout = %q, want a 40-hex token (stdout %q)", key, out)
		}
		st := openTestStore(t, b.DSN)
		ctx := context.Background()
		srv := apiServer(t, st)
		wantWhoami(t, srv, key, "gw1")

		types, err := st.SourceTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]argus.SourceType{{Name: "nav"}}, types); diff != "" {
			t.Errorf("source types (-want +got):\n%s", diff)
		}
		gw1 := userByUsername(t, st, "gw1")
		sources, err := st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []argus.Source{{Name: "gw1", Type: "nav", UserID: gw1.ID, BaseURL: "https://nav.example.org"}}
		if diff := cmp.Diff(want, sources, cmpIgnoreSourceID); diff != "" {
			t.Errorf("sources (-want +got):\n%s", diff)
		}
		if gw1.IsSuperuser || gw1.IsStaff || gw1.SourceID != sources[0].ID {
			t.Errorf("gw1: superuser %v, staff %v, source %d; want false, false, %d", gw1.IsSuperuser, gw1.IsStaff, gw1.SourceID, sources[0].ID)
		}
		wantLoginFails(t, srv, "gw1", "x")

		// The same name and type again: refused, nothing created, and the
		// first token still works.
		before := countUsers(t, st)
		wantFailure(t, c.run("create-source", "--name", "gw1", "--type", "nav"), 1, "already exists")
		if got := countUsers(t, st); got != before {
			t.Errorf("users after the duplicate = %d, want %d", got, before)
		}
		wantWhoami(t, srv, key, "gw1")

		// The same name with another type is a new source; its user name
		// gw1 is taken, so it gets a suffix.
		out = c.mustRun("create-source", "--name", "gw1", "--type", "zabbix")
		key2 := lastLine(out)
		if !tokenRE.MatchString(key2) {
			t.Fatalf("last line of stdout = %q, want a 40-hex token", key2)
		}
		sources, err = st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(sources) != 2 {
			t.Fatalf("got %d sources, want 2", len(sources))
		}
		u, err := st.User(ctx, sources[1].UserID)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^gw1_[0-9A-F]{6}$`).MatchString(u.Username) {
			t.Errorf("username of the second gw1 = %q, want gw1_XXXXXX", u.Username)
		}
		wantWhoami(t, srv, key2, u.Username)
		if !strings.Contains(out, u.Username) {
			t.Errorf("stdout = %q, want it to name the user %q", out, u.Username)
		}

		// --username taken by an end user.
		c.mustRun("create-user", "--username", "alice")
		c.mustRun("create-source", "--name", "gw2", "--type", "nav", "--username", "alice")
		sources, err = st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		u, err = st.User(ctx, sources[len(sources)-1].UserID)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^alice_[0-9A-F]{6}$`).MatchString(u.Username) {
			t.Errorf("username of gw2 = %q, want alice_XXXXXX", u.Username)
		}
		// A free --username is used as it is.
		c.mustRun("create-source", "--name", "gw3", "--type", "nav", "--username", "gw3-user")
		userByUsername(t, st, "gw3-user")
	})
}

func TestCreateSourceErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		tests := []struct {
			name   string
			args   []string
			wantIn string
		}{
			{"no name", []string{"--type", "nav"}, "--name and --type are required"},
			{"no type", []string{"--name", "gw"}, "--name and --type are required"},
			{"uppercase type", []string{"--name", "gw", "--type", "NAV"}, "lowercase"},
			{"bad username", []string{"--name", "gw", "--type", "nav", "--username", "a b"}, "username"},
			{"positional argument", []string{"--name", "gw", "--type", "nav", "extra"}, "expected 0 argument(s), got 1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(append([]string{"create-source"}, tt.args...)...), 1, tt.wantIn)
			})
		}
		st := openTestStore(t, b.DSN)
		if got := countUsers(t, st); got != 0 {
			t.Errorf("users after failed create-source = %d, want 0", got)
		}
		types, err := st.SourceTypes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(types) != 0 {
			t.Errorf("source types after failed create-source = %v, want none", types)
		}
	})
}

func TestCreateToken(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("create-user", "--username", "alice")
		st := openTestStore(t, b.DSN)
		srv := apiServer(t, st)

		out := c.mustRun("create-token", "--username", "alice")
		key1 := strings.TrimSuffix(out, "\n")
		if !tokenRE.MatchString(key1) || out != key1+"\n" {
			t.Fatalf("stdout = %q, want one line with a 40-hex token", out)
		}
		wantWhoami(t, srv, key1, "alice")

		key2 := strings.TrimSuffix(c.mustRun("create-token", "--username", "alice"), "\n")
		if !tokenRE.MatchString(key2) || key2 == key1 {
			t.Fatalf("second token = %q, want a new 40-hex token (first %q)", key2, key1)
		}
		status, body := whoami(t, srv, key1)
		if status != http.StatusUnauthorized {
			t.Errorf("old token: status %d, want 401", status)
		}
		if diff := cmp.Diff(map[string]any{"detail": "Invalid token."}, body); diff != "" {
			t.Errorf("old token: body (-want +got):\n%s", diff)
		}
		wantWhoami(t, srv, key2, "alice")

		tests := []struct {
			name   string
			args   []string
			wantIn string
		}{
			{"unknown user", []string{"--username", "nobody"}, `"nobody"`},
			{"no username", nil, "--username is required"},
			{"positional argument", []string{"alice"}, "expected 0 argument(s), got 1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(append([]string{"create-token"}, tt.args...)...), 1, tt.wantIn)
			})
		}
		wantWhoami(t, srv, key2, "alice") // failed runs rotated nothing
	})
}

func TestCreateUser(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		st := openTestStore(t, b.DSN)
		srv := apiServer(t, st)
		tests := []struct {
			name     string
			args     []string
			username string
			password string // "" when the user cannot log in
			want     argus.User
		}{
			{
				name:     "plain",
				args:     []string{"--username", "bob"},
				username: "bob",
				want:     argus.User{Username: "bob", IsActive: true},
			},
			{
				name:     "superuser with email",
				args:     []string{"--username", "carol", "--email", "carol@example.org", "--superuser"},
				username: "carol",
				want:     argus.User{Username: "carol", Email: "carol@example.org", IsStaff: true, IsSuperuser: true, IsActive: true},
			},
			{
				name:     "password",
				args:     []string{"--username", "dave", "--password", "hunter2 hunter2"},
				username: "dave",
				password: "hunter2 hunter2",
				want:     argus.User{Username: "dave", IsActive: true},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := c.mustRun(append([]string{"create-user"}, tt.args...)...)
				got := userByUsername(t, st, tt.username)
				if want := `Created user "` + tt.username + `"`; !strings.HasPrefix(out, want) {
					t.Errorf("stdout = %q, want it to start with %q", out, want)
				}
				tt.want.ID, tt.want.Password, tt.want.DateJoined = got.ID, got.Password, t0
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("user (-want +got):\n%s", diff)
				}
				if tt.password == "" {
					wantLoginFails(t, srv, tt.username, "hunter2 hunter2")
					if !strings.HasPrefix(got.Password, "!") {
						t.Errorf("password hash = %q, want an unusable one", got.Password)
					}
					return
				}
				tok := mustLogin(t, srv, tt.username, tt.password)
				wantWhoami(t, srv, tok, tt.username)
				wantLoginFails(t, srv, tt.username, tt.password+"x")
			})
		}

		errTests := []struct {
			name   string
			args   []string
			wantIn string
		}{
			{"duplicate", []string{"--username", "bob"}, "already exists"},
			{"duplicate superuser", []string{"--username", "carol", "--superuser"}, "already exists"},
			{"no username", []string{"--email", "x@example.org"}, "--username is required"},
			{"invalid username", []string{"--username", "bad name"}, "valid username"},
			{"positional argument", []string{"--username", "erin", "extra"}, "expected 0 argument(s), got 1"},
		}
		for _, tt := range errTests {
			t.Run(tt.name, func(t *testing.T) {
				before := countUsers(t, st)
				wantFailure(t, c.run(append([]string{"create-user"}, tt.args...)...), 1, tt.wantIn)
				if got := countUsers(t, st); got != before {
					t.Errorf("users = %d, want %d", got, before)
				}
			})
		}
		// The duplicate left bob as he was.
		if bob := userByUsername(t, st, "bob"); bob.IsSuperuser {
			t.Errorf("bob became superuser through a failed create-user")
		}
	})
}

func TestSetPassword(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("create-user", "--username", "erin", "--password", "old password")
		c.mustRun("create-user", "--username", "frank")
		st := openTestStore(t, b.DSN)
		srv := apiServer(t, st)
		mustLogin(t, srv, "erin", "old password")

		out := c.mustRun("setpassword", "erin", "new password")
		if want := "Changed the password of \"erin\".\n"; out != want {
			t.Errorf("stdout = %q, want %q", out, want)
		}
		tok := mustLogin(t, srv, "erin", "new password")
		wantWhoami(t, srv, tok, "erin")
		wantLoginFails(t, srv, "erin", "old password")

		// A user created without a password gets one.
		c.mustRun("setpassword", "frank", "franks password")
		mustLogin(t, srv, "frank", "franks password")

		tests := []struct {
			name   string
			args   []string
			wantIn string
		}{
			{"unknown user", []string{"nobody", "pw"}, `"nobody"`},
			{"no arguments", nil, "expected 2 argument(s), got 0"},
			{"one argument", []string{"erin"}, "expected 2 argument(s), got 1"},
			{"three arguments", []string{"erin", "a", "b"}, "expected 2 argument(s), got 3"},
			{"empty password", []string{"erin", ""}, "must not be empty"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(append([]string{"setpassword"}, tt.args...)...), 1, tt.wantIn)
			})
		}
		mustLogin(t, srv, "erin", "new password") // the failures changed nothing
	})
}

func TestSuperuser(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("create-user", "--username", "gina")
		c.mustRun("create-user", "--username", "hank", "--superuser")
		st := openTestStore(t, b.DSN)

		steps := []struct {
			args     []string
			username string
			wantOut  string
			want     bool // IsSuperuser and IsStaff afterwards
		}{
			{[]string{"grantsuperuser", "gina"}, "gina", "\"gina\" is now a superuser.\n", true},
			{[]string{"grantsuperuser", "gina"}, "gina", "\"gina\" is now a superuser.\n", true},
			{[]string{"revokesuperuser", "gina"}, "gina", "\"gina\" is no longer a superuser.\n", false},
			{[]string{"revokesuperuser", "hank"}, "hank", "\"hank\" is no longer a superuser.\n", false},
			{[]string{"grantsuperuser", "hank"}, "hank", "\"hank\" is now a superuser.\n", true},
		}
		for _, s := range steps {
			out := c.mustRun(s.args...)
			if out != s.wantOut {
				t.Errorf("argus %s: stdout = %q, want %q", strings.Join(s.args, " "), out, s.wantOut)
			}
			u := userByUsername(t, st, s.username)
			if u.IsSuperuser != s.want || u.IsStaff != s.want {
				t.Errorf("after argus %s: superuser %v, staff %v; want both %v",
					strings.Join(s.args, " "), u.IsSuperuser, u.IsStaff, s.want)
			}
		}

		tests := []struct {
			name   string
			args   []string
			wantIn string
		}{
			{"grant unknown", []string{"grantsuperuser", "nobody"}, `"nobody"`},
			{"revoke unknown", []string{"revokesuperuser", "nobody"}, `"nobody"`},
			{"grant no argument", []string{"grantsuperuser"}, "expected 1 argument(s), got 0"},
			{"revoke two arguments", []string{"revokesuperuser", "gina", "hank"}, "expected 1 argument(s), got 2"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(tt.args...), 1, tt.wantIn)
			})
		}
		if hank := userByUsername(t, st, "hank"); !hank.IsSuperuser {
			t.Errorf("hank lost superuser through a failed revokesuperuser")
		}
	})
}

func TestUsage(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)

		wantFailure(t, c.run("create-user", "--bogus"), 1, "bogus", "create-user --help")
		wantFailure(t, c.run("frobnicate"), 2, `"frobnicate"`)

		for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}} {
			r := c.run(args...)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("argus %v: exit %d, stderr %q; want 0 and nothing", args, r.code, r.stderr)
			}
			for _, cmd := range commands() {
				if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(cmd.name) + ` `).MatchString(r.stdout) {
					t.Errorf("argus %v: stdout does not list %q:\n%s", args, cmd.name, r.stdout)
				}
			}
		}

		r := c.run("serve", "--help")
		if r.code != 0 || r.stderr != "" {
			t.Errorf("serve --help: exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
		}
		for _, v := range config.Vars {
			if !strings.Contains(r.stdout, v.Name) {
				t.Errorf("serve --help does not list %s:\n%s", v.Name, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, "-addr") {
			t.Errorf("serve --help does not list --addr:\n%s", r.stdout)
		}

		for _, cmd := range commands() {
			t.Run(cmd.name+" --help", func(t *testing.T) {
				r := c.run(cmd.name, "--help")
				if r.code != 0 || r.stderr != "" {
					t.Errorf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
				}
				if want := "Usage: argus " + cmd.name + " "; !strings.HasPrefix(r.stdout, want) {
					t.Errorf("stdout = %q, want it to start with %q", r.stdout, want)
				}
			})
		}

		// Neither help nor a bad flag touched the database.
		st, err := store.Open(context.Background(), b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if pending, err := st.Pending(context.Background()); err != nil || !pending {
			t.Errorf("Pending = %v, %v; want true: help must not migrate", pending, err)
		}
	})
}

func TestServe(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var stdout, stderr bytes.Buffer
		e := c.env(&stdout, &stderr)
		ready := make(chan string, 1)
		e.ready = func(addr string) { ready <- addr }
		done := make(chan int, 1)
		go func() { done <- runEnv(ctx, e, []string{"serve", "--addr", "127.0.0.1:0"}) }()

		var addr string
		select {
		case addr = <-ready:
		case code := <-done:
			t.Fatalf("serve exited with %d before listening; stderr:\n%s", code, stderr.String())
		}
		// serve wrote stdout before calling ready, and writes none after.
		m := generatedRE.FindStringSubmatch(stdout.String())
		if m == nil || len(m[1]) != 16 {
			t.Errorf("stdout = %q, want the generated admin password", stdout.String())
		}

		client := &http.Client{Timeout: time.Minute}
		defer client.CloseIdleConnections()
		base := "http://" + addr
		// The container healthcheck (Dockerfile) asks the same server.
		var hcOut, hcErr bytes.Buffer
		if code := runEnv(ctx, c.env(&hcOut, &hcErr), []string{"healthcheck", "--url", base + "/readyz"}); code != 0 {
			t.Errorf("healthcheck of a ready server exited %d: %s", code, hcErr.String())
		}
		if code := runEnv(ctx, c.env(&hcOut, &hcErr), []string{"healthcheck", "--url", base + "/no-such-page"}); code == 0 {
			t.Error("healthcheck passed on a 404")
		}
		status, body := do(t, client, http.MethodGet, base+"/api/v1/incidents/sources/", "", nil)
		if status != http.StatusOK {
			t.Errorf("GET sources: status %d, want 200", status)
		}
		list, _ := body.([]any)
		found := false
		for _, s := range list {
			s, _ := s.(map[string]any)
			if s["name"] == "argus" && cmp.Equal(s["type"], map[string]any{"name": "argus"}) {
				found = true
			}
		}
		if !found {
			t.Errorf("GET sources = %v, want the argus source", body)
		}
		if m != nil {
			status, body := do(t, client, http.MethodPost, base+"/api/v1/token-auth/", "",
				map[string]string{"username": "admin", "password": m[1]})
			if status != http.StatusOK {
				t.Errorf("token-auth as admin with the printed password: status %d, body %v; want 200", status, body)
			}
		}

		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve after cancel: exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
		if !strings.Contains(stderr.String(), `"msg":"shutting down`) {
			t.Errorf("stderr = %q, want a shutdown log line", stderr.String())
		}

		// A second start on the now set-up database creates nothing.
		st := openTestStore(t, b.DSN)
		before := countUsers(t, st)
		ctx2, cancel2 := context.WithCancel(t.Context())
		defer cancel2()
		var stdout2, stderr2 bytes.Buffer
		e2 := c.env(&stdout2, &stderr2)
		e2.ready = func(string) { cancel2() }
		if code := runEnv(ctx2, e2, []string{"serve", "--addr", "127.0.0.1:0"}); code != 0 {
			t.Errorf("second serve: exit %d, want 0; stderr:\n%s", code, stderr2.String())
		}
		if stdout2.Len() != 0 {
			t.Errorf("second serve: stdout = %q, want nothing", stdout2.String())
		}
		if got := countUsers(t, st); got != before {
			t.Errorf("users after the second serve = %d, want %d", got, before)
		}
	})
}

func TestNoAutoMigrate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.vars["ARGUS_AUTO_MIGRATE"] = "false"
		tests := [][]string{
			{"serve", "--addr", "127.0.0.1:0"},
			{"initial-setup"},
			{"create-user", "--username", "alice"},
			{"create-source", "--name", "gw", "--type", "nav"},
			{"create-token", "--username", "alice"},
			{"setpassword", "alice", "pw"},
			{"grantsuperuser", "alice"},
			{"revokesuperuser", "alice"},
		}
		for _, args := range tests {
			t.Run(args[0], func(t *testing.T) {
				wantFailure(t, c.run(args...), 1, `run "argus migrate"`)
			})
		}
		st, err := store.Open(context.Background(), b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if pending, err := st.Pending(context.Background()); err != nil || !pending {
			t.Errorf("Pending = %v, %v; want true", pending, err)
		}

		// After "argus migrate" the commands work without auto-migration.
		c.mustRun("migrate")
		c.mustRun("create-user", "--username", "alice")
	})
}

func TestMigrate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		out := c.mustRun("migrate")
		want := regexp.MustCompile(`^Applied [1-9][0-9]* migration\(s\) to ` + regexp.QuoteMeta(b.DSN) + `\.\n$`)
		if !want.MatchString(out) {
			t.Errorf("first migrate: stdout = %q, want %q", out, want)
		}
		out = c.mustRun("migrate")
		if want := "No migrations to apply; " + b.DSN + " is up to date.\n"; out != want {
			t.Errorf("second migrate: stdout = %q, want %q", out, want)
		}
		st, err := store.Open(context.Background(), b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if pending, err := st.Pending(context.Background()); err != nil || pending {
			t.Errorf("Pending after migrate = %v, %v; want false", pending, err)
		}
		wantFailure(t, c.run("migrate", "extra"), 1, "expected 0 argument(s), got 1")
	})
}

func TestConfigErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		tests := []struct {
			name   string
			vars   map[string]string
			wantIn string
		}{
			{"bad boolean", map[string]string{"ARGUS_AUTO_MIGRATE": "maybe"}, "ARGUS_AUTO_MIGRATE"},
			{"bad zone", map[string]string{"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"},
			{"bad days", map[string]string{"ARGUS_TOKEN_EXPIRES_AFTER_DAYS": "0"}, "ARGUS_TOKEN_EXPIRES_AFTER_DAYS"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := newCLI(t, b)
				c.vars = tt.vars
				for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"create-user", "--username", "x"}} {
					wantFailure(t, c.run(args...), 1, tt.wantIn)
				}
			})
		}
	})
}

func TestReadyzURL(t *testing.T) {
	for listen, want := range map[string]string{
		"":               "http://127.0.0.1:8000/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8000":   "http://127.0.0.1:8000/readyz",
		"[::]:8000":      "http://127.0.0.1:8000/readyz",
		"10.0.0.5:9000":  "http://10.0.0.5:9000/readyz",
		"[::1]:8000":     "http://[::1]:8000/readyz",
		"argus.lan:8000": "http://argus.lan:8000/readyz",
	} {
		if got, err := readyzURL(listen); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
	if _, err := readyzURL("no-port"); err == nil {
		t.Error("readyzURL accepted an address without a port")
	}
}
