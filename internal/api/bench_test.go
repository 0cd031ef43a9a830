package api_test

// Benchmarks of the API over real HTTP on both databases. They run only
// with -bench (go test never runs a Benchmark otherwise):
//
//	ARGUS_TEST_DATABASE_URL=postgres://… go test ./internal/api/ -run '^$' -bench . -benchtime 5s

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// benchClients is how many clients call the server at once.
const benchClients = 8

// benchBackends are the databases each benchmark runs on.
var benchBackends = []string{"sqlite", "postgres"}

// benchEnv is an API server over a fresh database, with an end user's and
// a source's token.
type benchEnv struct {
	st        *store.Store
	srv       *httptest.Server
	client    *http.Client
	source    argus.Source
	user      argus.User
	userKey   string
	sourceKey string
}

// newBenchEnv opens a fresh, migrated database of the backend and serves
// the API over it. Files and cleanups belong to owner, which may be a
// parent benchmark so that the database outlives the runs of b; b reports
// failures and skips.
func newBenchEnv(owner, b *testing.B, backend string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	var dsn string
	switch backend {
	case "sqlite":
		dsn = "sqlite://" + filepath.Join(owner.TempDir(), "argus.db")
	case "postgres":
		dsn = benchPostgresDSN(owner, b)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{st: st}
	if e.source, err = st.CreateSource(ctx, store.NewSource{Name: "gw1", Type: "nav", CreateType: true}, start); err != nil {
		b.Fatal(err)
	}
	if e.user, err = st.CreateUser(ctx, store.NewUser{Username: "kari", Email: "kari@example.org"}, start); err != nil {
		b.Fatal(err)
	}
	e.userKey, e.sourceKey = auth.NewKey(), auth.NewKey()
	for id, key := range map[int64]string{e.user.ID: e.userKey, e.source.UserID: e.sourceKey} {
		if err := st.RotateToken(ctx, id, auth.HashKey(key), start); err != nil {
			b.Fatal(err)
		}
	}
	e.srv = httptest.NewServer(api.New(st, api.Options{
		Now:    func() time.Time { return start },
		Logger: slog.New(slog.DiscardHandler),
	}))
	owner.Cleanup(e.srv.Close)
	e.client = &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients},
		Timeout:   time.Minute,
	}
	owner.Cleanup(e.client.CloseIdleConnections)
	return e
}

// benchPostgresDSN is a PostgreSQL schema that lives as long as owner, so
// that its seed serves every run of b; b is skipped without the variable.
func benchPostgresDSN(owner, b *testing.B) string {
	b.Helper()
	if os.Getenv(testdb.EnvVar) == "" {
		b.Skip(testdb.EnvVar + " is not set; PostgreSQL benchmarks skipped")
	}
	return testdb.PostgresDSN(owner)
}

// do sends one request and drains the answer, returning its status.
func (e *benchEnv) do(method, path, key string, body []byte) (int, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Token "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// runClients runs op from benchClients goroutines (GOMAXPROCS × the
// parallelism) and reports the throughput.
func runClients(b *testing.B, op func() error) {
	b.Helper()
	b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// Source systems posting new incidents with two tags each.
func BenchmarkCreateIncident(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			e := newBenchEnv(b, b, backend)
			var n atomic.Int64
			runClients(b, func() error {
				i := n.Add(1)
				body := fmt.Appendf(nil, `{"start_time": %q, "source_incident_id": "bench-%d", "description": "Box %d down",`+
					` "tags": [{"tag": "object=box%d"}, {"tag": "location=oslo"}]}`,
					start.Add(-time.Duration(i)*time.Second).Format(time.RFC3339), i, i, i%1000)
				status, err := e.do(http.MethodPost, "/api/v1/incidents/", e.sourceKey, body)
				if err == nil && status != http.StatusCreated {
					err = fmt.Errorf("POST incident %d: status %d", i, status)
				}
				return err
			})
		})
	}
}

// benchIncidents is the size of the database the list benchmark reads.
const benchIncidents = 100_000

// The frontend's main view: the first page of open incidents, in a
// database of 100,000, on both APIs: v2's page carries each incident's
// metadata too, and must stay within 1.5 times v1's time (issue 11).
func BenchmarkListOpenIncidents(b *testing.B) {
	for _, backend := range benchBackends {
		// The database is seeded once and kept for every run of the
		// sub-benchmarks (b.N grows over several runs).
		var env *benchEnv
		parent := b
		b.Run(backend, func(b *testing.B) {
			if env == nil {
				e := newBenchEnv(parent, b, backend)
				began := time.Now()
				storetest.SeedIncidents(b, e.st, e.source, e.user, benchIncidents, start)
				if _, err := e.st.DB().ExecContext(context.Background(),
					`UPDATE argus_incident_incident SET metadata = '{"alarm_id": 4711, "host": "sw1.example.org", "checks": ["ping", "snmp"]}'`); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s: seeded %d incidents in %v", backend, benchIncidents, time.Since(began).Round(time.Millisecond))
				checkOpenPage(b, e)
				env = e
			}
			for _, version := range []string{"v1", "v2"} {
				b.Run(version, func(b *testing.B) {
					path := "/api/" + version + "/incidents/?open=true&page_size=100"
					runClients(b, func() error {
						status, err := env.do(http.MethodGet, path, env.userKey, nil)
						if err == nil && status != http.StatusOK {
							err = fmt.Errorf("GET %s: status %d", path, status)
						}
						return err
					})
				})
			}
		})
	}
}

// checkOpenPage checks that the benchmarked request answers a full page of
// open incidents.
func checkOpenPage(b *testing.B, e *benchEnv) {
	b.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/incidents/?open=true&page_size=100", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+e.userKey)
	resp, err := e.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Next    *string `json:"next"`
		Results []struct {
			Open bool  `json:"open"`
			Tags []any `json:"tags"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		b.Fatal(err)
	}
	if len(page.Results) != 100 || page.Next == nil {
		b.Fatalf("open page: %d results, next %v; want 100 and a link", len(page.Results), page.Next)
	}
	for _, inc := range page.Results {
		if !inc.Open || len(inc.Tags) != 3 {
			b.Fatalf("open page holds %+v; want open incidents with 3 tags", inc)
		}
	}
}
