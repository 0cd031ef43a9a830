package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Notification profiles (api-v1.md §2.12, §4.4; D8, D15, D17).

const (
	profPath     = "/api/v1/notificationprofiles/"
	profNotFound = `{"detail": "Not found."}`
	profRequired = `["This field is required."]`
)

// profileKeys are the keys of a profile object (api-v1.md §4.4).
var profileKeys = []string{"pk", "timeslot", "filters", "media", "phone_number", "active"}

func profURL(pk int64) string          { return profPath + itoa(pk) + "/" }
func profIncidentsURL(pk int64) string { return profPath + itoa(pk) + "/incidents/" }

// profPK is the pk of a created object.
func profPK(t *testing.T, r response) int64 {
	t.Helper()
	pk, ok := r.object(t)["pk"].(float64)
	if !ok {
		t.Fatalf("no pk in %s", r.body)
	}
	return int64(pk)
}

// profTimeslot creates a weekday timeslot over HTTP and returns its pk and
// its JSON representation.
func profTimeslot(t *testing.T, f *fixture, key, name string) (int64, string) {
	t.Helper()
	r := f.send(http.MethodPost, profPath+"timeslots/", key, map[string]any{
		"name": name, "time_recurrences": []any{map[string]any{"days": []int{5, 1, 2, 3, 4}, "start": "08:00", "end": "16:00"}},
	})
	r.want(t, http.StatusCreated, "")
	pk := profPK(t, r)
	want := `{"pk": ` + itoa(pk) + `, "name": "` + name + `",
		"time_recurrences": [{"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}]}`
	r.want(t, http.StatusCreated, want)
	return pk, want
}

