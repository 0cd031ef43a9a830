package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// keyValues is inc as its outbox snapshot keeps it: tags by key and value
// only.
func keyValues(inc argus.Incident) argus.Incident {
	tags := make([]argus.TagRelation, len(inc.Tags))
	for i, r := range inc.Tags {
		tags[i] = argus.TagRelation{Tag: r.Tag}
	}
	inc.Tags = tags
	return inc
}

// Every way of storing an event snapshots the incident as the whole
// operation left it (D10): the STA its tags, the ACK acked (as of the
// ack), END and CLO their end time, REO infinity, a source's refused
// event (D16) the unchanged incident. Dispatch gets that snapshot however
// the incident changes before it runs.
func TestOutboxSnapshotIsTheIncidentAfterTheEvent(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.DSN, store.WithNotifications(true))
		src, err := st.CreateSource(ctx, store.NewSource{Name: "gw", Type: "nav", CreateType: true, BaseURL: "https://nav.example.org/"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		srcU, err := st.User(ctx, src.UserID)
		if err != nil {
			t.Fatal(err)
		}
		alice, err := st.CreateUser(ctx, store.NewUser{Username: "alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}

		// want is the incident as the store reads it right after each
		// event's transaction, at the event's received time.
		want := map[int64]argus.Incident{}
		var events []argus.Event
		record := func(ev argus.Event) {
			t.Helper()
			inc, err := st.Incident(ctx, ev.IncidentID, ev.Received)
			if err != nil {
				t.Fatal(err)
			}
			want[ev.ID] = keyValues(inc)
			events = append(events, ev)
		}
		at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
		event := func(m int, typ argus.EventType, by *argus.User, incID int64) {
			t.Helper()
			ev, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: incID, Timestamp: at(m), Type: typ, Description: string(typ) + " note"}, by, at(m))
			if err != nil {
				t.Fatal(err)
			}
			record(ev)
		}

		open := argus.Infinity
		inc, sta, err := st.CreateIncident(ctx, store.NewIncident{
			SourceID: src.ID, StartTime: at(0), EndTime: &open, SourceIncidentID: "17", DetailsURL: "devices/17",
			Description: "sw1 down", TicketURL: "https://tickets.example.org/1", Level: 2,
			Tags: []argus.Tag{{Key: "host", Value: "sw1"}, {Key: "service", Value: "db"}},
		}, src.UserID, at(0))
		if err != nil {
			t.Fatal(err)
		}
		record(sta)
		if len(want[sta.ID].Tags) != 2 || want[sta.ID].Acked {
			t.Fatalf("the incident after its STA: %+v", want[sta.ID])
		}
		// A stateless one: no end time in the snapshot either.
		_, sta2, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: at(0), Description: "blip", Level: 5}, src.UserID, at(0))
		if err != nil {
			t.Fatal(err)
		}
		record(sta2)

		// A change without an event: no outbox row, but the events after
		// it see it.
		tags := []argus.Tag{{Key: "service", Value: "db"}, {Key: "team", Value: "ops"}}
		ticket := "https://tickets.example.org/2"
		if _, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &tags, TicketURL: &ticket}, &srcU, at(1)); err != nil {
			t.Fatal(err)
		}
		expires := at(32)
		ack, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: at(2), Description: "on it"}, Expiration: &expires}, &alice, at(2))
		if err != nil {
			t.Fatal(err)
		}
		record(ack.Event)
		event(3, argus.EventOther, &alice, inc.ID)
		event(4, argus.EventEnd, &srcU, inc.ID)
		event(5, argus.EventReopen, &alice, inc.ID)
		event(6, argus.EventClose, &alice, inc.ID)
		// A source's END on a closed incident is recorded and changes
		// nothing (D16).
		event(7, argus.EventEnd, &srcU, inc.ID)

		checks := []struct {
			ev     argus.Event
			acked  bool
			end    time.Time
			ticket string
			tags   int
		}{
			{sta, false, argus.Infinity, "https://tickets.example.org/1", 2},
			{ack.Event, true, argus.Infinity, ticket, 2},
			{events[3], true, argus.Infinity, ticket, 2},
			{events[4], true, at(4), ticket, 2},
			{events[5], true, argus.Infinity, ticket, 2},
			{events[6], true, at(6), ticket, 2},
			{events[7], true, at(6), ticket, 2},
		}
		for _, c := range checks {
			w := want[c.ev.ID]
			if w.Acked != c.acked || w.EndTime == nil || !w.EndTime.Equal(c.end) || w.TicketURL != c.ticket || len(w.Tags) != c.tags {
				t.Errorf("after %s %d the incident is %+v; want acked %v, end %v, ticket %s", c.ev.Type, c.ev.ID, w, c.acked, c.end, c.ticket)
			}
		}
		if w := want[sta2.ID]; w.EndTime != nil || len(w.Tags) != 0 {
			t.Errorf("the stateless incident after its STA: %+v", w)
		}

		// Later: retagged, ticket changed, reopened, the ack expired.
		later := []argus.Tag{{Key: "service", Value: "web"}}
		ticket = "https://tickets.example.org/3"
		if _, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &later, TicketURL: &ticket}, &srcU, at(40)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: at(41), Type: argus.EventReopen}, &alice, at(41)); err != nil {
			t.Fatal(err)
		}

		for _, ev := range events {
			gotEv, got, err := st.DispatchEvent(ctx, ev.ID, at(60))
			if err != nil {
				t.Fatal(err)
			}
			if gotEv.ID != ev.ID || gotEv.Type != ev.Type || gotEv.Actor.Username != ev.Actor.Username {
				t.Errorf("DispatchEvent(%d) event = %+v; want %+v", ev.ID, gotEv, ev)
			}
			if diff := cmp.Diff(want[ev.ID], got); diff != "" {
				t.Errorf("DispatchEvent(%d), a %s: incident (-as after the event +got):\n%s", ev.ID, ev.Type, diff)
			}
		}

		// Every event was queued once.
		ids, err := st.ClaimOutbox(ctx, at(60), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(events)+1 { // and the REO at 41
			t.Errorf("%d events in the outbox; want %d", len(ids), len(events)+1)
		}
	})
}

