package argus_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Oslo exists on hosts without a zoneinfo database

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

func oslo(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// tod builds a time of day.
func tod(h, m, s, us int) argus.TimeOfDay {
	return argus.TimeOfDay(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(us)*time.Microsecond)
}

func TestMedium(t *testing.T) {
	tests := []struct {
		m           argus.Medium
		wantValid   bool
		wantDisplay string
	}{
		{argus.MediumEmail, true, "Email"},
		{argus.MediumSMS, true, "SMS"},
		{"", false, ""},
		{"em", false, ""},
		{"EMAIL", false, ""},
	}
	for _, tt := range tests {
		if got := tt.m.Valid(); got != tt.wantValid {
			t.Errorf("Medium(%q).Valid() = %t; want %t", tt.m, got, tt.wantValid)
		}
		if got := tt.m.Display(); got != tt.wantDisplay {
			t.Errorf("Medium(%q).Display() = %q; want %q", tt.m, got, tt.wantDisplay)
		}
	}
}

func TestTimeslotActiveAt(t *testing.T) {
	loc := oslo(t)
	// 2026-01-05 is a Monday, 2026-01-11 a Sunday.
	at := func(day, h, m, s, ns int) time.Time { return time.Date(2026, 1, day, h, m, s, ns, loc) }
	allTheTime := argus.DefaultTimeslot(1)
	officeHours := argus.Timeslot{Recurrences: []argus.TimeRecurrence{
		{Days: []int{1, 2, 3, 4, 5}, Start: tod(8, 0, 0, 0), End: tod(16, 0, 0, 0)},
	}}
	sundays := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{Days: []int{7}, Start: 0, End: argus.EndOfDay}}}
	mondays := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{Days: []int{1}, Start: 0, End: argus.EndOfDay}}}
	dayZero := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{Days: []int{0}, Start: 0, End: argus.EndOfDay}}}
	union := argus.Timeslot{Recurrences: []argus.TimeRecurrence{
		{Days: []int{1}, Start: tod(8, 0, 0, 0), End: tod(10, 0, 0, 0)},
		{Days: []int{1}, Start: tod(14, 0, 0, 0), End: tod(16, 0, 0, 0)},
		{Days: []int{6}, Start: 0, End: argus.EndOfDay},
	}}
	noDays := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{Days: []int{}, Start: 0, End: argus.EndOfDay}}}
	noRecurrences := argus.Timeslot{}
	earlyMonday := argus.Timeslot{Recurrences: []argus.TimeRecurrence{{Days: []int{1}, Start: 0, End: tod(1, 0, 0, 0)}}}
	// 23:30 UTC on Sunday 2026-01-11 is 00:30 on Monday in Oslo.
	lateSundayUTC := time.Date(2026, 1, 11, 23, 30, 0, 0, time.UTC)

	tests := []struct {
		name string
		ts   argus.Timeslot
		at   time.Time
		want bool
	}{
		{"all day, midnight", allTheTime, at(5, 0, 0, 0, 0), true},
		{"all day, last microsecond", allTheTime, at(11, 23, 59, 59, 999999000), true},
		{"all day, last nanosecond", allTheTime, at(11, 23, 59, 59, 999999999), true},

		{"start is inclusive", officeHours, at(5, 8, 0, 0, 0), true},
		{"just before start", officeHours, at(5, 7, 59, 59, 999999000), false},
		{"end is inclusive", officeHours, at(9, 16, 0, 0, 0), true},
		{"sub-microsecond past end counts as the end", officeHours, at(9, 16, 0, 0, 999), true},
		{"a microsecond past end", officeHours, at(9, 16, 0, 0, 1000), false},
		{"weekday, midday", officeHours, at(7, 12, 0, 0, 0), true},
		{"Saturday", officeHours, at(10, 12, 0, 0, 0), false},
		{"Sunday", officeHours, at(11, 12, 0, 0, 0), false},

		{"Sunday is 7", sundays, at(11, 12, 0, 0, 0), true},
		{"7 is not Monday", sundays, at(5, 12, 0, 0, 0), false},
		{"Monday is 1", mondays, at(5, 12, 0, 0, 0), true},
		{"1 is not Sunday", mondays, at(11, 12, 0, 0, 0), false},
		{"0 is not Sunday", dayZero, at(11, 12, 0, 0, 0), false},

		{"union, first recurrence", union, at(5, 9, 0, 0, 0), true},
		{"union, between recurrences", union, at(5, 12, 0, 0, 0), false},
		{"union, second recurrence", union, at(5, 16, 0, 0, 0), true},
		{"union, third recurrence", union, at(10, 3, 0, 0, 0), true},
		{"union, other day", union, at(6, 9, 0, 0, 0), false},

		{"empty days", noDays, at(5, 12, 0, 0, 0), false},
		{"no recurrences", noRecurrences, at(5, 12, 0, 0, 0), false},

		{"read in the time's location: UTC", earlyMonday, lateSundayUTC, false},
		{"read in the time's location: Oslo", earlyMonday, lateSundayUTC.In(loc), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ts.ActiveAt(tt.at); got != tt.want {
				t.Errorf("ActiveAt(%s) = %t; want %t", tt.at.Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}
}

// TestTimeslotActiveAtDST runs a Sunday 02:00–03:00 recurrence through the
// 2026 clock changes in Europe/Oslo. The instants are given in UTC; the
// wall clock in Oslo is what counts.
func TestTimeslotActiveAtDST(t *testing.T) {
	loc := oslo(t)
	night := argus.Timeslot{Recurrences: []argus.TimeRecurrence{
		{Days: []int{7}, Start: tod(2, 0, 0, 0), End: tod(3, 0, 0, 0)},
	}}
	utc := func(month time.Month, day, h, m, s, ns int) time.Time {
		return time.Date(2026, month, day, h, m, s, ns, time.UTC)
	}
	const layout = "2006-01-02 15:04:05.999999 MST"
	tests := []struct {
		name      string
		instant   time.Time
		wantLocal string // a check on the conversion itself
		want      bool
	}{
		// 29 March: at 02:00 CET the clocks jump to 03:00 CEST, so only
		// the end of the window (03:00:00 exactly) is ever seen.
		{"spring, an hour before", utc(3, 29, 0, 0, 0, 0), "2026-03-29 01:00:00 CET", false},
		{"spring, last instant of CET", utc(3, 29, 0, 59, 59, 999999000), "2026-03-29 01:59:59.999999 CET", false},
		{"spring, first instant of CEST", utc(3, 29, 1, 0, 0, 0), "2026-03-29 03:00:00 CEST", true},
		{"spring, a microsecond later", utc(3, 29, 1, 0, 0, 1000), "2026-03-29 03:00:00.000001 CEST", false},
		{"spring, half an hour later", utc(3, 29, 1, 30, 0, 0), "2026-03-29 03:30:00 CEST", false},

		// 25 October: at 03:00 CEST the clocks go back to 02:00 CET, so
		// 02:00–03:00 happens twice and the window is open for two hours.
		{"autumn, just before", utc(10, 24, 23, 59, 59, 999999000), "2026-10-25 01:59:59.999999 CEST", false},
		{"autumn, first 02:00", utc(10, 25, 0, 0, 0, 0), "2026-10-25 02:00:00 CEST", true},
		{"autumn, first 02:30", utc(10, 25, 0, 30, 0, 0), "2026-10-25 02:30:00 CEST", true},
		{"autumn, last instant of CEST", utc(10, 25, 0, 59, 59, 999999000), "2026-10-25 02:59:59.999999 CEST", true},
		{"autumn, second 02:00", utc(10, 25, 1, 0, 0, 0), "2026-10-25 02:00:00 CET", true},
		{"autumn, second 02:30", utc(10, 25, 1, 30, 0, 0), "2026-10-25 02:30:00 CET", true},
		{"autumn, 03:00 CET", utc(10, 25, 2, 0, 0, 0), "2026-10-25 03:00:00 CET", true},
		{"autumn, a microsecond later", utc(10, 25, 2, 0, 0, 1000), "2026-10-25 03:00:00.000001 CET", false},

		// The same wall-clock hour a week earlier, with no change.
		{"ordinary Sunday, 02:30", utc(10, 18, 0, 30, 0, 0), "2026-10-18 02:30:00 CEST", true},
		{"ordinary Sunday, 03:30", utc(10, 18, 1, 30, 0, 0), "2026-10-18 03:30:00 CEST", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := tt.instant.In(loc)
			if got := local.Format(layout); got != tt.wantLocal {
				t.Fatalf("%s in Oslo = %s; want %s", tt.instant.Format(time.RFC3339Nano), got, tt.wantLocal)
			}
			if got := night.ActiveAt(local); got != tt.want {
				t.Errorf("ActiveAt(%s) = %t; want %t", tt.wantLocal, got, tt.want)
			}
		})
	}
}

func TestProfileMatches(t *testing.T) {
	loc := oslo(t)
	sunday := time.Date(2026, 1, 11, 12, 0, 0, 0, loc)
	monday := time.Date(2026, 1, 5, 12, 0, 0, 0, loc)
	officeHours := argus.Timeslot{ID: 9, Recurrences: []argus.TimeRecurrence{
		{Days: []int{1, 2, 3, 4, 5}, Start: tod(8, 0, 0, 0), End: tod(16, 0, 0, 0)},
	}}
	fromSource1 := argus.Filter{ID: 1, Name: "source 1", Spec: spec([]int64{1})}
	boxes := argus.Filter{ID: 2, Name: "boxes", Spec: spec(nil, "object=box1", "object=box2")}
	empty := argus.Filter{ID: 3, Name: "empty", Spec: spec(nil)}
	profile := func(active bool, ts argus.Timeslot, filters ...argus.Filter) *argus.Profile {
		return &argus.Profile{
			ID: ts.ID, UserID: 1, Timeslot: ts, Filters: filters,
			Media: []argus.Medium{argus.MediumEmail}, Active: active,
		}
	}
	inc := incident(2, "object=box2")
	tests := []struct {
		name    string
		profile *argus.Profile
		at      time.Time
		want    bool
	}{
		{"matching", profile(true, officeHours, boxes), monday, true},
		{"inactive", profile(false, officeHours, boxes), monday, false},
		{"outside the timeslot", profile(true, officeHours, boxes), sunday, false},
		{"no filters", profile(true, argus.DefaultTimeslot(1)), monday, false},
		{"only an empty filter", profile(true, argus.DefaultTimeslot(1), empty), monday, false},
		{"second of two filters matches", profile(true, officeHours, fromSource1, boxes), monday, true},
		{"first of two filters matches", profile(true, officeHours, boxes, fromSource1), monday, true},
		{"neither of two filters matches", profile(true, officeHours, fromSource1, empty), monday, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.profile.Matches(inc, nil, tt.at, argus.FilterBlob{}); got != tt.want {
				t.Errorf("Matches at %s = %t; want %t", tt.at, got, tt.want)
			}
		})
	}
}