// profDefaultTimeslot is the pk of the user's "All the time" timeslot.
func profDefaultTimeslot(t *testing.T, f *fixture, userID int64) int64 {
	t.Helper()
	list, err := f.st.Timeslots(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range list {
		if ts.Name == argus.DefaultTimeslotName {
			return ts.ID
		}
	}
	t.Fatalf("user %d has no %q timeslot", userID, argus.DefaultTimeslotName)
	return 0
}

// profFilter creates a filter over HTTP from a filter_string in canonical
// form and returns its pk and JSON representation.
func profFilter(t *testing.T, f *fixture, key, name, filterString string) (int64, string) {
	t.Helper()
	r := f.send(http.MethodPost, profPath+"filters/", key, map[string]any{"name": name, "filter_string": filterString})
	r.want(t, http.StatusCreated, "")
	pk := profPK(t, r)
	data := fltJSON(pk, name, filterString)
	r.want(t, http.StatusCreated, data)
	return pk, data
}

// profPhone creates a phone number over HTTP and returns its pk and JSON
// representation.
func profPhone(t *testing.T, f *fixture, key string, userID int64, number string) (int64, string) {
	t.Helper()
	r := f.send(http.MethodPost, "/api/v1/auth/phone-number/", key, map[string]any{"phone_number": number})
	r.want(t, http.StatusCreated, "")
	pk := profPK(t, r)
	want := `{"pk": ` + itoa(pk) + `, "user": ` + itoa(userID) + `, "phone_number": "` + number + `"}`
	r.want(t, http.StatusCreated, want)
	return pk, want
}

// profJSONList is the JSON list of the messages.
func profJSONList(t *testing.T, msgs ...string) string {
	t.Helper()
	data, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// profBody is the expected representation of a profile: pk, the timeslot,
// filters and phone number as JSON ("null" for none), media as a JSON list.
func profBody(pk int64, timeslot string, filters []string, media, phone string, active bool) string {
	return fmt.Sprintf(`{"pk": %d, "timeslot": %s, "filters": [%s], "media": %s, "phone_number": %s, "active": %t}`,
		pk, timeslot, strings.Join(filters, ", "), media, phone, active)
}

// profWant is response.want with every "media" list sorted on both sides:
// the order of media is unspecified (api-v1.md §2.12).
func profWant(t *testing.T, r response, status int, wantBody string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d; want %d (body %s)", r.status, status, r.body)
	}
	var got, want any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Errorf("body %q is not JSON: %v", r.body, err)
		return
	}
	if err := json.Unmarshal([]byte(wantBody), &want); err != nil {
		t.Fatalf("bad wantBody %q: %v", wantBody, err)
	}
	profSortMedia(got)
	profSortMedia(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func profSortMedia(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if l, ok := e.([]any); ok && k == "media" {
				slices.SortFunc(l, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
			}
			profSortMedia(e)
		}
	case []any:
		for _, e := range x {
			profSortMedia(e)
		}
	}
}

func TestProfileCreateAndGet(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		// ivar first, so that his timeslot and phone number have the pks
		// of the example in api-v1.md §4.4.
		ivar, ivarKey := f.user("ivar", false)
		ivarTS := profDefaultTimeslot(t, f, ivar.ID)
		ivarPhone, _ := profPhone(t, f, ivarKey, ivar.ID, "+4767676767")
		ivarFilter, _ := profFilter(t, f, ivarKey, "ivars", `{"sourceSystemIds": [], "tags": ["a=1"]}`)

		u, key := f.user("hanna", false)
		_, rootKey := f.user("root", true)
		day, dayJSON := profTimeslot(t, f, key, "Day")
		evening, eveningJSON := profTimeslot(t, f, key, "Evening")
		night, nightJSON := profTimeslot(t, f, key, "Night")
		spare, _ := profTimeslot(t, f, key, "Spare")
		f1, f1JSON := profFilter(t, f, key, "boxes", `{"sourceSystemIds": [], "tags": ["object=box1"]}`)
		f2, f2JSON := profFilter(t, f, key, "gateways", `{"sourceSystemIds": [1, 2], "tags": []}`)
		ph, phJSON := profPhone(t, f, key, u.ID, "+4790909090")

		f.get(profPath, key).want(t, 200, `[]`)
		f.get(profPath, "").want(t, 401, msgNoCredentials)
		f.send(http.MethodPost, profPath, "", map[string]any{"timeslot": day, "filters": []int{}, "media": []string{}}).
			want(t, 401, msgNoCredentials)

		// Everything given.
		r := f.send(http.MethodPost, profPath, key, map[string]any{
			"timeslot": day, "filters": []int64{f1, f2}, "media": []string{"EM", "SM"}, "phone_number": ph, "active": false,
		})
		dayBody := profBody(day, dayJSON, []string{f1JSON, f2JSON}, `["EM", "SM"]`, phJSON, false)
		profWant(t, r, 201, dayBody)
		obj := r.object(t)
		wantKeys(t, obj, profileKeys...)
		wantKeys(t, obj["timeslot"], "pk", "name", "time_recurrences")
		wantKeys(t, obj["filters"].([]any)[0], "pk", "name", "filter_string", "filter")
		wantKeys(t, obj["phone_number"], "pk", "user", "phone_number")
		if obj["pk"] != obj["timeslot"].(map[string]any)["pk"] {
			t.Errorf("pk %v is not the timeslot's pk (D15)", obj["pk"])
		}

		// The least: empty lists are accepted, active defaults to true,
		// no phone number is null.
		r = f.send(http.MethodPost, profPath, key, map[string]any{"timeslot": evening, "filters": []int64{}, "media": []string{}})
		eveningBody := profBody(evening, eveningJSON, nil, `[]`, "null", true)
		profWant(t, r, 201, eveningBody)
		wantKeys(t, r.object(t), profileKeys...)

		// pks as numeric text; a repeated filter or medium counts once.
		r = f.send(http.MethodPost, profPath, key, map[string]any{
			"timeslot": itoa(night), "filters": []any{itoa(f1), f1}, "media": []string{"SM", "SM"}, "phone_number": nil, "active": true,
		})
		nightBody := profBody(night, nightJSON, []string{f1JSON}, `["SM"]`, "null", true)
		profWant(t, r, 201, nightBody)

		// ivar's own profile is his alone.
		f.send(http.MethodPost, profPath, ivarKey, map[string]any{"timeslot": ivarTS, "filters": []int64{ivarFilter}, "media": []string{"EM"}}).
			want(t, 201, "")

		list := "[" + dayBody + ", " + eveningBody + ", " + nightBody + "]"
		profWant(t, f.get(profPath, key), 200, list)
		for pk, body := range map[int64]string{day: dayBody, evening: eveningBody, night: nightBody} {
			profWant(t, f.get(profURL(pk), key), 200, body)
		}
		f.get(profURL(spare), key).want(t, 404, profNotFound)
		f.get(profPath+"x/", key).want(t, 404, profNotFound)
		f.get(profPath, rootKey).want(t, 200, `[]`)

		invalidPK := func(pk any) string { return fmt.Sprintf(`["Invalid pk \"%v\" - object does not exist."]`, pk) }
		incorrect := func(typ string) string { return `["Incorrect type. Expected pk value, received ` + typ + `."]` }
		ok := func(change map[string]any) map[string]any {
			b := map[string]any{"timeslot": spare, "filters": []int64{f1}, "media": []string{"EM"}}
			for k, v := range change {
				b[k] = v
			}
			return b
		}
		cases := []struct {
			name string
			body any
			want string
		}{
			{"nothing", map[string]any{}, `{"timeslot": ` + profRequired + `, "filters": ` + profRequired + `, "media": ` + profRequired + `}`},
			{"only optional fields", map[string]any{"phone_number": ph, "active": true},
				`{"timeslot": ` + profRequired + `, "filters": ` + profRequired + `, "media": ` + profRequired + `}`},
			{"unknown medium", ok(map[string]any{"media": []string{"EM", "XX"}}), `{"media": ["\"XX\" is not a valid choice."]}`},
			{"medium not text", ok(map[string]any{"media": []any{5}}), `{"media": ["\"5\" is not a valid choice."]}`},
			{"media not a list", ok(map[string]any{"media": "EM"}), `{"media": ["Expected a list of items but got type \"str\"."]}`},
			{"filters not a list", ok(map[string]any{"filters": 5}), `{"filters": ["Expected a list of items but got type \"int\"."]}`},
			{"filters as text", ok(map[string]any{"filters": itoa(f1)}), `{"filters": ["Expected a list of items but got type \"str\"."]}`},
			{"nulls", ok(map[string]any{"timeslot": nil, "filters": nil, "media": nil}),
				`{"timeslot": ["This field may not be null."], "filters": ["This field may not be null."], "media": ["This field may not be null."]}`},
			{"active not a boolean", ok(map[string]any{"active": "maybe"}), `{"active": ["Must be a valid boolean."]}`},
			{"active null", ok(map[string]any{"active": nil}), `{"active": ["This field may not be null."]}`},
			// The example of api-v1.md §4.4: DRF checks every field, so all
			// four come back at once.
			{"another user's references and a bad medium, all at once", map[string]any{
				"timeslot": ivarTS, "filters": []int64{99}, "media": []string{"XX"}, "phone_number": ivarPhone,
			}, `{"timeslot": ` + invalidPK(ivarTS) + `, "filters": ` + invalidPK(99) + `,
				"media": ["\"XX\" is not a valid choice."], "phone_number": ` + invalidPK(ivarPhone) + `}`},
			{"another user's references", map[string]any{
				"timeslot": ivarTS, "filters": []int64{f1, ivarFilter}, "media": []string{"EM"}, "phone_number": ivarPhone,
			}, `{"timeslot": ` + invalidPK(ivarTS) + `, "filters": ` + invalidPK(ivarFilter) + `, "phone_number": ` + invalidPK(ivarPhone) + `}`},
			{"unknown references", map[string]any{
				"timeslot": 9999, "filters": []int64{9998, 9997}, "media": []string{"SM"}, "phone_number": 9996,
			}, `{"timeslot": ` + invalidPK(9999) + `, "filters": ` + invalidPK(9998) + `, "phone_number": ` + invalidPK(9996) + `}`},
			{"negative pk", ok(map[string]any{"timeslot": -1}), `{"timeslot": ` + invalidPK(-1) + `}`},
			{"incorrect types", ok(map[string]any{"timeslot": true, "filters": []any{1.5}, "phone_number": []int{1}}),
				`{"timeslot": ` + incorrect("bool") + `, "filters": ` + incorrect("float") + `, "phone_number": ` + incorrect("list") + `}`},
			{"incorrect types 2", ok(map[string]any{"timeslot": map[string]any{"pk": spare}, "filters": []any{true}}),
				`{"timeslot": ` + incorrect("dict") + `, "filters": ` + incorrect("bool") + `}`},
			// Django's int("abc") raises ValueError inside DRF's
			// PrimaryKeyRelatedField, which answers incorrect_type.
			{"text that is not a number", ok(map[string]any{"timeslot": "abc", "filters": []any{"x1"}, "phone_number": "one"}),
				`{"timeslot": ` + incorrect("str") + `, "filters": ` + incorrect("str") + `, "phone_number": ` + incorrect("str") + `}`},
			{"a second profile on a timeslot (D15)", map[string]any{"timeslot": day, "filters": []int64{}, "media": []string{"EM"}},
				`["NotificationProfile with Timeslot with pk=` + itoa(day) + ` already exists."]`},
			{"not an object", []int{1}, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f.send(http.MethodPost, profPath, key, c.body).want(t, 400, c.want)
			})
		}
		// The refused requests stored nothing and changed nothing.
		profWant(t, f.get(profPath, key), 200, list)
		f.get(profURL(spare), key).want(t, 404, profNotFound)
	})
}

