package argus_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

// The wants are Python's: python3 -c 'print("ǅ".islower())'.
func TestIsLower(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"nav", true},
		{"NAV", false},
		{"123", false},
		{"123abc", true},
		{"", false},
		{"ß", true},
		{"Nav", false},
		{"nAv", false},
		{"a_b-1", true},
		{"ǅ", false}, // U+01C5, titlecase
		{"ǆ", true},  // U+01C6, its lowercase
		{"øyvind", true},
		{"-_ .", false}, // nothing cased
		// Python's islower uses the Lowercase and Uppercase properties,
		// which include Other_Lowercase and Other_Uppercase, not only the
		// Ll and Lu categories.
		{"ª", true},   // U+00AA, Lo with Other_Lowercase
		{"ⓐ", true},   // U+24D0, So with Other_Lowercase
		{"aⒶ", false}, // U+24B6, So with Other_Uppercase
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := argus.IsLower(tt.s); got != tt.want {
				t.Errorf("IsLower(%q) = %v; want %v (Python's %q.islower())", tt.s, got, tt.want, tt.s)
			}
		})
	}
}

func TestTimeOfDayString(t *testing.T) {
	tests := []struct {
		t    argus.TimeOfDay
		want string
	}{
		{0, "00:00:00"},
		{argus.EndOfDay, "23:59:59.999999"},
		{argus.TimeOfDay(8*time.Hour + 30*time.Minute), "08:30:00"},
		{argus.TimeOfDay(12*time.Hour + 500*time.Millisecond), "12:00:00.500000"},
		{argus.TimeOfDay(time.Microsecond), "00:00:00.000001"},
		{argus.TimeOfDay(13*time.Hour + 7*time.Minute + 9*time.Second), "13:07:09"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Errorf("TimeOfDay(%d).String() = %q; want %q", int64(tt.t), got, tt.want)
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in   string
		want argus.TimeOfDay
		str  string // want String() of the result
	}{
		{"08:00", argus.TimeOfDay(8 * time.Hour), "08:00:00"},
		{"08:00:00", argus.TimeOfDay(8 * time.Hour), "08:00:00"},
		{"00:00:00", 0, "00:00:00"},
		{"23:59:59.999999", argus.EndOfDay, "23:59:59.999999"},
		{"12:00:00.5", argus.TimeOfDay(12*time.Hour + 500*time.Millisecond), "12:00:00.500000"},
		{"08:30:15.000001", argus.TimeOfDay(8*time.Hour + 30*time.Minute + 15*time.Second + time.Microsecond), "08:30:15.000001"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := argus.ParseTimeOfDay(tt.in)
			if err != nil {
				t.Fatalf("ParseTimeOfDay(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseTimeOfDay(%q) = %v; want %v", tt.in, got, tt.want)
			}
			if got.String() != tt.str {
				t.Errorf("ParseTimeOfDay(%q).String() = %q; want %q", tt.in, got.String(), tt.str)
			}
			again, err := argus.ParseTimeOfDay(got.String())
			if err != nil || again != got {
				t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %v (round trip)", got.String(), again, err, got)
			}
		})
	}
	for _, bad := range []string{"25:00", "24:00", "08:60", "08:00:60", "x", "", "08", "08:00:00 ", "-01:00"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			if got, err := argus.ParseTimeOfDay(bad); err == nil {
				t.Errorf("ParseTimeOfDay(%q) = %v, nil; want an error", bad, got)
			}
		})
	}
}

func TestDefaultTimeslot(t *testing.T) {
	got := argus.DefaultTimeslot(42)
	want := argus.Timeslot{
		UserID: 42,
		Name:   "All the time",
		Recurrences: []argus.TimeRecurrence{{
			Days:  []int{1, 2, 3, 4, 5, 6, 7},
			Start: 0,
			End:   argus.TimeOfDay(23*time.Hour + 59*time.Minute + 59*time.Second + 999999*time.Microsecond),
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultTimeslot(42) (-want +got):\n%s", diff)
	}
	if r := got.Recurrences[0]; r.Start.String() != "00:00:00" || r.End.String() != "23:59:59.999999" {
		t.Errorf("DefaultTimeslot recurrence = %s–%s; want 00:00:00–23:59:59.999999", r.Start, r.End)
	}
	if got.Name != argus.DefaultTimeslotName {
		t.Errorf("DefaultTimeslot name %q; want DefaultTimeslotName %q", got.Name, argus.DefaultTimeslotName)
	}
}

func TestTokenExpired(t *testing.T) {
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lifetime := 14 * 24 * time.Hour
	deadline := created.Add(lifetime)
	oslo := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"at creation", created, false},
		{"one microsecond before the deadline", deadline.Add(-time.Microsecond), false},
		{"exactly at the deadline", deadline, false},
		{"exactly at the deadline, other zone", deadline.In(oslo), false},
		{"one microsecond after the deadline", deadline.Add(time.Microsecond), true},
		{"one microsecond after the deadline, other zone", deadline.Add(time.Microsecond).In(oslo), true},
		{"a year later", created.AddDate(1, 0, 0), true},
	}
	tok := argus.Token{UserID: 1, Created: created}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tok.Expired(tt.now, lifetime); got != tt.want {
				t.Errorf("Token{Created: %v}.Expired(%v, %v) = %v; want %v", created, tt.now, lifetime, got, tt.want)
			}
		})
	}
}
