package argus

import (
	"fmt"
	"time"
)

// TimeOfDay is a wall-clock time within a day, as the offset from midnight.
type TimeOfDay time.Duration

// EndOfDay is 23:59:59.999999, the end of an "all day" recurrence.
const EndOfDay = TimeOfDay(24*time.Hour - time.Microsecond)

// String renders "HH:MM:SS", with ".ffffff" when there is a fraction
// (api-v1.md §1, time-of-day values).
func (t TimeOfDay) String() string {
	d := time.Duration(t)
	h := d / time.Hour
	m := d % time.Hour / time.Minute
	s := d % time.Minute / time.Second
	us := d % time.Second / time.Microsecond
	if us != 0 {
		return fmt.Sprintf("%02d:%02d:%02d.%06d", h, m, s, us)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
}

// ParseTimeOfDay reads "HH:MM", "HH:MM:SS" or "HH:MM:SS.ffffff".
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	for _, layout := range []string{"15:04:05.999999", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return TimeOfDay(time.Duration(t.Hour())*time.Hour +
				time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second +
				time.Duration(t.Nanosecond()/1000)*time.Microsecond), nil
		}
	}
	return 0, fmt.Errorf("argus: invalid time of day %q", s)
}

// Timeslot is a named set of weekly recurrences during which a notification
// profile is active (api-v1.md §2.9).
type Timeslot struct {
	ID          int64
	UserID      int64
	Name        string
	Recurrences []TimeRecurrence
}

// TimeRecurrence is one weekly window: on each of Days (ISO weekdays,
// 1 = Monday … 7 = Sunday), from Start to End inclusive (api-v1.md §2.10).
type TimeRecurrence struct {
	Days  []int
	Start TimeOfDay
	End   TimeOfDay
}

// DefaultTimeslotName is the timeslot every new user gets.
const DefaultTimeslotName = "All the time"

// DefaultTimeslot is the "All the time" timeslot given to every new user
// (api-v1.md §2.1): every day, all day.
func DefaultTimeslot(userID int64) Timeslot {
	return Timeslot{
		UserID: userID,
		Name:   DefaultTimeslotName,
		Recurrences: []TimeRecurrence{{
			Days:  []int{1, 2, 3, 4, 5, 6, 7},
			Start: 0,
			End:   EndOfDay,
		}},
	}
}
