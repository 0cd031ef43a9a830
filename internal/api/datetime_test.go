package api

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below exist on hosts without a zoneinfo database

	"github.com/argus-go/argus/internal/argus"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// notOK in a want column means the input is refused; no result can have
// year 0.
var notOK = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)

func utc(year int, month time.Month, day, hour, min, sec, micro int) time.Time {
	return time.Date(year, month, day, hour, min, sec, micro*1000, time.UTC)
}

// The wants follow Django's parse_datetime and Python's zoneinfo with
// fold=0 (D7).
func TestParseDateTime(t *testing.T) {
	oslo := mustLoad(t, "Europe/Oslo")
	newYork := mustLoad(t, "America/New_York")
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time // or notOK
	}{
		// Offsets.
		{"2020-10-01T12:00:00Z", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T14:00:00+02:00", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T06:30:00-0530", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T13:00:00+01", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00-00:00", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00+00", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00+2359", oslo, utc(2020, 9, 30, 12, 1, 0, 0)},
		{"2020-10-01T12:00:00-23:59", oslo, utc(2020, 10, 2, 11, 59, 0, 0)},
		{"2020-10-01T12:00:00+01:99", oslo, utc(2020, 10, 1, 9, 21, 0, 0)}, // Python's timezone takes 159 minutes
		{"2020-10-01T12:00+02:00", oslo, utc(2020, 10, 1, 10, 0, 0, 0)},
		{"2020-10-01T12:00:00 +02:00", oslo, utc(2020, 10, 1, 10, 0, 0, 0)},
		{"2020-10-01T12:00:00\t\u3000Z", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00Z", newYork, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00Z", nil, utc(2020, 10, 1, 12, 0, 0, 0)},

		// Naive: wall clock in loc.
		{"2020-10-01T14:00:00", oslo, utc(2020, 10, 1, 12, 0, 0, 0)}, // summer, +02:00
		{"2020-12-01T14:00:00", oslo, utc(2020, 12, 1, 13, 0, 0, 0)}, // winter, +01:00
		{"2020-10-06 12:00:00", oslo, utc(2020, 10, 6, 10, 0, 0, 0)}, // space separator
		{"2011-11-11 11:11:11.11111", oslo, utc(2011, 11, 11, 10, 11, 11, 111110)},
		{"2020-10-01T14:00", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T14:00:00", newYork, utc(2020, 10, 1, 18, 0, 0, 0)},
		{"2020-10-01T14:00:00", time.UTC, utc(2020, 10, 1, 14, 0, 0, 0)},
		{"2020-10-01T14:00:00", nil, utc(2020, 10, 1, 14, 0, 0, 0)},
		{"2020-10-01T14:00:00", time.FixedZone("X", -3*3600), utc(2020, 10, 1, 17, 0, 0, 0)},
		{"2020-10-01T14:00:00   ", oslo, utc(2020, 10, 1, 12, 0, 0, 0)}, // \s* before the optional zone
		{"2020-10-01T14:00:00\n", oslo, utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T12:00:00Z\n", oslo, utc(2020, 10, 1, 12, 0, 0, 0)}, // Python's $ allows one final newline
		{"2020-10-01T12:00:00+0200\n", oslo, utc(2020, 10, 1, 10, 0, 0, 0)},

		// Fractions: 1–6 digits count, up to 6 more are ignored.
		{"2020-10-01T12:00:00.5Z", oslo, utc(2020, 10, 1, 12, 0, 0, 500000)},
		{"2020-10-01T12:00:00.123456Z", oslo, utc(2020, 10, 1, 12, 0, 0, 123456)},
		{"2020-10-01T12:00:00.123456789Z", oslo, utc(2020, 10, 1, 12, 0, 0, 123456)},
		{"2020-10-01T12:00:00.999999999999Z", oslo, utc(2020, 10, 1, 12, 0, 0, 999999)},
		{"2020-10-01T12:00:00,25Z", oslo, utc(2020, 10, 1, 12, 0, 0, 250000)},
		{"2020-10-01T12:00:00.000001", oslo, utc(2020, 10, 1, 10, 0, 0, 1)},

		// One-digit fields.
		{"2020-1-2T3:4:5", oslo, utc(2020, 1, 2, 2, 4, 5, 0)},
		{"2020-1-2 3:4", oslo, utc(2020, 1, 2, 2, 4, 0, 0)},
		{"2020-01-02T03:04:5.6Z", oslo, utc(2020, 1, 2, 3, 4, 5, 600000)},

		// Calendar and leap years.
		{"2024-02-29T00:00:00Z", oslo, utc(2024, 2, 29, 0, 0, 0, 0)},
		{"2000-02-29T00:00:00Z", oslo, utc(2000, 2, 29, 0, 0, 0, 0)},

		// Europe/Oslo spring gap (02:00–03:00 on 2026-03-29): read with
		// the winter offset, +01:00.
		{"2026-03-29T01:59:59", oslo, utc(2026, 3, 29, 0, 59, 59, 0)},
		{"2026-03-29T02:00:00", oslo, utc(2026, 3, 29, 1, 0, 0, 0)},
		{"2026-03-29T02:30:00", oslo, utc(2026, 3, 29, 1, 30, 0, 0)},
		{"2026-03-29T02:59:59.999999", oslo, utc(2026, 3, 29, 1, 59, 59, 999999)},
		{"2026-03-29T03:00:00", oslo, utc(2026, 3, 29, 1, 0, 0, 0)},
		{"2026-03-29T03:30:00", oslo, utc(2026, 3, 29, 1, 30, 0, 0)},
		// Europe/Oslo autumn overlap (02:00–03:00 twice on 2026-10-25):
		// the first occurrence, still +02:00.
		{"2026-10-25T01:59:59", oslo, utc(2026, 10, 24, 23, 59, 59, 0)},
		{"2026-10-25T02:00:00", oslo, utc(2026, 10, 25, 0, 0, 0, 0)},
		{"2026-10-25T02:30:00", oslo, utc(2026, 10, 25, 0, 30, 0, 0)},
		{"2026-10-25T02:59:59", oslo, utc(2026, 10, 25, 0, 59, 59, 0)},
		{"2026-10-25T03:00:00", oslo, utc(2026, 10, 25, 2, 0, 0, 0)},
		// An explicit offset picks either occurrence.
		{"2026-10-25T02:30:00+01:00", oslo, utc(2026, 10, 25, 1, 30, 0, 0)},
		// America/New_York: gap 02:00–03:00 on 2026-03-08, overlap
		// 01:00–02:00 on 2026-11-01.
		{"2026-03-08T02:30:00", newYork, utc(2026, 3, 8, 7, 30, 0, 0)},
		{"2026-03-08T03:00:00", newYork, utc(2026, 3, 8, 7, 0, 0, 0)},
		{"2026-11-01T01:30:00", newYork, utc(2026, 11, 1, 5, 30, 0, 0)},
		{"2026-11-01T02:00:00", newYork, utc(2026, 11, 1, 7, 0, 0, 0)},
		{"2026-11-01T00:59:59", newYork, utc(2026, 11, 1, 4, 59, 59, 0)},
		// Past the last transition in the zone file, the rule string
		// applies.
		{"2300-07-01T12:00:00", oslo, utc(2300, 7, 1, 10, 0, 0, 0)},
		{"2300-03-25T02:30:00", oslo, utc(2300, 3, 25, 1, 30, 0, 0)},

		// Year bounds, in UTC.
		{"0001-01-01T00:00:00Z", oslo, utc(1, 1, 1, 0, 0, 0, 0)},
		{"0001-01-01T01:00:00+01:00", oslo, utc(1, 1, 1, 0, 0, 0, 0)},
		{"0001-01-01T00:59:59+01:00", oslo, notOK},
		{"0001-01-01T00:30:00", oslo, notOK}, // local mean time, +00:43
		{"0001-01-01T00:43:00", oslo, utc(1, 1, 1, 0, 0, 0, 0)},
		{"9999-12-31T23:59:59.999999Z", oslo, utc(9999, 12, 31, 23, 59, 59, 999999)},
		{"9999-12-31T23:59:59.999999", oslo, utc(9999, 12, 31, 22, 59, 59, 999999)},
		{"9999-12-31T23:00:00-01:00", oslo, notOK},
		{"9999-12-31T22:59:59-01:00", oslo, utc(9999, 12, 31, 23, 59, 59, 0)},
		{"0000-01-01T00:00:00Z", oslo, notOK},

		// Not datetimes.
		{"", oslo, notOK},
		{"infinity", oslo, notOK},
		{"-infinity", oslo, notOK},
		{"2020-10-01", oslo, notOK},
		{"2020-10-01T", oslo, notOK},
		{"2020-10-01T12", oslo, notOK},
		{"2020-10-01t12:00", oslo, notOK},
		{"2020-10-01_12:00", oslo, notOK},
		{"2020-10-01T12:00:", oslo, notOK},
		{"2020-10-01T12:00:00.", oslo, notOK},
		{"2020-10-01T12:00:00.1234567890123Z", oslo, notOK}, // 13 digits
		{"2020-10-01T12:00.5", oslo, notOK},                 // a fraction needs seconds
		{"2020-10-01T12:00:00z", oslo, notOK},
		{"2020-10-01T12:00:00+2", oslo, notOK},
		{"2020-10-01T12:00:00+020", oslo, notOK},
		{"2020-10-01T12:00:00+02:", oslo, notOK},
		{"2020-10-01T12:00:00+02:000", oslo, notOK},
		{"2020-10-01T12:00:00+24:00", oslo, notOK},
		{"2020-10-01T12:00:00-2400", oslo, notOK},
		{"2020-10-01T12:00:00+23:60", oslo, notOK},
		{"2020-10-01T12:00:00Z\n\n", oslo, notOK},
		{"2020-10-01T12:00:00Z ", oslo, notOK},
		{"2020-10-01T12:00:00 x", oslo, notOK},
		{" 2020-10-01T12:00:00", oslo, notOK},
		{"20201001T120000Z", oslo, notOK},
		{"20-10-01T12:00:00", oslo, notOK},
		{"02020-10-01T12:00:00", oslo, notOK},
		{"2020-001-01T12:00:00", oslo, notOK},
		{"2020-10-01T123:00:00", oslo, notOK},
		{"2020-10-01T12:00:000", oslo, notOK},
		{"２０２０-10-01T12:00:00", oslo, notOK}, // ASCII digits only
		{"2020-10-01T12:00:00\x00", oslo, notOK},
		{"1601519400", oslo, notOK},
		// Fields Python's datetime refuses.
		{"2026-02-30T00:00:00", oslo, notOK},
		{"2026-02-29T00:00:00", oslo, notOK},
		{"1900-02-29T00:00:00Z", oslo, notOK},
		{"2026-04-31T00:00:00", oslo, notOK},
		{"2026-00-10T00:00:00", oslo, notOK},
		{"2026-13-10T00:00:00", oslo, notOK},
		{"2026-01-00T00:00:00", oslo, notOK},
		{"2026-01-32T00:00:00", oslo, notOK},
		{"2026-01-01T24:00:00", oslo, notOK},
		{"2026-01-01T23:60:00", oslo, notOK},
		{"2026-01-01T23:59:60", oslo, notOK},
	}
	for _, tt := range tests {
		name := tt.in
		if tt.loc != nil {
			name += " in " + tt.loc.String()
		}
		t.Run(name, func(t *testing.T) {
			got, ok := parseDateTime(tt.in, tt.loc)
			if tt.want.Equal(notOK) {
				if ok {
					t.Errorf("parseDateTime(%q) = %v, true; want not ok", tt.in, got)
				}
				return
			}
			if !ok {
				t.Fatalf("parseDateTime(%q) not ok; want %v", tt.in, tt.want)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("parseDateTime(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseEndTime(t *testing.T) {
	oslo := mustLoad(t, "Europe/Oslo")
	tests := []struct {
		in   string
		want time.Time // or notOK
	}{
		{"infinity", argus.Infinity},
		{"-infinity", argus.NegInfinity},
		// Python clients send datetime.max and datetime.min.
		{"9999-12-31T23:59:59.999999", argus.Infinity},
		{"9999-12-31 23:59:59.999999", argus.Infinity},
		{"9999-12-31T23:59:59.999999Z", argus.Infinity},
		{"9999-12-31T23:59:59.999999+00:00", argus.Infinity},
		{"9999-12-31T23:59:59.999999+01:00", argus.Infinity},
		{"9999-12-31T23:59:59.999999-05:00", argus.Infinity}, // past year 9999 in UTC, still infinity
		{"9999-12-31T23:59:59.999999999", argus.Infinity},
		{"0001-01-01T00:00:00", argus.NegInfinity},
		{"0001-01-01 00:00", argus.NegInfinity},
		{"0001-01-01T00:00:00+01:00", argus.NegInfinity},
		{"0001-01-01T00:00:00.000000-03:00", argus.NegInfinity},
		// Ordinary datetimes.
		{"2020-10-01T12:00:00Z", utc(2020, 10, 1, 12, 0, 0, 0)},
		{"2020-10-01T14:00:00", utc(2020, 10, 1, 12, 0, 0, 0)},
		{"9999-12-31T23:59:59.999998Z", utc(9999, 12, 31, 23, 59, 59, 999998)},
		{"9999-12-31T23:59:59", utc(9999, 12, 31, 22, 59, 59, 0)},
		{"0001-01-01T00:00:00.000001Z", utc(1, 1, 1, 0, 0, 0, 1)},
		// Not end times.
		{"Infinity", notOK},
		{"INFINITY", notOK},
		{" infinity", notOK},
		{"infinity ", notOK},
		{"+infinity", notOK},
		{"inf", notOK},
		{"", notOK},
		{"9999-12-31T23:59:60.999999", notOK},
		{"9999-12-31T23:59:59.999999+24:00", notOK},
		{"10000-01-01T00:00:00", notOK},
		{"9999-12-31T23:30:00-01:00", notOK},
		{"0001-01-01T00:00:01+01:00", notOK},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseEndTime(tt.in, oslo)
			if tt.want.Equal(notOK) {
				if ok {
					t.Errorf("parseEndTime(%q) = %v, true; want not ok", tt.in, got)
				}
				return
			}
			if !ok {
				t.Fatalf("parseEndTime(%q) not ok; want %v", tt.in, tt.want)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("parseEndTime(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseDateTimeWallClockRoundTrip reads every half hour of two years
// back from its wall clock in a few zones: each reading must show that
// wall clock again, and be the first instant that does.
func TestParseDateTimeWallClockRoundTrip(t *testing.T) {
	for _, name := range []string{"Europe/Oslo", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"} {
		loc := mustLoad(t, name)
		for at := utc(2025, 1, 1, 0, 0, 0, 0); at.Year() < 2027; at = at.Add(30 * time.Minute) {
			wall := at.In(loc)
			s := wall.Format("2006-01-02T15:04:05")
			got, ok := parseDateTime(s, loc)
			if !ok {
				t.Fatalf("%s: parseDateTime(%q) not ok", name, s)
			}
			if back := got.In(loc).Format("2006-01-02T15:04:05"); back != s {
				t.Errorf("%s: parseDateTime(%q) = %v, which reads %s there", name, s, got, back)
			}
			// In an overlap, the reading is the first occurrence.
			if earlier := got.Add(-time.Hour).In(loc).Format("2006-01-02T15:04:05"); earlier == s {
				t.Errorf("%s: parseDateTime(%q) = %v; %v shows the same wall clock earlier", name, s, got, got.Add(-time.Hour))
			}
		}
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"2020-10-01T12:00:00Z", "2020-10-01T14:00:00+02:00", "2020-10-01T06:30:00-0530",
		"2020-10-01T13:00:00+01", "2020-10-06 12:00:00", "2011-11-11 11:11:11.11111",
		"2020-1-2T3:4:5", "2020-10-01T12:00:00.123456789Z", "2020-10-01T12:00:00,5 Z",
		"2026-03-29T02:30:00", "2026-10-25T02:30:00", "2026-02-30T00:00:00",
		"0001-01-01T00:00:00", "9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999-01:00",
		"infinity", "-infinity", "", "2020-10-01T12:00:00+01:99", "2020-10-01T12:00:00Z\n",
		"9999-12-31 23:0+00", // 10000-01-01 in Oslo
	} {
		f.Add(s)
	}
	oslo := mustLoad(f, "Europe/Oslo")
	newYork := mustLoad(f, "America/New_York")
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{oslo, newYork, time.UTC} {
			got, ok := parseDateTime(s, loc)
			if ok {
				if got.Location() != time.UTC {
					t.Fatalf("parseDateTime(%q) = %v; not in UTC", s, got)
				}
				if got.Nanosecond()%1000 != 0 {
					t.Fatalf("parseDateTime(%q) = %v; finer than a microsecond", s, got)
				}
				if y := got.Year(); y < 1 || y > 9999 {
					t.Fatalf("parseDateTime(%q) = %v; outside Python's years", s, got)
				}
				for _, out := range []time.Time{got, got.In(loc)} {
					if _, off := out.Zone(); off%60 != 0 || out.Year() > 9999 || out.Year() < 1 {
						continue // no RFC 3339 form: local mean time such as -04:56:02, or year 10000
					}
					text := out.Format(time.RFC3339Nano)
					back, ok := parseDateTime(text, loc)
					if !ok || !back.Equal(got) {
						t.Fatalf("parseDateTime(%q) = %v; parseDateTime(%q) = %v, %v", s, got, text, back, ok)
					}
				}
			}
			end, endOK := parseEndTime(s, loc)
			switch {
			case ok && !endOK:
				t.Fatalf("parseDateTime(%q) ok but parseEndTime not", s)
			case endOK && end.Location() != time.UTC:
				t.Fatalf("parseEndTime(%q) = %v; not in UTC", s, end)
			case ok && !end.Equal(got) && !argus.IsInfinity(end) && !argus.IsNegInfinity(end):
				t.Fatalf("parseEndTime(%q) = %v; parseDateTime gives %v", s, end, got)
			}
		}
	})
}
