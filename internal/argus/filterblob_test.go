package argus_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

// TestFilterBlobMatches checks every key of the one matcher (D28), both
// with an event (dispatch) and without (listing).
func TestFilterBlobMatches(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	yes, no := true, false
	open := &argus.Incident{ID: 1, Level: 2, EndTime: new(argus.Infinity), Source: argus.Source{ID: 7, Type: "nav"},
		Tags: []argus.TagRelation{{Tag: argus.Tag{Key: "host", Value: "sw1"}}, {Tag: argus.Tag{Key: "team", Value: "ops"}}}}
	closedAcked := &argus.Incident{ID: 2, Level: 4, EndTime: &past, Acked: true, Source: argus.Source{ID: 8, Type: "zabbix"}}
	stateless := &argus.Incident{ID: 3, Level: 5, Source: argus.Source{ID: 7, Type: "nav"}}
	sta := &argus.Event{Type: argus.EventStart}
	oth := &argus.Event{Type: argus.EventOther}
	// In listing, incidents 1 and 3 have an OTH event.
	hasEvents := map[int64][]argus.EventType{1: {argus.EventStart, argus.EventOther}, 2: {argus.EventStart}, 3: {argus.EventStateless, argus.EventOther}}
	tests := []struct {
		name string
		blob argus.FilterBlob
		// want is what matches, in listing and for an STA event.
		listing, dispatch []int64
	}{
		{"empty matches nothing", argus.FilterBlob{}, nil, nil},
		{"sources", argus.FilterBlob{SourceIDs: []int64{7}}, []int64{1, 3}, []int64{1, 3}},
		{"source types", argus.FilterBlob{SourceTypes: []string{"zabbix"}}, []int64{2}, []int64{2}},
		{"tags: keys AND-ed", argus.FilterBlob{Tags: []argus.Tag{{Key: "host", Value: "sw1"}, {Key: "team", Value: "net"}}}, nil, nil},
		{"tags: values OR-ed", argus.FilterBlob{Tags: []argus.Tag{{Key: "team", Value: "net"}, {Key: "team", Value: "ops"}}}, []int64{1}, []int64{1}},
		{"open: true", argus.FilterBlob{Open: &yes}, []int64{1}, []int64{1}},
		{"open: false takes stateless too", argus.FilterBlob{Open: &no}, []int64{2, 3}, []int64{2, 3}},
		{"acked", argus.FilterBlob{Acked: &yes}, []int64{2}, []int64{2}},
		{"unacked", argus.FilterBlob{Acked: &no}, []int64{1, 3}, []int64{1, 3}},
		{"stateful", argus.FilterBlob{Stateful: &yes}, []int64{1, 2}, []int64{1, 2}},
		{"stateless", argus.FilterBlob{Stateful: &no}, []int64{3}, []int64{3}},
		{"maxlevel", argus.FilterBlob{MaxLevel: 4}, []int64{1, 2}, []int64{1, 2}},
		{"hide_closed_acked", argus.FilterBlob{HideClosedAcked: true}, []int64{1, 3}, []int64{1, 3}},
		{"event_types: the event, or any event when listing", argus.FilterBlob{EventTypes: []argus.EventType{argus.EventOther}},
			[]int64{1, 3}, nil},
		{"event_types with the event's type", argus.FilterBlob{EventTypes: []argus.EventType{argus.EventStart}},
			[]int64{1, 2}, []int64{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var listing, dispatch []int64
			for _, inc := range []*argus.Incident{open, closedAcked, stateless} {
				has := func(types []argus.EventType) bool {
					for _, e := range hasEvents[inc.ID] {
						for _, want := range types {
							if e == want {
								return true
							}
						}
					}
					return false
				}
				if tt.blob.Matches(inc, nil, now, has) {
					listing = append(listing, inc.ID)
				}
				if tt.blob.Matches(inc, sta, now, nil) {
					dispatch = append(dispatch, inc.ID)
				}
			}
			if diff := cmp.Diff(tt.listing, listing); diff != "" {
				t.Errorf("listing (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.dispatch, dispatch); diff != "" {
				t.Errorf("dispatch of an STA (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("an OTH event passes event_types [OTH]", func(t *testing.T) {
		b := argus.FilterBlob{EventTypes: []argus.EventType{argus.EventOther}}
		if !b.Matches(closedAcked, oth, now, nil) {
			t.Error("OTH refused")
		}
	})
}

func TestFilterBlobFallbackAndForms(t *testing.T) {
	no, yes := false, true
	fb := argus.FilterBlob{Acked: &no, Open: &yes, MaxLevel: 3}
	got := argus.FilterBlob{Open: &no, Tags: []argus.Tag{{Key: "a", Value: "b"}}}.WithFallback(fb)
	if got.Acked == nil || *got.Acked || got.Open == nil || !*got.Open || got.MaxLevel != 3 || len(got.Tags) != 1 {
		t.Errorf("WithFallback = %+v; want acked false, open true (an explicit false gives way), maxlevel 3, the tag", got)
	}
	if empty := (argus.FilterBlob{}).WithFallback(fb); empty.Empty() {
		t.Error("an empty filter with a fallback is still empty; it matches what the fallback describes")
	}

	spec := argus.FilterSpec{SourceIDs: []int64{2, 1}, Tags: []argus.Tag{{Key: "a", Value: "b"}}}
	b := spec.Blob()
	b.MaxLevel, b.Stored = 2, b.Stored|argus.KeyMaxLevel
	var stored map[string]any
	if err := json.Unmarshal(b.MarshalStored(), &stored); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"sourceSystemIds": []any{2.0, 1.0}, "tags": []any{"a=b"}, "maxlevel": 2.0,
		"hide_closed_acked": false}, stored); diff != "" {
		t.Errorf("stored form (-want +got):\n%s", diff)
	}
	back := argus.ParseStoredBlob(b.MarshalStored())
	if diff := cmp.Diff(b, back); diff != "" {
		t.Errorf("stored and read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(spec, back.Spec()); diff != "" {
		t.Errorf("v1's view (-want +got):\n%s", diff)
	}
	out := back.Output()
	if out["open"] != (*bool)(nil) || out["maxlevel"] != 2 || out["hide_closed_acked"] != false || out["source_types"] != nil {
		t.Errorf("output form %v", out)
	}
	kept := back.WithSpec(argus.FilterSpec{Tags: []argus.Tag{{Key: "c", Value: "d"}}})
	if kept.MaxLevel != 2 || len(kept.SourceIDs) != 0 || kept.Tags[0].Key != "c" {
		t.Errorf("a v1 write over the blob: %+v; want its two keys replaced, maxlevel kept", kept)
	}
}
