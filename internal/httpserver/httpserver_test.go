package httpserver_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// panicky is a face with one route that panics.
type panicky struct{}

func (panicky) Register(mux *http.ServeMux) {
	mux.HandleFunc("/boom/{$}", func(http.ResponseWriter, *http.Request) { panic("boom") })
}

// TestHandler checks the top-level server: API v1 mounted on one mux with
// other faces, "/" no longer the API's JSON catch-all, and the middleware
// around every path.
func TestHandler(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		h := httpserver.Handler(httpserver.Options{Logger: log, FrontendOrigins: []string{"https://ui.example.org"}},
			api.New(st, api.Options{Logger: log}), panicky{})
		srv := httptest.NewServer(h)
		defer srv.Close()
		client := srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

		tests := []struct {
			method, path string
			origin       string
			wantStatus   int
			wantType     string // Content-Type prefix
			wantBody     string // substring
			wantLocation string
		}{
			{method: "GET", path: "/", wantStatus: 404, wantType: "text/html", wantBody: "Not found"},
			{method: "GET", path: "/nothing/here", wantStatus: 404, wantType: "text/html"},
			{method: "GET", path: "/api/v1/no-such-thing/", wantStatus: 404, wantType: "application/json", wantBody: `{"detail":"Not found."}`},
			{method: "GET", path: "/api/v2/", wantStatus: 404, wantType: "application/json"},
			{method: "GET", path: "/api/v1/auth/user/", wantStatus: 401, wantType: "application/json"},
			{method: "GET", path: "/api/v1/auth/user", wantStatus: 301, wantLocation: "/api/v1/auth/user/"},
			{method: "POST", path: "/api/v1/token-auth", wantStatus: 308, wantLocation: "/api/v1/token-auth/"},
			{method: "GET", path: "/nothing", wantStatus: 404, wantType: "text/html"},
			{method: "GET", path: "/boom", wantStatus: 301, wantLocation: "/boom/"},
			{method: "GET", path: "/boom/", wantStatus: 500, wantType: "application/json", wantBody: "A server error occurred."},
			{method: "OPTIONS", path: "/api/v1/incidents/", origin: "https://ui.example.org", wantStatus: 200},
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.origin != "" {
					req.Header.Set("Origin", tt.origin)
					req.Header.Set("Access-Control-Request-Method", "POST")
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("status = %d; want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
				}
				if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
					t.Errorf("Content-Type = %q; want %q", got, tt.wantType)
				}
				if !strings.Contains(string(body), tt.wantBody) {
					t.Errorf("body = %s; want it to contain %q", body, tt.wantBody)
				}
				if got := resp.Header.Get("Location"); got != tt.wantLocation {
					t.Errorf("Location = %q; want %q", got, tt.wantLocation)
				}
				id := resp.Header.Get("X-Request-Id")
				if len(id) != 16 {
					t.Errorf("X-Request-Id = %q; want 16 hex digits", id)
				}
				if !strings.Contains(logs.String(), "request_id="+id) {
					t.Errorf("no log line carries request id %q", id)
				}
				if tt.origin != "" && resp.Header.Get("Access-Control-Allow-Origin") != tt.origin {
					t.Errorf("Access-Control-Allow-Origin = %q; want %q", resp.Header.Get("Access-Control-Allow-Origin"), tt.origin)
				}
			})
		}
		if !strings.Contains(logs.String(), `msg=panic`) {
			t.Errorf("the panic was not logged")
		}
	})
}

// Observe hears each request once, by its route: the pattern without
// method or {$}, "/" where no face serves the path, "other" where the
// chain answered before the mux; a panic is a 500.
func TestObserveNamesRoutes(t *testing.T) {
	type seen struct {
		route, method string
		status        int
	}
	var got []seen
	h := httpserver.Handler(httpserver.Options{
		Logger: slog.New(slog.DiscardHandler),
		Observe: func(route, method string, status int, _ time.Duration) {
			got = append(got, seen{route, method, status})
		},
	}, panicky{}, faceFunc(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /things/{id}/{$}", func(http.ResponseWriter, *http.Request) {})
	}))
	for _, req := range []struct{ method, path string }{
		{"GET", "/things/7/"}, {"GET", "/things/8"}, {"DELETE", "/nowhere"}, {"POST", "/boom/"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, nil))
	}
	want := []seen{
		{"/things/{id}/", "GET", 200}, {"other", "GET", 301}, {"/", "DELETE", 404}, {"/boom/", "POST", 500},
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed %v; want %v", got, want)
	}
}

type faceFunc func(*http.ServeMux)

func (f faceFunc) Register(mux *http.ServeMux) { f(mux) }
