package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/store/storetest"
)

// The hostile-input table (issue 10): every route of the API, sent what a
// hostile or broken client sends — malformed chunked bodies, truncated
// and deeply nested JSON, every field with every wrong type, integers at
// the edges of int32, float64 and int64, strings at their limit, one past
// it and a megabyte, invalid UTF-8 and NUL — on both databases. Whatever
// comes in, the answer is never a 5xx, a 4xx is JSON in a DRF shape, a
// refused write changes no row, and the server answers afterwards.

// hostileField is one field of a route's body: a valid value, so that
// a body is valid but for the field under attack, and for text fields the
// length limit. A dotted name reaches into nested objects and lists
// ("event.description", "time_recurrences.0.start").
type hostileField struct {
	name  string
	valid any
	max   int // length limit of a text field; 0 for other fields
	// extra are hostile values particular to this field.
	extra []any
}

// hostileRoute is one method and path; {id} stands for the object's pk
// and is replaced by hostile ids too.
type hostileRoute struct {
	method, path string
	as           string // "root", "kari", "source" or "" (anonymous)
	fields       []hostileField
	// query are the query parameters of a list.
	query []string
}

// hostileValues are put in every field: wrong types, integer edges, and
// numbers that are no integers at all.
var hostileValues = []any{
	nil, true, false, 0, -1, 1.5, json.Number("-0"), json.Number("1e400"), json.Number("-1e400"),
	json.Number("2147483648"), json.Number("-2147483649"), json.Number("9007199254740993"),
	json.Number("9223372036854775807"), json.Number("9223372036854775808"), json.Number("-9223372036854775809"),
	json.Number("18446744073709551616"), json.Number("123456789012345678901234567890"),
	"", " ", "٣", "2147483648", "9223372036854775808", "-1", "1.5", "x\x00y", "\u202e\ufeff", "infinity", "-infinity",
	[]any{}, []any{nil}, []any{json.Number("9223372036854775808")}, []any{"٣"}, []any{[]any{}},
	map[string]any{}, map[string]any{"tag": nil}, map[string]any{"a": []any{1}},
}

// hostileIDs replace {id} in paths: nothing can have them.
var hostileIDs = []string{
	"0", "-1", "-0", "+1", "01x", "1.5", "1e400", "2147483648", "9007199254740993", "9223372036854775807",
	"9223372036854775808", "99999999999999999999", "%D9%A3", "%00", "%FF", "1%20",
}

// hostileQueryValues go into every query parameter.
var hostileQueryValues = []string{
	"", "%00", "%FF%FE", "-1", "0", "2147483648", "9223372036854775808", "1e400", "٣", ",,,", "a=b",
	"9999-12-31T23:59:59.999999", "0000-01-01T00:00:00", "2026-02-30T10:00:00", strings.Repeat("9", 300),
	noise(1 << 16), strings.Repeat("a=b,", 2000), "a=" + noise(600),
}

