package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestV2Profiles(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, olaKey := f.user("ola", false)
		const path = "/api/v2/notificationprofiles/"
		post := func(key, p string, body any) map[string]any {
			t.Helper()
			r := f.send(http.MethodPost, p, key, body)
			r.want(t, http.StatusCreated, "")
			return r.object(t)
		}
		ts := post(key, path+"timeslots/", map[string]any{"name": "Work", "time_recurrences": []any{
			map[string]any{"days": []int{1, 2, 3, 4, 5}, "start": "08:00", "end": "16:00"}}})
		filter := post(key, "/api/v1/notificationprofiles/filters/", map[string]any{"name": "db",
			"filter_string": `{"sourceSystemIds": [], "tags": ["service=db"]}`})
		olaFilter := post(olaKey, "/api/v1/notificationprofiles/filters/", map[string]any{"name": "ola's",
			"filter_string": `{"sourceSystemIds": [1], "tags": []}`})
		sms := post(key, path+"destinations/", map[string]any{"media": "sms", "settings": map[string]any{"phone_number": "+4790909090"}})
		olaTS := f.get(path+"timeslots/", olaKey).array(t)[0].(map[string]any)

		// Two profiles on one timeslot, with their own ids (D29).
		body := map[string]any{"timeslot": pkOf(t, ts), "filters": []any{pkOf(t, filter)}, "destinations": []any{pkOf(t, sms)}, "name": "day"}
		day := post(key, path, body)
		wantKeys(t, day, "pk", "name", "timeslot", "filters", "destinations", "active")
		wantKeys(t, day["filters"].([]any)[0], "pk", "name", "filter", "public")
		wantKeys(t, day["destinations"].([]any)[0], "pk", "media", "label", "suggested_label", "settings")
		if day["active"] != true || day["name"] != "day" {
			t.Errorf("created %v", day)
		}
		body["name"] = nil
		second := post(key, path, body)
		if pkOf(t, second) == pkOf(t, day) {
			t.Error("two profiles on one timeslot share a pk")
		}
		if n := len(f.get(path, key).array(t)); n != 2 {
			t.Errorf("%d profiles; want 2 on the one timeslot", n)
		}
		// API v1 shows only profiles alone on their timeslot (D29).
		for _, p := range f.get("/api/v1/notificationprofiles/", key).array(t) {
			if pk := pkOf(t, p.(map[string]any)); pk == pkOf(t, ts) {
				t.Errorf("v1 lists the shared timeslot's profiles: %v", p)
			}
		}

		for name, c := range map[string]struct {
			body any
			want string
		}{
			"empty filters": {map[string]any{"timeslot": pkOf(t, ts), "filters": []any{}}, `{"filters": ["This list may not be empty."]}`},
			"no timeslot":   {map[string]any{"filters": []any{pkOf(t, filter)}}, `{"timeslot": ["This field is required."]}`},
			"unknown timeslot": {map[string]any{"timeslot": 999999, "filters": []any{pkOf(t, filter)}},
				`{"timeslot": ["Invalid pk \"999999\" - object does not exist."]}`},
			"another's timeslot": {map[string]any{"timeslot": pkOf(t, olaTS), "filters": []any{pkOf(t, filter)}},
				`{"non_field_errors": ["The user of 'timeslot' must be the same as the requesting user."]}`},
			// v2-bug-6.
			"another's filter": {map[string]any{"timeslot": pkOf(t, ts), "filters": []any{pkOf(t, olaFilter)}},
				`{"filters": ["Invalid pk \"` + pkOf(t, olaFilter) + `\" - object does not exist."]}`},
			"destinations null": {map[string]any{"timeslot": pkOf(t, ts), "filters": []any{pkOf(t, filter)}, "destinations": nil},
				`{"destinations": ["This field may not be null."]}`},
			"taken name": {map[string]any{"timeslot": pkOf(t, ts), "filters": []any{pkOf(t, filter)}, "name": "day"},
				`{"non_field_errors": ["The requesting user already has a profile with that name."]}`},
		} {
			t.Run(name, func(t *testing.T) { f.send(http.MethodPost, path, key, c.body).want(t, http.StatusBadRequest, c.want) })
		}
		// v2-bug-5: names are per user.
		olaPost := map[string]any{"timeslot": pkOf(t, olaTS), "filters": []any{pkOf(t, olaFilter)}, "name": "day"}
		post(olaKey, path, olaPost)

		one := path + pkOf(t, day) + "/"
		f.get(one, olaKey).want(t, http.StatusNotFound, `{"detail": "No NotificationProfile matches the given query."}`)
		// v2-bug-3: a PATCH without timeslot keeps it.
		r := f.send(http.MethodPatch, one, key, map[string]any{"active": false, "destinations": []any{}})
		r.want(t, http.StatusOK, "")
		if got := r.object(t); got["active"] != false || len(got["destinations"].([]any)) != 0 ||
			pkOf(t, got["timeslot"].(map[string]any)) != pkOf(t, ts) {
			t.Errorf("after PATCH: %v", got)
		}
		// Deleting the timeslot deletes every profile on it.
		f.send(http.MethodDelete, path+"timeslots/"+pkOf(t, ts)+"/", key, nil).want(t, http.StatusNoContent, "")
		if list := f.get(path, key).array(t); len(list) != 0 {
			t.Errorf("profiles after their timeslot went: %v", list)
		}
		if !strings.Contains(string(f.get(path, olaKey).body), `"name":"day"`) {
			t.Error("ola's profile went with kari's timeslot")
		}
	})
}
