package mockdata_test

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/mockdata"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

var now = time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)

func generate(tb testing.TB, n int, seed uint64) []store.Fixture {
	tb.Helper()
	var entries []store.Fixture
	err := mockdata.Generate(context.Background(), mockdata.Options{Incidents: n, Seed: seed, Now: now}, func(f store.Fixture) error {
		entries = append(entries, f)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return entries
}

// all yields the entries.
func all(entries []store.Fixture) iter.Seq2[store.Fixture, error] {
	return func(yield func(store.Fixture, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Every made-up incident loads: the generator makes nothing loaddata
// refuses (unique source incident ids, ends after starts, events in the
// incident's span), whatever the seed.
func TestGeneratedLoads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		for seed := range uint64(5) {
			st := storetest.Open(t, testdb.Fresh(t, b).DSN)
			report, err := st.LoadFixture(t.Context(), all(generate(t, 300, seed)), auth.HashKey, nil)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if n := report.Loaded["argus_incident.incident"]; n != 300 {
				t.Errorf("seed %d: %d incidents loaded; want 300", seed, n)
			}
		}
	})
}

// Loading 100,000 incidents with their tags and events (issue 13: in
// under a minute on the 2-core machine): one op is one whole load into a
// fresh database. go test ./internal/mockdata -bench Load -benchtime 1x
func BenchmarkLoad100kIncidents(b *testing.B) {
	entries := generate(b, 100_000, 1)
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			if backend == "postgres" && os.Getenv(testdb.EnvVar) == "" {
				b.Skip(testdb.EnvVar + " is not set")
			}
			for b.Loop() {
				b.StopTimer()
				dsn := "sqlite://" + filepath.Join(b.TempDir(), "argus.db")
				if backend == "postgres" {
					dsn = testdb.PostgresDSN(b)
				}
				st := storetest.Open(b, dsn)
				b.StartTimer()
				if _, err := st.LoadFixture(context.Background(), all(entries), auth.HashKey, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(entries)), "entries/op")
		})
	}
}
