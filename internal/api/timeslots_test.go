package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Timeslots: api-v1.md §2.9, §2.10, §4.4.

const tsPath = "/api/v1/notificationprofiles/timeslots/"

func tsItem(pk int64) string { return tsPath + itoa(pk) + "/" }

// tsAllDay is the one recurrence of the "All the time" timeslot every new
// user gets.
const tsAllDay = `{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}`

// Messages of the timeslot serializers.
const (
	tsMsgTime     = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
	tsMsgStart    = `{"non_field_errors": ["'start' must be before 'end'."]}`
	tsMsgTooLong  = `{"name": ["Ensure this field has no more than 40 characters."]}`
	tsMsgNotFound = `{"detail": "Not found."}`
)

// tsJSON is the expected timeslot with the recurrences recs (a JSON list).
func tsJSON(pk int64, name, recs string) string {
	n, _ := json.Marshal(name)
	return `{"pk": ` + itoa(pk) + `, "name": ` + string(n) + `, "time_recurrences": ` + recs + `}`
}

// tsRec is a recurrence as sent.
func tsRec(days any, start, end string) map[string]any {
	return map[string]any{"days": days, "start": start, "end": end}
}

// tsPK reads the pk of a timeslot or filter response.
func tsPK(t *testing.T, r response) int64 {
	t.Helper()
	pk, ok := r.object(t)["pk"].(float64)
	if !ok {
		t.Fatalf("no numeric pk in %s", r.body)
	}
	return int64(pk)
}

// tsCreate posts a timeslot that must be accepted and returns its pk.
func tsCreate(t *testing.T, f *fixture, key, name string, recs ...map[string]any) int64 {
	t.Helper()
	if recs == nil {
		recs = []map[string]any{}
	}
	r := f.send(http.MethodPost, tsPath, key, map[string]any{"name": name, "time_recurrences": recs})
	r.want(t, http.StatusCreated, "")
	return tsPK(t, r)
}

// tsDefaultPK returns the pk of the user's "All the time" timeslot.
func tsDefaultPK(t *testing.T, f *fixture, key string) int64 {
	t.Helper()
	r := f.get(tsPath, key)
	r.want(t, http.StatusOK, "")
	for _, ts := range r.array(t) {
		m, _ := ts.(map[string]any)
		if m["name"] == "All the time" {
			return int64(m["pk"].(float64))
		}
	}
	t.Fatalf("no \"All the time\" timeslot in %s", r.body)
	return 0
}

// tsSnapshot records the user's timeslot list; the returned check fails
// the test when the list has changed since.
func tsSnapshot(t *testing.T, f *fixture, key string) func(t *testing.T) {
	t.Helper()
	before := f.get(tsPath, key)
	before.want(t, http.StatusOK, "")
	return func(t *testing.T) {
		t.Helper()
		f.get(tsPath, key).want(t, http.StatusOK, string(before.body))
	}
}

func TestTimeslotsDefaultForNewUsers(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, otherKey := f.user("ola", false)
		_, adminKey := f.user("admin", true)

		pk := tsDefaultPK(t, f, key)
		want := tsJSON(pk, "All the time", `[`+tsAllDay+`]`)
		f.get(tsPath, key).want(t, http.StatusOK, `[`+want+`]`)
		r := f.get(tsItem(pk), key)
		r.want(t, http.StatusOK, want)
		obj := r.object(t)
		wantKeys(t, obj, "pk", "name", "time_recurrences")
		wantKeys(t, obj["time_recurrences"].([]any)[0], "days", "start", "end", "all_day")

		// Every user has one of their own, superusers too.
		seen := map[int64]bool{pk: true}
		for _, k := range []string{otherKey, adminKey} {
			other := tsDefaultPK(t, f, k)
			if seen[other] {
				t.Errorf("users share the default timeslot %d", other)
			}
			seen[other] = true
			f.get(tsPath, k).want(t, http.StatusOK, `[`+tsJSON(other, "All the time", `[`+tsAllDay+`]`)+`]`)
		}
	})
}

