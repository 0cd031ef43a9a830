package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// incidentKeys are the keys of every incident object (D2: the v1 keys plus
// level).
var incidentKeys = []string{"pk", "start_time", "end_time", "source", "source_incident_id", "details_url",
	"description", "ticket_url", "tags", "stateful", "open", "acked", "level"}

func TestCreateIncident(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, key := f.source("gw1", "nav")
		r := f.send(http.MethodPost, "/api/v1/incidents/", key, map[string]any{
			"start_time": "2026-06-01T12:00:00+02:00", "end_time": "infinity", "source_incident_id": "100",
			"details_url": "boxes/100", "description": "Box down", "ticket_url": "https://tickets.example.org/1",
			"tags":  []map[string]string{{"tag": "object=box1"}, {"tag": " location = oslo "}, {"tag": "object=box1"}},
			"level": 2, "unknown_key": "ignored",
		})
		r.want(t, 201, `{"pk": 1, "start_time": "2026-06-01T12:00:00+02:00", "end_time": "infinity",
			"source": {"pk": `+itoa(src.ID)+`, "name": "gw1", "type": {"name": "nav"}, "user": `+itoa(src.UserID)+`, "base_url": ""},
			"source_incident_id": "100", "details_url": "boxes/100", "description": "Box down",
			"ticket_url": "https://tickets.example.org/1",
			"tags": [{"added_by": `+itoa(src.UserID)+`, "added_time": "2026-06-01T12:00:00+02:00", "tag": "object=box1"},
			         {"added_by": `+itoa(src.UserID)+`, "added_time": "2026-06-01T12:00:00+02:00", "tag": "location= oslo"}],
			"stateful": true, "open": true, "acked": false, "level": 2}`)
		wantKeys(t, r.object(t), incidentKeys...)
		wantKeys(t, r.object(t)["source"], "pk", "name", "type", "user", "base_url")
		wantKeys(t, r.object(t)["tags"].([]any)[0], "added_by", "added_time", "tag")
		f.get("/api/v1/incidents/1/", key).want(t, 200, string(r.body))
	})
}

func TestCreateIncidentDefaults(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.source("gw1", "nav")
		cases := []struct {
			name  string
			body  map[string]any
			check func(t *testing.T, got map[string]any)
		}{
			{"omitted end_time is open (D26), tags and id optional (D6), level 5", map[string]any{"start_time": "2026-06-01T10:00:00Z"},
				func(t *testing.T, got map[string]any) {
					if got["end_time"] != "infinity" || got["stateful"] != true || got["open"] != true ||
						got["source_incident_id"] != "" || got["level"] != 5.0 || len(got["tags"].([]any)) != 0 {
						t.Errorf("defaults: %v", got)
					}
				}},
			{"explicit null is stateless", map[string]any{"start_time": "2026-06-01T10:00:00Z", "end_time": nil, "source_incident_id": "x1"},
				func(t *testing.T, got map[string]any) {
					if got["end_time"] != nil || got["stateful"] != false || got["open"] != false {
						t.Errorf("stateless: %v", got)
					}
				}},
			{"numeric source_incident_id is text (D3)", map[string]any{"start_time": "2026-06-01T10:00:00Z", "source_incident_id": 12345},
				func(t *testing.T, got map[string]any) {
					if got["source_incident_id"] != "12345" {
						t.Errorf("source_incident_id = %v", got["source_incident_id"])
					}
				}},
			{"level as numeric text", map[string]any{"start_time": "2026-06-01T10:00:00Z", "level": "1", "source_incident_id": "x2"},
				func(t *testing.T, got map[string]any) {
					if got["level"] != 1.0 {
						t.Errorf("level = %v", got["level"])
					}
				}},
			{"datetime.max is infinity (D7)", map[string]any{"start_time": "2026-06-01T10:00:00Z", "end_time": "9999-12-31T23:59:59.999999+01:00", "source_incident_id": "x3"},
				func(t *testing.T, got map[string]any) {
					if got["end_time"] != "infinity" {
						t.Errorf("end_time = %v", got["end_time"])
					}
				}},
			{"a closed incident in the past", map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "2026-05-01T11:00:00Z", "source_incident_id": "x4"},
				func(t *testing.T, got map[string]any) {
					if got["end_time"] != "2026-05-01T13:00:00+02:00" || got["open"] != false || got["stateful"] != true {
						t.Errorf("closed: %v", got)
					}
				}},
			{"an end time in the future is still open", map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "2026-07-01T11:00:00Z", "source_incident_id": "x5"},
				func(t *testing.T, got map[string]any) {
					if got["open"] != true {
						t.Errorf("future end: %v", got)
					}
				}},
			{"microseconds are kept and shown", map[string]any{"start_time": "2026-06-01T10:00:00.123456Z", "source_incident_id": "x6"},
				func(t *testing.T, got map[string]any) {
					if got["start_time"] != "2026-06-01T12:00:00.123456+02:00" {
						t.Errorf("start_time = %v", got["start_time"])
					}
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := f.send(http.MethodPost, "/api/v1/incidents/", key, c.body)
				r.want(t, 201, "")
				c.check(t, r.object(t))
			})
		}
	})
}