func hostileRoutes() []hostileRoute {
	recurrence := func() map[string]any {
		return map[string]any{"days": []any{1, 2}, "start": "08:00:00", "end": "16:00:00"}
	}
	tsFields := []hostileField{
		{name: "name", valid: "Slot", max: 40},
		{name: "time_recurrences", valid: []any{recurrence()}},
		{name: "time_recurrences.0.days", valid: []any{1}},
		{name: "time_recurrences.0.start", valid: "08:00:00", extra: []any{"24:00", "08:00:00.1234567"}},
		{name: "time_recurrences.0.end", valid: "16:00:00"},
		{name: "time_recurrences.0.all_day", valid: false},
	}
	filterFields := []hostileField{
		{name: "name", valid: "Filt", max: 40},
		{name: "filter_string", valid: `{"sourceSystemIds": [], "tags": ["a=b"]}`, max: 65536, extra: []any{
			`{"sourceSystemIds": [9223372036854775808], "tags": []}`,
			`{"sourceSystemIds": [2147483648, 9223372036854775807], "tags": []}`,
			`{"sourceSystemIds": [1e400], "tags": []}`,
			`{"sourceSystemIds": [], "tags": ["a=` + strings.Repeat("ø", 600) + `"]}`,
			`{"sourceSystemIds": [], "tags": ["a=b\u0000"]}`,
			`{"sourceSystemIds": [], "tags": [` + strings.Repeat(`"a=b",`, 200) + `"a=b"]}`,
			strings.Repeat("[", 10000),
		}},
	}
	profileFields := []hostileField{
		{name: "timeslot", valid: "{timeslot}"},
		{name: "filters", valid: []any{"{filter}"}},
		{name: "filters.0", valid: "{filter}"},
		{name: "media", valid: []any{"EM"}},
		{name: "media.0", valid: "EM"},
		{name: "phone_number", valid: "{phone}"},
		{name: "active", valid: true},
	}
	incidentFields := []hostileField{
		{name: "start_time", valid: "2026-06-01T10:00:00+02:00", extra: []any{"9999-12-31T23:59:59.999999-14:00", "0001-01-01T00:00:00+14:00"}},
		{name: "end_time", valid: "infinity"},
		{name: "source_incident_id", valid: "sid", max: 255},
		{name: "details_url", valid: "https://nav.example.org/box/1", max: 1024},
		{name: "description", valid: "Box down", max: 65536},
		{name: "ticket_url", valid: "https://tickets.example.org/1", max: 1024},
		{name: "level", valid: 3},
		{name: "tags", valid: []any{map[string]any{"tag": "host=box1"}}},
		{name: "tags.0.tag", valid: "host=box1", max: 500},
	}
	return []hostileRoute{
		{method: "POST", path: "/api/v1/token-auth/", fields: []hostileField{
			{name: "username", valid: "nobody", max: 150}, {name: "password", valid: "pw", max: 4096}}},
		{method: "POST", path: "/api/v1/auth/logout/"},
		{method: "GET", path: "/api/v1/auth/user/", as: "kari"},
		{method: "GET", path: "/api/v1/auth/users/{user}/", as: "kari"},
		{method: "GET", path: "/api/v1/auth/phone-number/", as: "kari"},
		{method: "POST", path: "/api/v1/auth/phone-number/", as: "kari", fields: []hostileField{
			{name: "phone_number", valid: "+4790909091", max: 128, extra: []any{"+47" + strings.Repeat("9", 300)}}}},
		{method: "GET", path: "/api/v1/auth/phone-number/{phone}/", as: "kari"},
		{method: "PUT", path: "/api/v1/auth/phone-number/{phone}/", as: "kari", fields: []hostileField{
			{name: "phone_number", valid: "+4790909092", max: 128}}},
		{method: "PATCH", path: "/api/v1/auth/phone-number/{phone}/", as: "kari", fields: []hostileField{
			{name: "phone_number", valid: "+4790909093", max: 128}}},
		{method: "DELETE", path: "/api/v1/auth/phone-number/{phone}/", as: "kari"},

		{method: "GET", path: "/api/v1/incidents/source-types/", as: "kari"},
		{method: "POST", path: "/api/v1/incidents/source-types/", as: "kari", fields: []hostileField{
			{name: "name", valid: "newtype", max: 255}}},
		{method: "GET", path: "/api/v1/incidents/sources/"},
		{method: "POST", path: "/api/v1/incidents/sources/", as: "root", fields: []hostileField{
			{name: "name", valid: "gw9", max: 255}, {name: "type", valid: "nav", max: 255},
			{name: "username", valid: "gw9user", max: 150},
			{name: "base_url", valid: "https://nav.example.org/", max: 1024}}},
		{method: "GET", path: "/api/v1/incidents/sources/{source}/", as: "kari"},
		{method: "PUT", path: "/api/v1/incidents/sources/{source}/", as: "root", fields: []hostileField{
			{name: "name", valid: "gw1", max: 255}}},
		{method: "PATCH", path: "/api/v1/incidents/sources/{source}/", as: "root", fields: []hostileField{
			{name: "name", valid: "gw1", max: 255}}},
		{method: "GET", path: "/api/v1/incidents/metadata/", as: "kari"},

		{method: "GET", path: "/api/v1/incidents/", as: "kari", query: []string{
			"open", "acked", "stateful", "end_time__isnull", "ticket", "source__id__in", "source__name__in",
			"source__type__in", "source_incident_id", "start_time__gte", "start_time__lte", "end_time__gte",
			"end_time__lte", "tags", "cursor", "page_size"}},
		{method: "GET", path: "/api/v1/incidents/mine/", as: "source", query: []string{"tags", "cursor", "page_size", "source_incident_id"}},
		{method: "POST", path: "/api/v1/incidents/", as: "source", fields: incidentFields},
		{method: "POST", path: "/api/v1/incidents/mine/", as: "root", fields: append([]hostileField{
			{name: "source", valid: "{source}"}}, incidentFields...)},
		{method: "GET", path: "/api/v1/incidents/open/", as: "kari"},
		{method: "GET", path: "/api/v1/incidents/open+unacked/", as: "kari"},
		{method: "GET", path: "/api/v1/incidents/{incident}/", as: "kari"},
		{method: "PATCH", path: "/api/v1/incidents/{incident}/", as: "kari", fields: []hostileField{
			{name: "details_url", valid: "boxes/1", max: 1024},
			{name: "ticket_url", valid: "https://tickets.example.org/2", max: 1024},
			{name: "tags", valid: []any{map[string]any{"tag": "host=box1"}}},
			{name: "tags.0.tag", valid: "host=box1", max: 500}}},
		{method: "PUT", path: "/api/v1/incidents/{incident}/ticket_url/", as: "kari", fields: []hostileField{
			{name: "ticket_url", valid: "https://tickets.example.org/3", max: 1024}}},
		{method: "GET", path: "/api/v1/incidents/{incident}/events/", as: "kari"},
		{method: "POST", path: "/api/v1/incidents/{incident}/events/", as: "kari", fields: []hostileField{
			{name: "type", valid: "OTH"}, {name: "timestamp", valid: "2026-06-01T11:00:00Z"},
			{name: "description", valid: "note", max: 65536}}},
		{method: "GET", path: "/api/v1/incidents/{incident}/events/{event}/", as: "kari"},
		{method: "GET", path: "/api/v1/incidents/{incident}/acks/", as: "kari"},
		{method: "POST", path: "/api/v1/incidents/{incident}/acks/", as: "kari", fields: []hostileField{
			{name: "event", valid: map[string]any{"description": "mine"}},
			{name: "event.description", valid: "mine", max: 65536},
			{name: "event.timestamp", valid: "2026-06-01T11:00:00Z"},
			{name: "event.type", valid: "ACK"},
			{name: "expiration", valid: "2026-06-02T11:00:00Z"}}},
		{method: "GET", path: "/api/v1/incidents/{incident}/acks/{ack}/", as: "kari"},

		{method: "GET", path: "/api/v1/notificationprofiles/timeslots/", as: "kari"},
		{method: "POST", path: "/api/v1/notificationprofiles/timeslots/", as: "kari", fields: tsFields},
		{method: "GET", path: "/api/v1/notificationprofiles/timeslots/{timeslot}/", as: "kari"},
		{method: "PUT", path: "/api/v1/notificationprofiles/timeslots/{timeslot}/", as: "kari", fields: tsFields},
		{method: "PATCH", path: "/api/v1/notificationprofiles/timeslots/{timeslot}/", as: "kari", fields: tsFields},
		{method: "DELETE", path: "/api/v1/notificationprofiles/timeslots/{timeslot}/", as: "kari"},
		{method: "GET", path: "/api/v1/notificationprofiles/filters/", as: "kari"},
		{method: "POST", path: "/api/v1/notificationprofiles/filters/", as: "kari", fields: filterFields},
		{method: "GET", path: "/api/v1/notificationprofiles/filters/{filter}/", as: "kari"},
		{method: "PUT", path: "/api/v1/notificationprofiles/filters/{filter}/", as: "kari", fields: filterFields},
		{method: "PATCH", path: "/api/v1/notificationprofiles/filters/{filter}/", as: "kari", fields: filterFields},
		{method: "DELETE", path: "/api/v1/notificationprofiles/filters/{filter}/", as: "kari"},
		{method: "GET", path: "/api/v1/notificationprofiles/", as: "kari"},
		{method: "POST", path: "/api/v1/notificationprofiles/", as: "kari", fields: profileFields},
		{method: "GET", path: "/api/v1/notificationprofiles/{profile}/", as: "kari"},
		{method: "PUT", path: "/api/v1/notificationprofiles/{profile}/", as: "kari", fields: profileFields},
		{method: "PATCH", path: "/api/v1/notificationprofiles/{profile}/", as: "kari", fields: profileFields},
		{method: "DELETE", path: "/api/v1/notificationprofiles/{profile}/", as: "kari"},
		{method: "GET", path: "/api/v1/notificationprofiles/{profile}/incidents/", as: "kari"},
		{method: "POST", path: "/api/v1/notificationprofiles/filterpreview/", as: "kari", fields: []hostileField{
			{name: "sourceSystemIds", valid: []any{"{source}"}},
			{name: "sourceSystemIds.0", valid: "{source}"},
			{name: "tags", valid: []any{"host=box1"}},
			{name: "tags.0", valid: "host=box1", max: 500}}},

		{method: "GET", path: "/api/v1/notifications/", as: "root", query: []string{"status", "incident", "cursor", "page_size"}},
	}
}

