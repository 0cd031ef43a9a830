package notify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// TestNotificationMatrix checks dispatch of the model of Argus 2.x (D28,
// D29): event types check the event being notified, the fallback filter
// fills unset keys, a destination gets one message per event however many
// profiles lead to it, and profiles of one timeslot each count.
func TestNotificationMatrix(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		kari := r.user("kari", "kari@example.org")
		ts, err := r.st.CreateTimeslot(r.ctx, argus.Timeslot{UserID: kari.ID, Name: "always",
			Recurrences: []argus.TimeRecurrence{{Days: []int{1, 2, 3, 4, 5, 6, 7}, Start: 0, End: argus.EndOfDay}}})
		if err != nil {
			t.Fatal(err)
		}
		pager, err := r.st.CreateDestination(r.ctx, argus.Destination{UserID: kari.ID, Medium: argus.MediumEmail, Address: "pager@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		filter := func(name string, b argus.FilterBlob) int64 {
			t.Helper()
			b.Stored |= argus.KeyHideClosedAcked
			f, err := r.st.CreateFilter(r.ctx, argus.Filter{UserID: kari.ID, Name: name, Blob: b})
			if err != nil {
				t.Fatal(err)
			}
			return f.ID
		}
		ends := filter("ends", argus.FilterBlob{SourceIDs: []int64{r.src.ID}, EventTypes: []argus.EventType{argus.EventEnd}, Stored: argus.KeySourceIDs | argus.KeyEventTypes})
		severe := filter("severe", argus.FilterBlob{MaxLevel: 3, Stored: argus.KeyMaxLevel})
		// Two profiles on one timeslot, both to the pager: one message.
		for _, in := range []store.ProfileV2Input{
			{TimeslotID: ts.ID, FilterIDs: []int64{ends}, DestinationIDs: []int64{pager.ID}, Active: true},
			{TimeslotID: ts.ID, FilterIDs: []int64{severe}, DestinationIDs: []int64{pager.ID}, Active: true},
		} {
			if _, err := r.st.CreateProfileByID(r.ctx, kari.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		sent := func(svc *notify.Service, inc argus.Incident) []string {
			t.Helper()
			r.dispatch(svc)
			var got []string
			for _, m := range r.messages(store.MessageFilter{IncidentID: inc.ID}) {
				got = append(got, string(m.Medium)+" "+m.Recipient)
			}
			slices.Sort(got)
			return got
		}

		svc := r.service(notify.Options{})
		inc, _ := r.incident("level 3, started") // level 3: severe matches the STA
		if got := sent(svc, inc); !slices.Equal(got, []string{"EM pager@example.org"}) {
			t.Errorf("STA of a level 3 incident: %v; want one message to the pager", got)
		}
		r.clock.Add(time.Minute)
		if _, err := r.st.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: r.clock.Now(), Type: argus.EventEnd},
			&argus.User{ID: r.src.UserID, SourceID: r.src.ID}, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		// The END matches both profiles (event type, and level): still one
		// message to the pager for it.
		if got := sent(svc, inc); len(got) != 2 {
			t.Errorf("after the END: %v; want the STA's and the END's, one each", got)
		}

		// A fallback that wants unacked incidents only: an acked incident's
		// event notifies nobody through "severe", which says nothing of acks.
		quiet := r.service(notify.Options{Fallback: argus.FilterBlob{Acked: new(false), Stored: argus.KeyAcked}})
		acked, _ := r.incident("acked")
		r.dispatch(quiet) // its STA, still unacked: one message
		if _, err := r.st.CreateAck(r.ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: acked.ID, Timestamp: r.clock.Now()}}, &kari, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if got := sent(quiet, acked); len(got) != 1 {
			t.Errorf("with {\"acked\": false} as fallback, the ACK of an incident notified: %v; want only its STA's message", got)
		}
	})
}
