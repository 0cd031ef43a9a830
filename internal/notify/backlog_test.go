package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// tagsOf lists the incident's tags as key=value strings.
func tagsOf(inc *argus.Incident) []string {
	var out []string
	for _, r := range inc.Tags {
		out = append(out, r.Tag.Key+"="+r.Tag.Value)
	}
	return out
}

// A dispatcher that falls behind (a backlog, an outage, a restart) sends
// what it would have sent at once: each message describes the incident
// as it was right after its event and goes to the profiles that matched
// it then, in the timeslots of the event's timestamp (D9, D10).
func TestLateDispatchDescribesTheIncidentAtItsEvent(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		email := []argus.Medium{argus.MediumEmail}
		db := argus.Tag{Key: "service", Value: "db"}
		sw1 := argus.Tag{Key: "host", Value: "sw1"}
		ops := argus.Tag{Key: "team", Value: "ops"}
		// alice follows the service: every event.
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{Tags: []argus.Tag{db}}, email, nil)
		// carol follows the host, tagged at the start and removed before
		// the ack: the STA only.
		carol := r.user("carol", "carol@example.org")
		r.profile(carol, argus.FilterSpec{Tags: []argus.Tag{sw1}}, email, nil)
		// bob follows the team, tagged after the start: the ACK and END.
		bob := r.user("bob", "bob@example.org")
		r.profile(bob, argus.FilterSpec{Tags: []argus.Tag{ops}}, email, nil)
		// dave is on duty Monday 12:00–12:30 Oslo time: the events are in
		// it, dispatch at 13:00 is not.
		dave := r.user("dave", "dave@example.org")
		r.profile(dave, argus.FilterSpec{Tags: []argus.Tag{db}}, email, nil,
			argus.TimeRecurrence{Days: []int{1}, Start: 12 * argus.TimeOfDay(time.Hour), End: argus.TimeOfDay(12*time.Hour + 30*time.Minute)})
		rec := &noticeRecorder{Email: notify.NewEmail(r.smtp())}
		svc := r.service(notify.Options{Media: map[argus.Medium]notify.Medium{argus.MediumEmail: rec}})

		// 12:00 Oslo: the incident starts, tagged service=db and host=sw1.
		inc, sta := r.incident("db down", db, sw1)
		// 12:05: retagged (the API's PATCH): host=sw1 out, team=ops in.
		r.clock.Add(5 * time.Minute)
		tags := []argus.Tag{db, ops}
		if _, err := r.st.UpdateIncident(r.ctx, inc.ID, store.IncidentChange{Tags: &tags}, &r.srcU, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		// 12:10: acked until 12:25, which has passed when dispatch runs.
		r.clock.Add(5 * time.Minute)
		expires := r.clock.Now().Add(15 * time.Minute)
		ack, err := r.st.CreateAck(r.ctx, argus.RulesV2, argus.Ack{Event: argus.Event{
			IncidentID: inc.ID, Timestamp: r.clock.Now(), Description: "On it",
		}, Expiration: &expires}, &alice, r.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		// 12:15: it ends.
		r.clock.Add(5 * time.Minute)
		endAt := r.clock.Now()
		end, err := r.st.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: endAt, Type: argus.EventEnd}, &r.srcU, endAt)
		if err != nil {
			t.Fatal(err)
		}
		// 13:00: the dispatcher gets to the three events.
		r.clock.Add(45 * time.Minute)
		r.dispatch(svc)
		r.deliver(svc)

		// Matching: the tags and timeslots of each event's moment.
		got := map[int64][]string{}
		for _, m := range r.messages(store.MessageFilter{IncidentID: inc.ID}) {
			if m.Status != store.StatusSent {
				t.Errorf("message %d to %s is %s: %s", m.ID, m.Recipient, m.Status, m.LastError)
			}
			got[m.EventID] = append(got[m.EventID], m.Username)
		}
		for _, names := range got {
			slices.Sort(names)
		}
		want := map[int64][]string{
			sta.ID:       {"alice", "carol", "dave"},
			ack.Event.ID: {"alice", "bob", "dave"},
			end.ID:       {"alice", "bob", "dave"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("recipients by event (-want +got):\n%s", diff)
		}

		// What was rendered: the incident right after each event.
		if len(rec.notices) != 3 {
			t.Fatalf("%d notices, want 3 (STA, ACK, END)", len(rec.notices))
		}
		for _, c := range []struct {
			ev    argus.Event
			tags  []string
			acked bool
			end   time.Time
		}{
			{sta, []string{"service=db", "host=sw1"}, false, argus.Infinity},
			// Acked as of the ack, though it has expired since.
			{ack.Event, []string{"service=db", "team=ops"}, true, argus.Infinity},
			{end, []string{"service=db", "team=ops"}, true, endAt},
		} {
			i := slices.IndexFunc(rec.notices, func(n notify.Notice) bool { return n.Event.ID == c.ev.ID })
			if i < 0 {
				t.Errorf("no notice of the %s", c.ev.Type)
				continue
			}
			n := rec.notices[i].Incident
			if !slices.Equal(tagsOf(&n), c.tags) || n.Acked != c.acked || n.EndTime == nil || !n.EndTime.Equal(c.end) {
				t.Errorf("the %s's notice shows tags %v, acked %v, end %v; want %v, %v, %v",
					c.ev.Type, tagsOf(&n), n.Acked, n.EndTime, c.tags, c.acked, c.end)
			}
		}

		// The mails: the STA's shows the incident open, the END's its end.
		mails, err := r.sink.Wait(r.ctx, 9)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			text := m.TextBody()
			var wantEnd string
			switch {
			case strings.Contains(text, "Status: STA\n"), strings.Contains(text, "Status: ACK\n"):
				wantEnd = "9999-12-31 23:59:59.999999+00:00"
			case strings.Contains(text, "Status: END\n"):
				wantEnd = "2026-06-01 12:15:00+02:00"
			default:
				t.Errorf("a mail of no event:\n%s", text)
				continue
			}
			if line := "end_time         : " + wantEnd + "\n"; !strings.Contains(text, line) {
				t.Errorf("mail %q lacks %q:\n%s", m.Subject(), line, text)
			}
		}
	})
}

// An event queued before outbox rows carried their incident (migration
// 00004) still notifies; its message shows the incident as it is when
// dispatch gets to it.
func TestDispatchWithoutSnapshot(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{})
		inc, sta := r.incident("db down")
		r.clock.Add(time.Minute)
		if _, err := r.st.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: r.clock.Now(), Type: argus.EventEnd}, &r.srcU, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		// The STA's row as the version before 00004 left it.
		res, err := r.st.DB().ExecContext(r.ctx, `UPDATE argus_notify_outbox SET incident = NULL WHERE event_id = $1`, sta.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("cleared %d snapshots, %v; want 1", n, err)
		}
		r.dispatch(svc)
		r.deliver(svc)
		mails, err := r.sink.Wait(r.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		ended := "end_time         : 2026-06-01 12:01:00+02:00\n"
		for _, m := range mails {
			if text := m.TextBody(); !strings.Contains(text, ended) {
				t.Errorf("mail %q lacks %q:\n%s", m.Subject(), ended, text)
			}
		}
		for _, m := range r.messages(store.MessageFilter{IncidentID: inc.ID}) {
			if m.Status != store.StatusSent {
				t.Errorf("message %d of event %d is %s", m.ID, m.EventID, m.Status)
			}
		}
	})
}