func TestProfileUpdateAndMove(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("hanna", false)
		ivar, _ := f.user("ivar", false)
		ivarTS := profDefaultTimeslot(t, f, ivar.ID)
		tsA, tsAJSON := profTimeslot(t, f, key, "A")
		tsB, tsBJSON := profTimeslot(t, f, key, "B")
		tsC, tsCJSON := profTimeslot(t, f, key, "C")
		f1, f1JSON := profFilter(t, f, key, "f1", `{"sourceSystemIds": [], "tags": ["a=1"]}`)
		f2, f2JSON := profFilter(t, f, key, "f2", `{"sourceSystemIds": [], "tags": ["b=1"]}`)
		ph, phJSON := profPhone(t, f, key, u.ID, "+4790909090")
		taken := func(pk int64) string {
			return `["NotificationProfile with Timeslot with pk=` + itoa(pk) + ` already exists."]`
		}

		profWant(t, f.send(http.MethodPost, profPath, key, map[string]any{
			"timeslot": tsA, "filters": []int64{f1}, "media": []string{"EM"}, "phone_number": ph,
		}), 201, profBody(tsA, tsAJSON, []string{f1JSON}, `["EM"]`, phJSON, true))
		onC := profBody(tsC, tsCJSON, []string{f2JSON}, `["SM"]`, "null", false)
		profWant(t, f.send(http.MethodPost, profPath, key, map[string]any{
			"timeslot": tsC, "filters": []int64{f2}, "media": []string{"SM"}, "active": false,
		}), 201, onC)

		// PUT with another timeslot moves the profile to that pk.
		moveToB := map[string]any{"timeslot": tsB, "filters": []int64{f1, f2}, "media": []string{"SM"}, "phone_number": ph, "active": true}
		onB := profBody(tsB, tsBJSON, []string{f1JSON, f2JSON}, `["SM"]`, phJSON, true)
		profWant(t, f.send(http.MethodPut, profURL(tsA), key, moveToB), 200, onB)
		f.get(profURL(tsA), key).want(t, 404, profNotFound)
		profWant(t, f.get(profURL(tsB), key), 200, onB)
		profWant(t, f.get(profPath, key), 200, "["+onB+", "+onC+"]")
		f.send(http.MethodPut, profURL(tsA), key, moveToB).want(t, 404, profNotFound)
		f.send(http.MethodPatch, profURL(tsA), key, map[string]any{"active": false}).want(t, 404, profNotFound)

		// Refused updates change nothing.
		refused := []struct {
			name   string
			method string
			body   map[string]any
			want   string
		}{
			{"PUT onto a timeslot with a profile (D15)", http.MethodPut,
				map[string]any{"timeslot": tsC, "filters": []int64{}, "media": []string{"EM"}}, taken(tsC)},
			{"PATCH onto a timeslot with a profile (D15)", http.MethodPatch, map[string]any{"timeslot": tsC}, taken(tsC)},
			{"PUT onto another user's timeslot", http.MethodPut,
				map[string]any{"timeslot": ivarTS, "filters": []int64{}, "media": []string{"EM"}},
				`{"timeslot": ["Invalid pk \"` + itoa(ivarTS) + `\" - object does not exist."]}`},
			{"PATCH onto an unknown timeslot", http.MethodPatch, map[string]any{"timeslot": 9999},
				`{"timeslot": ["Invalid pk \"9999\" - object does not exist."]}`},
			{"PATCH an unknown filter", http.MethodPatch, map[string]any{"filters": []int64{f2, 9999}},
				`{"filters": ["Invalid pk \"9999\" - object does not exist."]}`},
			{"PATCH an unknown phone number", http.MethodPatch, map[string]any{"phone_number": 9999},
				`{"phone_number": ["Invalid pk \"9999\" - object does not exist."]}`},
			{"PATCH a bad medium", http.MethodPatch, map[string]any{"media": []string{"SM", "XX"}}, `{"media": ["\"XX\" is not a valid choice."]}`},
			{"PATCH null filters", http.MethodPatch, map[string]any{"filters": nil}, `{"filters": ["This field may not be null."]}`},
			{"PUT without the required fields", http.MethodPut, map[string]any{"active": false, "phone_number": nil},
				`{"timeslot": ` + profRequired + `, "filters": ` + profRequired + `, "media": ` + profRequired + `}`},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				f.send(c.method, profURL(tsB), key, c.body).want(t, 400, c.want)
				profWant(t, f.get(profURL(tsB), key), 200, onB)
				profWant(t, f.get(profURL(tsC), key), 200, onC)
			})
		}

		// PATCH without timeslot (the original answered 500, D15); the
		// steps build on each other.
		steps := []struct {
			name string
			body map[string]any
			want string
		}{
			{"active", map[string]any{"active": false},
				profBody(tsB, tsBJSON, []string{f1JSON, f2JSON}, `["SM"]`, phJSON, false)},
			{"media", map[string]any{"media": []string{"SM", "EM"}},
				profBody(tsB, tsBJSON, []string{f1JSON, f2JSON}, `["EM", "SM"]`, phJSON, false)},
			{"filters emptied", map[string]any{"filters": []int64{}},
				profBody(tsB, tsBJSON, nil, `["EM", "SM"]`, phJSON, false)},
			{"phone number removed", map[string]any{"phone_number": nil},
				profBody(tsB, tsBJSON, nil, `["EM", "SM"]`, "null", false)},
			{"nothing", map[string]any{},
				profBody(tsB, tsBJSON, nil, `["EM", "SM"]`, "null", false)},
			{"the same timeslot does not move", map[string]any{"timeslot": tsB, "filters": []int64{f2}, "phone_number": ph},
				profBody(tsB, tsBJSON, []string{f2JSON}, `["EM", "SM"]`, phJSON, false)},
			{"media emptied", map[string]any{"media": []string{}},
				profBody(tsB, tsBJSON, []string{f2JSON}, `[]`, phJSON, false)},
		}
		for _, s := range steps {
			t.Run("PATCH "+s.name, func(t *testing.T) {
				profWant(t, f.send(http.MethodPatch, profURL(tsB), key, s.body), 200, s.want)
				profWant(t, f.get(profURL(tsB), key), 200, s.want)
			})
		}

		// PATCH with a timeslot moves too, keeping everything else.
		onA := profBody(tsA, tsAJSON, []string{f2JSON}, `[]`, phJSON, false)
		profWant(t, f.send(http.MethodPatch, profURL(tsB), key, map[string]any{"timeslot": tsA}), 200, onA)
		f.get(profURL(tsB), key).want(t, 404, profNotFound)
		profWant(t, f.get(profURL(tsA), key), 200, onA)

		// PUT keeping the timeslot replaces in place.
		onA = profBody(tsA, tsAJSON, []string{f1JSON}, `["EM"]`, "null", true)
		profWant(t, f.send(http.MethodPut, profURL(tsA), key, map[string]any{
			"timeslot": tsA, "filters": []int64{f1}, "media": []string{"EM"}, "phone_number": nil, "active": true,
		}), 200, onA)
		profWant(t, f.get(profPath, key), 200, "["+onA+", "+onC+"]")
	})
}

