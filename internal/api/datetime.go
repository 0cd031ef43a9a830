package api

import (
	"time"
	"unicode/utf8"

	"github.com/argus-go/argus/internal/argus"
)

// msgDateTimeFormat is DRF's invalid-datetime message as Argus v1.0 patched it (every datetime field carries the "or 'infinity'" suffix, api-v1.md §2.5).
const msgDateTimeFormat = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], or 'infinity'."

// parseDateTime reads an ISO 8601 datetime as Django's parse_datetime does
// (D3, D7): YYYY-MM-DD, "T" or " ", HH:MM, optional :SS with an optional
// fraction of 1–12 digits after "." or "," of which the first six count,
// optional whitespace, and an optional zone "Z", ±HH, ±HHMM or ±HH:MM.
// Month, day, hour, minute and second may have one or two digits. As with
// Python's "$", one final "\n" may follow.
//
// A naive value is wall-clock time in loc, read as Python's zoneinfo does
// with fold=0: an ambiguous time (autumn) is the first occurrence, and a
// time in a spring gap is read with the offset in effect before the
// transition (Europe/Oslo 2026-03-29 02:30 is 01:30Z).
//
// ok is false for anything else, for dates and times that do not exist on
// the calendar or clock, for offsets of 24 hours or more, and for results
// whose UTC year is outside 1..9999. The result is in UTC.
func parseDateTime(s string, loc *time.Location) (time.Time, bool) {
	d, ok := scanDateTime(s)
	if !ok {
		return time.Time{}, false
	}
	return d.instant(loc)
}

// parseEndTime is parseDateTime for Incident.end_time (D7): it also
// accepts "infinity" (argus.Infinity) and "-infinity" (argus.NegInfinity),
// and reads any datetime whose wall clock as written is
// 9999-12-31T23:59:59.999999 (Python's datetime.max, naive or with any
// offset) as argus.Infinity, and 0001-01-01T00:00:00 (datetime.min) as
// argus.NegInfinity.
func parseEndTime(s string, loc *time.Location) (time.Time, bool) {
	switch s {
	case "infinity":
		return argus.Infinity, true
	case "-infinity":
		return argus.NegInfinity, true
	}
	d, ok := scanDateTime(s)
	if !ok {
		return time.Time{}, false
	}
	switch d.wall {
	case [7]int{9999, 12, 31, 23, 59, 59, 999999}:
		return argus.Infinity, true
	case [7]int{1, 1, 1, 0, 0, 0, 0}:
		return argus.NegInfinity, true
	}
	return d.instant(loc)
}

// dateTime is a datetime as written: its wall clock and its offset.
type dateTime struct {
	// wall is year, month, day, hour, minute, second, microsecond.
	wall [7]int
	// offset is in seconds east of UTC; naive datetimes have none.
	offset int
	naive  bool
}

// scanDateTime parses s with the syntax of Django's datetime_re and checks
// the fields as Python's datetime constructor does.
func scanDateTime(s string) (dateTime, bool) {
	var d dateTime
	p := dtScanner{s: s}
	var good bool
	if d.wall[0], good = p.digits(4, 4); !good || !p.skip('-') {
		return d, false
	}
	if d.wall[1], good = p.digits(1, 2); !good || !p.skip('-') {
		return d, false
	}
	if d.wall[2], good = p.digits(1, 2); !good {
		return d, false
	}
	if !p.skip('T') && !p.skip(' ') {
		return d, false
	}
	if d.wall[3], good = p.digits(1, 2); !good || !p.skip(':') {
		return d, false
	}
	if d.wall[4], good = p.digits(1, 2); !good {
		return d, false
	}
	if p.skip(':') {
		if d.wall[5], good = p.digits(1, 2); !good {
			return d, false
		}
		if p.skip('.') || p.skip(',') {
			start := p.i
			if d.wall[6], good = p.digits(1, 12); !good {
				return d, false
			}
			n := p.i - start
			for ; n > 6; n-- {
				d.wall[6] /= 10
			}
			for ; n < 6; n++ {
				d.wall[6] *= 10
			}
		}
	}
	for p.i < len(s) {
		r, size := utf8.DecodeRuneInString(s[p.i:])
		if !argus.IsSpace(r) {
			break
		}
		p.i += size
	}
	d.naive = true
	switch {
	case p.skip('Z'):
		d.naive = false
	case p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-'):
		sign := 1
		if s[p.i] == '-' {
			sign = -1
		}
		p.i++
		h, good := p.digits(2, 2)
		if !good {
			return d, false
		}
		m := 0
		if p.i < len(s) && s[p.i] != '\n' {
			p.skip(':')
			if m, good = p.digits(2, 2); !good {
				return d, false
			}
		}
		// Python's timezone() takes any offset below 24 hours, so
		// "+01:99" is 2:39 ahead.
		if h*60+m >= 24*60 {
			return d, false
		}
		d.naive = false
		d.offset = sign * (h*3600 + m*60)
	}
	if p.i < len(s) && !(p.i == len(s)-1 && s[p.i] == '\n') {
		return d, false
	}
	if !validCivil(d.wall) {
		return d, false
	}
	return d, true
}