func TestMatcherMatch(t *testing.T) {
	loc := oslo(t)
	monday := time.Date(2026, 1, 5, 12, 0, 0, 0, loc)
	all := argus.DefaultTimeslot(1)
	f := func(sources []int64, tags ...string) argus.Filter { return argus.Filter{Spec: spec(sources, tags...)} }
	profiles := []argus.Profile{
		{ID: 1, Active: true, Timeslot: all, Filters: []argus.Filter{f([]int64{1})}},
		{ID: 2, Active: true, Timeslot: all, Filters: []argus.Filter{f([]int64{2})}},
		{ID: 3, Active: false, Timeslot: all, Filters: []argus.Filter{f([]int64{1})}},
		{ID: 4, Active: true, Timeslot: all, Filters: []argus.Filter{f(nil), f(nil, "object=a")}},
		{ID: 5, Active: true, Timeslot: all},
		{ID: 6, Active: true, Timeslot: all, Filters: []argus.Filter{f([]int64{1})}},
	}
	m := argus.NewMatcher(profiles, argus.FilterBlob{})
	tests := []struct {
		name    string
		inc     *argus.Incident
		wantIDs []int64
	}{
		{"source 1 with tag", incident(1, "object=a"), []int64{1, 4, 6}},
		{"source 2", incident(2), []int64{2}},
		{"nothing", incident(3, "object=b"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Match(tt.inc, nil, monday)
			var gotIDs []int64
			for _, p := range got {
				gotIDs = append(gotIDs, p.ID)
				if p != &profiles[p.ID-1] {
					t.Errorf("Match returned a copy of profile %d; want a pointer into the input", p.ID)
				}
			}
			if diff := cmp.Diff(tt.wantIDs, gotIDs); diff != "" {
				t.Errorf("matched profile IDs (-want +got):\n%s", diff)
			}
		})
	}
	if got := argus.NewMatcher(nil, argus.FilterBlob{}).Match(incident(1), nil, monday); len(got) != 0 {
		t.Errorf("empty Matcher matched %d profiles; want none", len(got))
	}
}