// hostileWorld is what the routes refer to.
type hostileWorld struct {
	f      *fixture
	tokens map[string]string
	ids    map[string]string
	// foreign are another user's objects of the kinds in ids.
	foreign map[string]string
	sent    int
	// refused counts refused writes whose database snapshot was compared.
	refused int
}

func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of requests; skipped with -short")
	}
	eachFixture(t, func(t *testing.T, f *fixture) {
		t.Parallel() // the two databases at once: this is the suite's longest test
		w := newHostileWorld(t, f)
		before := storetest.Snapshot(t, f.st)
		for _, rt := range hostileRoutes() {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				before = w.attack(t, rt, before)
			})
		}
		// Still answering, and still knowing who is who.
		f.get("/api/v1/auth/user/", w.tokens["kari"]).want(t, http.StatusOK, "")
		t.Logf("%s: %d hostile requests, %d refused writes compared with a database snapshot", t.Name(), w.sent, w.refused)
	})
}

func newHostileWorld(t *testing.T, f *fixture) *hostileWorld {
	t.Helper()
	_, rootKey := f.user("root", true)
	kari, kariKey := f.user("kari", false)
	src, srcKey := f.source("gw1", "nav")
	w := &hostileWorld{f: f, tokens: map[string]string{"root": rootKey, "kari": kariKey, "source": srcKey},
		ids: map[string]string{"user": itoa(kari.ID), "source": itoa(src.ID)}}
	created := func(r response, what string) string {
		t.Helper()
		if r.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", what, r.status, r.body)
		}
		pk, ok := r.object(t)["pk"].(float64)
		if !ok {
			t.Fatalf("create %s: no pk in %s", what, r.body)
		}
		return strconv.FormatInt(int64(pk), 10)
	}
	w.ids["incident"] = created(f.send("POST", "/api/v1/incidents/", srcKey, map[string]any{
		"start_time": "2026-06-01T10:00:00+02:00", "description": "Box down", "source_incident_id": "1",
		"tags": []any{map[string]any{"tag": "host=box1"}}}), "incident")
	w.ids["event"] = created(f.send("POST", "/api/v1/incidents/"+w.ids["incident"]+"/events/", kariKey,
		map[string]any{"type": "OTH", "description": "note"}), "event")
	w.ids["ack"] = created(f.send("POST", "/api/v1/incidents/"+w.ids["incident"]+"/acks/", kariKey,
		map[string]any{"event": map[string]any{"description": "mine"}}), "ack")
	w.ids["phone"] = created(f.send("POST", "/api/v1/auth/phone-number/", kariKey, map[string]any{"phone_number": "+4790909090"}), "phone")
	w.ids["timeslot"] = created(f.send("POST", "/api/v1/notificationprofiles/timeslots/", kariKey, map[string]any{
		"name": "Work", "time_recurrences": []any{map[string]any{"days": []any{1}, "start": "08:00", "end": "16:00"}}}), "timeslot")
	w.ids["filter"] = created(f.send("POST", "/api/v1/notificationprofiles/filters/", kariKey, map[string]any{
		"name": "Boxes", "filter_string": `{"sourceSystemIds": [], "tags": ["host=box1"]}`}), "filter")
	w.ids["profile"] = created(f.send("POST", "/api/v1/notificationprofiles/", kariKey, map[string]any{
		"timeslot": w.ids["timeslot"], "filters": []any{w.ids["filter"]}, "media": []any{"EM"}, "phone_number": w.ids["phone"]}), "profile")

	// Another user's objects, which kari must not reach (or cost anyone
	// anything by trying).
	w.foreign = map[string]string{}
	w.foreign["phone"] = created(f.send("POST", "/api/v1/auth/phone-number/", rootKey, map[string]any{"phone_number": "+4790909099"}), "phone")
	w.foreign["timeslot"] = created(f.send("POST", "/api/v1/notificationprofiles/timeslots/", rootKey, map[string]any{
		"name": "Root", "time_recurrences": []any{map[string]any{"days": []any{7}, "start": "08:00", "end": "16:00"}}}), "timeslot")
	w.foreign["filter"] = created(f.send("POST", "/api/v1/notificationprofiles/filters/", rootKey, map[string]any{
		"name": "Root", "filter_string": `{"sourceSystemIds": [], "tags": ["host=box1"]}`}), "filter")
	w.foreign["profile"] = created(f.send("POST", "/api/v1/notificationprofiles/", rootKey, map[string]any{
		"timeslot": w.foreign["timeslot"], "filters": []any{w.foreign["filter"]}, "media": []any{"EM"}}), "profile")
	return w
}

