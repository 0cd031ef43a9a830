package notify_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// Dispatching one event against the 10,000 profiles of
// BenchmarkDispatch10kProfiles right after a profile changed (run as in
// bench_test.go). "one-user": one user's filter changed since the last
// dispatch, and the Service reloads that user's profiles only; "full":
// the Service loads every profile, as a new one does at start (and as
// every one did after any change before migration 00003). Only DispatchDue
// is timed, not the change or the incident; compare ms/event with
// BenchmarkDispatch10kProfiles, where nothing changed.
func BenchmarkDispatchAfterProfileChange10k(b *testing.B) {
	for _, backend := range benchBackends {
		for _, mode := range []string{"one-user", "full"} {
			b.Run(backend+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				st := benchOpen(b, backend)
				sources := make([]argus.Source, bench10kSources)
				for i := range sources {
					sources[i] = benchSource(b, st, fmt.Sprintf("gw%d", i+1))
				}
				benchSeed(b, st, bench10kProfileSet(sources))
				var first int64
				if err := st.DB().QueryRowContext(ctx, `SELECT MIN(id) FROM argus_auth_user WHERE username LIKE 'bench%'`).Scan(&first); err != nil {
					b.Fatal(err)
				}
				sink := benchSink(b)
				svc := benchService(st, sink)

				r := rand.New(rand.NewPCG(10_000, 5))
				i := 0
				incident := func() {
					i++
					benchIncident(b, st, sources[r.IntN(len(sources))], benchWeekday.Add(time.Duration(i)*time.Second),
						fmt.Sprintf("bench reload %d", i),
						argus.Tag{Key: "object", Value: fmt.Sprintf("object%d", r.IntN(bench10kObjects))},
						argus.Tag{Key: "location", Value: fmt.Sprintf("location%d", r.IntN(bench10kSites))},
						argus.Tag{Key: "problem", Value: fmt.Sprintf("problem%d", r.IntN(bench10kProblems))})
				}
				// change gives a random user's first filter another source.
				change := func() {
					user := first + r.Int64N(bench10kProfiles)
					filters, err := st.Filters(ctx, user)
					if err != nil || len(filters) == 0 {
						b.Fatalf("filters of user %d: %v, %v", user, filters, err)
					}
					f := filters[0]
					f.Spec = argus.FilterSpec{SourceIDs: []int64{sources[r.IntN(len(sources))].ID}}
					if _, err := st.UpdateFilter(ctx, f); err != nil {
						b.Fatal(err)
					}
				}
				dispatch := func() {
					if n, err := svc.DispatchDue(ctx); err != nil || n != 1 {
						b.Fatalf("DispatchDue: %d events, %v; want 1", n, err)
					}
				}
				incident()
				dispatch() // loads the profiles

				for b.Loop() {
					b.StopTimer()
					change()
					incident()
					if mode == "full" {
						svc = benchService(st, sink)
					}
					b.StartTimer()
					dispatch()
				}
				b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/event")
			})
		}
	}
}
