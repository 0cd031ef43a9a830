package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/web"
)

var start = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

// site is the whole server — API and web UI on one mux — over a fresh
// database, and a browser-like client that keeps cookies and does not
// follow redirects.
type site struct {
	t      *testing.T
	st     *store.Store
	srv    *httptest.Server
	clock  *storetest.Clock
	client *http.Client
}

func eachSite(t *testing.T, fn func(t *testing.T, s *site)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clock := storetest.NewClock(start)
		log := slog.New(slog.NewTextHandler(t.Output(), nil))
		accounts := auth.NewAccounts(st, clock.Now, 14*24*time.Hour)
		ui, err := web.New(st, web.Options{Accounts: accounts, Now: clock.Now, Logger: log, LoginAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(httpserver.Handler(httpserver.Options{Logger: log},
			api.New(st, api.Options{Accounts: accounts, Now: clock.Now, Logger: log}), ui))
		t.Cleanup(srv.Close)
		fn(t, &site{t: t, st: st, srv: srv, clock: clock, client: newBrowser(t)})
	})
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// page is a response with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (s *site) do(c *http.Client, method, path string, form url.Values, header map[string]string) page {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends with a form of this site.
		req.Header.Set("Origin", s.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (s *site) get(path string) page { return s.do(s.client, http.MethodGet, path, nil, nil) }

func (s *site) post(path string, form url.Values) page {
	return s.do(s.client, http.MethodPost, path, form, nil)
}

func (p page) want(t *testing.T, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("status = %d; want %d\n%s", p.status, status, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Errorf("page does not contain %q:\n%s", c, p.body)
		}
	}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([0-9a-f]+)"`)

// csrf is the CSRF token of the page at path.
func (s *site) csrf(path string) string {
	s.t.Helper()
	m := csrfRE.FindStringSubmatch(s.get(path).body)
	if m == nil {
		s.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

func (s *site) login(username string) {
	s.t.Helper()
	p := s.post("/login/", url.Values{"username": {username}, "password": {authtest.Password}, "next": {"/incidents/"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/incidents/" {
		s.t.Fatalf("login as %s: %d %s\n%s", username, p.status, p.header.Get("Location"), p.body)
	}
}

// incident raises an incident from a new source.
func (s *site) incident(desc string, level int, tags ...argus.Tag) argus.Incident {
	s.t.Helper()
	src, u := storetest.Source(s.t, s.st, "gw"+desc[:1], "nav", s.clock.Now())
	inc, _, err := s.st.CreateIncident(context.Background(), store.NewIncident{
		SourceID: src.ID, StartTime: s.clock.Now().Add(-time.Hour), EndTime: new(argus.Infinity),
		Description: desc, Level: level, Tags: tags,
	}, u.ID, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return inc
}

func TestLogin(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		authtest.User(t, s.st, "kari", false, start)

		t.Run("pages need a login", func(t *testing.T) {
			p := s.get("/incidents/?show=all")
			if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login/?next=%2Fincidents%2F%3Fshow%3Dall" {
				t.Errorf("anonymous /incidents/: %d %q; want 303 to the login page", p.status, p.header.Get("Location"))
			}
			if p := s.get("/"); p.status != http.StatusFound || p.header.Get("Location") != "/incidents/" {
				t.Errorf("/: %d %q; want 302 to /incidents/", p.status, p.header.Get("Location"))
			}
			s.get("/login/").want(t, http.StatusOK, `name="username"`, `type="password"`)
		})
		t.Run("security headers", func(t *testing.T) {
			p := s.get("/login/")
			for k, v := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
			} {
				if got := p.header.Get(k); got != v {
					t.Errorf("%s = %q; want %q", k, got, v)
				}
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
				strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if strings.Contains(p.body, "<script") || strings.Contains(p.body, "style=") {
				t.Error("the page has inline script or style")
			}
			s.get("/static/argus.css").want(t, http.StatusOK, "prefers-color-scheme")
		})
		t.Run("wrong password", func(t *testing.T) {
			s.post("/login/", url.Values{"username": {"kari"}, "password": {"nope"}}).
				want(t, http.StatusBadRequest, "do not match", `value="kari"`)
		})
		t.Run("a login from another site is refused", func(t *testing.T) {
			p := s.do(newBrowser(t), http.MethodPost, "/login/", url.Values{"username": {"kari"}, "password": {authtest.Password}},
				map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
			p.want(t, http.StatusForbidden)
			if p.header.Get("Set-Cookie") != "" {
				t.Error("a cross-site login set a cookie")
			}
		})
		t.Run("the next page stays on this site", func(t *testing.T) {
			for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
				b := newBrowser(t)
				p := s.do(b, http.MethodPost, "/login/", url.Values{"username": {"kari"}, "password": {authtest.Password}, "next": {next}}, nil)
				if p.status != http.StatusSeeOther || p.header.Get("Location") != "/incidents/" {
					t.Errorf("next %q: %d %q; want /incidents/", next, p.status, p.header.Get("Location"))
				}
			}
		})
		t.Run("login, session cookie, logout", func(t *testing.T) {
			s.login("kari")
			u, err := url.Parse(s.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			var cookie *http.Cookie
			for _, c := range s.client.Jar.Cookies(u) {
				if c.Name == api.SessionCookie {
					cookie = c
				}
			}
			if cookie == nil || len(cookie.Value) != 64 {
				t.Fatalf("session cookie = %+v; want 256 bits", cookie)
			}
			s.get("/incidents/").want(t, http.StatusOK, "kari", "Log out")
			// The API takes the same session.
			s.get("/api/v1/auth/user/").want(t, http.StatusOK, `"username":"kari"`)

			s.post("/logout/", url.Values{"csrf_token": {s.csrf("/incidents/")}}).want(t, http.StatusSeeOther)
			// The old cookie is worthless: the session row is gone.
			old := newBrowser(t)
			old.Jar.SetCookies(u, []*http.Cookie{{Name: api.SessionCookie, Value: cookie.Value, Path: "/"}})
			if p := s.do(old, http.MethodGet, "/incidents/", nil, nil); p.status != http.StatusSeeOther {
				t.Errorf("after logout the old cookie still opens the list: %d", p.status)
			}
		})
		t.Run("failed logins are limited", func(t *testing.T) {
			authtest.User(t, s.st, "ola", false, start)
			b := newBrowser(t)
			for range 3 {
				s.do(b, http.MethodPost, "/login/", url.Values{"username": {"ola"}, "password": {"wrong"}}, nil).want(t, http.StatusBadRequest)
			}
			s.do(b, http.MethodPost, "/login/", url.Values{"username": {"ola"}, "password": {authtest.Password}}, nil).
				want(t, http.StatusTooManyRequests, "Too many failed attempts")
			s.clock.Add(16 * time.Minute)
			p := s.do(b, http.MethodPost, "/login/", url.Values{"username": {"ola"}, "password": {authtest.Password}}, nil)
			p.want(t, http.StatusSeeOther)
		})
	})
}

func TestIncidentPages(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		authtest.User(t, s.st, "kari", false, start)
		critical := s.incident("a <b>core</b> router down", 1, argus.Tag{Key: "host", Value: "core1"})
		minor := s.incident("b disk 80% full", 4)
		s.login("kari")

		t.Run("list", func(t *testing.T) {
			p := s.get("/incidents/")
			p.want(t, http.StatusOK, "a &lt;b&gt;core&lt;/b&gt; router down", "b disk 80% full", "host=core1", "Critical")
			if strings.Contains(p.body, "<b>core</b>") {
				t.Error("the description was not escaped")
			}
			p = s.get("/incidents/?level__lte=2")
			p.want(t, http.StatusOK, "router down")
			if strings.Contains(p.body, "disk 80% full") {
				t.Error("level 4 shown with level at most 2")
			}
			p = s.get("/incidents/?tags=host%3Dcore1&show=all")
			p.want(t, http.StatusOK, "router down")
			if strings.Contains(p.body, "disk") {
				t.Error("tags filter let another incident through")
			}
			s.get("/incidents/?tags=bad").want(t, http.StatusOK, "tags:")
		})
		t.Run("detail", func(t *testing.T) {
			s.get("/incidents/"+itoa(critical.ID)+"/").want(t, http.StatusOK, "router down", "Incident start", "Acknowledge", "Close")
			s.get("/incidents/999999/").want(t, http.StatusNotFound)
			s.get("/incidents/abc/").want(t, http.StatusNotFound)
		})
		path := "/incidents/" + itoa(critical.ID) + "/"
		t.Run("actions need the session's CSRF token", func(t *testing.T) {
			before := storetest.Snapshot(t, s.st)
			s.post(path+"close/", url.Values{"comment": {"x"}}).want(t, http.StatusForbidden)
			s.post(path+"close/", url.Values{"comment": {"x"}, "csrf_token": {strings.Repeat("0", 32)}}).want(t, http.StatusForbidden)
			p := s.do(s.client, http.MethodPost, path+"close/", url.Values{"csrf_token": {s.csrf(path)}},
				map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
			p.want(t, http.StatusForbidden)
			if storetest.Snapshot(t, s.st) != before {
				t.Error("a refused form changed the database")
			}
		})
		t.Run("acknowledge, comment, close, reopen, ticket", func(t *testing.T) {
			token := s.csrf(path)
			s.post(path+"ack/", url.Values{"csrf_token": {token}, "comment": {"on it"}, "expiration": {"2026-06-02T12:00"}}).
				want(t, http.StatusSeeOther)
			acks, err := s.st.Acks(context.Background(), critical.ID)
			if err != nil || len(acks) != 1 || acks[0].Event.Description != "on it" || acks[0].Expiration == nil {
				t.Fatalf("acks = %+v, %v; want one with the comment and an expiry", acks, err)
			}
			s.post(path+"comment/", url.Values{"csrf_token": {token}, "comment": {"called the vendor"}}).want(t, http.StatusSeeOther)
			s.post(path+"comment/", url.Values{"csrf_token": {token}}).want(t, http.StatusBadRequest, "Write a comment first.")
			s.post(path+"close/", url.Values{"csrf_token": {token}, "comment": {"fixed"}}).want(t, http.StatusSeeOther)
			s.post(path+"close/", url.Values{"csrf_token": {token}}).want(t, http.StatusBadRequest, "The incident is already closed.")
			s.post(path+"reopen/", url.Values{"csrf_token": {token}}).want(t, http.StatusSeeOther)
			s.post(path+"ticket/", url.Values{"csrf_token": {token}, "ticket_url": {"not a url"}}).
				want(t, http.StatusBadRequest, "Enter a valid URL")
			s.post(path+"ticket/", url.Values{"csrf_token": {token}, "ticket_url": {"https://tickets.example.org/42"}}).
				want(t, http.StatusSeeOther)
			s.post(path+"nonsense/", url.Values{"csrf_token": {token}}).want(t, http.StatusNotFound)
			s.get(path).want(t, http.StatusOK, "on it", "called the vendor", "fixed", "Reopen", "https://tickets.example.org/42")
			events, err := s.st.Events(context.Background(), critical.ID)
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, e := range events {
				types = append(types, string(e.Type)+" "+e.Actor.Username)
			}
			if got := strings.Join(types, ", "); got != "STA gwa, ACK kari, OTH kari, CLO kari, REO kari" &&
				got != "REO kari, CLO kari, OTH kari, ACK kari, STA gwa" {
				t.Errorf("events = %s", got)
			}
		})
		t.Run("a source system gets no actions", func(t *testing.T) {
			src, _ := storetest.Source(t, s.st, "gwx", "nav", start)
			if err := s.st.SetPassword(context.Background(), src.UserID, mustHash(t)); err != nil {
				t.Fatal(err)
			}
			u, err := s.st.User(context.Background(), src.UserID)
			if err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t)
			p := s.do(b, http.MethodPost, "/login/", url.Values{"username": {u.Username}, "password": {authtest.Password}}, nil)
			p.want(t, http.StatusSeeOther)
			minorPath := "/incidents/" + itoa(minor.ID) + "/"
			p = s.do(b, http.MethodGet, minorPath, nil, nil)
			p.want(t, http.StatusOK)
			if strings.Contains(p.body, "/ack/") {
				t.Error("a source system is offered to acknowledge")
			}
			token := csrfRE.FindStringSubmatch(p.body)[1]
			s.do(b, http.MethodPost, minorPath+"close/", url.Values{"csrf_token": {token}}, nil).
				want(t, http.StatusBadRequest, "A source system cannot post events of type")
		})
	})
}

func mustHash(t *testing.T) string {
	t.Helper()
	h, err := auth.HashPassword(authtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