// Naive datetimes are Europe/Oslo wall-clock time (D7), across DST: an
// ambiguous autumn time is its first occurrence, a spring-gap time is read
// with the winter offset (as Python's zoneinfo with fold=0).
func TestNaiveTimesInTimeZone(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.source("gw1", "nav")
		for i, c := range []struct{ in, want string }{
			{"2026-01-15 08:00:00", "2026-01-15T08:00:00+01:00"},
			{"2026-07-15T08:00:00", "2026-07-15T08:00:00+02:00"},
			{"2011-11-11 11:11:11.11111", "2011-11-11T11:11:11.111110+01:00"},
			{"2026-10-25 02:30:00", "2026-10-25T02:30:00+02:00"}, // the first 02:30
			{"2026-10-25 03:30:00", "2026-10-25T03:30:00+01:00"},
			{"2026-03-29 02:30:00", "2026-03-29T03:30:00+02:00"}, // does not exist: 01:30Z
			{"2026-03-29 03:30:00", "2026-03-29T03:30:00+02:00"},
		} {
			r := f.send(http.MethodPost, "/api/v1/incidents/", key, map[string]any{
				"start_time": c.in, "end_time": nil, "source_incident_id": "n" + itoa(int64(i)),
			})
			r.want(t, 201, "")
			if got := r.object(t)["start_time"]; got != c.want {
				t.Errorf("naive %q came back as %v; want %s", c.in, got, c.want)
			}
		}
	})
}

func TestCreateIncidentErrors(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, key := f.source("gw1", "nav")
		_, userKey := f.user("olav", false)
		_, adminKey := f.user("root", true)
		ok := map[string]any{"start_time": "2026-06-01T10:00:00Z", "source_incident_id": "dup"}
		f.send(http.MethodPost, "/api/v1/incidents/", key, ok).want(t, 201, "")
		dtMsg := `Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], or 'infinity'.`
		cases := []struct {
			name  string
			token string
			body  any
			want  string
		}{
			{"start_time missing", key, map[string]any{}, `{"start_time": ["This field is required."]}`},
			{"start_time null", key, map[string]any{"start_time": nil}, `{"start_time": ["This field may not be null."]}`},
			{"start_time garbage", key, map[string]any{"start_time": "yesterday"}, `{"start_time": ["` + dtMsg + `"]}`},
			{"start_time infinity", key, map[string]any{"start_time": "infinity"}, `{"start_time": ["` + dtMsg + `"]}`},
			{"end_time garbage", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "end_time": "illegal"}, `{"end_time": ["` + dtMsg + `"]}`},
			{"end before start", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "end_time": "2026-06-01T09:00:00Z"},
				`{"non_field_errors": ["'end_time' cannot be before 'start_time'."]}`},
			{"-infinity is before start", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "end_time": "-infinity"},
				`{"non_field_errors": ["'end_time' cannot be before 'start_time'."]}`},
			{"level 7 (D3)", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "level": 7}, `{"level": ["\"7\" is not a valid choice."]}`},
			{"level 0", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "level": "0"}, `{"level": ["\"0\" is not a valid choice."]}`},
			{"bad ticket_url", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "ticket_url": "https://x.y/"}, `{"ticket_url": ["Enter a valid URL."]}`},
			{"blank ticket_url", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "ticket_url": ""}, `{"ticket_url": ["Enter a valid URL."]}`},
			{"description null", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "description": nil}, `{"description": ["This field may not be null."]}`},
			{"tags per item", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "tags": []any{
				map[string]string{"tag": "boo"}, map[string]string{"tag": "A=v"}, map[string]string{"tag": "ok=1"}, map[string]string{"tag": " =v"}, map[string]string{}, "x",
			}}, `{"tags": [{"tag": ["The tag must contain an equality sign (=) delimiter."]},
				{"tag": ["Enter a valid key consisting of lowercase letters, numbers and underscores."]}, {},
				{"tag": ["The tag's key must not be empty"]}, {"tag": ["This field is required."]},
				{"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}]}`},
			{"tags not a list", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "tags": "a=b"},
				`{"tags": {"non_field_errors": ["Expected a list of items but got type \"str\"."]}}`},
			{"duplicate (D5)", key, ok, `["An incident with this source and source_incident_id already exists."]`},
			{"end user without a source", userKey, map[string]any{"start_time": "2026-06-01T10:00:00Z"}, `["The requesting user must have a connected source system."]`},
			{"source named by a non-superuser", key, map[string]any{"start_time": "2026-06-01T10:00:00Z", "source": src.ID},
				`["You must be a superuser to be allowed to specify the 'source' field."]`},
			{"superuser naming an unknown source", adminKey, map[string]any{"start_time": "2026-06-01T10:00:00Z", "source": 99},
				`["SourceSystem with pk=99 does not exist."]`},
			{"superuser without a source", adminKey, map[string]any{"start_time": "2026-06-01T10:00:00Z"}, `["The requesting user must have a connected source system."]`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f.send(http.MethodPost, "/api/v1/incidents/", c.token, c.body).want(t, 400, c.want)
			})
		}
		// Nothing was stored by the refused requests.
		list := f.get("/api/v1/incidents/", key)
		if n := len(list.object(t)["results"].([]any)); n != 1 {
			t.Errorf("%d incidents stored; want 1", n)
		}
		f.send(http.MethodPost, "/api/v1/incidents/", "", ok).want(t, 401, msgNoCredentials)
	})
}

