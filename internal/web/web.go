// Package web is the operators' face of Argus (D24): server-rendered
// pages from html/template, hand-written CSS, every page and action
// working without JavaScript. It logs people in with a password into a
// session row (D35), lists incidents with the API's filters, shows one
// incident with its events and acks, and lets end users acknowledge,
// close, reopen, comment and set the ticket URL. The rules are the
// store's; the pages only decode forms and render.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the web face. Zero values get defaults.
type Options struct {
	// Accounts are the account operations shared with the API.
	Accounts *auth.Accounts
	// Location is TIME_ZONE, in which times are shown. Default UTC.
	Location *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives errors. Default slog.Default().
	Logger *slog.Logger
	// Hub feeds the live updates of the list, the incident page and the
	// wall (D36); without one the pages do not update by themselves.
	Hub *realtime.Hub
	// Providers are the login providers besides passwords (Feide, OIDC).
	Providers []auth.Provider
	// SecretKey signs the login cookie (SECRET_KEY); "" makes a random
	// one, good for this process only.
	SecretKey string
	// FrontendURL and CookieDomain: after a login with a provider the
	// browser goes to FrontendURL (the React frontend) with a "token"
	// cookie on CookieDomain; without one it stays in the web UI.
	FrontendURL, CookieDomain string
	// LoginAttempts is how many failed logins a username may make in
	// LoginWindow before it must wait, and a fifth of what a client
	// address may (many people may share one behind NAT) (D35). Defaults
	// 10 and 15 minutes.
	LoginAttempts int
	LoginWindow   time.Duration
}

// Server is the web face; Register mounts it on the top-level mux.
type Server struct {
	st       *store.Store
	accounts *auth.Accounts
	loc      *time.Location
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template
	hub      *realtime.Hub

	providers                 []auth.Provider
	secret                    []byte
	frontendURL, cookieDomain string
	// users and addrs count failed logins per username and per client
	// address.
	users, addrs *limiter
}

// New returns the web face over st.
func New(st *store.Store, o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Accounts == nil {
		o.Accounts = auth.NewAccounts(st, o.Now, 14*24*time.Hour)
	}
	if o.LoginAttempts <= 0 {
		o.LoginAttempts = 10
	}
	if o.LoginWindow <= 0 {
		o.LoginWindow = 15 * time.Minute
	}
	s := &Server{
		st: st, accounts: o.Accounts, loc: o.Location, now: o.Now, log: o.Logger, hub: o.Hub,
		providers: o.Providers, secret: []byte(o.SecretKey), frontendURL: o.FrontendURL, cookieDomain: o.CookieDomain,
		users: newLimiter(o.LoginAttempts, o.LoginWindow, o.Now),
		addrs: newLimiter(5*o.LoginAttempts, o.LoginWindow, o.Now),
	}
	if len(s.secret) == 0 {
		s.secret = []byte(rand.Text() + rand.Text())
	}
	pages, err := parsePages(s.funcs())
	if err != nil {
		return nil, err
	}
	s.pages = pages
	return s, nil
}

// Register adds the web UI's routes to mux. Exact paths end in {$}.
func (s *Server) Register(mux *http.ServeMux) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	mux.Handle("GET /static/", s.secure(http.StripPrefix("/static/", http.FileServerFS(static))))
	mux.Handle("GET /{$}", s.secure(http.RedirectHandler("/incidents/", http.StatusFound)))
	mux.Handle("/login/{$}", s.secure(http.HandlerFunc(s.login)))
	mux.Handle("POST /logout/{$}", s.secure(s.user(s.logout)))
	mux.Handle("GET /oidc/login/{provider}/{$}", s.secure(http.HandlerFunc(s.oidcLogin)))
	mux.Handle("GET /oidc/complete/{provider}/{$}", s.secure(http.HandlerFunc(s.oidcComplete)))
	mux.Handle("GET /incidents/{$}", s.secure(s.user(s.incidents)))
	mux.Handle("GET /incidents/{pk}/{$}", s.secure(s.user(s.incident)))
	mux.Handle("GET /incidents/{pk}/row/{$}", s.secure(s.user(s.row)))
	mux.Handle("GET /wall/{$}", s.secure(s.user(s.wall)))
	if s.hub != nil {
		mux.Handle("GET /live/{$}", s.secure(s.user(func(w http.ResponseWriter, r *http.Request, _ *session) {
			realtime.ServeSSE(s.hub, w, r)
		})))
	}
	mux.Handle("POST /incidents/{pk}/{action}/{$}", s.secure(s.user(s.act)))
	mux.Handle("POST /incidents/bulk/{$}", s.secure(s.user(s.bulk)))
	mux.Handle("POST /preferences/{$}", s.secure(s.user(s.preferences)))
}

// secure sets the headers every page carries: a Content-Security-Policy
// without inline script or style, no framing, no sniffing, no referrer
// beyond this site.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// No form of ours comes near this; a bigger body is refused
		// before it is read into memory.
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a form's body.
const maxFormBytes = 1 << 20

// session is who is logged in, with the session's key.
type session struct {
	user *argus.User
	key  string
}

type sessionKey struct{}

// user lets only logged-in people through; others go to the login page
// and come back afterwards. Every unsafe request must carry the session's
// CSRF token and come from this site.
func (s *Server) user(next func(w http.ResponseWriter, r *http.Request, ss *session)) http.Handler {
	protect := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.session(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ss == nil {
			target := "/login/?next=" + url.QueryEscape(r.URL.RequestURI())
			if r.Method != http.MethodGet {
				target = "/login/"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := protect.Check(r); err != nil {
				s.forbidden(w, r, "This form came from another site.")
				return
			}
			if !validCSRF(ss.key, r.PostFormValue("csrf_token")) {
				s.forbidden(w, r, "The form is out of date or was not sent by this page. Go back, reload it and try again.")
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, ss)), ss)
	})
}