// attack sends the route everything hostile and returns the snapshot of
// the database after its last accepted write.
func (w *hostileWorld) attack(t *testing.T, rt hostileRoute, before string) string {
	write := rt.method != http.MethodGet
	check := func(what string, r response, wantStatus ...int) {
		t.Helper()
		w.sent++
		if r.status >= 500 {
			t.Errorf("%s: %d %.300s", what, r.status, r.body)
			return
		}
		if len(wantStatus) > 0 && !containsInt(wantStatus, r.status) {
			t.Errorf("%s: status %d; want one of %v (body %.300s)", what, r.status, wantStatus, r.body)
		}
		if r.status >= 400 {
			var v any
			switch err := json.Unmarshal(r.body, &v); {
			case err != nil:
				t.Errorf("%s: %d body %.300q is not JSON: %v", what, r.status, r.body, err)
			default:
				switch v.(type) {
				case map[string]any, []any:
				default:
					t.Errorf("%s: %d body %.300s is not in a DRF shape", what, r.status, r.body)
				}
			}
		}
		if !write {
			return
		}
		after := storetest.Snapshot(t, w.f.st)
		if r.status >= 300 {
			w.refused++
			if after != before {
				t.Errorf("%s: refused with %d (%.200s) but the database changed:\n%s", what, r.status, r.body, snapshotDiff(before, after))
			}
		}
		before = after
	}
	token := w.tokens[rt.as]
	path := w.path(rt.path)

	// Ids no row can have, in every id of the path, and ids of objects
	// the caller may not see.
	for placeholder := range w.ids {
		if !strings.Contains(rt.path, "{"+placeholder+"}") {
			continue
		}
		ids := hostileIDs
		if id, ok := w.foreign[placeholder]; ok {
			ids = append([]string{id}, ids...)
		}
		for _, id := range ids {
			p := strings.ReplaceAll(rt.path, "{"+placeholder+"}", id)
			r := w.f.do(req{method: rt.method, path: w.path(p), token: token, body: w.validBody(rt, "", nil)})
			check(fmt.Sprintf("%s %s", rt.method, p), r, http.StatusNotFound, http.StatusBadRequest)
		}
	}

	// Deleting with a real id would leave nothing for the routes after
	// it; its hostile ids were sent above.
	if rt.method == http.MethodDelete {
		return before
	}

	// Query parameters.
	for _, param := range rt.query {
		for _, v := range hostileQueryValues {
			q := param + "=" + v
			if !strings.Contains(v, "%") {
				q = url.Values{param: {v}}.Encode()
			}
			r := w.f.do(req{method: rt.method, path: path + "?" + q, token: token})
			check(fmt.Sprintf("GET ?%s=%.40s (%d bytes)", param, v, len(v)), r, http.StatusOK, http.StatusBadRequest, http.StatusNotFound)
		}
	}
	if rt.method == http.MethodGet {
		return before
	}

	// Whole bodies that are broken.
	for _, b := range hostileBodies() {
		r := w.f.do(req{method: rt.method, path: path, token: token, body: b.body, contentType: b.contentType})
		check(fmt.Sprintf("%s body %s", rt.method, b.name), r)
	}
	for _, c := range malformedChunked {
		r := w.raw(t, rt.method, path, token, c.wire)
		if len(rt.fields) == 0 {
			check(fmt.Sprintf("%s chunked body %s", rt.method, c.name), r) // the body is not read
		} else {
			check(fmt.Sprintf("%s chunked body %s", rt.method, c.name), r, http.StatusBadRequest)
		}
	}

	// Every field with every hostile value, the rest of the body valid.
	for _, fd := range rt.fields {
		values := append(append([]any{}, hostileValues...), fd.extra...)
		values = append(values, deepJSON(10000))
		if fd.max > 0 {
			values = append(values, strings.Repeat("é", fd.max), strings.Repeat("é", fd.max+1), noise(1<<20-300), noise(10000),
				strings.Repeat("\U0001F600", fd.max), strings.Repeat("\U0001F600", fd.max+1))
		}
		for _, v := range values {
			body := w.validBody(rt, fd.name, v)
			r := w.f.do(req{method: rt.method, path: path, token: token, body: body, contentType: "application/json"})
			what := fmt.Sprintf("%s %s=%.60s", rt.method, fd.name, describe(v))
			check(what, r)
			if s, ok := v.(string); ok && fd.max > 0 && len([]rune(s)) > fd.max && r.status < 400 {
				t.Errorf("%s: %d characters accepted over the limit of %d", what, len([]rune(s)), fd.max)
			}
		}
		// Invalid UTF-8 and a raw NUL, which json.Marshal cannot make.
		for _, raw := range []string{`"\xff\xfe"`, `"a` + "\x00" + `b"`, `"\ud800"`} {
			body := w.validBody(rt, fd.name, json.RawMessage(raw))
			r := w.f.do(req{method: rt.method, path: path, token: token, body: string(body), contentType: "application/json"})
			check(fmt.Sprintf("%s %s=%q", rt.method, fd.name, raw), r)
		}
	}
	return before
}