func TestProfileOwnershipAndDelete(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("hanna", false)
		ivar, ivarKey := f.user("ivar", false)
		_, rootKey := f.user("root", true)
		ts, tsJSON := profTimeslot(t, f, key, "Day")
		ivarTS := profDefaultTimeslot(t, f, ivar.ID)
		body := profBody(ts, tsJSON, nil, `["EM"]`, "null", true)
		profWant(t, f.send(http.MethodPost, profPath, key, map[string]any{"timeslot": ts, "filters": []int{}, "media": []string{"EM"}}), 201, body)

		// Another user's profile does not exist for them, superusers
		// included, whatever they send.
		for name, k := range map[string]string{"user": ivarKey, "superuser": rootKey} {
			t.Run(name, func(t *testing.T) {
				f.get(profURL(ts), k).want(t, 404, profNotFound)
				f.send(http.MethodPut, profURL(ts), k, map[string]any{"timeslot": ivarTS, "filters": []int{}, "media": []string{"SM"}}).
					want(t, 404, profNotFound)
				f.send(http.MethodPatch, profURL(ts), k, map[string]any{"active": false}).want(t, 404, profNotFound)
				f.send(http.MethodPatch, profURL(ts), k, map[string]any{"timeslot": ivarTS}).want(t, 404, profNotFound)
				f.send(http.MethodDelete, profURL(ts), k, nil).want(t, 404, profNotFound)
				f.get(profPath, k).want(t, 200, `[]`)
				profWant(t, f.get(profURL(ts), key), 200, body)
			})
		}
		f.get(profURL(ts), "").want(t, 401, msgNoCredentials)
		f.send(http.MethodDelete, profURL(ts), "", nil).want(t, 401, msgNoCredentials)
		f.send(http.MethodDelete, profURL(9999), key, nil).want(t, 404, profNotFound)

		r := f.send(http.MethodDelete, profURL(ts), key, nil)
		if r.status != 204 || len(r.body) != 0 {
			t.Fatalf("DELETE = %d %q; want 204 with no body", r.status, r.body)
		}
		f.get(profURL(ts), key).want(t, 404, profNotFound)
		f.send(http.MethodDelete, profURL(ts), key, nil).want(t, 404, profNotFound)
		f.send(http.MethodPatch, profURL(ts), key, map[string]any{"active": false}).want(t, 404, profNotFound)
		f.get(profPath, key).want(t, 200, `[]`)
		// The timeslot stays, and takes a new profile.
		f.get(profPath+"timeslots/"+itoa(ts)+"/", key).want(t, 200, tsJSON)
		f.send(http.MethodPost, profPath, key, map[string]any{"timeslot": ts, "filters": []int{}, "media": []string{"EM"}}).want(t, 201, "")
	})
}