func TestSuperuserCreatesForASource(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, _ := f.source("gw1", "nav")
		admin, adminKey := f.user("root", true)
		r := f.send(http.MethodPost, "/api/v1/incidents/mine/", adminKey, map[string]any{
			"start_time": "2026-06-01T10:00:00Z", "source": src.ID, "tags": []map[string]string{{"tag": "a=b"}},
		})
		r.want(t, 201, "")
		got := r.object(t)
		if got["source"].(map[string]any)["pk"] != float64(src.ID) {
			t.Errorf("source = %v", got["source"])
		}
		// The tag is added by the caller; the STA event's actor is the source's user.
		if by := got["tags"].([]any)[0].(map[string]any)["added_by"]; by != float64(admin.ID) {
			t.Errorf("tag added_by = %v; want %d", by, admin.ID)
		}
		evs := f.get("/api/v1/incidents/1/events/", adminKey).array(t)
		if len(evs) != 1 || evs[0].(map[string]any)["actor"].(map[string]any)["pk"] != float64(src.UserID) {
			t.Errorf("events = %v; want one STA by the source's user", evs)
		}
	})
}

func TestIncidentDetailsURLJoinsBaseURL(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, adminKey := f.user("root", true)
		r := f.send(http.MethodPost, "/api/v1/incidents/sources/", adminKey, map[string]string{"name": "nav1", "type": "nav", "base_url": "https://nav.example.org/"})
		if r.status == 400 { // the type must exist first
			f.send(http.MethodPost, "/api/v1/incidents/source-types/", adminKey, map[string]string{"name": "nav"}).want(t, 201, "")
			r = f.send(http.MethodPost, "/api/v1/incidents/sources/", adminKey, map[string]string{"name": "nav1", "type": "nav", "base_url": "https://nav.example.org/"})
		}
		r.want(t, 201, "")
		srcID := int64(r.object(t)["pk"].(float64))
		for i, c := range []struct{ in, want string }{
			{"boxes/1", "https://nav.example.org/boxes/1"},
			{"/abs/2", "https://nav.example.org/abs/2"},
			{"https://other.example.org/3", "https://other.example.org/3"},
			{"", ""},
		} {
			r := f.send(http.MethodPost, "/api/v1/incidents/", adminKey, map[string]any{
				"start_time": "2026-06-01T10:00:00Z", "source": srcID, "details_url": c.in, "source_incident_id": itoa(int64(i)),
			})
			r.want(t, 201, "")
			if got := r.object(t)["details_url"]; got != c.want {
				t.Errorf("details_url %q → %v; want %q", c.in, got, c.want)
			}
		}
	})
}

