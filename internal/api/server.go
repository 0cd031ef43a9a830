// Package api is the REST API, v1 (api-v1.md) and v2 (api-v2.md), two
// faces over one model (D27): what both share — body decoding with
// limits, DRF-shaped errors, method tables with DRF's 405, token and
// session authentication, cursors, and the handlers where the versions
// agree (incidents.go, filterblob.go, …) — and what each has of its own:
// route tables, handlers and renderers in the v1_*.go and v2_*.go files,
// the wording of the domain's refusals in words.go and v2_words.go. It
// stands in the middleware chain of package httpserver.
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/realtime"
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
	// LoginProviders name the configured login providers besides
	// passwords, for GET /login-methods/.
	LoginProviders []string
	// Hub serves ws/open/ (api-v1.md §7); without one ws/open/ is absent.
	Hub *realtime.Hub
	// Accounts are the account operations, shared with the other faces.
	// Default: made over the store with TokenLifetime.
	Accounts *auth.Accounts
	// TicketPlugin makes tickets for PUT /api/v2/incidents/<pk>/automatic-ticket/;
	// without one that answers that none is configured.
	TicketPlugin TicketPlugin
	// FallbackFilter is ARGUS_FALLBACK_FILTER: it fills the unset keys of
	// every filter in listings and previews, as in dispatch (D28).
	FallbackFilter argus.FilterBlob
	// DeletableIncidents lets DELETE /api/v2/incidents/<pk>/ delete
	// (ARGUS_INDELIBLE_INCIDENTS=false); by default it answers 405.
	DeletableIncidents bool
	// TrustedProxies are ARGUS_TRUSTED_PROXIES: the only peers whose
	// X-Forwarded-Proto and X-Forwarded-For are believed. Default none.
	TrustedProxies []netip.Prefix
}

// Server is the REST API: v1 (the embedded Endpoints, worded as v1) and
// v2 (v2, worded as Argus 2.x), two faces of one set of handlers that
// differ only where the versions decode and render differently (D27).
type Server struct {
	*Endpoints
	v2        *Endpoints
	tickets   TicketPlugin
	indelible bool
	fallback  argus.FilterBlob
	// sourcesSeen is when this process last recorded each source as
	// seen (D34): source id → time.Time.
	sourcesSeen sync.Map
	hub         *realtime.Hub
	wsPayloads  wsPayloads // each change's ws/open/ message, made once
	providers   []string
	wsOrigins   []string // hosts of FrontendOrigins, for ws/open/
	store       *store.Store
	loc         *time.Location
	now         func() time.Time
	handler     http.Handler
}

// New returns the API handler over st.
func New(st *store.Store, o Options) *Server {
	s := &Server{store: st, loc: o.Location, now: o.Now, hub: o.Hub, wsOrigins: originHosts(o.FrontendOrigins),
		providers: o.LoginProviders}
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
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Accounts == nil {
		o.Accounts = auth.NewAccounts(st, s.now, o.TokenLifetime)
	}
	s.Endpoints = NewEndpoints(o.Accounts, o.Logger, refusalBody)
	s.v2 = NewEndpoints(o.Accounts, o.Logger, v2RefusalBody)
	s.tickets = o.TicketPlugin
	s.fallback = o.FallbackFilter
	s.indelible = !o.DeletableIncidents
	mux := http.NewServeMux()
	s.Register(mux)
	mux.HandleFunc("/", s.notFound)
	s.handler = httpserver.Chain(mux, httpserver.Options{
		Logger: o.Logger, TrustedProxies: o.TrustedProxies, FrontendOrigins: o.FrontendOrigins,
	})
	return s
}

// ServeHTTP serves API v1 alone, in its own middleware chain, with every
// other path a JSON 404: for tests and embedding. `argus serve` mounts
// the API with Register on the top-level mux instead (httpserver.Handler).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// version is a version of the API: where its handlers decode and render
// differently (D27).
type version int

const (
	v1 version = 1
	v2 version = 2
)

// rules are the event rules the version serves (api-v2.md §5.2).
func (v version) rules() argus.Rules {
	if v == v2 {
		return argus.RulesV2
	}
	return argus.RulesV1
}
