// Package httpserver is the HTTP plumbing every face of Argus stands in:
// the top-level mux on which API v1 (and later API v2, the web UI, the
// live-update endpoints and /metrics) register their routes, and the one
// middleware chain around all of them — the client's address and scheme
// behind trusted proxies, request ids, request logs, panic recovery, CORS
// for the configured frontends and DRF's trailing-slash redirects (D1).
package httpserver

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
)

// Options configure the middleware chain. Zero values get defaults.
type Options struct {
	// Logger receives one line per request and the errors. Default
	// slog.Default().
	Logger *slog.Logger
	// TrustedProxies are ARGUS_TRUSTED_PROXIES: the only peers whose
	// X-Forwarded-Proto and X-Forwarded-For are believed. Default none.
	TrustedProxies []netip.Prefix
	// FrontendOrigins are the origins CORS allows
	// ("https://argus.example.org"), lowercase.
	FrontendOrigins []string
	// Observe, when set, hears every request once it is answered: its
	// Route, method, status and duration (metrics).
	Observe func(route, method string, status int, d time.Duration)
}

// Route names the route that served r, once the mux has: its pattern
// without its method and the {$} of exact paths
// ("/api/v1/incidents/{pk}/"), "/" for a
// path no face serves, and "other" for a request answered before the mux
// (a slash redirect, a CORS preflight). Routes are few, unlike paths, so
// they can label metrics.
func Route(r *http.Request) string {
	if r.Pattern == "" {
		return "other"
	}
	_, path, found := strings.Cut(r.Pattern, " ") // "GET /metrics": the method is a label of its own
	if !found {
		path = r.Pattern
	}
	return strings.TrimSuffix(path, "{$}")
}

// Face is one face of Argus: it adds its routes to the top-level mux.
// Patterns of exact paths end in {$}; only those take part in the
// trailing-slash redirects.
type Face interface {
	Register(mux *http.ServeMux)
}

// Handler is the whole HTTP server of Argus: every face's routes on one
// mux, "/" answering 404 where no face claims a path, inside the
// middleware chain.
func Handler(o Options, faces ...Face) http.Handler {
	mux := http.NewServeMux()
	for _, f := range faces {
		f.Register(mux)
	}
	mux.HandleFunc("/", notFoundPage)
	return Chain(mux, o)
}

// notFoundPage answers a path no face serves.
func notFoundPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!doctype html>\n<title>Not found · Argus</title>\n<h1>Not found</h1>\n" +
		"<p>Argus has no page here. The API is at <a href=\"/api/v1/\">/api/v1/</a>.</p>\n"))
}

// Chain wraps mux in the middleware, outermost first: the peer
// (Forwarded), request ids and logs (LogRequests), panic recovery, CORS
// and trailing-slash redirects on mux.
func Chain(mux *http.ServeMux, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return forwarded(o.TrustedProxies, logRequests(o.Logger, o.Observe, recoverPanics(o.Logger, cors(o.FrontendOrigins, redirectSlash(mux)))))
}

// StatusClientClosed is nginx's status for a request whose client closed
// the connection before the answer; it appears only in the request log.
const StatusClientClosed = 499

// requestInfo is what the chain knows of a request and the faces add to:
// its id, and who it turned out to be.
type requestInfo struct {
	id   string
	user int64
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// RequestID returns the id the chain gave the request, or "".
func RequestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// NoteUser records who the request is from, for its log line.
func NoteUser(ctx context.Context, userID int64) {
	if info := infoFrom(ctx); info != nil {
		info.user = userID
	}
}

// newRequestID is 16 random hex digits: unique enough to find one request
// in the logs, short enough to read out over the phone.
func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
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

// logRequests gives each request an id, returned in X-Request-Id and
// carried by every log line about it, and logs one line per request: at
// error level for a 5xx, so that one can be found from the id a client
// reports. It logs the path without the query and never a header, so no
// token or cookie reaches the log.
//
// The request it hands on is the one the mux matches, so it knows the
// route afterwards (Route), for observe.
func logRequests(log *slog.Logger, observe func(string, string, int, time.Duration), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID()}
		w.Header().Set("X-Request-Id", info.id)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		took := time.Since(start)
		if observe != nil {
			observe(Route(r), r.Method, rec.status, took)
		}
		attrs := []slog.Attr{
			slog.String("request_id", info.id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", took),
			slog.String("remote", PeerFrom(r).Addr),
		}
		if info.user != 0 {
			attrs = append(attrs, slog.Int64("user", info.user))
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverPanics turns a panicking handler into a logged 500.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", slog.String("request_id", RequestID(r.Context())),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"detail":"A server error occurred."}` + "\n"))
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
func cors(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		if !slices.Contains(origins, strings.ToLower(origin)) {
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

// redirectSlash sends a path that exists only with a trailing slash there
// (D1): 301 for GET and HEAD, 308 (method and body kept) for the rest. A
// path exists when an exact pattern ({$}) serves it with the slash; a path
// that a pattern without a trailing slash serves as it is stays.
func redirectSlash(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			mux.ServeHTTP(w, r)
			return
		}
		// A pattern that does not end in "/" matches this very path
		// (GET /ws/open, which sockets reach without following a redirect).
		if _, pattern := mux.Handler(r); pattern != "" && !strings.HasSuffix(pattern, "/") && !strings.HasSuffix(pattern, "{$}") {
			mux.ServeHTTP(w, r)
			return
		}
		probe := r.Clone(r.Context())
		probe.URL.Path += "/"
		probe.URL.RawPath = ""
		if _, pattern := mux.Handler(probe); !strings.HasSuffix(pattern, "{$}") {
			mux.ServeHTTP(w, r)
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