// session returns the request's session, or nil when it has none.
func (s *Server) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(api.SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	u, err := s.accounts.UserBySession(r.Context(), c.Value)
	if errors.Is(err, argus.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	httpserver.NoteUser(r.Context(), u.ID)
	return &session{user: &u, key: c.Value}, nil
}

// csrfToken is the CSRF token of a session: derived from its secret key,
// so it is bound to the session and needs no storage.
func csrfToken(sessionKey string) string {
	sum := sha256.Sum256([]byte("argus csrf token\x00" + sessionKey))
	return hex.EncodeToString(sum[:16])
}

func validCSRF(sessionKey, token string) bool {
	return subtle.ConstantTimeCompare([]byte(csrfToken(sessionKey)), []byte(token)) == 1
}

// setSession sets or clears the session cookie: HttpOnly, SameSite=Lax,
// Secure when the client reached us over https.
func setSession(w http.ResponseWriter, r *http.Request, key string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: api.SessionCookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: httpserver.PeerFrom(r).Scheme == "https", MaxAge: int(maxAge / time.Second),
	}
	if key == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// render writes a page: the template named page with the view v.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v any) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "base", v); err != nil {
		s.log.ErrorContext(r.Context(), "render", slog.String("page", page), slog.Any("error", err),
			slog.String("request_id", httpserver.RequestID(r.Context())))
		http.Error(w, "A server error occurred.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

// renderPart writes one partial of a page's templates, as HTML for a
// live update to put in place.
func (s *Server) renderPart(w http.ResponseWriter, r *http.Request, page, part string, v any) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, part, v); err != nil {
		s.fail(w, r, fmt.Errorf("web: render %s of %s: %w", part, page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

// problem is the view of an error page.
type problem struct {
	page
	Status  int
	Message string
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, r, http.StatusForbidden, "problem", problem{page: s.pageOf(r, "Not allowed"), Status: 403, Message: msg})
}

// fail renders err: the domain's refusals as the page they concern
// cannot (they are rare on pages, which offer only what is allowed), a
// missing object as 404, anything else as a logged 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, argus.ErrNotFound):
		s.render(w, r, http.StatusNotFound, "problem", problem{page: s.pageOf(r, "Not found"), Status: 404,
			Message: "There is nothing here. It may have been deleted."})
	case errors.Is(err, argus.ErrForbidden):
		s.forbidden(w, r, "You may not do that.")
	case argus.Refusals(err) != nil:
		s.render(w, r, http.StatusBadRequest, "problem", problem{page: s.pageOf(r, "Not possible"), Status: 400,
			Message: describe(err)})
	case r.Context().Err() != nil:
		w.WriteHeader(httpserver.StatusClientClosed)
	default:
		s.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", httpserver.RequestID(r.Context())),
			slog.String("path", r.URL.Path), slog.Any("error", err))
		s.render(w, r, http.StatusInternalServerError, "problem", problem{page: s.pageOf(r, "Error"), Status: 500,
			Message: "Something went wrong on our side. The request id " + httpserver.RequestID(r.Context()) + " helps to find it."})
	}
}

// page is what the base layout needs of every page.
type page struct {
	Title string
	User  *argus.User
	CSRF  string
	// Live names the page's live updates for live.js ("list",
	// "incident", "wall"); "" for none.
	Live string
	// Wall drops the header: the wall screen has no controls.
	Wall bool
	// Keys loads the list's keyboard shortcuts.
	Keys bool
}

func (s *Server) pageOf(r *http.Request, title string) page {
	p := page{Title: title, Keys: title == "Incidents"}
	if s.hub != nil {
		switch title {
		case "Incidents":
			p.Live = "list"
		case "Wall":
			p.Live, p.Wall = "wall", true
		default:
			if strings.HasPrefix(title, "Incident ") {
				p.Live = "incident"
			}
		}
	} else if title == "Wall" {
		p.Wall = true
	}
	if ss, ok := r.Context().Value(sessionKey{}).(*session); ok {
		p.User, p.CSRF = ss.user, csrfToken(ss.key)
	}
	return p
}

// limiter counts failed logins per key (a username, a client address) in
// a sliding window, in this process.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// blocked reports whether the key has used up its attempts.
func (l *limiter) blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key)) >= l.max
}

// maxLimiterKeys is how many keys a limiter holds before it sweeps out
// the ones whose attempts have all expired: a spray of made-up usernames
// must not grow it for good.
const maxLimiterKeys = 10000

// failed records a failed attempt of the key.
func (l *limiter) failed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxLimiterKeys {
		for k := range l.fails {
			l.recent(k)
		}
	}
	l.fails[key] = append(l.recent(key), l.now())
}

// recent drops a key's attempts older than the window; l.mu is held.
func (l *limiter) recent(k string) []time.Time {
	cut := l.now().Add(-l.window)
	list := l.fails[k]
	i := 0
	for i < len(list) && !list[i].After(cut) {
		i++
	}
	if i == len(list) {
		delete(l.fails, k)
		return nil
	}
	list = list[i:]
	l.fails[k] = list
	return list
}

// describe words refusals for a page.
func describe(err error) string {
	msg := api.Describe(err)
	return strings.TrimSpace(msg)
}
