package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/argus-go/argus/internal/argus"
)

// Messages of the timeslot serializers (api-v1.md §4.4).
const (
	msgTimeFormat  = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
	msgStartBefore = "'start' must be before 'end'."
)

// timeslotJSON is a timeslot (api-v1.md §4.4).
type timeslotJSON struct {
	PK              int64            `json:"pk"`
	Name            string           `json:"name"`
	TimeRecurrences []recurrenceJSON `json:"time_recurrences"`
}

// recurrenceJSON carries "all_day": true only when the window is the whole
// day.
type recurrenceJSON struct {
	Days   []int  `json:"days"`
	Start  string `json:"start"`
	End    string `json:"end"`
	AllDay *bool  `json:"all_day,omitempty"`
}

func renderTimeslot(ts *argus.Timeslot) timeslotJSON {
	out := timeslotJSON{PK: ts.ID, Name: ts.Name, TimeRecurrences: make([]recurrenceJSON, len(ts.Recurrences))}
	for i, r := range ts.Recurrences {
		rj := recurrenceJSON{Days: r.Days, Start: r.Start.String(), End: r.End.String()}
		if r.Start == 0 && r.End == argus.EndOfDay {
			rj.AllDay = new(true)
		}
		out.TimeRecurrences[i] = rj
	}
	return out
}

// name reads a timeslot's or filter's name: at most 40 characters.
func (b Body) name(errs FieldErrors, required bool) (string, bool) {
	return b.Str(errs, "name", MaxNameLength, StrOpts{Required: required})
}

// recurrences reads "time_recurrences", with errors as a list parallel to
// the input. nil means the key was absent.
func (b Body) recurrences(errs FieldErrors, required bool) []argus.TimeRecurrence {
	data, ok := b["time_recurrences"]
	if !ok {
		if required {
			errs.Add("time_recurrences", msgFieldRequired)
		}
		return nil
	}
	x, err := raw(data)
	if err != nil || x == nil {
		errs.Add("time_recurrences", msgNotNull)
		return nil
	}
	items, ok := x.([]any)
	if !ok {
		errs.Nested("time_recurrences", map[string][]string{"non_field_errors": {
			fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x))}})
		return nil
	}
	recs := make([]argus.TimeRecurrence, 0, len(items))
	itemErrs := make([]FieldErrors, len(items))
	failed := false
	for i, item := range items {
		e := FieldErrors{}
		itemErrs[i] = e
		obj, ok := item.(map[string]any)
		if !ok {
			e.Add("non_field_errors", "Invalid data. Expected a dictionary, but got "+pyTypeName(item)+".")
			failed = true
			continue
		}
		r := parseRecurrence(obj, e)
		if len(e) > 0 {
			failed = true
			continue
		}
		recs = append(recs, r)
	}
	if failed {
		errs.Nested("time_recurrences", itemErrs)
	}
	return recs
}

// parseRecurrence reads {"days", "start", "end", "all_day"?}: days 1–7 as
// numbers or numeric text, times "HH:MM[:SS[.ffffff]]"; all_day true
// makes the window the whole day whatever start and end say.
func parseRecurrence(obj map[string]any, e FieldErrors) argus.TimeRecurrence {
	var r argus.TimeRecurrence
	switch days := obj["days"].(type) {
	case nil:
		if _, present := obj["days"]; present {
			e.Add("days", msgNotNull)
		} else {
			e.Add("days", msgFieldRequired)
		}
	case []any:
		r.Days = []int{}
		for _, d := range days {
			n, err := strconv.Atoi(choiceString(d))
			if err != nil || n < 1 || n > 7 || strconv.Itoa(n) != choiceString(d) {
				e.Add("days", InvalidChoice(d))
				continue
			}
			if !slices.Contains(r.Days, n) {
				r.Days = append(r.Days, n)
			}
		}
		slices.Sort(r.Days)
	default:
		e.Add("days", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(days)))
	}
	allDay := false
	if v, present := obj["all_day"]; present {
		var ok bool
		if allDay, ok = BoolValue(v); !ok {
			e.Add("all_day", msgNotBool)
		}
	}
	if allDay {
		r.Start, r.End = 0, argus.EndOfDay
		return r
	}
	for _, f := range []struct {
		key string
		dst *argus.TimeOfDay
	}{{"start", &r.Start}, {"end", &r.End}} {
		v, present := obj[f.key]
		s, isString := v.(string)
		switch {
		case !present:
			e.Add(f.key, msgFieldRequired)
		case v == nil:
			e.Add(f.key, msgNotNull)
		case !isString:
			e.Add(f.key, msgTimeFormat)
		default:
			t, err := argus.ParseTimeOfDay(s)
			if err != nil {
				e.Add(f.key, msgTimeFormat)
				continue
			}
			*f.dst = t
		}
	}
	if len(e) == 0 && r.Start >= r.End {
		e.Add("non_field_errors", msgStartBefore)
	}
	return r
}

// timeslots are the caller's timeslots (api-v1.md §4.4). PUT replaces
// the name and all recurrences, PATCH either (the original answered 500
// without time_recurrences). Deleting one also deletes the profile on it
// (D17).
func (s *Server) timeslots() Owned[argus.Timeslot, timeslotJSON] {
	return Owned[argus.Timeslot, timeslotJSON]{
		List: s.store.Timeslots, Get: s.store.Timeslot, Delete: s.store.DeleteTimeslot, Render: renderTimeslot,
		Create: func(r *http.Request, u *argus.User, b Body) (argus.Timeslot, error) {
			errs := FieldErrors{}
			name, _ := b.name(errs, true)
			recs := b.recurrences(errs, true)
			if err := errs.Err(); err != nil {
				return argus.Timeslot{}, err
			}
			return s.store.CreateTimeslot(r.Context(), argus.Timeslot{UserID: u.ID, Name: name, Recurrences: recs})
		},
		Update: func(r *http.Request, u *argus.User, ts argus.Timeslot, b Body, full bool) (argus.Timeslot, error) {
			errs := FieldErrors{}
			name, present := b.name(errs, full)
			recs := b.recurrences(errs, full)
			if err := errs.Err(); err != nil {
				return argus.Timeslot{}, err
			}
			if !present {
				name = ts.Name
			}
			return s.store.UpdateTimeslot(r.Context(), u.ID, ts.ID, name, recs)
		},
	}
}