func TestPatchIncident(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		user, userKey := f.user("kari", false)
		_, otherKey := f.user("per", false)
		_, adminKey := f.user("root", true)
		f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{
			"start_time": "2026-06-01T10:00:00Z", "tags": []map[string]string{{"tag": "location=oslo"}},
		}).want(t, 201, "")
		const path = "/api/v1/incidents/1/"

		f.send(http.MethodPatch, path, userKey, map[string]any{"description": "x", "pk": 2, "foo": 1, "ticket_url": "https://t.example.org/1"}).
			want(t, 400, `{"description": "The field is not allowed to be changed.", "pk": "The field is not allowed to be changed.", "foo": "The field does not exist."}`)
		f.send(http.MethodPatch, path, userKey, map[string]any{"ticket_url": ""}).want(t, 400, `{"ticket_url": ["Enter a valid URL."]}`)
		f.send(http.MethodPatch, path, userKey, map[string]any{"tags": []map[string]string{{"tag": "bad"}}}).
			want(t, 400, `{"tags": [{"tag": ["The tag must contain an equality sign (=) delimiter."]}]}`)

		// Add a tag, keep the source's: allowed for anyone.
		r := f.send(http.MethodPatch, path, userKey, map[string]any{
			"ticket_url": "https://t.example.org/1", "details_url": "d/1",
			"tags": []map[string]string{{"tag": "location=oslo"}, {"tag": "owner=kari"}},
		})
		r.want(t, 200, "")
		got := r.object(t)
		wantKeys(t, got, incidentKeys...)
		if got["ticket_url"] != "https://t.example.org/1" || got["details_url"] != "d/1" || len(got["tags"].([]any)) != 2 {
			t.Fatalf("after PATCH: %v", got)
		}
		if by := got["tags"].([]any)[1].(map[string]any)["added_by"]; by != float64(user.ID) {
			t.Errorf("new tag added_by = %v; want %d", by, user.ID)
		}
		// Removing tags someone else added: refused, nothing changed.
		f.send(http.MethodPatch, path, otherKey, map[string]any{"tags": []map[string]string{}, "details_url": "changed"}).
			want(t, 400, `{"location=oslo": "Cannot remove this tag when you're not the one who added it.", "owner=kari": "Cannot remove this tag when you're not the one who added it."}`)
		if got := f.get(path, userKey).object(t); len(got["tags"].([]any)) != 2 || got["details_url"] != "d/1" {
			t.Errorf("a refused PATCH changed the incident: %v", got)
		}
		// One's own tag may be removed.
		r = f.send(http.MethodPatch, path, userKey, map[string]any{"tags": []map[string]string{{"tag": "location=oslo"}}})
		r.want(t, 200, "")
		if n := len(r.object(t)["tags"].([]any)); n != 1 {
			t.Errorf("tags after removing one's own: %d; want 1", n)
		}
		// Superusers may remove any.
		r = f.send(http.MethodPatch, path, adminKey, map[string]any{"tags": []map[string]string{}})
		r.want(t, 200, "")
		if n := len(r.object(t)["tags"].([]any)); n != 0 {
			t.Errorf("tags after a superuser cleared them: %d; want 0", n)
		}
		// An empty PATCH changes nothing; unknown incidents are 404.
		f.send(http.MethodPatch, path, userKey, map[string]any{}).want(t, 200, "")
		f.send(http.MethodPatch, "/api/v1/incidents/99/", userKey, map[string]any{}).want(t, 404, `{"detail": "Not found."}`)
		// PUT and DELETE on an incident are not allowed.
		f.send(http.MethodPut, path, userKey, map[string]any{}).want(t, 405, `{"detail": "Method \"PUT\" not allowed."}`)
		f.send(http.MethodDelete, path, userKey, nil).want(t, 405, `{"detail": "Method \"DELETE\" not allowed."}`)
	})
}

func TestPutTicketURL(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{"start_time": "2026-06-01T10:00:00Z"}).want(t, 201, "")
		const path = "/api/v1/incidents/1/ticket_url/"
		// No URL validation here (api-v1.md §4.3).
		for _, v := range []string{"not a url", "", "https://t.example.org/9"} {
			f.send(http.MethodPut, path, userKey, map[string]any{"ticket_url": v}).want(t, 200, `{"ticket_url": "`+v+`"}`)
			if got := f.get("/api/v1/incidents/1/", userKey).object(t)["ticket_url"]; got != v {
				t.Errorf("ticket_url = %v; want %q", got, v)
			}
		}
		f.send(http.MethodPut, path, userKey, map[string]any{}).want(t, 400, `{"ticket_url": ["This field is required."]}`)
		f.send(http.MethodPut, "/api/v1/incidents/99/ticket_url/", userKey, map[string]any{"ticket_url": "x"}).want(t, 404, `{"detail": "Not found."}`)
		f.send(http.MethodGet, path, userKey, nil).want(t, 405, `{"detail": "Method \"GET\" not allowed."}`)
		f.get("/api/v1/incidents/1/bogus/", userKey).want(t, 404, `{"detail": "Not found."}`)
	})
}

