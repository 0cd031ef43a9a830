package notify_test

import (
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// One event that cannot be dispatched holds up no other: the rest of the
// batch is queued, and it stays in the outbox to be tried again when its
// lease runs out. (Claims go in event order, so an event that always
// failed used to hold up every event after it.)
func TestDispatchGoesOnPastAFailingEvent(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		_, first := r.incident("first")
		_, poison := r.incident("poison")
		_, last := r.incident("last")
		// A content row the event cannot have yet makes queueing its
		// messages fail, as a fault in the database would.
		if _, err := r.st.DB().ExecContext(r.ctx, `INSERT INTO argus_notify_content (event_id, medium, subject, body)
			VALUES ($1, 'EM', 'x', 'x')`, poison.ID); err != nil {
			t.Fatal(err)
		}
		svc := r.service(notify.Options{})
		n, err := svc.DispatchDue(r.ctx)
		if n != 2 || err == nil || !strings.Contains(err.Error(), "event "+itoa(poison.ID)) {
			t.Fatalf("DispatchDue = %d, %v; want 2 and an error naming event %d", n, err, poison.ID)
		}
		for _, ev := range []argus.Event{first, last} {
			msgs, _, err := r.st.Messages(r.ctx, store.MessageFilter{IncidentID: ev.IncidentID}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].EventID != ev.ID || msgs[0].Recipient != "alice@example.org" {
				t.Errorf("messages of event %d = %+v; want one to alice", ev.ID, msgs)
			}
		}
		// The failing event is still to be dispatched, once its lease ends.
		due, ok, err := r.st.NextOutboxDue(r.ctx)
		if err != nil || !ok || !due.After(r.clock.Now()) {
			t.Errorf("outbox: next due %v, %v, %v; want the failing event, leased", due, ok, err)
		}
	})
}