// TestMatcherAgreesWithProfileMatches checks that Matcher.Match picks
// exactly the profiles for which Profile.Matches is true, on random data
// drawn from small alphabets so that matches and near misses are common.
func TestMatcherAgreesWithProfileMatches(t *testing.T) {
	loc := oslo(t)
	r := rand.New(rand.NewPCG(20260329, 20261025))
	keys := []string{"object", "location", "problem"}
	values := []string{"a", "b", "a", "b", "a", "b", "c", ""} // "c" and "" are rarer
	randTag := func() argus.Tag {
		return argus.Tag{Key: keys[r.IntN(len(keys))], Value: values[r.IntN(len(values))]}
	}
	// Times of day on the half hour, plus the ends of the day, so that
	// recurrence boundaries are hit often.
	randTOD := func() argus.TimeOfDay {
		switch r.IntN(10) {
		case 0:
			return 0
		case 1:
			return argus.EndOfDay
		}
		return argus.TimeOfDay(time.Duration(r.IntN(48)) * 30 * time.Minute)
	}
	// upTo3 is mostly 1–3, sometimes 0.
	upTo3 := func() int {
		if r.IntN(10) == 0 {
			return 0
		}
		return 1 + r.IntN(3)
	}
	randProfile := func(id int64) argus.Profile {
		p := argus.Profile{ID: id, UserID: 1 + r.Int64N(3), Active: r.IntN(10) > 0}
		p.Timeslot.ID = id
		for range upTo3() {
			var rec argus.TimeRecurrence
			for d := 1; d <= 7; d++ {
				if r.IntN(10) < 7 {
					rec.Days = append(rec.Days, d)
				}
			}
			rec.Start, rec.End = 0, argus.EndOfDay
			if r.IntN(3) > 0 {
				rec.Start, rec.End = randTOD(), randTOD()
				if rec.Start > rec.End {
					rec.Start, rec.End = rec.End, rec.Start
				}
			}
			p.Timeslot.Recurrences = append(p.Timeslot.Recurrences, rec)
		}
		for range upTo3() {
			var f argus.Filter
			for range r.IntN(3) {
				f.Spec.SourceIDs = append(f.Spec.SourceIDs, 1+r.Int64N(6))
			}
			for range r.IntN(3) {
				f.Spec.Tags = append(f.Spec.Tags, randTag())
			}
			p.Filters = append(p.Filters, f)
		}
		return p
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)

	const cases = 2000
	var matched, missed int
	for c := range cases {
		profiles := make([]argus.Profile, 1+r.IntN(20))
		for i := range profiles {
			profiles[i] = randProfile(int64(i + 1))
		}
		inc := &argus.Incident{ID: int64(c), Source: argus.Source{ID: 1 + r.Int64N(6)}}
		// 0–4 tags: most keys once, sometimes a second value for a key.
		for _, k := range keys {
			if r.IntN(4) > 0 {
				inc.Tags = append(inc.Tags, argus.TagRelation{Tag: argus.Tag{Key: k, Value: values[r.IntN(len(values))]}})
			}
		}
		if r.IntN(4) == 0 {
			inc.Tags = append(inc.Tags, argus.TagRelation{Tag: randTag()})
		}
		// Any day of 2026, both DST changes included, at a time of day
		// from the same alphabet as the recurrences.
		day := start.AddDate(0, 0, r.IntN(365))
		at := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, int(randTOD()), loc)

		var want []int
		for i := range profiles {
			if profiles[i].Matches(inc, nil, at, argus.FilterBlob{}) {
				want = append(want, i)
			}
		}
		index := make(map[*argus.Profile]int, len(profiles))
		for i := range profiles {
			index[&profiles[i]] = i
		}
		var got []int
		for _, p := range argus.NewMatcher(profiles, argus.FilterBlob{}).Match(inc, nil, at) {
			i, ok := index[p]
			if !ok {
				t.Fatalf("case %d: Match returned a profile not in its input", c)
			}
			got = append(got, i)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("case %d at %s, incident source %d tags %v: matched profile indexes (-Profile.Matches +Matcher.Match):\n%s",
				c, at, inc.Source.ID, inc.Tags, diff)
		}
		matched += len(want)
		missed += len(profiles) - len(want)
	}
	// The data must exercise both outcomes for the comparison to mean much.
	if matched < cases/2 || missed < cases {
		t.Errorf("over %d cases, %d profiles matched and %d did not; the generator is too one-sided", cases, matched, missed)
	}
	t.Logf("%d cases: %d profile matches, %d non-matches", cases, matched, missed)
}