// path fills the placeholders of a path with the world's ids.
func (w *hostileWorld) path(p string) string {
	for k, v := range w.ids {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	return p
}

// validBody is the route's valid body with the field at name set to v
// (nothing replaced when name is ""), as JSON.
func (w *hostileWorld) validBody(rt hostileRoute, name string, v any) []byte {
	obj := map[string]any{}
	for _, fd := range rt.fields {
		if !strings.Contains(fd.name, ".") {
			obj[fd.name] = w.fill(fd.valid)
		}
	}
	// Raw JSON (too deep or not valid for json.Marshal) goes in by hand.
	raw, isRaw := v.(json.RawMessage)
	if isRaw {
		v = hostileMarker
	}
	if name != "" {
		setPath(obj, strings.Split(name, "."), v)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		panic(err) // only test values that marshal are used
	}
	if isRaw {
		data = []byte(strings.Replace(string(data), `"`+hostileMarker+`"`, string(raw), 1))
	}
	return data
}

// hostileMarker stands for a raw JSON value while a body is marshalled.
const hostileMarker = "__hostile_raw_value__"

// fill replaces {placeholders} in a valid value with ids.
func (w *hostileWorld) fill(v any) any {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "{") && strings.HasSuffix(x, "}") {
			if id, ok := w.ids[strings.Trim(x, "{}")]; ok {
				return json.Number(id)
			}
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = w.fill(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = w.fill(e)
		}
		return out
	}
	return v
}

