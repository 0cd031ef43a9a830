package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every text field has a length limit (README "Limits"): text at the limit
// is taken whole, one character more is refused in DRF's words, on both
// databases. Characters are counted, not bytes.
func TestTextLimits(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, root := f.user("root", true)
		_, kari := f.user("kari", false)
		src, srcKey := f.source("gw1", "nav")
		ts := f.send(http.MethodPost, "/api/v1/notificationprofiles/timeslots/", kari, map[string]any{
			"name": "Work", "time_recurrences": []any{map[string]any{"days": []int{1}, "start": "08:00", "end": "16:00"}}})
		ts.want(t, http.StatusCreated, "")
		inc := f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{"start_time": "2026-06-01T10:00:00Z"})
		inc.want(t, http.StatusCreated, "")
		incPath := fmt.Sprintf("/api/v1/incidents/%d/", int64(inc.object(t)["pk"].(float64)))

		n := 0
		text := func(max int) string { // unique, max characters of two bytes or more
			n++
			s := fmt.Sprintf("%d", n)
			return s + strings.Repeat("ø", max-len(s))
		}
		tests := []struct {
			name, method, path, token, field string
			max                              int
			body                             func(v string) map[string]any
			okStatus                         int
			// nested wraps the field's message as the answer nests it.
			nested func(msg string) string
		}{
			{name: "source type name", method: "POST", path: "/api/v1/incidents/source-types/", token: kari, field: "name", max: 255,
				body: func(v string) map[string]any { return map[string]any{"name": strings.ToLower(v)} }, okStatus: 201},
			{name: "source name", method: "POST", path: "/api/v1/incidents/sources/", token: root, field: "name", max: 255,
				body: func(v string) map[string]any {
					return map[string]any{"name": v, "type": "nav", "username": "u" + v[:5]}
				}, okStatus: 201},
			{name: "source base_url", method: "POST", path: "/api/v1/incidents/sources/", token: root, field: "base_url", max: 1024,
				body: func(v string) map[string]any { return map[string]any{"name": v[:9], "type": "nav", "base_url": v} }, okStatus: 201},
			{name: "source username", method: "POST", path: "/api/v1/incidents/sources/", token: root, field: "username", max: 150,
				body: func(v string) map[string]any { return map[string]any{"name": v[:9], "type": "nav", "username": v} }, okStatus: 201},
			{name: "source rename", method: "PATCH", path: fmt.Sprintf("/api/v1/incidents/sources/%d/", src.ID), token: root, field: "name", max: 255,
				body: func(v string) map[string]any { return map[string]any{"name": v} }, okStatus: 200},
			{name: "source_incident_id", method: "POST", path: "/api/v1/incidents/", token: srcKey, field: "source_incident_id", max: 255,
				body: func(v string) map[string]any {
					return map[string]any{"start_time": "2026-06-01T10:00:00Z", "source_incident_id": v}
				}, okStatus: 201},
			{name: "incident description", method: "POST", path: "/api/v1/incidents/", token: srcKey, field: "description", max: 65536,
				body: func(v string) map[string]any {
					return map[string]any{"start_time": "2026-06-01T10:00:00Z", "description": v}
				}, okStatus: 201},
			{name: "details_url", method: "PATCH", path: incPath, token: kari, field: "details_url", max: 1024,
				body: func(v string) map[string]any { return map[string]any{"details_url": v} }, okStatus: 200},
			{name: "ticket_url", method: "PUT", path: incPath + "ticket_url/", token: kari, field: "ticket_url", max: 1024,
				body: func(v string) map[string]any { return map[string]any{"ticket_url": v} }, okStatus: 200},
			{name: "tag", method: "PATCH", path: incPath, token: kari, field: "tags", max: 500,
				body: func(v string) map[string]any {
					return map[string]any{"tags": []any{map[string]any{"tag": "k=" + v[2:]}}}
				},
				okStatus: 200, nested: func(msg string) string { return `[{"tag": [` + msg + `]}]` }},
			{name: "event description", method: "POST", path: incPath + "events/", token: kari, field: "description", max: 65536,
				body: func(v string) map[string]any { return map[string]any{"type": "OTH", "description": v} }, okStatus: 201},
			{name: "ack description", method: "POST", path: incPath + "acks/", token: kari, field: "event", max: 65536,
				body:     func(v string) map[string]any { return map[string]any{"event": map[string]any{"description": v}} },
				okStatus: 201, nested: func(msg string) string { return `{"description": [` + msg + `]}` }},
			{name: "timeslot name", method: "POST", path: "/api/v1/notificationprofiles/timeslots/", token: kari, field: "name", max: 40,
				body: func(v string) map[string]any {
					return map[string]any{"name": v, "time_recurrences": []any{}}
				}, okStatus: 201},
			{name: "filter name", method: "POST", path: "/api/v1/notificationprofiles/filters/", token: kari, field: "name", max: 40,
				body: func(v string) map[string]any {
					return map[string]any{"name": v, "filter_string": `{"sourceSystemIds": [], "tags": ["a=b"]}`}
				}, okStatus: 201},
			{name: "token-auth username", method: "POST", path: "/api/v1/token-auth/", field: "username", max: 150,
				body: func(v string) map[string]any { return map[string]any{"username": v, "password": "pw"} }, okStatus: 400},
			{name: "token-auth password", method: "POST", path: "/api/v1/token-auth/", field: "password", max: 4096,
				body: func(v string) map[string]any { return map[string]any{"username": "kari", "password": v} }, okStatus: 400},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := f.send(tt.method, tt.path, tt.token, tt.body(text(tt.max)))
				if r.status != tt.okStatus {
					t.Errorf("at the limit: %d %.300s; want %d", r.status, r.body, tt.okStatus)
				}
				msg := fmt.Sprintf(`"Ensure this field has no more than %d characters."`, tt.max)
				want := "[" + msg + "]"
				if tt.nested != nil {
					want = tt.nested(msg)
				}
				f.send(tt.method, tt.path, tt.token, tt.body(text(tt.max+1))).want(t, http.StatusBadRequest, `{"`+tt.field+`": `+want+`}`)
			})
		}

		// Query parameters have the same limits: over them is a 400, not
		// a scan for what no row can hold.
		for _, c := range []struct {
			param, value, want string
		}{
			{"source_incident_id", text(256), `{"source_incident_id": ["Ensure this field has no more than 255 characters."]}`},
			{"source__name__in", "gw1," + text(256), `{"source__name__in": ["Ensure this field has no more than 255 characters."]}`},
			{"tags", "a=b,k=" + strings.Repeat("v", 499), `{"tags": ["Ensure this field has no more than 500 characters."]}`},
			{"tags", "k=" + strings.Repeat("v", 1<<20-1000), `{"tags": ["Ensure this field has no more than 500 characters."]}`},
			{"start_time__gte", "2026-06-01T10:00:00" + strings.Repeat(" ", 100), `{"start_time__gte": ["Ensure this field has no more than 64 characters."]}`},
		} {
			f.get("/api/v1/incidents/?"+url.Values{c.param: {c.value}}.Encode(), kari).want(t, http.StatusBadRequest, c.want)
		}
		f.get("/api/v1/incidents/?"+url.Values{"tags": {"k=" + strings.Repeat("v", 498)}}.Encode(), kari).want(t, http.StatusOK, "")
	})
}