// Deleting what a profile refers to (D17): a timeslot takes its profile
// with it, a filter leaves the profile's list, a phone number becomes null.
func TestProfileCascades(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("hanna", false)
		ts1, ts1JSON := profTimeslot(t, f, key, "One")
		ts2, ts2JSON := profTimeslot(t, f, key, "Two")
		f1, _ := profFilter(t, f, key, "f1", `{"sourceSystemIds": [], "tags": ["a=1"]}`)
		f2, f2JSON := profFilter(t, f, key, "f2", `{"sourceSystemIds": [], "tags": ["b=1"]}`)
		ph, phJSON := profPhone(t, f, key, u.ID, "+4790909090")
		for _, ts := range []int64{ts1, ts2} {
			f.send(http.MethodPost, profPath, key, map[string]any{
				"timeslot": ts, "filters": []int64{f1, f2}, "media": []string{"SM"}, "phone_number": ph,
			}).want(t, 201, "")
		}
		deleted := func(path string) {
			t.Helper()
			r := f.send(http.MethodDelete, path, key, nil)
			if r.status != 204 {
				t.Fatalf("DELETE %s = %d %s; want 204", path, r.status, r.body)
			}
		}

		deleted(profPath + "filters/" + itoa(f1) + "/")
		for ts, tsJSON := range map[int64]string{ts1: ts1JSON, ts2: ts2JSON} {
			profWant(t, f.get(profURL(ts), key), 200, profBody(ts, tsJSON, []string{f2JSON}, `["SM"]`, phJSON, true))
		}

		deleted("/api/v1/auth/phone-number/" + itoa(ph) + "/")
		for ts, tsJSON := range map[int64]string{ts1: ts1JSON, ts2: ts2JSON} {
			profWant(t, f.get(profURL(ts), key), 200, profBody(ts, tsJSON, []string{f2JSON}, `["SM"]`, "null", true))
		}

		deleted(profPath + "filters/" + itoa(f2) + "/")
		deleted(profPath + "timeslots/" + itoa(ts1) + "/")
		f.get(profURL(ts1), key).want(t, 404, profNotFound)
		f.get(profIncidentsURL(ts1), key).want(t, 400, `["Notification profile with pk=`+itoa(ts1)+` does not exist."]`)
		two := profBody(ts2, ts2JSON, nil, `["SM"]`, "null", true)
		profWant(t, f.get(profURL(ts2), key), 200, two)
		profWant(t, f.get(profPath, key), 200, "["+two+"]")
	})
}

// profWorld is the incidents that the listing tests select from: the
// incidents of profSeedIncidents, posted by three sources, seen by an end
// user.
type profWorld struct {
	f       *fixture
	key     string // the end user's
	sources []argus.Source
	pks     []int64 // by index in profSeedIncidents
}

// profSeedIncidents, newest first by start time: 6 3 1 4 2 7 0 5 (4 and 2
// start together; 4 has the greater pk).
var profSeedIncidents = []struct {
	source     int
	start, end string // end: "" omitted (open), "null" stateless
	tags       []string
}{
	0: {0, "2026-05-01T10:00:00Z", "", []string{"a=1"}},
	1: {1, "2026-05-03T10:00:00Z", "", []string{"a=2", "b=1"}},
	2: {2, "2026-05-02T10:00:00Z", "", []string{"b=1"}},
	3: {0, "2026-05-04T10:00:00Z", "null", nil},
	4: {1, "2026-05-02T10:00:00Z", "", []string{"a=1", "b=2"}},
	5: {2, "2026-04-30T10:00:00Z", "", []string{"a=3", "c=1"}},
	6: {0, "2026-05-05T10:00:00Z", "", []string{"a=2", "c=1"}},
	7: {1, "2026-05-01T12:00:00Z", "2026-05-01T13:00:00Z", []string{"c=1"}},
}