// setPath sets a dotted path in nested maps and lists.
func setPath(obj map[string]any, path []string, v any) {
	if len(path) == 1 {
		obj[path[0]] = v
		return
	}
	next := obj[path[0]]
	switch x := next.(type) {
	case map[string]any:
		setPath(x, path[1:], v)
	case []any:
		i, err := strconv.Atoi(path[1])
		if err != nil || i >= len(x) {
			return
		}
		if len(path) == 2 {
			x[i] = v
			return
		}
		if m, ok := x[i].(map[string]any); ok {
			setPath(m, path[2:], v)
		}
	}
}

// noise is n letters PostgreSQL cannot compress below its index limits,
// as a run of one letter would be.
func noise(n int) string {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// deepJSON is a value nested n levels deep.
func deepJSON(n int) json.RawMessage {
	return json.RawMessage(strings.Repeat(`{"a":[`, n/2) + "1" + strings.Repeat(`]}`, n/2))
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			return fmt.Sprintf("%q… (%d characters)", x[:20], len([]rune(x)))
		}
		return strconv.Quote(x)
	case json.RawMessage:
		return fmt.Sprintf("JSON of %d bytes", len(x))
	}
	data, _ := json.Marshal(v)
	return string(data)
}

type hostileBody struct {
	name        string
	body        any // string: sent as is
	contentType string
}

