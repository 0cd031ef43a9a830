package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// TestCommittedEventsWakeTheService checks that a running Service hears
// of each event the store commits through the store's change feed, with
// nobody calling Dispatch (issue 14) and no poll to fall back on.
func TestCommittedEventsWakeTheService(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		u := r.user("alice", "alice@example.org")
		r.profile(u, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{Poll: time.Hour, Workers: 1})
		runService(t, r, svc)
		waitCtx, stop := context.WithTimeout(r.ctx, 20*time.Second)
		defer stop()
		for i := 1; i <= 3; i++ {
			r.incident("down")
			if _, err := r.sink.Wait(waitCtx, i); err != nil {
				t.Fatalf("email %d did not arrive with polling every hour: %v", i, err)
			}
		}
	})
}

// TestOtherInstancesEventsWakeTheService checks, on PostgreSQL, that an
// event committed by another process wakes this one's dispatcher through
// the database's notifications, with no poll to fall back on (D20, D36).
func TestOtherInstancesEventsWakeTheService(t *testing.T) {
	r := newRig(t, testdb.PostgresDSN(t)) // skips without PostgreSQL
	other := storetest.Open(t, r.dsn, store.WithNotifications(true))
	u := r.user("alice", "alice@example.org")
	r.profile(u, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
	svc := r.service(notify.Options{Poll: time.Hour, Workers: 1})
	runService(t, r, svc)
	waitCtx, stop := context.WithTimeout(r.ctx, 20*time.Second)
	defer stop()
	for i := 1; i <= 2; i++ {
		_, _, err := other.CreateIncident(r.ctx, store.NewIncident{
			SourceID: r.src.ID, StartTime: r.clock.Now(), EndTime: &open, Description: "down", Level: 2,
		}, r.src.UserID, r.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.sink.Wait(waitCtx, i); err != nil {
			t.Fatalf("email %d of another instance's event did not arrive: %v", i, err)
		}
	}
}

// runService runs the service until the test ends, and waits for it to
// stop then.
func runService(t *testing.T, r *rig, svc *notify.Service) {
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx) // returns nil when ctx ends
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