func profSeed(t *testing.T, f *fixture) *profWorld {
	t.Helper()
	w := &profWorld{f: f}
	_, w.key = f.user("hanna", false)
	var keys []string
	for i := range 3 {
		src, k := f.source("gw"+itoa(int64(i+1)), "nav")
		w.sources = append(w.sources, src)
		keys = append(keys, k)
	}
	for i, c := range profSeedIncidents {
		tags := []map[string]string{}
		for _, tag := range c.tags {
			tags = append(tags, map[string]string{"tag": tag})
		}
		body := map[string]any{"start_time": c.start, "source_incident_id": "i" + itoa(int64(i)),
			"description": "incident " + itoa(int64(i)), "tags": tags}
		switch c.end {
		case "":
		case "null":
			body["end_time"] = nil
		default:
			body["end_time"] = c.end
		}
		r := f.send(http.MethodPost, "/api/v1/incidents/", keys[c.source], body)
		r.want(t, http.StatusCreated, "")
		w.pks = append(w.pks, profPK(t, r))
	}
	return w
}

// spec is a filter on the world's sources, by index (-1: an unknown pk).
func (w *profWorld) spec(sources []int, tags []string) argus.FilterSpec {
	spec := argus.FilterSpec{SourceIDs: []int64{}, Tags: []argus.Tag{}}
	for _, i := range sources {
		if i < 0 {
			spec.SourceIDs = append(spec.SourceIDs, 9999)
		} else {
			spec.SourceIDs = append(spec.SourceIDs, w.sources[i].ID)
		}
	}
	for _, s := range tags {
		key, value, _ := strings.Cut(s, "=")
		spec.Tags = append(spec.Tags, argus.Tag{Key: key, Value: value})
	}
	return spec
}

// expect returns the pks of the incidents some spec matches according to
// the domain matcher (argus.FilterSpec.Matches, D8), newest start time
// first (pk descending on a tie), and the JSON array of their
// GET /api/v1/incidents/<pk>/ bodies.
func (w *profWorld) expect(t *testing.T, specs []argus.FilterSpec) ([]int64, string) {
	t.Helper()
	var hits []argus.Incident
	for _, pk := range w.pks {
		inc, err := w.f.st.Incident(context.Background(), pk, w.f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(specs, func(s argus.FilterSpec) bool { return s.Matches(&inc) }) {
			hits = append(hits, inc)
		}
	}
	slices.SortFunc(hits, profNewestFirst)
	pks := []int64{}
	parts := []string{}
	for _, inc := range hits {
		pks = append(pks, inc.ID)
		r := w.f.get("/api/v1/incidents/"+itoa(inc.ID)+"/", w.key)
		r.want(t, 200, "")
		parts = append(parts, string(r.body))
	}
	return pks, "[" + strings.Join(parts, ", ") + "]"
}

// profNewestFirst is the order of incident lists: start time descending,
// then pk descending.
func profNewestFirst(a, b argus.Incident) int {
	if c := b.StartTime.Compare(a.StartTime); c != 0 {
		return c
	}
	switch {
	case a.ID > b.ID:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return 0
}

// profFilterCase is one filter: sources by index into profWorld.sources
// (-1: unknown) and tag strings.
type profFilterCase struct {
	sources []int
	tags    []string
}

// profListCases are the listing cases; want is the matching incidents by
// index into profSeedIncidents, in the expected order, worked out by hand.
var profListCases = []struct {
	name    string
	filters []profFilterCase
	want    []int
}{
	{"no filters", nil, []int{}},
	{"an empty filter matches nothing (D8)", []profFilterCase{{}}, []int{}},
	{"one source", []profFilterCase{{sources: []int{0}}}, []int{6, 3, 0}},
	{"two sources", []profFilterCase{{sources: []int{0, 2}}}, []int{6, 3, 2, 0, 5}},
	{"unknown source", []profFilterCase{{sources: []int{-1}}}, []int{}},
	{"one tag", []profFilterCase{{tags: []string{"a=1"}}}, []int{4, 0}},
	{"values of a key are OR-ed", []profFilterCase{{tags: []string{"a=1", "a=2"}}}, []int{6, 1, 4, 0}},
	{"keys are AND-ed", []profFilterCase{{tags: []string{"a=1", "b=2"}}}, []int{4}},
	{"OR within AND", []profFilterCase{{tags: []string{"a=1", "a=2", "b=1"}}}, []int{1}},
	{"unknown tag", []profFilterCase{{tags: []string{"d=1"}}}, []int{}},
	{"source AND tags", []profFilterCase{{sources: []int{1}, tags: []string{"c=1"}}}, []int{7}},
	{"sources AND tags", []profFilterCase{{sources: []int{2, 0}, tags: []string{"c=1", "a=3", "a=2"}}}, []int{6, 5}},
	{"union of filters", []profFilterCase{{sources: []int{2}}, {tags: []string{"b=1"}}, {}}, []int{1, 2, 5}},
	{"overlapping filters count once", []profFilterCase{{sources: []int{0}}, {tags: []string{"a=1"}}}, []int{6, 3, 4, 0}},
	{"only empty filters", []profFilterCase{{}, {}}, []int{}},
}

func (w *profWorld) check(t *testing.T, r response, specs []argus.FilterSpec, want []int) {
	t.Helper()
	pks, body := w.expect(t, specs)
	wantPKs := []int64{}
	for _, i := range want {
		wantPKs = append(wantPKs, w.pks[i])
	}
	// The hand-worked answer and the domain matcher agree, so neither
	// the expectation nor the matcher is trivially wrong.
	if diff := cmp.Diff(wantPKs, pks); diff != "" {
		t.Errorf("domain matcher disagrees with the hand-worked answer (-hand +Matches):\n%s", diff)
	}
	r.want(t, 200, body)
}

func TestProfileIncidents(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := profSeed(t, f)
		for i, c := range profListCases {
			t.Run(c.name, func(t *testing.T) {
				ts, _ := profTimeslot(t, f, w.key, "case "+itoa(int64(i)))
				filterPKs := []int64{}
				specs := []argus.FilterSpec{}
				for j, fc := range c.filters {
					spec := w.spec(fc.sources, fc.tags)
					pk, _ := profFilter(t, f, w.key, "case "+itoa(int64(i))+"."+itoa(int64(j)), spec.String())
					filterPKs = append(filterPKs, pk)
					specs = append(specs, spec)
				}
				f.send(http.MethodPost, profPath, w.key, map[string]any{
					"timeslot": ts, "filters": filterPKs, "media": []string{"EM"},
				}).want(t, 201, "")
				w.check(t, f.get(profIncidentsURL(ts), w.key), specs, c.want)
				// The listing shows what the filters select, whether or
				// not the profile is active.
				f.send(http.MethodPatch, profURL(ts), w.key, map[string]any{"active": false}).want(t, 200, "")
				w.check(t, f.get(profIncidentsURL(ts), w.key), specs, c.want)
			})
		}

		ivar, ivarKey := f.user("ivar", false)
		ivarTS := profDefaultTimeslot(t, f, ivar.ID)
		ivarFilter, _ := profFilter(t, f, ivarKey, "all", `{"sourceSystemIds": [`+itoa(w.sources[0].ID)+`], "tags": []}`)
		f.send(http.MethodPost, profPath, ivarKey, map[string]any{"timeslot": ivarTS, "filters": []int64{ivarFilter}, "media": []string{"EM"}}).
			want(t, 201, "")
		missing := func(pk int64) string { return `["Notification profile with pk=` + itoa(pk) + ` does not exist."]` }
		f.get(profIncidentsURL(ivarTS), w.key).want(t, 400, missing(ivarTS))
		f.get(profIncidentsURL(9999), w.key).want(t, 400, missing(9999))
		f.get(profIncidentsURL(ivarTS), "").want(t, 401, msgNoCredentials)
		w.check(t, f.get(profIncidentsURL(ivarTS), ivarKey), []argus.FilterSpec{w.spec([]int{0}, nil)}, []int{6, 3, 0})
	})
}