func TestTimeslotsCreate(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		for _, c := range []struct {
			name string
			recs []map[string]any
			want string // the time_recurrences answered
			// allDay lists, per recurrence, whether "all_day" is expected.
			allDay []bool
		}{
			{
				name:   "days sorted and unique",
				recs:   []map[string]any{tsRec([]int{5, 1, 3, 1, 5}, "08:00", "16:00")},
				want:   `[{"days": [1, 3, 5], "start": "08:00:00", "end": "16:00:00"}]`,
				allDay: []bool{false},
			},
			{
				name:   "days as numeric strings",
				recs:   []map[string]any{tsRec([]string{"7", "6", "7"}, "22:00:00", "23:00:00")},
				want:   `[{"days": [6, 7], "start": "22:00:00", "end": "23:00:00"}]`,
				allDay: []bool{false},
			},
			{
				name:   "days mixed ints and strings",
				recs:   []map[string]any{tsRec([]any{2, "1", 2, "3", 1}, "09:30", "10:45")},
				want:   `[{"days": [1, 2, 3], "start": "09:30:00", "end": "10:45:00"}]`,
				allDay: []bool{false},
			},
			{
				name:   "no days",
				recs:   []map[string]any{tsRec([]int{}, "08:00", "09:00")},
				want:   `[{"days": [], "start": "08:00:00", "end": "09:00:00"}]`,
				allDay: []bool{false},
			},
			{
				name:   "fractions shown when non-zero",
				recs:   []map[string]any{tsRec([]int{1}, "08:00:00.5", "08:00:01.000001")},
				want:   `[{"days": [1], "start": "08:00:00.500000", "end": "08:00:01.000001"}]`,
				allDay: []bool{false},
			},
			{
				name:   "zero fractions hidden",
				recs:   []map[string]any{tsRec([]int{1}, "08:00:00.000000", "09:15:30.0")},
				want:   `[{"days": [1], "start": "08:00:00", "end": "09:15:30"}]`,
				allDay: []bool{false},
			},
			{
				name:   "all_day overrides start and end",
				recs:   []map[string]any{{"days": []int{1}, "start": "10:00", "end": "11:00", "all_day": true}},
				want:   `[{"days": [1], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}]`,
				allDay: []bool{true},
			},
			{
				name:   "all_day without start and end",
				recs:   []map[string]any{{"days": []int{7, 6}, "all_day": true}},
				want:   `[{"days": [6, 7], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}]`,
				allDay: []bool{true},
			},
			{
				name:   "all_day false",
				recs:   []map[string]any{{"days": []int{1}, "start": "10:00", "end": "11:00", "all_day": false}},
				want:   `[{"days": [1], "start": "10:00:00", "end": "11:00:00"}]`,
				allDay: []bool{false},
			},
			{
				name:   "a whole day given as times",
				recs:   []map[string]any{tsRec([]int{3}, "00:00", "23:59:59.999999")},
				want:   `[{"days": [3], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}]`,
				allDay: []bool{true},
			},
			{
				name:   "almost a whole day",
				recs:   []map[string]any{tsRec([]int{3}, "00:00:00", "23:59:59")},
				want:   `[{"days": [3], "start": "00:00:00", "end": "23:59:59"}]`,
				allDay: []bool{false},
			},
			{
				name: "several, in input order",
				recs: []map[string]any{
					tsRec([]int{6, 7}, "12:00", "13:00"),
					{"days": []int{1}, "all_day": true},
					tsRec([]int{1, 2, 3, 4, 5}, "08:00", "16:00"),
				},
				want: `[{"days": [6, 7], "start": "12:00:00", "end": "13:00:00"},
					{"days": [1], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true},
					{"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}]`,
				allDay: []bool{false, true, false},
			},
			{
				name:   "no recurrences",
				recs:   []map[string]any{},
				want:   `[]`,
				allDay: []bool{},
			},
			{
				name:   strings.Repeat("x", 40),
				recs:   []map[string]any{},
				want:   `[]`,
				allDay: []bool{},
			},
			{
				name:   strings.Repeat("ø", 40),
				recs:   []map[string]any{},
				want:   `[]`,
				allDay: []bool{},
			},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := f.send(http.MethodPost, tsPath, key, map[string]any{"name": c.name, "time_recurrences": c.recs})
				r.want(t, http.StatusCreated, "")
				pk := tsPK(t, r)
				want := tsJSON(pk, c.name, c.want)
				r.want(t, http.StatusCreated, want)
				f.get(tsItem(pk), key).want(t, http.StatusOK, want)

				obj := r.object(t)
				wantKeys(t, obj, "pk", "name", "time_recurrences")
				got, _ := obj["time_recurrences"].([]any)
				if len(got) != len(c.allDay) {
					t.Fatalf("recurrences = %d; want %d", len(got), len(c.allDay))
				}
				for i, rec := range got {
					if c.allDay[i] {
						wantKeys(t, rec, "days", "start", "end", "all_day")
					} else {
						wantKeys(t, rec, "days", "start", "end")
					}
				}
			})
		}
	})
}

