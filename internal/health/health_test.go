package health_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/health"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

func probe(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestProbes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		t.Run("ready, then draining", func(t *testing.T) {
			c := health.New(storetest.Open(t, b.DSN))
			srv := httptest.NewServer(httpserver.Handler(httpserver.Options{}, c))
			defer srv.Close()
			if code, body := probe(t, srv, "/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
				t.Errorf("/healthz: %d %s", code, body)
			}
			if code, body := probe(t, srv, "/readyz"); code != http.StatusOK {
				t.Errorf("/readyz: %d %s; want 200", code, body)
			}
			c.Drain()
			if code, body := probe(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
				t.Errorf("/readyz while draining: %d %s; want 503", code, body)
			}
			if code, _ := probe(t, srv, "/healthz"); code != http.StatusOK {
				t.Errorf("/healthz while draining: %d; want 200 (alive)", code)
			}
		})
		t.Run("migrations pending", func(t *testing.T) {
			fresh := testdb.SQLiteDSN(t)
			if b.Name == "postgres" {
				fresh = testdb.PostgresDSN(t)
			}
			st, err := store.Open(context.Background(), fresh)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			srv := httptest.NewServer(httpserver.Handler(httpserver.Options{}, health.New(st)))
			defer srv.Close()
			if code, body := probe(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "migrations") {
				t.Errorf("/readyz before migrating: %d %s; want 503", code, body)
			}
		})
		t.Run("database gone", func(t *testing.T) {
			st, err := store.Open(context.Background(), b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(httpserver.Handler(httpserver.Options{}, health.New(st)))
			defer srv.Close()
			if code, body := probe(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database") {
				t.Errorf("/readyz with the database closed: %d %s; want 503", code, body)
			}
		})
	})
}
