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

// A dump is one view of the database: what is written while it runs
// is in none of its tables (not an incident's STA event without the
// incident), on both databases.
func TestDumpIsOneSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		if _, err := st.LoadFixture(ctx, all(generate(t, 20, 1)), auth.HashKey, nil); err != nil {
			t.Fatal(err)
		}
		wrote := false
		incidents := map[string]bool{}
		var events []store.Fixture
		err := st.DumpFixture(ctx, func(f store.Fixture) error {
			switch f.Model {
			case "argus_incident.incident":
				incidents[string(f.PK)] = true
				if !wrote {
					// Another writer, meanwhile: an incident and its STA.
					wrote = true
					if _, _, err := st.CreateIncident(ctx, store.NewIncident{
						SourceID: 1, StartTime: now, Description: "during the dump", SourceIncidentID: "x-during", Level: 3,
					}, 1, now); err != nil {
						return err
					}
				}
			case "argus_incident.event":
				events = append(events, f)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(incidents) != 20 {
			t.Errorf("%d incidents dumped; want the 20 loaded before", len(incidents))
		}
		for _, e := range events {
			if !incidents[string(e.Fields["incident"])] {
				t.Errorf("event %s of incident %s, which the dump does not have", e.PK, e.Fields["incident"])
			}
		}
		if !wrote {
			t.Fatal("nothing was written during the dump")
		}
	})
}