func TestTimeslotsListOrderedByName(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, otherKey := f.user("ola", false)
		def := tsDefaultPK(t, f, key)
		weekdays := tsCreate(t, f, key, "Weekdays", tsRec([]int{1, 2, 3, 4, 5}, "08:00", "16:00"))
		evenings := tsCreate(t, f, key, "Evenings", tsRec([]int{1, 2, 3, 4, 5}, "16:00", "23:00"))
		nights := tsCreate(t, f, key, "Nights", tsRec([]int{1, 2, 3, 4, 5, 6, 7}, "00:00", "08:00"))
		tsCreate(t, f, otherKey, "Another user's")

		f.get(tsPath, key).want(t, http.StatusOK, `[`+strings.Join([]string{
			tsJSON(def, "All the time", `[`+tsAllDay+`]`),
			tsJSON(evenings, "Evenings", `[{"days": [1, 2, 3, 4, 5], "start": "16:00:00", "end": "23:00:00"}]`),
			tsJSON(nights, "Nights", `[{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00:00", "end": "08:00:00"}]`),
			tsJSON(weekdays, "Weekdays", `[{"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}]`),
		}, ", ")+`]`)
	})
}

func TestTimeslotsCreateErrors(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		tsCreate(t, f, key, "Weekdays", tsRec([]int{1, 2, 3, 4, 5}, "08:00", "16:00"))
		valid := tsRec([]int{1}, "08:00", "16:00")
		recs := func(rs ...any) map[string]any { return map[string]any{"name": "New", "time_recurrences": rs} }
		unchanged := tsSnapshot(t, f, key)

		for _, c := range []struct {
			name string
			body any
			want string
		}{
			{
				"days 0 and 8",
				recs(tsRec([]int{0, 8}, "08:00", "16:00")),
				`{"time_recurrences": [{"days": ["\"0\" is not a valid choice.", "\"8\" is not a valid choice."]}]}`,
			},
			{
				"days that are not weekday numbers",
				recs(tsRec([]any{"mon", 1.5, true, nil, "01", -1}, "08:00", "16:00")),
				`{"time_recurrences": [{"days": ["\"mon\" is not a valid choice.", "\"1.5\" is not a valid choice.",
					"\"True\" is not a valid choice.", "\"None\" is not a valid choice.", "\"01\" is not a valid choice.",
					"\"-1\" is not a valid choice."]}]}`,
			},
			{
				"start equals end",
				recs(tsRec([]int{1}, "08:00", "08:00:00")),
				`{"time_recurrences": [` + tsMsgStart + `]}`,
			},
			{
				"start after end",
				recs(tsRec([]int{1}, "16:00", "08:00")),
				`{"time_recurrences": [` + tsMsgStart + `]}`,
			},
			{
				"errors parallel to the input",
				recs(valid, tsRec([]int{9}, "08:00", "16:00"), valid, tsRec([]int{1}, "12:00", "11:59"), 7),
				`{"time_recurrences": [{}, {"days": ["\"9\" is not a valid choice."]}, {}, ` + tsMsgStart + `,
					{"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}]}`,
			},
			{
				"bad time format",
				recs(tsRec([]int{1}, "8am", "25:00")),
				`{"time_recurrences": [{"start": ["` + tsMsgTime + `"], "end": ["` + tsMsgTime + `"]}]}`,
			},
			{
				"more bad times",
				recs(tsRec([]int{1}, "08:00:60", "12"), tsRec([]int{1}, "", "8 o'clock"), map[string]any{"days": []int{1}, "start": 800, "end": []int{}}),
				`{"time_recurrences": [{"start": ["` + tsMsgTime + `"], "end": ["` + tsMsgTime + `"]},
					{"start": ["` + tsMsgTime + `"], "end": ["` + tsMsgTime + `"]},
					{"start": ["` + tsMsgTime + `"], "end": ["` + tsMsgTime + `"]}]}`,
			},
			{
				"times null",
				recs(map[string]any{"days": []int{1}, "start": nil, "end": nil}),
				`{"time_recurrences": [{"start": ["This field may not be null."], "end": ["This field may not be null."]}]}`,
			},
			{
				"empty recurrence",
				recs(map[string]any{}),
				`{"time_recurrences": [{"days": ["This field is required."], "start": ["This field is required."], "end": ["This field is required."]}]}`,
			},
			{
				"days null",
				recs(map[string]any{"days": nil, "start": "08:00", "end": "09:00"}),
				`{"time_recurrences": [{"days": ["This field may not be null."]}]}`,
			},
			{
				"days not a list",
				recs(tsRec("1,2", "08:00", "16:00"), tsRec(1, "08:00", "16:00"), tsRec(map[string]int{}, "08:00", "16:00")),
				`{"time_recurrences": [{"days": ["Expected a list of items but got type \"str\"."]},
					{"days": ["Expected a list of items but got type \"int\"."]},
					{"days": ["Expected a list of items but got type \"dict\"."]}]}`,
			},
			{
				"recurrence not an object",
				recs("08:00", []int{1}, nil),
				`{"time_recurrences": [{"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
					{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
					{"non_field_errors": ["Invalid data. Expected a dictionary, but got NoneType."]}]}`,
			},
			{
				"time_recurrences not a list",
				map[string]any{"name": "New", "time_recurrences": map[string]any{"days": []int{1}}},
				`{"time_recurrences": {"non_field_errors": ["Expected a list of items but got type \"dict\"."]}}`,
			},
			{
				"time_recurrences null",
				map[string]any{"name": "New", "time_recurrences": nil},
				`{"time_recurrences": ["This field may not be null."]}`,
			},
			{
				"name of 41 characters",
				map[string]any{"name": strings.Repeat("x", 41), "time_recurrences": []any{valid}},
				tsMsgTooLong,
			},
			{
				"name of 41 non-ASCII characters",
				map[string]any{"name": strings.Repeat("ø", 41), "time_recurrences": []any{}},
				tsMsgTooLong,
			},
			{
				"name blank",
				map[string]any{"name": "  ", "time_recurrences": []any{}},
				`{"name": ["This field may not be blank."]}`,
			},
			{
				"name null",
				map[string]any{"name": nil, "time_recurrences": []any{}},
				`{"name": ["This field may not be null."]}`,
			},
			{
				"name not a string",
				map[string]any{"name": []string{"x"}, "time_recurrences": []any{}},
				`{"name": ["Not a valid string."]}`,
			},
			{
				"missing both",
				map[string]any{},
				`{"name": ["This field is required."], "time_recurrences": ["This field is required."]}`,
			},
			{
				"missing time_recurrences",
				map[string]any{"name": "New"},
				`{"time_recurrences": ["This field is required."]}`,
			},
			{
				"missing name",
				map[string]any{"time_recurrences": []any{valid}},
				`{"name": ["This field is required."]}`,
			},
			{
				"name and recurrence errors together",
				map[string]any{"name": strings.Repeat("x", 41), "time_recurrences": []any{tsRec([]int{0}, "08:00", "16:00")}},
				`{"name": ["Ensure this field has no more than 40 characters."],
					"time_recurrences": [{"days": ["\"0\" is not a valid choice."]}]}`,
			},
			{
				"duplicate name",
				map[string]any{"name": "Weekdays", "time_recurrences": []any{valid}},
				`["Timeslot with the name 'Weekdays' already exists for the user kari."]`,
			},
			{
				"duplicate name after trimming",
				map[string]any{"name": "  Weekdays ", "time_recurrences": []any{}},
				`["Timeslot with the name 'Weekdays' already exists for the user kari."]`,
			},
			{
				"duplicate of the default timeslot",
				map[string]any{"name": "All the time", "time_recurrences": []any{valid}},
				`["Timeslot with the name 'All the time' already exists for the user kari."]`,
			},
			{
				"body not an object",
				[]any{valid},
				`{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`,
			},
		} {
			t.Run(c.name, func(t *testing.T) {
				f.send(http.MethodPost, tsPath, key, c.body).want(t, http.StatusBadRequest, c.want)
				unchanged(t)
			})
		}

		// The same name is free for another user.
		_, otherKey := f.user("ola", false)
		r := f.send(http.MethodPost, tsPath, otherKey, map[string]any{"name": "Weekdays", "time_recurrences": []any{valid}})
		r.want(t, http.StatusCreated, tsJSON(tsPK(t, r), "Weekdays", `[{"days": [1], "start": "08:00:00", "end": "16:00:00"}]`))
		unchanged(t)
	})
}

