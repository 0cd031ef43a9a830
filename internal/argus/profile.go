package argus

import (
	"slices"
	"time"
)

// Medium is a notification medium of a profile (api-v1.md §2.12, D13).
type Medium string

// The media.
const (
	MediumEmail Medium = "EM"
	MediumSMS   Medium = "SM"
)

// Valid reports whether m is EM or SM.
func (m Medium) Valid() bool { return m == MediumEmail || m == MediumSMS }

// Display is the human name of the medium: "Email" or "SMS", and "" for
// an invalid one.
func (m Medium) Display() string {
	switch m {
	case MediumEmail:
		return "Email"
	case MediumSMS:
		return "SMS"
	}
	return ""
}

// Profile is a notification profile (api-v2.md §2.11, D29): its own ID,
// a timeslot it may share with other profiles, filters, and the
// destinations it sends to. API v1 addresses it by its timeslot's ID
// (D15) and shows Media and PhoneNumber, what v1 last set them to.
type Profile struct {
	ID           int64
	UserID       int64
	Name         *string
	Timeslot     Timeslot
	Filters      []Filter
	Destinations []Destination
	Active       bool
	// Media and PhoneNumber are API v1's view (D29): "EM" sends to the
	// managed email destination, "SM" to the sms destination that is
	// PhoneNumber.
	Media       []Medium
	PhoneNumber *PhoneNumber
}

// Matches reports whether the profile fires for event ev of the incident
// (D8, D9, D28): it must be Active, its timeslot ActiveAt(at), and at
// least one of its filters, with the fallback filled in, must match; a
// profile without filters matches nothing. at is the event's time in the
// configured TIME_ZONE (callers pass t.In(loc)).
func (p *Profile) Matches(inc *Incident, ev *Event, at time.Time, fallback FilterBlob) bool {
	if !p.Active || len(p.Filters) == 0 || !p.Timeslot.ActiveAt(at) {
		return false
	}
	for i := range p.Filters {
		b := p.Filters[i].TheBlob().WithFallback(fallback)
		if b.Matches(inc, ev, at, nil) {
			return true
		}
	}
	return false
}

// ActiveAt reports whether t, read in t.Location(), falls in one of the
// recurrences: its ISO weekday (Monday = 1 … Sunday = 7) is in Days and
// Start <= time of day <= End, inclusive at both ends, at microsecond
// precision (23:59:59.999999 is inside an all-day recurrence). The wall
// clock is what counts: on a day when clocks go back, a window holding the
// repeated hour is active during both passes; on a day when they go
// forward, the skipped hour never happens. A timeslot without recurrences,
// or one whose recurrences have no days, is never active.
func (ts *Timeslot) ActiveAt(t time.Time) bool {
	day, tod := clockOf(t)
	for _, r := range ts.Recurrences {
		if r.Start <= tod && tod <= r.End && slices.Contains(r.Days, day) {
			return true
		}
	}
	return false
}

// clockOf is t's ISO weekday and its time of day truncated to the
// microsecond, both in t.Location().
func clockOf(t time.Time) (int, TimeOfDay) {
	day := int(t.Weekday())
	if day == 0 {
		day = 7
	}
	h, m, s := t.Clock()
	tod := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(t.Nanosecond()/1000)*time.Microsecond
	return day, TimeOfDay(tod)
}

// Matcher evaluates many profiles against one incident: notification
// dispatch and the profile listings use it (D8). It precomputes, for each
// profile that can ever fire, its recurrences as day masks and its filters'
// tags grouped by key, so that a match allocates only its result; the
// representation can later become an index by source and tag key without
// changing callers. A Matcher is safe for concurrent use.
type Matcher struct {
	// live holds the profiles that can fire, in input order: active,
	// with a recurrence that has a day, and with a filter that is not
	// empty.
	live     []compiledProfile
	fallback FilterBlob
}

type compiledProfile struct {
	p       *Profile // into the profiles the Matcher was made with
	recs    []compiledRecurrence
	filters []compiledFilter
}

type compiledRecurrence struct {
	days       uint8 // bit d set for ISO weekday d
	start, end TimeOfDay
}

type compiledFilter struct {
	blob FilterBlob // with the fallback filled in
}

// NewMatcher prepares profiles for matching, their filters with fallback
// filled in (ARGUS_FALLBACK_FILTER, D28). The Matcher keeps profiles and
// returns pointers into it, so the caller must not modify them afterwards.
func NewMatcher(profiles []Profile, fallback FilterBlob) *Matcher {
	m := &Matcher{fallback: fallback}
	for i := range profiles {
		if cp, ok := compileProfile(&profiles[i], fallback); ok {
			m.live = append(m.live, cp)
		}
	}
	return m
}

// Replace returns a Matcher over m's profiles but those of the users,
// and profiles, which must be theirs: how a cache of every profile takes
// in the changes of a few users without compiling the others again. When
// m's profiles and profiles are both in ID order, so is the result. m is
// unchanged; the result keeps profiles as NewMatcher does.
func (m *Matcher) Replace(users []int64, profiles []Profile) *Matcher {
	drop := make(map[int64]bool, len(users))
	for _, u := range users {
		drop[u] = true
	}
	out := &Matcher{live: make([]compiledProfile, 0, len(m.live)+len(profiles)), fallback: m.fallback}
	next := 0 // into profiles
	take := func() {
		if cp, ok := compileProfile(&profiles[next], m.fallback); ok {
			out.live = append(out.live, cp)
		}
		next++
	}
	for _, cp := range m.live {
		if drop[cp.p.UserID] {
			continue
		}
		for next < len(profiles) && profiles[next].ID < cp.p.ID {
			take()
		}
		out.live = append(out.live, cp) // compiled already; never modified
	}
	for next < len(profiles) {
		take()
	}
	return out
}

// compileProfile prepares p and reports whether it can ever fire.
func compileProfile(p *Profile, fallback FilterBlob) (compiledProfile, bool) {
	cp := compiledProfile{p: p}
	if !p.Active {
		return cp, false
	}
	for _, r := range p.Timeslot.Recurrences {
		var days uint8
		for _, d := range r.Days {
			if 1 <= d && d <= 7 {
				days |= 1 << d
			}
		}
		if days != 0 && r.Start <= r.End {
			cp.recs = append(cp.recs, compiledRecurrence{days: days, start: r.Start, end: r.End})
		}
	}
	for _, f := range p.Filters {
		b := f.TheBlob().WithFallback(fallback)
		if b.Empty() {
			continue // matches nothing (D28)
		}
		cp.filters = append(cp.filters, compiledFilter{blob: b})
	}
	return cp, len(cp.recs) > 0 && len(cp.filters) > 0
}

// Match returns the profiles that fire for event ev of inc (the rules of
// Profile.Matches), in input order. at is the event's time, already in the
// configured TIME_ZONE; it also judges whether the incident is open.
func (m *Matcher) Match(inc *Incident, ev *Event, at time.Time) []*Profile {
	day, tod := clockOf(at)
	dayBit := uint8(1) << day
	var out []*Profile
	for i := range m.live {
		cp := &m.live[i]
		if !cp.activeAt(dayBit, tod) {
			continue
		}
		for j := range cp.filters {
			if cp.filters[j].blob.Matches(inc, ev, at, nil) {
				out = append(out, cp.p)
				break
			}
		}
	}
	return out
}

func (cp *compiledProfile) activeAt(dayBit uint8, tod TimeOfDay) bool {
	for _, r := range cp.recs {
		if r.days&dayBit != 0 && r.start <= tod && tod <= r.end {
			return true
		}
	}
	return false
}