// TestMatcherReplace checks that replacing some users' profiles gives a
// Matcher that matches exactly as one built afresh over the same
// profiles, in the same order, and leaves the original as it was.
func TestMatcherReplace(t *testing.T) {
	monday := time.Date(2026, 1, 5, 12, 0, 0, 0, oslo(t))
	r := rand.New(rand.NewPCG(10, 4))
	nextID := int64(0)
	// randProfile is a profile of user, which fires for sources 1–4 half
	// the time and can be inactive or without a recurrence.
	randProfile := func(user int64) argus.Profile {
		nextID += 1 + r.Int64N(3)
		p := argus.Profile{ID: nextID, UserID: user, Active: r.IntN(8) > 0}
		if r.IntN(8) > 0 {
			p.Timeslot = argus.DefaultTimeslot(nextID)
		}
		for range r.IntN(3) {
			p.Filters = append(p.Filters, argus.Filter{Spec: spec([]int64{1 + r.Int64N(4)})})
		}
		return p
	}
	ids := func(list []*argus.Profile) []int64 {
		var out []int64
		for _, p := range list {
			out = append(out, p.ID)
		}
		return out
	}
	for c := range 200 {
		// Users 1–6 with 0–3 profiles each, interleaved by ID.
		var before []argus.Profile
		for range r.IntN(15) {
			before = append(before, randProfile(1+r.Int64N(6)))
		}
		old := argus.NewMatcher(before, argus.FilterBlob{})
		oldMatches := make(map[int64][]int64)
		for src := int64(1); src <= 4; src++ {
			oldMatches[src] = ids(old.Match(incident(src), nil, monday))
		}

		// Replace 0–3 users' profiles: some keep theirs, some get new
		// ones, some lose them all.
		var users []int64
		var fresh []argus.Profile
		for _, u := range r.Perm(6)[:r.IntN(4)] {
			user := int64(u + 1)
			users = append(users, user)
			for _, p := range before {
				if p.UserID == user && r.IntN(2) == 0 {
					fresh = append(fresh, p) // unchanged
				}
			}
			for range r.IntN(3) {
				fresh = append(fresh, randProfile(user))
			}
		}
		byID := func(a, b argus.Profile) int { return int(a.ID - b.ID) } // small IDs
		slices.SortFunc(fresh, byID)
		var want []argus.Profile
		for _, p := range before {
			if !slices.Contains(users, p.UserID) {
				want = append(want, p)
			}
		}
		want = append(want, fresh...)
		slices.SortFunc(want, byID)

		got := old.Replace(users, fresh)
		afresh := argus.NewMatcher(want, argus.FilterBlob{})
		for src := int64(1); src <= 4; src++ {
			if diff := cmp.Diff(ids(afresh.Match(incident(src), nil, monday)), ids(got.Match(incident(src), nil, monday))); diff != "" {
				t.Fatalf("case %d, source %d: profiles matched after replacing users %v (-NewMatcher +Replace):\n%s", c, src, users, diff)
			}
			if diff := cmp.Diff(oldMatches[src], ids(old.Match(incident(src), nil, monday))); diff != "" {
				t.Fatalf("case %d, source %d: the replaced Matcher changed (-before +after):\n%s", c, src, diff)
			}
		}
	}
}