// validCivil reports whether Python's datetime() accepts the fields.
func validCivil(w [7]int) bool {
	if w[0] < 1 || w[0] > 9999 || w[1] < 1 || w[1] > 12 || w[3] > 23 || w[4] > 59 || w[5] > 59 {
		return false
	}
	days := time.Date(w[0], time.Month(w[1])+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return 1 <= w[2] && w[2] <= days
}

// instant resolves the datetime in loc (for naive ones) and checks that it
// lies within Python's datetime range in UTC.
func (d dateTime) instant(loc *time.Location) (time.Time, bool) {
	w := d.wall
	wall := time.Date(w[0], time.Month(w[1]), w[2], w[3], w[4], w[5], w[6]*1000, time.UTC)
	var t time.Time
	if d.naive {
		t = resolveWallClock(wall, loc)
	} else {
		t = wall.Add(-time.Duration(d.offset) * time.Second)
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// resolveWallClock finds the instant at which clocks in loc show wall
// (given as a UTC time with the same fields), as Python's zoneinfo does
// with fold=0: of two such instants (autumn overlap) the earlier, and in a
// spring gap the wall time read with the offset from before the gap.
func resolveWallClock(wall time.Time, loc *time.Location) time.Time {
	if loc == nil || loc == time.UTC {
		return wall
	}
	// Every instant that could show wall lies within a day of it, since
	// no offset reaches 24 hours. Walk the zone periods over that span.
	type period struct {
		start, end time.Time // zero when unbounded
		offset     time.Duration
	}
	var periods []period
	at := wall.Add(-26 * time.Hour)
	limit := wall.Add(26 * time.Hour)
	for range 64 {
		local := at.In(loc)
		_, off := local.Zone()
		start, end := local.ZoneBounds()
		periods = append(periods, period{start, end, time.Duration(off) * time.Second})
		if end.IsZero() || !end.Before(limit) {
			break
		}
		at = end
	}
	inside := func(p period, t time.Time) bool {
		return (p.start.IsZero() || !t.Before(p.start)) && (p.end.IsZero() || t.Before(p.end))
	}
	for _, p := range periods {
		if t := wall.Add(-p.offset); inside(p, t) {
			return t
		}
	}
	// A gap: wall falls after period i ends by its own offset but before
	// period i+1 begins by the next one's.
	for i := 0; i+1 < len(periods); i++ {
		before, after := periods[i], periods[i+1]
		if !wall.Add(-before.offset).Before(before.end) && wall.Add(-after.offset).Before(after.start) {
			return wall.Add(-before.offset)
		}
	}
	_, off := wall.In(loc).Zone()
	return wall.Add(-time.Duration(off) * time.Second)
}

// dtScanner reads ASCII fields of a datetime string.
type dtScanner struct {
	s string
	i int
}

// skip consumes the byte c if it comes next.
func (p *dtScanner) skip(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// digits consumes min to max ASCII digits, as many as there are.
func (p *dtScanner) digits(min, max int) (int, bool) {
	n, v := 0, 0
	for n < max && p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		n++
	}
	return v, n >= min
}
