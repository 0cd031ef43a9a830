// Package api is what both versions of the REST API share — body decoding
// with limits, DRF-shaped errors and their wording, method tables with
// DRF's 405, token and session authentication, cursors — and API v1
// itself (api-v1.md, DECISIONS.md): its route table (routes.go) and its
// handlers and renderers (the v1_*.go files). It stands in the middleware
// chain of package httpserver.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
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
	log      *slog.Logger
	now      func() time.Time
	handler  http.Handler
	csrf     *http.CrossOriginProtection
}

// New returns the API handler over st.
func New(st *store.Store, o Options) *Server {
	s := &Server{
		store: st,
		loc:   o.Location,
		log:   o.Logger,
		now:   o.Now,
		csrf:  http.NewCrossOriginProtection(),
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
	mux := http.NewServeMux()
	s.Register(mux)
	mux.HandleFunc("/", s.notFound)
	s.handler = httpserver.Chain(mux, httpserver.Options{
		Logger: s.log, TrustedProxies: o.TrustedProxies, FrontendOrigins: o.FrontendOrigins,
	})
	return s
}

// ServeHTTP serves API v1 alone, in its own middleware chain, with every
// other path a JSON 404: for tests and embedding. `argus serve` mounts
// the API with Register on the top-level mux instead (httpserver.Handler).
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
func (s *Server) handle(mux *http.ServeMux, pattern string, who access, ms methods) {
	mux.HandleFunc(pattern, s.endpoint(who, ms))
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
