package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// TestIncidentSearch checks the incident filter's text search: in
// descriptions and in events' descriptions, whatever the case of ASCII
// letters, with LIKE's own characters taken literally, through the
// trigram indexes and, for texts they cannot serve, without them.
func TestIncidentSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		src, u := storetest.Source(t, st, "gw", "nav", t0)
		alice, err := st.CreateUser(ctx, store.NewUser{Username: "alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, desc := range []string{"Core router DOWN", "disk 80% full", "link_1 flapping", "quiet"} {
			inc, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, EndTime: new(argus.Infinity),
				Description: desc, Level: 3}, u.ID, t0)
			if err != nil {
				t.Fatal(err)
			}
			ids[desc] = inc.ID
		}
		if _, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: ids["quiet"], Timestamp: t0, Type: argus.EventOther,
			Description: "Vendor says the router is fine"}, &alice, t0); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			search []string
			want   []string
		}{
			{[]string{"router"}, []string{"Core router DOWN", "quiet"}},
			{[]string{"down"}, []string{"Core router DOWN"}},
			{[]string{"80%"}, []string{"disk 80% full"}},
			{[]string{"%"}, []string{"disk 80% full"}},
			{[]string{"k_1"}, []string{"link_1 flapping"}},
			{[]string{"_"}, []string{"link_1 flapping"}},
			{[]string{`\`}, nil},
			{[]string{"VENDOR"}, []string{"quiet"}},
			{[]string{"ro"}, []string{"Core router DOWN", "quiet"}}, // shorter than a trigram
			{[]string{"ll"}, []string{"disk 80% full"}},
			{[]string{"nowhere"}, nil},
			// Every term must be found, each in the description or in an
			// event (api-v2.md §4.4.2).
			{[]string{"router", "core"}, []string{"Core router DOWN"}},
			{[]string{"router", "vendor"}, []string{"quiet"}},
			{[]string{"quiet", "fine"}, []string{"quiet"}},
			{[]string{"router", "nowhere"}, nil},
			{[]string{"ro", "down"}, []string{"Core router DOWN"}},
		} {
			list, _, err := st.Incidents(ctx, store.IncidentFilter{Search: tt.search}, nil, 0, t0)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, inc := range list {
				got = append(got, inc.ID)
			}
			var want []int64
			for _, d := range tt.want {
				want = append(want, ids[d])
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("search %q = %v; want %v %v", tt.search, got, want, tt.want)
			}
		}
	})
}

// TestIncidentSearchCommonText checks a page of a search for a text that
// hundreds of incidents share, which PostgreSQL answers by walking the
// newest incidents instead of collecting every match: the same page as
// the whole list's first.
func TestIncidentSearchCommonText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		src, u := storetest.Source(t, st, "gw", "nav", t0)
		for i := range 520 {
			desc := "port down"
			if i%3 == 0 {
				desc = "Box down"
			}
			_, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0.Add(time.Duration(i) * time.Second),
				Description: desc, Level: 3}, u.ID, t0)
			if err != nil {
				t.Fatal(err)
			}
		}
		// One common term, one rare; two common ones, walked row by row;
		// a common one and a rare one, collected by the rare one's index.
		for _, text := range [][]string{{"down"}, {"box"}, {"down", "o"}, {"down", "box"}} {
			all, _, err := st.Incidents(ctx, store.IncidentFilter{Search: text}, nil, 0, t0)
			if err != nil {
				t.Fatal(err)
			}
			page, more, err := st.Incidents(ctx, store.IncidentFilter{Search: text}, nil, 50, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) != 50 || !more || len(all) < 150 {
				t.Fatalf("search %q: a page of %d of %d, more %v; want 50 of at least 150 and more", text, len(page), len(all), more)
			}
			for i := range page {
				if page[i].ID != all[i].ID {
					t.Fatalf("search %q: page[%d] = incident %d; the full list has %d there", text, i, page[i].ID, all[i].ID)
				}
			}
		}
	})
}
