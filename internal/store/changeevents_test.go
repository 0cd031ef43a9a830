package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// TestChangeEvents checks D31: every attribute a change really changes
// gets one CHI event by the caller, worded as api-v2.md §4.4.5 shows;
// an unchanged one gets none; none of them is queued for notification;
// a stateless incident begins with LES.
func TestChangeEvents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.DSN, store.WithNotifications(true))
		src, srcUser := storetest.Source(t, st, "gw", "nav", t0)
		kari := authtest.User(t, st, "kari", false, t0)
		inc, sta, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, EndTime: new(argus.Infinity),
			Level: 5, Description: "link down", Tags: []argus.Tag{{Key: "a", Value: "b"}},
			Metadata: json.RawMessage(`{"x": 1}`)}, src.UserID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if sta.Type != argus.EventStart || string(inc.Metadata) != `{"x": 1}` && string(inc.Metadata) != `{"x":1}` {
			t.Errorf("created %s with metadata %s; want STA and the metadata", sta.Type, inc.Metadata)
		}
		drain := func() int {
			t.Helper()
			ids, err := st.ClaimOutbox(ctx, t0.Add(time.Hour), time.Minute, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if _, _, err := st.DispatchEvent(ctx, id, t0.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			return len(ids)
		}
		if n := drain(); n != 1 {
			t.Fatalf("%d events queued by the creation; want the STA", n)
		}
		changes := func() []string {
			t.Helper()
			evs, err := st.Events(ctx, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for i := len(evs) - 1; i >= 0; i-- {
				if evs[i].Type == argus.EventChange {
					if evs[i].Actor.ID != kari.ID {
						t.Errorf("CHI by %s; want kari", evs[i].Actor.Username)
					}
					out = append(out, evs[i].Description)
				}
			}
			return out
		}
		at := t0.Add(time.Minute)
		_, err = st.UpdateIncident(ctx, inc.ID, store.IncidentChange{
			Tags: &[]argus.Tag{{Key: "a", Value: "b"}, {Key: "c", Value: "d"}}, DetailsURL: new("/x"), TicketURL: new(""),
			Level: new(2), Description: new("link down"), Metadata: json.RawMessage(`{"x":1,"y":[2]}`),
		}, &kari, at)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`Change: "tags": ['a=b'] → ['a=b', 'c=d']`,
			`Change: "details_url":  → /x`,
			`Change: "level": 5 → 2`,
			`Change: "metadata": 1 item(s) → 2 item(s)`,
		}
		got := changes()
		if len(got) != len(want) {
			t.Fatalf("CHI events %q; want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("CHI %d = %q; want %q", i, got[i], want[i])
			}
		}
		if _, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Level: new(2), Metadata: json.RawMessage(`{"y": [2], "x": 1}`)}, &kari, at); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicketURL(ctx, inc.ID, "https://t.example.org/1", &kari, at); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTicketURL(ctx, inc.ID, "https://t.example.org/1", &kari, at); err != nil {
			t.Fatal(err)
		}
		if got := changes(); len(got) != 5 || got[4] != `Change: "ticket_url":  → https://t.example.org/1` {
			t.Errorf("after a same change and a ticket set twice: %q; want one more CHI, for the ticket", got)
		}
		if n := drain(); n != 0 {
			t.Errorf("%d server-made CHI events queued for notification; want none (D31)", n)
		}
		posted, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: at, Type: argus.EventChange, Description: "moved"}, &srcUser, at)
		if err != nil {
			t.Fatal(err)
		}
		if n := drain(); n != 1 {
			t.Errorf("a CHI posted by the source: %d queued; want it (D31)", n)
		}
		if posted.Type != argus.EventChange {
			t.Errorf("posted %s", posted.Type)
		}

		stateless, les, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Level: 3}, src.UserID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if les.Type != argus.EventStateless || stateless.Stateful() {
			t.Errorf("a stateless incident began with %s; want LES", les.Type)
		}
		if _, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: stateless.ID, Timestamp: at, Type: argus.EventStart}, &kari, at); err == nil {
			t.Error("an end user posted STA")
		}
	})
}