// pyargus-style use from end to end: a source posts an incident, finds it
// again by its own id, posts OTH and END; a person lists open unacked
// incidents, acks one with an expiry, closes and reopens another.
func TestGlueServiceAndOperatorFlow(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("nav.example.org", "nav")
		_, opKey := f.user("operator", false)
		post := func(token, path string, body any) map[string]any {
			t.Helper()
			r := f.send(http.MethodPost, path, token, body)
			r.want(t, 201, "")
			return r.object(t)
		}
		a := post(srcKey, "/api/v1/incidents/", map[string]any{
			"start_time": "2026-06-01T09:00:00+00:00", "end_time": "infinity", "source_incident_id": "4711",
			"description": "gw1 down", "tags": []map[string]string{{"tag": "host=gw1"}, {"tag": "problem_type=boxDown"}},
		})
		b := post(srcKey, "/api/v1/incidents/", map[string]any{
			"start_time": "2026-06-01T09:30:00+00:00", "source_incident_id": "4712", "description": "gw2 down",
		})
		mine := f.get("/api/v1/incidents/mine/?source_incident_id=4711", srcKey)
		mine.want(t, 200, "")
		results := mine.object(t)["results"].([]any)
		if len(results) != 1 || results[0].(map[string]any)["pk"] != a["pk"] {
			t.Fatalf("mine by source_incident_id = %v", results)
		}
		aID := itoa(int64(a["pk"].(float64)))
		bID := itoa(int64(b["pk"].(float64)))
		post(srcKey, "/api/v1/incidents/"+aID+"/events/", map[string]any{"type": "OTH", "timestamp": "2026-06-01T09:10:00Z", "description": "flapping"})

		open := f.get("/api/v1/incidents/open+unacked/", opKey).array(t)
		if len(open) != 2 {
			t.Fatalf("open+unacked = %d incidents; want 2", len(open))
		}
		post(opKey, "/api/v1/incidents/"+aID+"/acks/", map[string]any{
			"event": map[string]any{"description": "on it"}, "expiration": "2026-06-01T14:00:00+02:00",
		})
		open = f.get("/api/v1/incidents/open+unacked/", opKey).array(t)
		if len(open) != 1 || open[0].(map[string]any)["pk"] != b["pk"] {
			t.Fatalf("open+unacked after the ack = %v; want only %s", open, bID)
		}
		clo := post(opKey, "/api/v1/incidents/"+bID+"/events/", map[string]any{"type": "CLO", "description": "not real"})
		if clo["timestamp"] != "2026-06-01T12:00:00+02:00" {
			t.Errorf("CLO without timestamp happened at %v; want the clock's now", clo["timestamp"])
		}
		if got := f.get("/api/v1/incidents/"+bID+"/", opKey).object(t); got["open"] != false || got["end_time"] != "2026-06-01T12:00:00+02:00" {
			t.Errorf("after CLO: %v", got)
		}
		post(opKey, "/api/v1/incidents/"+bID+"/events/", map[string]any{"type": "REO"})
		if got := f.get("/api/v1/incidents/"+bID+"/", opKey).object(t); got["open"] != true || got["end_time"] != "infinity" {
			t.Errorf("after REO: %v", got)
		}
		post(srcKey, "/api/v1/incidents/"+aID+"/events/", map[string]any{"type": "END", "timestamp": "2026-06-01T11:30:00+02:00"})
		got := f.get("/api/v1/incidents/"+aID+"/", opKey).object(t)
		if got["open"] != false || got["end_time"] != "2026-06-01T11:30:00+02:00" || got["acked"] != true {
			t.Errorf("after END: %v", got)
		}
		f.clock.Set(start.Add(3 * time.Hour)) // past the ack's expiry
		if got := f.get("/api/v1/incidents/"+aID+"/", opKey).object(t); got["acked"] != false {
			t.Errorf("acked after expiry = %v", got["acked"])
		}
		evs := f.get("/api/v1/incidents/"+aID+"/events/", opKey).array(t)
		var types []string
		for _, e := range evs {
			types = append(types, e.(map[string]any)["type"].(map[string]any)["value"].(string))
		}
		if strings.Join(types, ",") != "ACK,END,OTH,STA" {
			t.Errorf("event types newest first = %v; want ACK,END,OTH,STA", types)
		}
	})
}