func TestTimeslotsUpdate(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		def := tsDefaultPK(t, f, key)
		pk := tsCreate(t, f, key, "Weekdays",
			tsRec([]int{1, 2, 3, 4, 5}, "08:00", "12:00"),
			tsRec([]int{1, 2, 3, 4, 5}, "13:00", "16:00"))
		item := tsItem(pk)
		// check answers want to a request and to a GET after it.
		check := func(t *testing.T, method string, body any, want string) {
			t.Helper()
			f.send(method, item, key, body).want(t, http.StatusOK, want)
			f.get(item, key).want(t, http.StatusOK, want)
		}

		t.Run("PUT replaces name and all recurrences", func(t *testing.T) {
			check(t, http.MethodPut, map[string]any{"name": "Work days", "time_recurrences": []any{tsRec([]string{"2", "1"}, "09:00", "10:00")}},
				tsJSON(pk, "Work days", `[{"days": [1, 2], "start": "09:00:00", "end": "10:00:00"}]`))
		})
		t.Run("PUT keeping the name", func(t *testing.T) {
			check(t, http.MethodPut, map[string]any{"name": "Work days", "time_recurrences": []any{
				map[string]any{"days": []int{6}, "all_day": true}, tsRec([]int{7}, "10:00", "11:00"),
			}}, tsJSON(pk, "Work days", `[{"days": [6], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true},
				{"days": [7], "start": "10:00:00", "end": "11:00:00"}]`))
		})
		t.Run("PUT with no recurrences", func(t *testing.T) {
			check(t, http.MethodPut, map[string]any{"name": "Empty", "time_recurrences": []any{}}, tsJSON(pk, "Empty", `[]`))
		})
		t.Run("PATCH time_recurrences only", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{"time_recurrences": []any{tsRec([]int{5, 4}, "08:00", "16:00")}},
				tsJSON(pk, "Empty", `[{"days": [4, 5], "start": "08:00:00", "end": "16:00:00"}]`))
		})
		t.Run("PATCH name only keeps the recurrences", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{"name": "Thu-Fri"},
				tsJSON(pk, "Thu-Fri", `[{"days": [4, 5], "start": "08:00:00", "end": "16:00:00"}]`))
		})
		t.Run("PATCH nothing", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{},
				tsJSON(pk, "Thu-Fri", `[{"days": [4, 5], "start": "08:00:00", "end": "16:00:00"}]`))
		})
		t.Run("PATCH to its own name", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{"name": "Thu-Fri"},
				tsJSON(pk, "Thu-Fri", `[{"days": [4, 5], "start": "08:00:00", "end": "16:00:00"}]`))
		})

		unchanged := tsSnapshot(t, f, key)
		for _, c := range []struct {
			name   string
			method string
			body   any
			want   string
		}{
			{"PUT missing both", http.MethodPut, map[string]any{},
				`{"name": ["This field is required."], "time_recurrences": ["This field is required."]}`},
			{"PUT missing time_recurrences", http.MethodPut, map[string]any{"name": "Other"},
				`{"time_recurrences": ["This field is required."]}`},
			{"PUT missing name", http.MethodPut, map[string]any{"time_recurrences": []any{}},
				`{"name": ["This field is required."]}`},
			{"PUT onto another timeslot's name", http.MethodPut,
				map[string]any{"name": "All the time", "time_recurrences": []any{tsRec([]int{1}, "01:00", "02:00")}},
				`["Timeslot with the name 'All the time' already exists for the user kari."]`},
			{"PATCH onto another timeslot's name", http.MethodPatch, map[string]any{"name": "All the time"},
				`["Timeslot with the name 'All the time' already exists for the user kari."]`},
			{"PATCH onto another timeslot's name with recurrences", http.MethodPatch,
				map[string]any{"name": "All the time", "time_recurrences": []any{}},
				`["Timeslot with the name 'All the time' already exists for the user kari."]`},
			{"PATCH name too long", http.MethodPatch, map[string]any{"name": strings.Repeat("x", 41)}, tsMsgTooLong},
			{"PATCH name null", http.MethodPatch, map[string]any{"name": nil}, `{"name": ["This field may not be null."]}`},
			{"PATCH bad recurrence", http.MethodPatch,
				map[string]any{"time_recurrences": []any{tsRec([]int{1}, "08:00", "16:00"), tsRec([]int{1}, "16:00", "16:00")}},
				`{"time_recurrences": [{}, ` + tsMsgStart + `]}`},
			{"PATCH bad recurrence with a new name", http.MethodPatch,
				map[string]any{"name": "Renamed", "time_recurrences": []any{tsRec([]int{8}, "08:00", "16:00")}},
				`{"time_recurrences": [{"days": ["\"8\" is not a valid choice."]}]}`},
			{"PUT bad recurrence", http.MethodPut,
				map[string]any{"name": "Renamed", "time_recurrences": []any{tsRec([]int{1}, "08:00", "nine")}},
				`{"time_recurrences": [{"end": ["` + tsMsgTime + `"]}]}`},
			{"PATCH time_recurrences null", http.MethodPatch, map[string]any{"time_recurrences": nil},
				`{"time_recurrences": ["This field may not be null."]}`},
			{"PUT body not an object", http.MethodPut, []any{},
				`{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				f.send(c.method, item, key, c.body).want(t, http.StatusBadRequest, c.want)
				unchanged(t)
			})
		}

		// The default timeslot may be renamed, and then its old name is free.
		t.Run("rename frees the old name", func(t *testing.T) {
			f.send(http.MethodPatch, tsItem(def), key, map[string]any{"name": "Always"}).
				want(t, http.StatusOK, tsJSON(def, "Always", `[`+tsAllDay+`]`))
			check(t, http.MethodPatch, map[string]any{"name": "All the time"},
				tsJSON(pk, "All the time", `[{"days": [4, 5], "start": "08:00:00", "end": "16:00:00"}]`))
		})
	})
}

func TestTimeslotsAccessAndDelete(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, otherKey := f.user("ola", false)
		_, adminKey := f.user("admin", true)
		pk := tsCreate(t, f, key, "Weekdays", tsRec([]int{1, 2, 3, 4, 5}, "08:00", "16:00"))
		want := tsJSON(pk, "Weekdays", `[{"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}]`)
		unchanged := tsSnapshot(t, f, key)
		update := map[string]any{"name": "Mine now", "time_recurrences": []any{}}

		for _, who := range []struct{ name, key string }{{"another user", otherKey}, {"a superuser", adminKey}} {
			t.Run(who.name, func(t *testing.T) {
				othersBefore := f.get(tsPath, who.key)
				f.get(tsItem(pk), who.key).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodPut, tsItem(pk), who.key, update).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodPatch, tsItem(pk), who.key, update).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodPatch, tsItem(pk), who.key, map[string]any{"name": nil}).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodDelete, tsItem(pk), who.key, nil).want(t, http.StatusNotFound, tsMsgNotFound)
				// Not in their list either, which has not changed.
				f.get(tsPath, who.key).want(t, http.StatusOK, string(othersBefore.body))
				if strings.Contains(string(othersBefore.body), "Weekdays") {
					t.Errorf("%s lists kari's timeslot: %s", who.name, othersBefore.body)
				}
				unchanged(t)
				f.get(tsItem(pk), key).want(t, http.StatusOK, want)
			})
		}

		t.Run("paths that name no timeslot", func(t *testing.T) {
			for _, p := range []string{"999999", "abc", "-1", "1.0", "99999999999999999999"} {
				f.get(tsPath+p+"/", key).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodPut, tsPath+p+"/", key, update).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodPatch, tsPath+p+"/", key, update).want(t, http.StatusNotFound, tsMsgNotFound)
				f.send(http.MethodDelete, tsPath+p+"/", key, nil).want(t, http.StatusNotFound, tsMsgNotFound)
			}
			unchanged(t)
		})

		t.Run("unauthenticated", func(t *testing.T) {
			for _, r := range []response{
				f.get(tsPath, ""),
				f.send(http.MethodPost, tsPath, "", update),
				f.get(tsItem(pk), ""),
				f.send(http.MethodPut, tsItem(pk), "", update),
				f.send(http.MethodPatch, tsItem(pk), "", update),
				f.send(http.MethodDelete, tsItem(pk), "", nil),
			} {
				r.want(t, http.StatusUnauthorized, msgNoCredentials)
				if got := r.header.Get("WWW-Authenticate"); got != "Token" {
					t.Errorf("WWW-Authenticate = %q; want Token", got)
				}
			}
			unchanged(t)
		})

		t.Run("methods not allowed", func(t *testing.T) {
			f.send(http.MethodPost, tsItem(pk), key, update).want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"POST\" not allowed."}`)
			f.send(http.MethodDelete, tsPath, key, nil).want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
			unchanged(t)
		})

		t.Run("delete", func(t *testing.T) {
			r := f.send(http.MethodDelete, tsItem(pk), key, nil)
			r.want(t, http.StatusNoContent, "")
			if len(r.body) != 0 {
				t.Errorf("DELETE body = %q; want none", r.body)
			}
			f.get(tsItem(pk), key).want(t, http.StatusNotFound, tsMsgNotFound)
			f.send(http.MethodDelete, tsItem(pk), key, nil).want(t, http.StatusNotFound, tsMsgNotFound)
			f.send(http.MethodPatch, tsItem(pk), key, update).want(t, http.StatusNotFound, tsMsgNotFound)
			def := tsDefaultPK(t, f, key)
			f.get(tsPath, key).want(t, http.StatusOK, `[`+tsJSON(def, "All the time", `[`+tsAllDay+`]`)+`]`)
			// The name is free again, with recurrences of its own.
			pk2 := tsCreate(t, f, key, "Weekdays")
			f.get(tsItem(pk2), key).want(t, http.StatusOK, tsJSON(pk2, "Weekdays", `[]`))
		})
	})
}

// Deleting a timeslot deletes the profile on it (D17).
func TestTimeslotsDeleteRemovesProfile(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("kari", false)
		ctx := context.Background()
		keep := tsDefaultPK(t, f, key)
		pk := tsCreate(t, f, key, "Weekdays", tsRec([]int{1, 2, 3, 4, 5}, "08:00", "16:00"))
		for _, ts := range []int64{keep, pk} {
			if _, err := f.st.CreateProfile(ctx, u.ID, store.ProfileInput{TimeslotID: ts, FilterIDs: []int64{}, Media: []argus.Medium{argus.MediumEmail}, Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		f.send(http.MethodDelete, tsItem(pk), key, nil).want(t, http.StatusNoContent, "")
		if _, err := f.st.Profile(ctx, u.ID, pk); !errors.Is(err, argus.ErrNotFound) {
			t.Errorf("profile on the deleted timeslot: err = %v; want ErrNotFound", err)
		}
		if _, err := f.st.Profile(ctx, u.ID, keep); err != nil {
			t.Errorf("profile on another timeslot: %v", err)
		}
	})
}