// A message is pruned ARGUS_NOTIFICATION_KEEP after it was sent, or
// after it failed (its last update, not its creation); queued ones and
// ones being sent stay however old, and so does the content they use.
func TestPruneMessages(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.DSN, store.WithNotifications(true))
		src, err := st.CreateSource(ctx, store.NewSource{Name: "gw", Type: "nav", CreateType: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		// queue dispatches a new incident's STA to the addresses at now;
		// an address starting with "!" fails at once.
		queue := func(now time.Time, addrs ...string) int64 {
			t.Helper()
			_, ev, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: now, Description: "x", Level: 3}, src.UserID, now)
			if err != nil {
				t.Fatal(err)
			}
			var rs []store.Recipient
			for _, a := range addrs {
				if a[0] == '!' {
					rs = append(rs, store.Recipient{Error: "no address " + a})
					continue
				}
				rs = append(rs, store.Recipient{Address: a})
			}
			ok, err := st.Enqueue(ctx, ev.ID, ev.IncidentID, []store.Outgoing{{Medium: argus.MediumEmail, Recipients: rs}}, now, now.Add(30*24*time.Hour))
			if err != nil || !ok {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
			return ev.ID
		}
		keep := 24 * time.Hour
		old := queue(t0, "sent@x", "failed-late@x", "queued@x", "sending@x", "failed@x", "!")
		gone := queue(t0, "sent2@x", "!2")
		// A long lease: sending@x must not come due again.
		msgs, err := st.ClaimMessages(ctx, t0, 48*time.Hour, 100)
		if err != nil || len(msgs) != 6 {
			t.Fatalf("ClaimMessages = %d, %v; want 6", len(msgs), err)
		}
		id := map[string]store.Message{}
		for _, m := range msgs {
			id[m.Recipient] = m
		}
		outcome := func(ok bool, err error) {
			t.Helper()
			if err != nil || !ok {
				t.Fatalf("recording an outcome: %v, %v", ok, err)
			}
		}
		for _, r := range []string{"sent@x", "sent2@x"} {
			outcome(st.MessageSent(ctx, id[r].ID, id[r].Attempts, t0))
		}
		outcome(st.MessageFailed(ctx, id["failed@x"].ID, id["failed@x"].Attempts, "550", t0))
		outcome(st.MessageRetry(ctx, id["failed-late@x"].ID, id["failed-late@x"].Attempts, "451", t0, t0.Add(23*time.Hour)))
		outcome(st.MessageRetry(ctx, id["queued@x"].ID, id["queued@x"].Attempts, "451", t0, t0.Add(100*24*time.Hour)))
		// sending@x stays claimed, its worker gone.

		// Created with the others, failed for good 23 hours later.
		late, err := st.ClaimMessages(ctx, t0.Add(23*time.Hour), time.Minute, 100)
		if err != nil || len(late) != 1 || late[0].Recipient != "failed-late@x" {
			t.Fatalf("ClaimMessages at +23h = %+v, %v; want failed-late@x", late, err)
		}
		outcome(st.MessageFailed(ctx, late[0].ID, late[0].Attempts, "550", t0.Add(23*time.Hour)))
		recent := queue(t0.Add(24*time.Hour), "!3")

		now := t0.Add(25 * time.Hour)
		n, err := st.PruneMessages(ctx, now.Add(-keep))
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Errorf("pruned %d messages; want 5 (sent@x, sent2@x, failed@x and two without address)", n)
		}
		left, _, err := st.Messages(ctx, store.MessageFilter{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 4 {
			t.Errorf("%d messages left; want 4", len(left))
		}
		got := map[string]string{}
		for _, m := range left {
			got[m.Recipient] = m.Status
		}
		wantLeft := map[string]string{
			"failed-late@x": store.StatusFailed, "queued@x": store.StatusQueued,
			"sending@x": store.StatusSending, "": store.StatusFailed, // !3
		}
		if diff := cmp.Diff(wantLeft, got); diff != "" {
			t.Errorf("messages left (-want +got):\n%s", diff)
		}
		// The content of the event whose messages are all gone is gone.
		rows, err := st.DB().QueryContext(ctx, `SELECT event_id FROM argus_notify_content ORDER BY event_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var contents []int64
		for rows.Next() {
			var e int64
			if err := rows.Scan(&e); err != nil {
				t.Fatal(err)
			}
			contents = append(contents, e)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{old, recent}, contents); diff != "" {
			t.Errorf("contents left, by event (-want +got; %d's are unused):\n%s", gone, diff)
		}
	})
}