func hostileBodies() []hostileBody {
	return []hostileBody{
		{"truncated JSON", `{"name": "x`, "application/json"},
		{"truncated after a key", `{"name"`, "application/json"},
		{"a list", `[1, 2]`, "application/json"},
		{"a string", `"x"`, "application/json"},
		{"null", `null`, "application/json"},
		{"two objects", `{}{}`, "application/json"},
		{"nested 10,000 deep", string(deepJSON(10000)), "application/json"},
		{"lists nested 100,000 deep", strings.Repeat("[", 100000), "application/json"},
		{"invalid UTF-8", "{\"name\": \"\xff\xfe\"}", "application/json"},
		{"NUL outside a string", "{\"name\":\x00\"x\"}", "application/json"},
		{"a number at 2^63", `{"a": 9223372036854775808}`, "application/json"},
		{"over 1 MiB", `{"name": "` + strings.Repeat("x", 1<<20) + `"}`, "application/json"},
		{"a broken form", "name=%zz&type=%", "application/x-www-form-urlencoded"},
		{"a form with NUL", "name=a%00b", "application/x-www-form-urlencoded"},
		{"a broken multipart", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nv", "multipart/form-data; boundary=x"},
		{"multipart without boundary", "--x--", "multipart/form-data"},
		{"an unknown content type", "<xml/>", "application/xml"},
	}
}

// malformedChunked are request bodies whose chunked encoding is broken,
// as only a hand-written client can send them.
var malformedChunked = []struct{ name, wire string }{
	{"bad chunk size", "zz\r\n{}\r\n0\r\n\r\n"},
	{"chunk size overflowing", "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n"},
	{"missing CRLF after a chunk", "2\r\n{}XX0\r\n\r\n"},
	{"truncated chunk", "10\r\n{\"na"},
	{"no last chunk", "2\r\n{}\r\n"},
}

// raw sends a request with a hand-written chunked body and reads the
// first answer; the client half-closes the connection after the body, so
// a truncated body ends there.
func (w *hostileWorld) raw(t *testing.T, method, path, token, wire string) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(w.f.srv.URL, "http://"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	head := method + " " + path + " HTTP/1.1\r\nHost: argus.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
	if token != "" {
		head += "Authorization: Token " + token + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"+wire); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s with a malformed chunked body: no answer: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// snapshotDiff shows the lines of two snapshots that differ.
func snapshotDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	am, bm := in(al), in(bl)
	var out strings.Builder
	for _, l := range al {
		if !bm[l] {
			fmt.Fprintf(&out, "- %.200s\n", l)
		}
	}
	for _, l := range bl {
		if !am[l] {
			fmt.Fprintf(&out, "+ %.200s\n", l)
		}
	}
	return out.String()
}

// The knox login reads its body itself: a broken one is the client's
// fault there too (400), never a 500.
func TestKnoxLoginBrokenBody(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := &hostileWorld{f: f}
		for _, c := range malformedChunked {
			r := w.raw(t, http.MethodPost, "/api/v2/auth/token/login/", "", c.wire)
			if r.status != http.StatusBadRequest {
				t.Errorf("knox login with a chunked body %s: %d %s; want 400", c.name, r.status, r.body)
			}
		}
	})
}