func TestProfileFilterPreview(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := profSeed(t, f)
		const path = profPath + "filterpreview/"
		for _, c := range profListCases {
			if len(c.filters) != 1 {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				spec := w.spec(c.filters[0].sources, c.filters[0].tags)
				tags := []string{}
				for _, tag := range spec.Tags {
					tags = append(tags, tag.String())
				}
				r := f.send(http.MethodPost, path, w.key, map[string]any{"sourceSystemIds": spec.SourceIDs, "tags": tags})
				w.check(t, r, []argus.FilterSpec{spec}, c.want)
			})
		}

		tagMsg := `Enter a valid key-value construct: \"key=value\", where key and value are strings.`
		errs := []struct {
			name string
			body any
			want string
		}{
			{"tags missing", map[string]any{"sourceSystemIds": []int{}}, `["Filterstring is missing fieldname(s): tags"]`},
			{"sourceSystemIds missing", map[string]any{"tags": []string{}}, `["Filterstring is missing fieldname(s): sourceSystemIds"]`},
			{"nothing", map[string]any{},
				`["No known fieldnames in filterstring.", "Filterstring is missing fieldname(s): sourceSystemIds, tags"]`},
			{"unknown key", map[string]any{"sourceSystemIds": []int{}, "tags": []string{}, "foo": 1},
				`["Unknown fieldname(s) in filterstring: foo"]`},
			{"sources not a list", map[string]any{"sourceSystemIds": "abc", "tags": []string{}}, profJSONList(t, "sourceSystemIds must be a list of source system ids (integers).")},
			{"tags not strings", map[string]any{"sourceSystemIds": []int{}, "tags": []int{1}}, profJSONList(t, `tags must be a list of "key=value" strings.`)},
			{"bad tag", map[string]any{"sourceSystemIds": []int{}, "tags": []string{"boo"}}, `["Invalid tag \"boo\": ` + tagMsg + `"]`},
			{"a filter_string instead of the object", map[string]any{"filter_string": `{"sourceSystemIds": [], "tags": []}`},
				`["No known fieldnames in filterstring.", "Filterstring is missing fieldname(s): sourceSystemIds, tags",
				  "Unknown fieldname(s) in filterstring: filter_string"]`},
		}
		for _, c := range errs {
			t.Run(c.name, func(t *testing.T) {
				f.send(http.MethodPost, path, w.key, c.body).want(t, 400, c.want)
			})
		}
		f.send(http.MethodPost, path, "", map[string]any{"sourceSystemIds": []int{}, "tags": []string{"a=1"}}).
			want(t, 401, msgNoCredentials)
		f.get(path, w.key).want(t, 405, `{"detail": "Method \"GET\" not allowed."}`)
	})
}

