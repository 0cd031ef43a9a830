package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// TestOneMatcher is a property test of D28: on random incidents and
// random filter blobs, the listing that the database computes (previews,
// a profile's incidents, ?filter_pk=) is exactly what argus.FilterBlob's
// Matches accepts in memory, and for filters without event types exactly
// what dispatch would notify of an event of the incident.
func TestOneMatcher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(11, 28))
		now := t0.Add(24 * time.Hour)
		srcA, _ := storetest.Source(t, st, "a", "nav", t0)
		srcB, _ := storetest.Source(t, st, "b", "zabbix", t0)
		kari := authtest.User(t, st, "kari", false, t0)
		sources := []argus.Source{srcA, srcB}
		tagPool := []argus.Tag{{Key: "host", Value: "sw1"}, {Key: "host", Value: "sw2"}, {Key: "team", Value: "ops"}, {Key: "team", Value: "net"}}

		events := map[int64][]argus.EventType{}
		for i := range 60 {
			src := sources[rng.IntN(2)]
			ni := store.NewIncident{SourceID: src.ID, StartTime: t0.Add(time.Duration(i) * time.Minute), Level: 1 + rng.IntN(5),
				Description: fmt.Sprint("incident ", i)}
			switch rng.IntN(3) {
			case 0:
				ni.EndTime = new(argus.Infinity)
			case 1:
				ni.EndTime = new(t0.Add(time.Duration(i+1) * time.Hour))
			} // else stateless
			for _, tag := range tagPool {
				if rng.IntN(3) == 0 {
					ni.Tags = append(ni.Tags, tag)
				}
			}
			inc, first, err := st.CreateIncident(ctx, ni, src.UserID, t0)
			if err != nil {
				t.Fatal(err)
			}
			events[inc.ID] = append(events[inc.ID], first.Type)
			if rng.IntN(3) == 0 {
				if _, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: t0}}, &kari, t0); err != nil {
					t.Fatal(err)
				}
				events[inc.ID] = append(events[inc.ID], argus.EventAcknowledge)
			}
			if rng.IntN(3) == 0 {
				if _, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventOther}, &kari, t0); err != nil {
					t.Fatal(err)
				}
				events[inc.ID] = append(events[inc.ID], argus.EventOther)
			}
		}
		all, _, err := st.Incidents(ctx, store.IncidentFilter{}, nil, 0, now)
		if err != nil {
			t.Fatal(err)
		}

		tri := func() *bool {
			switch rng.IntN(3) {
			case 0:
				return new(true)
			case 1:
				return new(false)
			}
			return nil
		}
		randomBlob := func() argus.FilterBlob {
			var b argus.FilterBlob
			if rng.IntN(3) == 0 {
				b.SourceIDs = []int64{sources[rng.IntN(2)].ID}
			}
			if rng.IntN(4) == 0 {
				b.SourceTypes = []string{[]string{"nav", "zabbix"}[rng.IntN(2)]}
			}
			for _, tag := range tagPool {
				if rng.IntN(4) == 0 {
					b.Tags = append(b.Tags, tag)
				}
			}
			if rng.IntN(2) == 0 {
				b.Open = tri()
			}
			if rng.IntN(2) == 0 {
				b.Acked = tri()
			}
			if rng.IntN(3) == 0 {
				b.Stateful = tri()
			}
			if rng.IntN(3) == 0 {
				b.MaxLevel = 1 + rng.IntN(5)
			}
			b.HideClosedAcked = rng.IntN(4) == 0
			if rng.IntN(4) == 0 {
				b.EventTypes = []argus.EventType{[]argus.EventType{argus.EventOther, argus.EventStateless, argus.EventStart}[rng.IntN(3)]}
			}
			return b
		}
		matched := 0
		for round := range 300 {
			b := randomBlob()
			listed, err := st.MatchingIncidents(ctx, []argus.FilterBlob{b}, now)
			if err != nil {
				t.Fatal(err)
			}
			var got, want, notified []int64
			for _, inc := range listed {
				got = append(got, inc.ID)
			}
			for i := range all {
				inc := &all[i]
				has := func(types []argus.EventType) bool {
					return slices.ContainsFunc(events[inc.ID], func(e argus.EventType) bool { return slices.Contains(types, e) })
				}
				if b.Matches(inc, nil, now, has) {
					want = append(want, inc.ID)
				}
				if b.Matches(inc, &argus.Event{Type: argus.EventOther}, now, nil) {
					notified = append(notified, inc.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, blob %+v: the database lists %v; the matcher %v", round, b, got, want)
			}
			if len(b.EventTypes) == 0 && !slices.Equal(got, notified) {
				t.Fatalf("round %d, blob %+v: the preview lists %v; dispatch would notify of %v", round, b, got, notified)
			}
			matched += len(got)
		}
		if matched == 0 {
			t.Error("no blob matched any incident: the test proves nothing")
		}
		t.Logf("300 blobs over %d incidents, %d matches", len(all), matched)
	})
}
