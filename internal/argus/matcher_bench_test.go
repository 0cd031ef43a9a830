package argus_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// BenchmarkMatcher10kProfiles matches one incident at a time against 10,000
// profiles of a realistic shape: 1–3 filters each, each filter with 0–3
// tags and 0–5 sources, over 50 sources and the tag keys object (1000
// values), location (40) and problem_type (12); most profiles are active
// all the time, some only in office hours. Each incident has three tags,
// one per key. The figure that matters is ms/event.
func BenchmarkMatcher10kProfiles(b *testing.B) {
	loc := oslo(b)
	r := rand.New(rand.NewPCG(10000, 1))
	const (
		nProfiles = 10000
		nSources  = 50
	)
	tagValues := map[string]int{"object": 1000, "location": 40, "problem_type": 12}
	keys := []string{"object", "location", "problem_type"}
	randValue := func(key string) string { return fmt.Sprintf("%s-%d", key, r.IntN(tagValues[key])) }

	officeHours := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{
		Days:  []int{1, 2, 3, 4, 5},
		Start: argus.TimeOfDay(8 * time.Hour),
		End:   argus.TimeOfDay(16 * time.Hour),
	}}}
	profiles := make([]argus.Profile, nProfiles)
	for i := range profiles {
		ts := argus.DefaultTimeslot(int64(i/3 + 1))
		if r.IntN(10) < 3 {
			ts = officeHours
		}
		ts.ID = int64(i + 1)
		p := argus.Profile{
			ID: ts.ID, UserID: ts.UserID, Timeslot: ts,
			Media: []argus.Medium{argus.MediumEmail}, Active: r.IntN(10) > 0,
		}
		for range 1 + r.IntN(3) {
			var f argus.Filter
			for range r.IntN(6) {
				f.Spec.SourceIDs = append(f.Spec.SourceIDs, 1+r.Int64N(nSources))
			}
			for range r.IntN(4) {
				k := keys[r.IntN(len(keys))]
				f.Spec.Tags = append(f.Spec.Tags, argus.Tag{Key: k, Value: randValue(k)})
			}
			p.Filters = append(p.Filters, f)
		}
		profiles[i] = p
	}
	incidents := make([]*argus.Incident, 1024)
	for i := range incidents {
		inc := &argus.Incident{ID: int64(i + 1), Source: argus.Source{ID: 1 + r.Int64N(nSources)}}
		for _, k := range keys {
			inc.Tags = append(inc.Tags, argus.TagRelation{Tag: argus.Tag{Key: k, Value: randValue(k)}})
		}
		incidents[i] = inc
	}
	at := time.Date(2026, 1, 7, 10, 0, 0, 0, loc) // a Wednesday morning

	m := argus.NewMatcher(profiles, argus.FilterBlob{})
	ev := &argus.Event{Type: argus.EventStart}
	matched := 0
	i := 0
	for b.Loop() {
		matched += len(m.Match(incidents[i%len(incidents)], ev, at))
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/event")
	b.ReportMetric(float64(matched)/float64(b.N), "profiles/event")
}