// TestProfileMatchingIncidentsProperty checks that the SQL of
// store.MatchingIncidents selects exactly what the domain matcher
// (argus.FilterSpec.Matches) accepts (D8), for random filters over random
// incidents, on both databases.
func TestProfileMatchingIncidentsProperty(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		now := f.clock.Now()
		rng := rand.New(rand.NewPCG(20260601, 42))
		var sources []argus.Source
		for i := range 3 {
			src, _ := f.source("src"+itoa(int64(i)), "nav")
			sources = append(sources, src)
		}
		randTag := func() argus.Tag {
			return argus.Tag{Key: []string{"a", "b", "c"}[rng.IntN(3)], Value: []string{"1", "2", "3"}[rng.IntN(3)]}
		}
		const nIncidents = 40
		var all []argus.Incident
		for i := range nIncidents {
			src := sources[rng.IntN(len(sources))]
			ni := store.NewIncident{
				SourceID: src.ID, SourceIncidentID: "p" + itoa(int64(i)), Level: 1 + rng.IntN(5),
				// Minutes apart over ten hours: some start together.
				StartTime: start.Add(-time.Duration(1+rng.IntN(600)) * time.Minute),
			}
			switch rng.IntN(3) {
			case 0: // stateless
			case 1:
				end := argus.Infinity
				ni.EndTime = &end
			case 2:
				end := ni.StartTime.Add(time.Minute)
				ni.EndTime = &end
			}
			for range rng.IntN(4) {
				ni.Tags = append(ni.Tags, randTag())
			}
			created, _, err := f.st.CreateIncident(ctx, ni, src.UserID, now)
			if err != nil {
				t.Fatal(err)
			}
			inc, err := f.st.Incident(ctx, created.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, inc)
		}
		byID := map[int64]argus.Incident{}
		for _, inc := range all {
			byID[inc.ID] = inc
		}

		randSpec := func() argus.FilterSpec {
			spec := argus.FilterSpec{SourceIDs: []int64{}, Tags: []argus.Tag{}}
			for range rng.IntN(3) {
				if rng.IntN(10) == 0 {
					spec.SourceIDs = append(spec.SourceIDs, 9999) // no such source
				} else {
					spec.SourceIDs = append(spec.SourceIDs, sources[rng.IntN(len(sources))].ID)
				}
			}
			for range rng.IntN(4) {
				spec.Tags = append(spec.Tags, randTag())
			}
			return spec
		}

		failures := 0
		// check compares the store with the matcher and returns how many
		// incidents matched.
		check := func(specs []argus.FilterSpec) int {
			t.Helper()
			blobs := make([]argus.FilterBlob, len(specs))
			for i, spec := range specs {
				blobs[i] = spec.Blob()
			}
			got, err := f.st.MatchingIncidents(ctx, blobs, now)
			if err != nil {
				t.Fatalf("MatchingIncidents(%v): %v", specs, err)
			}
			want := []int64{}
			for i := range all {
				if slices.ContainsFunc(specs, func(s argus.FilterSpec) bool { return s.Matches(&all[i]) }) {
					want = append(want, all[i].ID)
				}
			}
			gotIDs := []int64{}
			for i, inc := range got {
				gotIDs = append(gotIDs, inc.ID)
				if i > 0 && profNewestFirst(got[i-1], inc) >= 0 {
					t.Errorf("MatchingIncidents(%v): %d before %d; want newest start time first", specs, got[i-1].ID, inc.ID)
				}
				if diff := cmp.Diff(byID[inc.ID], inc); diff != "" {
					t.Errorf("MatchingIncidents(%v): incident %d differs from Incident (-Incident +Matching):\n%s", specs, inc.ID, diff)
				}
			}
			slices.Sort(gotIDs)
			if diff := cmp.Diff(want, gotIDs); diff != "" {
				failures++
				t.Errorf("MatchingIncidents(%v) ids (-Matches +store):\n%s", specs, diff)
				if failures >= 5 {
					t.Fatal("too many failures")
				}
			}
			return len(want)
		}

		var (
			nonEmpty, partial, emptySpecs int
			sameKeyHits, crossKeyHits     int
			sourceAndTagHits, unionHits   int
		)
		const nSingle, nCombos = 400, 200
		for range nSingle {
			spec := randSpec()
			n := check([]argus.FilterSpec{spec})
			if len(spec.SourceIDs) == 0 && len(spec.Tags) == 0 {
				emptySpecs++
				continue
			}
			if n > 0 {
				nonEmpty++
			}
			if n > 0 && n < nIncidents {
				partial++
			}
			keys := map[string]int{}
			for _, tag := range spec.Tags {
				keys[tag.Key]++
			}
			if n > 0 && len(keys) >= 2 {
				crossKeyHits++
			}
			if n > 0 && len(keys) < len(spec.Tags) {
				sameKeyHits++
			}
			if n > 0 && len(spec.SourceIDs) > 0 && len(spec.Tags) > 0 {
				sourceAndTagHits++
			}
		}
		for range nCombos {
			specs := make([]argus.FilterSpec, 1+rng.IntN(3))
			for i := range specs {
				specs[i] = randSpec()
			}
			n := check(specs)
			best := 0
			for _, s := range specs {
				best = max(best, check([]argus.FilterSpec{s}))
			}
			if n > best {
				unionHits++ // the union added something to its best member
			}
		}

		// The generator must reach the interesting cases, or the test
		// proves little.
		t.Logf("%d single filters: %d empty, %d non-empty results (%d partial), %d same-key OR, %d cross-key AND, %d source+tag hits; %d combos grew by union",
			nSingle, emptySpecs, nonEmpty, partial, sameKeyHits, crossKeyHits, sourceAndTagHits, unionHits)
		for name, got := range map[string]int{
			"empty filters (D8)":                         emptySpecs,
			"filters with a non-empty result":            nonEmpty,
			"filters selecting some but not all":         partial,
			"matching filters with a key twice (OR)":     sameKeyHits,
			"matching filters with two keys (AND)":       crossKeyHits,
			"matching filters with sources and tags":     sourceAndTagHits,
			"combinations larger than their best member": unionHits,
		} {
			if got < 10 {
				t.Errorf("generator produced %d %s; want at least 10", got, name)
			}
		}
		if nonEmpty < nSingle/4 {
			t.Errorf("only %d of %d random filters matched anything; the generator is too sparse", nonEmpty, nSingle)
		}
	})
}
