// Package api serves the REST API v1 of Argus (api-v1.md, DECISIONS.md) over
// net/http: one route table, token and session authentication, DRF-shaped
// errors, CORS for the configured frontends.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
)

// Options configures a Server. Zero values get defaults.
type Options struct {
	// Location is where datetimes are rendered and naive input read (D7).
	// Default Europe/Oslo.
	Location *time.Location
	// TokenLifetime is how long API tokens live (D4). Default 14 days.
	TokenLifetime time.Duration
	// FrontendOrigins are the origins CORS allows ("https://argus.example.org").
	FrontendOrigins []string
	// Logger receives request logs and errors. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// TrustedProxies are ARGUS_TRUSTED_PROXIES: the only peers whose
	// X-Forwarded-Proto and X-Forwarded-For are believed. Default none.
	TrustedProxies []netip.Prefix
}

// Server is the HTTP handler of the API.
type Server struct {
	store    *store.Store
	accounts *auth.Accounts
	loc      *time.Location
	origins  []string
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	handler  http.Handler
	csrf     *http.CrossOriginProtection
	proxies  []netip.Prefix
}

// New returns the API handler over st.
func New(st *store.Store, o Options) *Server {
	s := &Server{
		store:   st,
		loc:     o.Location,
		origins: o.FrontendOrigins,
		log:     o.Logger,
		now:     o.Now,
		csrf:    http.NewCrossOriginProtection(),
		proxies: o.TrustedProxies,
	}
	if s.loc == nil {
		loc, err := time.LoadLocation("Europe/Oslo")
		if err != nil {
			loc = time.UTC
		}
		s.loc = loc
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = 14 * 24 * time.Hour
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.accounts = auth.NewAccounts(st, s.now, o.TokenLifetime)
	s.mux = s.routes()
	s.handler = s.forwarded(s.logRequests(s.recoverPanics(s.cors(s.redirectSlash(s.mux)))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is an API handler: it writes a response and returns nil, or
// returns an error for writeError to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access is who may call a handler.
type access int

const (
	// anyone, authenticated or not (logout, token-auth).
	anyone access = iota
	// authenticated users only; others get 401.
	authenticated
	// anonRead lets anyone GET and authenticated users do the rest.
	anonRead
)

// methods maps HTTP methods to handlers for one path.
type methods map[string]handlerFunc

// handle registers one path of the route table; see endpoint.
func (s *Server) handle(pattern string, who access, ms methods) {
	s.mux.HandleFunc(pattern, s.endpoint(who, ms))
}

// endpoint serves one path. Each request is
// authenticated first (an invalid token is 401 even where anonymous access
// is allowed, as in DRF), then dispatched by method: an unknown method
// answers 405 with Allow, OPTIONS 200 with Allow, HEAD runs GET.
func (s *Server) endpoint(who access, ms methods) http.HandlerFunc {
	allowed := make([]string, 0, len(ms)+2)
	for m := range ms {
		allowed = append(allowed, m)
	}
	if _, ok := ms[http.MethodGet]; ok {
		allowed = append(allowed, http.MethodHead)
	}
	allowed = append(allowed, http.MethodOptions)
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")

	return func(w http.ResponseWriter, r *http.Request) {
		r, err := s.authenticate(w, r)
		if err == nil && userFrom(r.Context()) == nil {
			switch {
			case who == authenticated:
				err = errUnauthenticated(msgNotAuthenticated)
			case who == anonRead && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions:
				err = errUnauthenticated(msgNotAuthenticated)
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		h, ok := ms[method]
		switch {
		case ok:
			err = h(w, r)
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", allow)
			w.WriteHeader(http.StatusOK)
		default:
			w.Header().Set("Allow", allow)
			writeJSON(w, http.StatusMethodNotAllowed, detailBody{`Method "` + r.Method + `" not allowed.`})
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// redirectSlash sends a path that exists only with a trailing slash there
// (D1): 301 for GET and HEAD, 308 (method and body kept) for the rest.
func (s *Server) redirectSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			next.ServeHTTP(w, r)
			return
		}
		probe := r.Clone(r.Context())
		probe.URL.Path += "/"
		probe.URL.RawPath = ""
		if _, pattern := s.mux.Handler(probe); pattern == "/" || pattern == "" {
			next.ServeHTTP(w, r)
			return
		}
		target := *r.URL
		target.Path += "/"
		target.RawPath = ""
		code := http.StatusPermanentRedirect
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			code = http.StatusMovedPermanently
		}
		http.Redirect(w, r, target.RequestURI(), code)
	})
}

// notFound answers every path outside the route table.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, detailBody{msgNotFound})
}

// userKey is the context key of the authenticated user.
type userKey struct{}

// userFrom returns the authenticated user, or nil.
func userFrom(ctx context.Context) *argus.User {
	u, _ := ctx.Value(userKey{}).(*argus.User)
	return u
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// requestIDKey is the context key of the request's id.
type requestIDKey struct{}

// requestID returns the id logRequests gave the request, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID is 16 random hex digits: unique enough to find one request
// in the logs, short enough to read out over the phone.
func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// logRequests gives each request an id, returned in X-Request-Id and
// carried by every log line about it, and logs one line per request: at
// error level for a 5xx, so that one can be found from the id a client
// reports. It logs the path without the query and never a header, so no
// token or cookie reaches the log.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", peerFrom(r).addr),
		}
		if u := userFrom(r.Context()); u != nil {
			attrs = append(attrs, slog.Int64("user", u.ID))
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverPanics turns a panicking handler into a logged 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.String("request_id", requestID(r.Context())),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				writeJSON(w, http.StatusInternalServerError, detailBody{msgServerError})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// CORS headers as django-cors-headers sends them.
const (
	corsAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT"
	corsAllowHeaders = "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with"
)

// cors lets the frontends of ARGUS_FRONTEND_URL call the API with
// credentials, and answers their preflight requests.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		if !slices.Contains(s.origins, strings.ToLower(origin)) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", "86400")
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}
