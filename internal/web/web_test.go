package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
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
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		fn(t, newSite(t, storetest.Open(t, b.DSN)))
	})
}

// newSite serves the whole server over st, with a live-update hub that
// hears the database's changes (as argus serve does), once it hears them.
func newSite(t *testing.T, st *store.Store) *site { return newSiteWith(t, st, web.Options{}) }

// newSiteWith is newSite with options for the web UI (the clock, logger,
// accounts and hub are the site's).
func newSiteWith(t *testing.T, st *store.Store, o web.Options) *site {
	clock := storetest.NewClock(start)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	accounts := auth.NewAccounts(st, clock.Now, 14*24*time.Hour)
	hub := realtime.NewHub(100)
	ctx, cancel := context.WithCancel(context.Background())
	hearing, done := hub.Follow(ctx, st, nil)
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-hearing:
	case <-time.After(10 * time.Second):
		t.Fatal("the hub hears nothing from the database")
	}
	o.Accounts, o.Now, o.Logger, o.LoginAttempts, o.Hub = accounts, clock.Now, log, 3, hub
	ui, err := web.New(st, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(httpserver.Handler(httpserver.Options{Logger: log},
		api.New(st, api.Options{Accounts: accounts, Now: clock.Now, Logger: log}), ui))
	srv.Config.RegisterOnShutdown(hub.Close)
	srv.Start()
	t.Cleanup(func() {
		hub.Close() // ends the live streams, which Close waits for
		srv.Close()
	})
	return &site{t: t, st: st, srv: srv, clock: clock, client: newBrowser(t)}
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
		if k == "Host" {
			req.Host = v // as a load balancer in front of several instances keeps it
			continue
		}
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
			// Scripts come from /static/ only; no inline script or style.
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(p.body, -1) {
				if !strings.Contains(tag, `src="/static/`) {
					t.Errorf("the page has an inline script: %s", tag)
				}
			}
			if strings.Contains(p.body, "style=") || strings.Contains(p.body, "<style") || strings.Contains(p.body, " on") &&
				regexp.MustCompile(`\son[a-z]+=`).MatchString(p.body) {
				t.Error("the page has inline style or an event handler attribute")
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
		kari := authtest.User(t, s.st, "kari", false, start)
		critical := s.incident("a <b>core</b> router down", 1, argus.Tag{Key: "host", Value: "core1"})
		if _, err := s.st.UpdateIncident(context.Background(), critical.ID, store.IncidentChange{
			DetailsURL: new("https://nav.example.org/core1")}, &kari, start); err != nil {
			t.Fatal(err)
		}
		minor := s.incident("b disk 80% full", 4)
		s.login("kari")

		t.Run("list", func(t *testing.T) {
			p := s.get("/incidents/")
			p.want(t, http.StatusOK, "a &lt;b&gt;core&lt;/b&gt; router down", "b disk 80% full", "host=core1", "Critical",
				`<a href="https://nav.example.org/core1" rel="noreferrer">details</a>`)
			if strings.Contains(p.body, "<b>core</b>") {
				t.Error("the description was not escaped")
			}
			// The start, relative and exact (without this year's year).
			if !regexp.MustCompile(`>1 h ago</time> <span class="muted">\d\d-\d\d \d\d:\d\d</span>`).MatchString(p.body) {
				t.Error("a row does not show its start both relative and exact")
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
			// Sources are checkboxes: one value each.
			a, b := itoa(critical.Source.ID), itoa(minor.Source.ID)
			s.get("/incidents/?source__id__in="+a+"&source__id__in="+b).want(t, http.StatusOK, "router down", "disk 80% full",
				`value="`+a+`" checked`, `value="`+b+`" checked`, "Sources: <span class=\"picked\">gwa, gwb</span>")
			p = s.get("/incidents/?source__id__in=" + a)
			p.want(t, http.StatusOK, "router down", `value="`+a+`" checked`)
			if strings.Contains(p.body, "disk 80% full") || strings.Contains(p.body, `value="`+b+`" checked`) {
				t.Error("the list narrowed to one source shows another")
			}
			// Words are searched each on its own, a quoted phrase whole,
			// as the API's ?search= (api-v2.md §4.4.2).
			for q, want := range map[string]string{"router core": "router down", `"core router"`: "", "disk full": "disk 80% full"} {
				p := s.get("/incidents/?q=" + url.QueryEscape(q))
				p.want(t, http.StatusOK)
				for _, desc := range []string{"router down", "disk 80% full"} {
					if strings.Contains(p.body, desc) != (desc == want) {
						t.Errorf("search %q: %q shown %v", q, desc, !(desc == want))
					}
				}
			}
			var words []string
			for i := range api.MaxSearchTerms + 1 {
				words = append(words, "w"+itoa(int64(i)))
			}
			s.get("/incidents/?q="+url.QueryEscape(strings.Join(words, " "))).want(t, http.StatusOK, "Search: give at most")
		})
		t.Run("detail", func(t *testing.T) {
			p := s.get("/incidents/" + itoa(critical.ID) + "/")
			p.want(t, http.StatusOK, "router down", "Incident start", "Acknowledge", "Close")
			if strings.Contains(p.body, "Metadata") {
				t.Error("empty metadata shown")
			}
			if _, err := s.st.UpdateIncident(context.Background(), minor.ID, store.IncidentChange{
				Metadata: json.RawMessage(`{"vendor":"<acme>","slot":4}`)}, &kari, start); err != nil {
				t.Fatal(err)
			}
			p = s.get("/incidents/" + itoa(minor.ID) + "/")
			p.want(t, http.StatusOK, "Metadata", "&#34;vendor&#34;: &#34;&lt;acme&gt;&#34;,\n  &#34;slot&#34;: 4")
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
			// Newest first; the CHI events record the details and the
			// ticket URL (D31).
			if got, want := strings.Join(types, ", "), "CHI kari, REO kari, CLO kari, OTH kari, ACK kari, CHI kari, STA gwa"; got != want {
				t.Errorf("events = %s; want %s", got, want)
			}
		})
		t.Run("bulk actions", func(t *testing.T) {
			one := s.incident("c first of two", 3)
			two := s.incident("d second of two", 3)
			token := s.csrf("/incidents/")
			s.get("/incidents/").want(t, http.StatusOK, `name="id" value="`+itoa(one.ID)+`" form="bulk"`)
			ids := []string{itoa(one.ID), itoa(two.ID)}
			s.post("/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"ack"}, "id": ids, "comment": {"both"},
				"back": {"/incidents/?show=all"}}).want(t, http.StatusOK, "2 done", `href="/incidents/?show=all"`)
			for _, inc := range []argus.Incident{one, two} {
				acks, err := s.st.Acks(context.Background(), inc.ID)
				if err != nil || len(acks) != 1 || acks[0].Event.Description != "both" {
					t.Errorf("acks of %d = %+v, %v; want the bulk ack", inc.ID, acks, err)
				}
			}
			s.post("/incidents/"+itoa(one.ID)+"/close/", url.Values{"csrf_token": {token}}).want(t, http.StatusSeeOther)
			p := s.post("/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"close"}, "id": append(ids, "99999")})
			p.want(t, http.StatusOK, "1 done, 2 refused", "The incident is already closed.", "There is no such incident.")
			s.post("/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"close"}}).want(t, http.StatusBadRequest, "Select between")
			s.post("/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"delete"}, "id": ids}).want(t, http.StatusNotFound)
			s.post("/incidents/bulk/", url.Values{"action": {"reopen"}, "id": ids}).want(t, http.StatusForbidden)
			p = s.post("/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"ack"}, "id": ids,
				"back": {"https://evil.example/"}})
			p.want(t, http.StatusOK, `href="/incidents/"`)
			if strings.Contains(p.body, "evil.example") {
				t.Error("the way back leads to another site")
			}
		})
		t.Run("columns and page size", func(t *testing.T) {
			token := s.csrf("/incidents/")
			s.post("/preferences/", url.Values{"column": {"source", "nonsense"}, "page_size": {"25"}, "back": {"/incidents/"}}).
				want(t, http.StatusForbidden)
			p := s.post("/preferences/", url.Values{"csrf_token": {token}, "column": {"source", "nonsense"}, "page_size": {"25"},
				"back": {"/incidents/?show=all"}})
			if p.status != http.StatusSeeOther || p.header.Get("Location") != "/incidents/?show=all" {
				t.Fatalf("save preferences: %d %q", p.status, p.header.Get("Location"))
			}
			p = s.get("/incidents/?show=all")
			p.want(t, http.StatusOK, "<th scope=\"col\">Source</th>", `value="25" selected`)
			if strings.Contains(p.body, ">Tags</th>") || strings.Contains(p.body, "host=core1") {
				t.Error("the tags column shows after it was hidden")
			}
			if strings.Contains(p.body, "router down") {
				t.Error("descriptions show after the column was hidden")
			}
			if r := s.get("/incidents/" + itoa(critical.ID) + "/row/?show=all"); strings.Contains(r.body, "host=core1") {
				t.Error("a live row shows the hidden tags column")
			}
			filler, fillerUser := storetest.Source(t, s.st, "filler", "nav", start)
			for range 30 {
				if _, _, err := s.st.CreateIncident(context.Background(), store.NewIncident{SourceID: filler.ID, StartTime: start,
					Description: "filler", Level: 5}, fillerUser.ID, start); err != nil {
					t.Fatal(err)
				}
			}
			if n := strings.Count(s.get("/incidents/?show=all").body, `name="id" value=`); n != 25 {
				t.Errorf("a page holds %d rows; want the chosen 25", n)
			}
			s.post("/preferences/", url.Values{"csrf_token": {token}, "column": {"started", "source", "description", "tags", "state", "ticket"},
				"page_size": {"7"}}).want(t, http.StatusSeeOther) // 7 is no choice: the default
			all, _, err := s.st.Incidents(context.Background(), store.IncidentFilter{}, nil, 0, start)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(s.get("/incidents/?show=all").body, `name="id" value=`); n != len(all) || n <= 25 {
				t.Errorf("a page holds %d rows; want all %d at the default 50", n, len(all))
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
			// It acts through the API, by its rules: here every post is
			// refused, and changes nothing.
			token := csrfRE.FindStringSubmatch(p.body)[1]
			before := storetest.Snapshot(t, s.st)
			for _, action := range []string{"ack", "comment", "ticket", "close"} {
				s.do(b, http.MethodPost, minorPath+action+"/", url.Values{"csrf_token": {token}, "comment": {"x"},
					"ticket_url": {"https://t.example.org/"}}, nil).want(t, http.StatusForbidden, "through the API")
			}
			s.do(b, http.MethodPost, "/incidents/bulk/", url.Values{"csrf_token": {token}, "action": {"ack"}, "id": {itoa(minor.ID)}}, nil).
				want(t, http.StatusForbidden, "through the API")
			if storetest.Snapshot(t, s.st) != before {
				t.Error("a source system's refused form changed the database")
			}
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

// stream is a live view's event stream, read in the background.
type stream struct {
	events chan sse
	cancel context.CancelFunc
}

// sse is one server-sent event.
type sse struct{ id, event, data string }

// live opens /live/ with the browser's cookies, as EventSource does after
// seeing the event lastID ("" for a fresh page), and returns once the
// server has subscribed it (the stream's first line).
func (s *site) live(c *http.Client, lastID string) *stream {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+"/live/", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		s.t.Fatalf("/live/: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &stream{events: make(chan sse, 64), cancel: cancel}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		s.t.Fatalf("/live/ began with %q", sc.Text())
	}
	go func() {
		defer resp.Body.Close()
		defer close(st.events)
		var e sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				e.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			case line == "" && e.event != "":
				st.events <- e
				e = sse{}
			}
		}
	}()
	return st
}

// next is the stream's next event, within ten seconds.
func (st *stream) next(t *testing.T) sse {
	t.Helper()
	select {
	case e, ok := <-st.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return sse{}
}

func TestLive(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		authtest.User(t, s.st, "kari", false, start)
		s.login("kari")
		live := s.live(s.client, "")
		inc := s.incident("a router down", 2)
		created := live.next(t)
		if want := fmt.Sprintf(`{"id":1,"kind":"created","incident":%d,"event":`, inc.ID); created.event != "change" ||
			!strings.HasPrefix(created.data, want) {
			t.Errorf("event = %+v; want a change %s…", created, want)
		}
		path := "/incidents/" + itoa(inc.ID) + "/"
		s.post(path+"ack/", url.Values{"csrf_token": {s.csrf(path)}}).want(t, http.StatusSeeOther)
		acked := live.next(t)
		if !strings.Contains(acked.data, `"kind":"ack"`) {
			t.Errorf("event = %+v; want the ack", acked)
		}

		t.Run("the changed row as the list's filters show it", func(t *testing.T) {
			s.get("/incidents/"+itoa(inc.ID)+"/row/?show=open").want(t, http.StatusOK, `id="incident-`+itoa(inc.ID)+`"`, "acked")
			if p := s.get("/incidents/" + itoa(inc.ID) + "/row/?show=unacked"); p.status != http.StatusNoContent {
				t.Errorf("row of an acked incident in the unacked list: %d; want 204", p.status)
			}
			if p := s.get("/incidents/" + itoa(inc.ID) + "/row/?level__lte=1"); p.status != http.StatusNoContent {
				t.Errorf("row of a level 2 incident among levels ≤ 1: %d; want 204", p.status)
			}
		})
		t.Run("pages that update themselves say so", func(t *testing.T) {
			s.get("/incidents/").want(t, http.StatusOK, `data-live="list"`, `src="/static/live.js"`)
			s.get(path).want(t, http.StatusOK, `data-live="incident"`, `id="incident-state"`)
			p := s.get("/wall/")
			p.want(t, http.StatusOK, `data-live="wall"`, "a router down", "High")
			if strings.Contains(p.body, "Log out") {
				t.Error("the wall has controls")
			}
			s.get("/static/live.js").want(t, http.StatusOK, "EventSource")
		})
		t.Run("a reconnecting view catches up, or reloads", func(t *testing.T) {
			live.cancel()
			other := s.incident("b link flapping", 3)
			got := s.live(s.client, acked.id).next(t)
			if !strings.Contains(got.data, fmt.Sprintf(`"incident":%d`, other.ID)) {
				t.Errorf("caught up with %+v; want the creation of incident %d", got, other.ID)
			}
			if got := s.live(s.client, "elsewhere.2").next(t); got.event != "reset" {
				t.Errorf("an id of another process got %+v; want reset", got)
			}
		})
		t.Run("no stream without a login", func(t *testing.T) {
			p := s.do(newBrowser(t), http.MethodGet, "/live/", nil, nil)
			if p.status != http.StatusSeeOther {
				t.Errorf("anonymous /live/: %d; want 303 to the login page", p.status)
			}
		})
	})
}

// TestLiveAcrossInstances checks D36 on PostgreSQL: a change committed
// through one instance reaches a browser connected to another.
func TestLiveAcrossInstances(t *testing.T) {
	dsn := testdb.PostgresDSN(t) // skips without PostgreSQL
	a := newSite(t, storetest.Open(t, dsn))
	b := newSite(t, storetest.Open(t, dsn))
	authtest.User(t, a.st, "kari", false, start)
	b.login("kari")
	live := b.live(b.client, "")
	inc := a.incident("a core down", 1)
	if got := live.next(t); !strings.Contains(got.data, fmt.Sprintf(`"kind":"created","incident":%d`, inc.ID)) {
		t.Errorf("instance b's browser got %+v; want the creation of incident %d on instance a", got, inc.ID)
	}
	// b renders the row from the shared database.
	b.get("/incidents/"+itoa(inc.ID)+"/row/").want(t, http.StatusOK, "a core down")
}

// TestEveryPageNeedsALogin checks every page and form of the UI: a
// browser without a session is sent to the login page and changes
// nothing, and a logged-in one without the form's CSRF token is refused.
func TestEveryPageNeedsALogin(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		authtest.User(t, s.st, "kari", false, start)
		inc := s.incident("x down", 2)
		id := itoa(inc.ID)
		before := storetest.Snapshot(t, s.st)
		anonymous := newBrowser(t)
		for _, path := range []string{"/incidents/", "/incidents/" + id + "/", "/incidents/" + id + "/row/", "/wall/", "/live/"} {
			p := s.do(anonymous, http.MethodGet, path, nil, nil)
			if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login/") {
				t.Errorf("anonymous GET %s: %d %q; want 303 to the login page", path, p.status, p.header.Get("Location"))
			}
		}
		forms := []string{"/logout/", "/incidents/" + id + "/ack/", "/incidents/" + id + "/close/", "/incidents/" + id + "/comment/",
			"/incidents/" + id + "/ticket/", "/incidents/bulk/", "/preferences/"}
		for _, path := range forms {
			form := url.Values{"id": {id}, "action": {"ack"}, "comment": {"x"}, "ticket_url": {"https://t.example.org/"}}
			if p := s.do(anonymous, http.MethodPost, path, form, nil); p.status != http.StatusSeeOther {
				t.Errorf("anonymous POST %s: %d; want 303 to the login page", path, p.status)
			}
		}
		s.login("kari")
		for _, path := range forms {
			form := url.Values{"id": {id}, "action": {"ack"}, "comment": {"x"}, "ticket_url": {"https://t.example.org/"}}
			if p := s.post(path, form); p.status != http.StatusForbidden {
				t.Errorf("POST %s without a CSRF token: %d; want 403", path, p.status)
			}
		}
		// The login itself added a session row; nothing else changed.
		if _, err := s.st.DB().ExecContext(context.Background(), `DELETE FROM argus_auth_session`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.st.DB().ExecContext(context.Background(), `UPDATE argus_auth_user SET last_login = NULL`); err != nil {
			t.Fatal(err)
		}
		if after := storetest.Snapshot(t, s.st); after != before {
			t.Error("a refused page or form changed the database")
		}
	})
}

// TestHostileFormText checks that text a database cannot take — NUL,
// invalid UTF-8, more than a field's limit — is refused with a 4xx, or
// read as replaced, never a 5xx, and changes nothing it was refused for.
func TestHostileFormText(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		authtest.User(t, s.st, "kari", false, start)
		inc := s.incident("x down", 2)
		path := "/incidents/" + itoa(inc.ID) + "/"
		for _, bad := range []string{"a\x00b", "\xff\xfe", strings.Repeat("é", 70000)} {
			p := s.do(newBrowser(t), http.MethodPost, "/login/", url.Values{"username": {bad}, "password": {"pw"}}, nil)
			if p.status >= 500 || p.status == http.StatusSeeOther {
				t.Errorf("login as %.20q: %d; want a refusal", bad, p.status)
			}
		}
		s.login("kari")
		token := s.csrf(path)
		before := storetest.Snapshot(t, s.st)
		for _, bad := range []string{"a\x00b", strings.Repeat("é", 70000)} {
			for _, action := range []string{"comment", "ticket"} {
				p := s.post(path+action+"/", url.Values{"csrf_token": {token}, "comment": {bad}, "ticket_url": {bad}})
				if p.status != http.StatusBadRequest {
					t.Errorf("%s with %.20q: %d; want 400", action, bad, p.status)
				}
			}
			if p := s.get("/incidents/?q=" + url.QueryEscape(bad)); p.status != http.StatusOK || !strings.Contains(p.body, "Search:") {
				t.Errorf("search for %.20q: %d; want the list with the reason", bad, p.status)
			}
		}
		if storetest.Snapshot(t, s.st) != before {
			t.Error("refused text changed the database")
		}
		// Invalid UTF-8 is read as Django reads it, replaced.
		s.post(path+"comment/", url.Values{"csrf_token": {token}, "comment": {"ok \xff"}}).want(t, http.StatusSeeOther)
		s.get("/incidents/?q="+url.QueryEscape("\xff")).want(t, http.StatusOK)
	})
}
