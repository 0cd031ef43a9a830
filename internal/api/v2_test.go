package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
)

// Tests of API v2 (api-v2.md, D27–D34) over real HTTP on both databases.

// v2Incident posts an incident to v2 with the source's token and returns
// its JSON.
func v2Incident(t *testing.T, f *fixture, key string, body map[string]any) map[string]any {
	t.Helper()
	if _, ok := body["start_time"]; !ok {
		body["start_time"] = evUTC(-time.Hour)
	}
	if _, ok := body["tags"]; !ok {
		body["tags"] = []any{}
	}
	r := f.send(http.MethodPost, "/api/v2/incidents/", key, body)
	r.want(t, http.StatusCreated, "")
	return r.object(t)
}

func pkOf(t *testing.T, m map[string]any) string {
	t.Helper()
	pk, ok := m["pk"].(float64)
	if !ok {
		t.Fatalf("no pk in %v", m)
	}
	return itoa(int64(pk))
}

var v2IncidentKeys = []string{"pk", "start_time", "end_time", "source", "source_incident_id", "details_url",
	"description", "level", "ticket_url", "tags", "metadata", "stateful", "open", "acked"}

func TestV2Incidents(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, userKey := f.user("kari", false)

		t.Run("an omitted end_time is open; null is stateless with LES first", func(t *testing.T) {
			open := v2Incident(t, f, srcKey, map[string]any{"description": "open one"})
			wantKeys(t, open, v2IncidentKeys...)
			wantKeys(t, open["source"], "pk", "name", "type", "user", "base_url")
			if open["end_time"] != "infinity" || open["open"] != true || open["level"] != float64(5) {
				t.Errorf("omitted end_time: %v", open)
			}
			if m, ok := open["metadata"].(map[string]any); !ok || len(m) != 0 {
				t.Errorf("metadata = %v; want {}", open["metadata"])
			}
			stateless := v2Incident(t, f, srcKey, map[string]any{"end_time": nil})
			if stateless["stateful"] != false {
				t.Errorf("end_time null: %v", stateless)
			}
			evs := f.get("/api/v2/incidents/"+pkOf(t, stateless)+"/events/", userKey)
			evs.want(t, http.StatusOK, "")
			list := evs.array(t)
			if len(list) != 1 {
				t.Fatalf("events %s", evs.body)
			}
			wantKeys(t, list[0], "pk", "incident", "actor", "timestamp", "received", "type", "description")
			if typ := list[0].(map[string]any)["type"]; typ.(map[string]any)["value"] != "LES" || typ.(map[string]any)["display"] != "Stateless" {
				t.Errorf("first event of a stateless incident: %v; want LES", typ)
			}
		})
		t.Run("datetime.max by its wall clock is infinity", func(t *testing.T) {
			for _, end := range []string{"9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999+01:00", "9999-12-31T23:59:59.999999Z"} {
				inc := v2Incident(t, f, srcKey, map[string]any{"end_time": end})
				if inc["end_time"] != "infinity" {
					t.Errorf("end_time %s: %v; want infinity", end, inc["end_time"])
				}
			}
		})
		t.Run("metadata, level and an integer source_incident_id", func(t *testing.T) {
			nul := v2Incident(t, f, srcKey, map[string]any{"metadata": map[string]any{"nul": "a\u0000b"}})
			if m, _ := nul["metadata"].(map[string]any); m["nul"] != "a\u0000b" {
				t.Errorf("metadata with a NUL: %v", nul["metadata"])
			}
			inc := v2Incident(t, f, srcKey, map[string]any{"metadata": map[string]any{"a": []int{1, 2}}, "level": 2, "source_incident_id": 4711})
			if inc["source_incident_id"] != "4711" || inc["level"] != float64(2) {
				t.Errorf("got %v", inc)
			}
			if m, _ := inc["metadata"].(map[string]any); len(m) != 1 {
				t.Errorf("metadata = %v", inc["metadata"])
			}
			r := f.send(http.MethodPost, "/api/v2/incidents/", srcKey, map[string]any{"start_time": evUTC(0), "tags": []any{}, "source_incident_id": 4711})
			r.want(t, http.StatusBadRequest, "")
			if !strings.Contains(string(r.body), "source_incident_id") {
				t.Errorf("duplicate: %s; zabbix-argus-glue looks for source_incident_id", r.body)
			}
			// v2-bug-14.
			f.send(http.MethodPost, "/api/v2/incidents/", srcKey, map[string]any{"start_time": evUTC(0), "tags": []any{}, "metadata": nil}).
				want(t, http.StatusBadRequest, `{"metadata": ["This field may not be null."]}`)
			f.send(http.MethodPost, "/api/v2/incidents/", srcKey, map[string]any{"start_time": evUTC(0)}).
				want(t, http.StatusBadRequest, `{"tags": ["This field is required."]}`)
		})
		t.Run("v1 does not show metadata", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{"metadata": map[string]any{"x": 1}})
			r := f.get("/api/v1/incidents/"+pkOf(t, inc)+"/", userKey)
			r.want(t, http.StatusOK, "")
			if _, ok := r.object(t)["metadata"]; ok {
				t.Error("v1 shows metadata (D27)")
			}
		})
		t.Run("PATCH makes a CHI event per changed attribute, none when unchanged", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{"level": 5, "description": "d"})
			path := "/api/v2/incidents/" + pkOf(t, inc) + "/"
			r := f.send(http.MethodPatch, path, userKey, map[string]any{"level": 2, "description": "d", "metadata": map[string]any{"k": "v"}})
			r.want(t, http.StatusOK, "")
			if got := r.object(t); got["level"] != float64(2) {
				t.Errorf("after PATCH: %v", got)
			}
			evs := f.get(path+"events/", userKey).array(t)
			var chis []string
			for _, e := range evs {
				ev := e.(map[string]any)
				if ev["type"].(map[string]any)["value"] == "CHI" {
					chis = append(chis, ev["description"].(string))
					if ev["actor"].(map[string]any)["username"] != "kari" {
						t.Errorf("CHI by %v; want kari", ev["actor"])
					}
				}
			}
			if len(chis) != 2 || chis[1] != `Change: "level": 5 → 2` || chis[0] != `Change: "metadata": 0 item(s) → 1 item(s)` {
				t.Errorf("CHI events %q", chis)
			}
			f.send(http.MethodPatch, path, userKey, map[string]any{"level": 2}).want(t, http.StatusOK, "")
			if n := len(f.get(path+"events/", userKey).array(t)); n != len(evs) {
				t.Errorf("an unchanged PATCH made events: %d, had %d", n, len(evs))
			}
			f.send(http.MethodPatch, path, userKey, map[string]any{"start_time": evUTC(0)}).
				want(t, http.StatusBadRequest, `{"start_time": "The field is not allowed to be changed."}`)
			f.send(http.MethodPut, path, userKey, map[string]any{"level": 3}).
				want(t, http.StatusBadRequest, `{"tags": ["This field is required."]}`)
			f.send(http.MethodPut, path+"ticket_url/", userKey, map[string]any{"ticket_url": "https://t.example.org/9"}).
				want(t, http.StatusOK, `{"ticket_url": "https://t.example.org/9"}`)
			ev := f.get(path+"events/", userKey).array(t)[0].(map[string]any)
			if ev["type"].(map[string]any)["value"] != "CHI" || !strings.Contains(ev["description"].(string), "https://t.example.org/9") {
				t.Errorf("newest event after a ticket URL: %v; want a CHI naming it (zino-argus-glue)", ev)
			}
			// v2-bug-2.
			f.send(http.MethodPut, path+"ticket_url/", userKey, map[string]any{}).
				want(t, http.StatusBadRequest, `{"ticket_url": ["This field is required."]}`)
		})
		t.Run("events: rules and wording", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{})
			path := "/api/v2/incidents/" + pkOf(t, inc) + "/events/"
			f.send(http.MethodPost, path, userKey, map[string]any{"type": "STA"}).
				want(t, http.StatusBadRequest, `{"type": "An end user cannot post events of type 'STA'."}`)
			f.send(http.MethodPost, path, userKey, map[string]any{"type": "ACK"}).
				want(t, http.StatusBadRequest, `{"type": "Acknowledgements of this incidents should be posted through /api/v2/incidents/`+pkOf(t, inc)+`/acks/."}`)
			f.send(http.MethodPost, path, srcKey, map[string]any{"type": "CHI", "timestamp": evUTC(0), "description": "moved"}).
				want(t, http.StatusCreated, "")
			f.send(http.MethodPost, path, srcKey, map[string]any{"type": "END"}).
				want(t, http.StatusBadRequest, `{"timestamp": ["This field is required."]}`)
			// v2-bug-1.
			f.send(http.MethodPost, "/api/v2/incidents/999999/events/", srcKey, map[string]any{"type": "OTH", "timestamp": evUTC(0)}).
				want(t, http.StatusNotFound, `{"detail": "No Incident matches the given query."}`)
			f.get("/api/v2/incidents/999999/", userKey).want(t, http.StatusNotFound, `{"detail": "No Incident matches the given query."}`)
			f.get(path+"999999/", userKey).want(t, http.StatusNotFound, `{"detail": "No Event matches the given query."}`)
			f.get("/api/v2/incidents/open/", userKey).want(t, http.StatusNotFound, `{"detail": "Not found."}`)
		})
		t.Run("RES and a second END: Argus main's rules on v2, v1's own on v1", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{})
			pk := pkOf(t, inc)
			post := func(api, key string, body map[string]any, status int, wantBody string) {
				t.Helper()
				f.send(http.MethodPost, "/api/"+api+"/incidents/"+pk+"/events/", key, body).want(t, status, wantBody)
			}
			endTime := func() any {
				t.Helper()
				r := f.get("/api/v2/incidents/"+pk+"/", userKey)
				r.want(t, http.StatusOK, "")
				return r.object(t)["end_time"]
			}
			end := map[string]any{"type": "END", "timestamp": evUTC(-30 * time.Minute)}
			res := map[string]any{"type": "RES", "timestamp": evUTC(-20 * time.Minute)}
			post("v2", srcKey, end, http.StatusCreated, "")
			post("v2", srcKey, res, http.StatusCreated, "")
			if got := endTime(); got != "infinity" {
				t.Errorf("after END, RES: end_time %v; want infinity", got)
			}
			post("v2", srcKey, end, http.StatusCreated, "") // a second END closes again
			if got := endTime(); got == "infinity" {
				t.Error("a second END on v2 left the incident open")
			}
			post("v2", userKey, res, http.StatusBadRequest, `{"type": "An end user cannot post events of type 'RES'."}`)
			post("v1", srcKey, res, http.StatusBadRequest, `{"type": ["\"RES\" is not a valid choice."]}`)
			post("v2", userKey, map[string]any{"type": "REO"}, http.StatusCreated, "")
			post("v1", srcKey, end, http.StatusCreated, "") // v1: it has an END, stored and changes nothing (D16)
			if got := endTime(); got != "infinity" {
				t.Errorf("a second END on v1 changed end_time to %v", got)
			}
			post("v2", srcKey, res, http.StatusCreated, "") // open already: stored, nothing changes (D16)
			stateless := v2Incident(t, f, srcKey, map[string]any{"end_time": nil})
			f.send(http.MethodPost, "/api/v2/incidents/"+pkOf(t, stateless)+"/events/", srcKey, res).want(t, http.StatusCreated, "")
			r := f.get("/api/v2/incidents/"+pkOf(t, stateless)+"/", userKey)
			if r.want(t, http.StatusOK, ""); r.object(t)["end_time"] != nil {
				t.Errorf("RES on a stateless incident: %s", r.body)
			}
			var shown []any
			for _, e := range f.get("/api/v1/incidents/"+pk+"/events/", userKey).array(t) {
				if typ := e.(map[string]any)["type"].(map[string]any); typ["value"] == "RES" {
					shown = append(shown, typ["display"])
				}
			}
			if len(shown) != 2 || shown[0] != "Incident restart" {
				t.Errorf("v1 shows RES events as %v; want both, as strings (D31)", shown)
			}
		})
		t.Run("acks: flat, by sources too, expiry changed", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{})
			path := "/api/v2/incidents/" + pkOf(t, inc) + "/acks/"
			f.send(http.MethodPost, path, userKey, map[string]any{"description": "x"}).
				want(t, http.StatusBadRequest, `{"timestamp": ["This field is required."]}`)
			f.send(http.MethodPost, path, userKey, map[string]any{"timestamp": evUTC(0), "expiration": evUTC(-time.Minute)}).
				want(t, http.StatusBadRequest, `{"non_field_errors": ["'expiration' is earlier than creation timestamp."]}`)
			r := f.send(http.MethodPost, path, srcKey, map[string]any{"timestamp": evUTC(0), "event": map[string]any{"ignored": true}})
			r.want(t, http.StatusCreated, "")
			ack := r.object(t)
			wantKeys(t, ack, "pk", "event", "expiration")
			ackPath := path + pkOf(t, ack) + "/"
			f.send(http.MethodPatch, ackPath, userKey, map[string]any{}).want(t, http.StatusOK, "")
			f.send(http.MethodPut, ackPath, userKey, map[string]any{}).
				want(t, http.StatusBadRequest, `{"expiration": ["This field is required."]}`)
			f.send(http.MethodPatch, ackPath, userKey, map[string]any{"expiration": evUTC(-time.Minute)}).
				want(t, http.StatusBadRequest, `{"expiration": ["'expiration' must be later than current moment (2026-06-01 10:00:00+00:00) or null."]}`)
			r = f.send(http.MethodPatch, ackPath, userKey, map[string]any{"expiration": evUTC(time.Hour)})
			r.want(t, http.StatusOK, "")
			if r.object(t)["expiration"] != evOslo(time.Hour) {
				t.Errorf("expiration = %v", r.object(t)["expiration"])
			}
			f.clock.Add(2 * time.Hour)
			f.send(http.MethodPatch, ackPath, userKey, map[string]any{"expiration": nil}).
				want(t, http.StatusBadRequest, `["Cannot change expired Acknowledgement"]`)
			f.clock.Set(start)
		})
		t.Run("tags sub-resource", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{"tags": []any{map[string]any{"tag": "a=b"}}})
			path := "/api/v2/incidents/" + pkOf(t, inc) + "/tags/"
			f.get(path, userKey).want(t, http.StatusOK, `[{"tag": "a=b"}]`)
			f.send(http.MethodPost, path, userKey, map[string]any{"tag": "c = d "}).want(t, http.StatusCreated, `{"tag": "c=d"}`)
			f.send(http.MethodPost, path, userKey, map[string]any{"tag": "c=d"}).want(t, http.StatusCreated, `{"tag": "c=d"}`)
			f.send(http.MethodPost, path, userKey, map[string]any{"tag": "cd"}).
				want(t, http.StatusBadRequest, `{"tag": ["The tag does not have its delimiter: =."]}`)
			f.send(http.MethodPost, path, userKey, map[string]any{}).
				want(t, http.StatusBadRequest, `{"non_field_errors": ["Tags need to follow the format {\"tag\": key=value}"]}`)
			f.get(path+"c=d/", userKey).want(t, http.StatusOK, `{"tag": "c=d"}`)
			f.get(path+"x=y/", userKey).want(t, http.StatusNotFound, `{"detail": "No Tag matches the given query."}`)
			f.get(path+"Bad=y/", userKey).want(t, http.StatusBadRequest, `["Enter a valid key consisting of lowercase letters, numbers and underscores."]`)
			f.send(http.MethodDelete, path+"a=b/", userKey, nil).want(t, http.StatusNoContent, "")
			f.get(path, userKey).want(t, http.StatusOK, `[{"tag": "c=d"}]`)
			f.get("/api/v2/incidents/999999/tags/", userKey).want(t, http.StatusBadRequest, `["An incident with pk=999999 does not exist"]`)
		})
		t.Run("DELETE is off by default", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{})
			f.send(http.MethodDelete, "/api/v2/incidents/"+pkOf(t, inc)+"/", srcKey, nil).
				want(t, http.StatusMethodNotAllowed, `{"detail": "Deletion of incidents is turned off, see setting INDELIBLE_INCIDENTS"}`)
		})
		t.Run("automatic ticket without a plugin", func(t *testing.T) {
			inc := v2Incident(t, f, srcKey, map[string]any{})
			r := f.send(http.MethodPut, "/api/v2/incidents/"+pkOf(t, inc)+"/automatic-ticket/", userKey, nil)
			r.want(t, http.StatusBadRequest, "")
			var msg string
			if json.Unmarshal(r.body, &msg) != nil || !strings.Contains(msg, "No path to") {
				t.Errorf("body %s; want a bare string with \"No path to\" (the React frontend)", r.body)
			}
		})
	})
}

func TestV2Lists(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, userKey := f.user("kari", false)
		long := v2Incident(t, f, srcKey, map[string]any{"start_time": evUTC(-3 * time.Hour), "level": 1, "description": "core router down"})
		short := v2Incident(t, f, srcKey, map[string]any{"start_time": evUTC(-10 * time.Minute), "level": 4})
		closed := v2Incident(t, f, srcKey, map[string]any{"start_time": evUTC(-2 * time.Hour), "end_time": evUTC(-time.Hour), "level": 3})
		f.send(http.MethodPost, "/api/v2/incidents/"+pkOf(t, closed)+"/acks/", userKey, map[string]any{"timestamp": evUTC(0)}).
			want(t, http.StatusCreated, "")
		f.send(http.MethodPost, "/api/v2/incidents/"+pkOf(t, short)+"/events/", srcKey,
			map[string]any{"type": "OTH", "timestamp": evUTC(0), "description": "fan tray failure"}).want(t, http.StatusCreated, "")

		pksAs := func(path, key string) []string {
			t.Helper()
			r := f.get(path, key)
			r.want(t, http.StatusOK, "")
			var out []string
			for _, x := range r.object(t)["results"].([]any) {
				out = append(out, pkOf(t, x.(map[string]any)))
			}
			return out
		}
		pks := func(path string) []string { t.Helper(); return pksAs(path, userKey) }
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"duration__gte=30", []string{pkOf(t, closed), pkOf(t, long)}},
			{"duration__gte=61", []string{pkOf(t, long)}},
			{"hide_closed_acked=true", []string{pkOf(t, short), pkOf(t, long)}},
			{"id__in=" + pkOf(t, long) + "," + pkOf(t, closed), []string{pkOf(t, closed), pkOf(t, long)}},
			{"level__lte=3", []string{pkOf(t, closed), pkOf(t, long)}},
			{"level__lte=0", nil},
			{"level__lte=9", []string{pkOf(t, short), pkOf(t, closed), pkOf(t, long)}},
			{"search=fan+tray", []string{pkOf(t, short)}},
			{"search=CORE", []string{pkOf(t, long)}},
			// Terms, each to be found (api-v2.md §4.4.2); a quoted phrase
			// is one term.
			{"search=router+CORE", []string{pkOf(t, long)}},
			{"search=tray,FAN", []string{pkOf(t, short)}},
			{"search=%22router+core%22", nil},
			{"search=%22core+router%22", []string{pkOf(t, long)}},
			{"search=core+tray", nil},
			{"search=nothing&search=tray", []string{pkOf(t, short)}}, // the last value, as Django
			{"token_expiry=false", nil},
		} {
			if got := pks("/api/v2/incidents/?" + c.query); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("?%s: %v; want %v", c.query, got, c.want)
			}
		}
		f.get("/api/v2/incidents/?duration__gte=x", userKey).want(t, http.StatusBadRequest, `{"duration__gte": ["Enter a number."]}`)
		f.get("/api/v2/incidents/?level__lte=3&count", userKey).
			want(t, http.StatusOK, `{"count": 2, "params": {"level__lte": "3", "count": ""}}`)
		if got := pksAs("/api/v2/incidents/mine/?level__lte=1", srcKey); len(got) != 3 {
			t.Errorf("mine ignores level__lte: got %v", got)
		}

		t.Run("every event by cursor", func(t *testing.T) {
			r := f.get("/api/v2/incidents/events/?page_size=2", userKey)
			r.want(t, http.StatusOK, "")
			page := r.object(t)
			all := page["results"].([]any)
			for page["next"] != nil {
				next := page["next"].(string)
				r = f.get(next[strings.Index(next, "/api/"):], userKey)
				r.want(t, http.StatusOK, "")
				page = r.object(t)
				all = append(all, page["results"].([]any)...)
			}
			if len(all) != 5 { // three starts, an ack, an OTH
				t.Errorf("%d events over the pages; want 5", len(all))
			}
		})
	})
}

func TestV2Bulk(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, userKey := f.user("kari", false)
		a := v2Incident(t, f, srcKey, map[string]any{})
		b := v2Incident(t, f, srcKey, map[string]any{"end_time": nil})
		f.send(http.MethodPost, "/api/v2/incidents/acks/bulk/", userKey, map[string]any{"ids": []int{999998, 999999}, "ack": map[string]any{"timestamp": evUTC(0)}}).
			want(t, http.StatusBadRequest, `{"changes": {
				"999998": {"ack": null, "status": 400, "errors": {"ids": "Incident with id 999998 could not be found."}},
				"999999": {"ack": null, "status": 400, "errors": {"ids": "Incident with id 999999 could not be found."}}}}`)
		f.send(http.MethodPost, "/api/v2/incidents/acks/bulk/", userKey, map[string]any{"ids": []int{}, "ack": map[string]any{"timestamp": evUTC(0)}}).
			want(t, http.StatusBadRequest, `{"ids": ["This list may not be empty."]}`)
		f.send(http.MethodPost, "/api/v2/incidents/acks/bulk/", userKey, map[string]any{"ids": []int{1}, "ack": map[string]any{}}).
			want(t, http.StatusBadRequest, `{"ack": {"timestamp": ["This field is required."]}}`)

		// D32: each id meets the rules a single event would.
		r := f.send(http.MethodPost, "/api/v2/incidents/events/bulk/", userKey, map[string]any{
			"ids": []any{pkOf(t, a), pkOf(t, b), 999999}, "event": map[string]any{"type": "CLO", "timestamp": evUTC(0)}})
		r.want(t, http.StatusCreated, "")
		changes := r.object(t)["changes"].(map[string]any)
		if c := changes[pkOf(t, a)].(map[string]any); c["status"] != float64(201) || c["errors"] != nil {
			t.Errorf("closing an open incident: %v", c)
		}
		if c := changes[pkOf(t, b)].(map[string]any); c["status"] != float64(400) ||
			c["errors"].(map[string]any)["type"] != "Cannot change the state of a stateless incident." {
			t.Errorf("closing a stateless incident: %v; want its refusal", c)
		}
		if c := changes["999999"].(map[string]any); c["status"] != float64(400) {
			t.Errorf("unknown id: %v", c)
		}
		if got := f.get("/api/v2/incidents/"+pkOf(t, a)+"/", userKey).object(t); got["open"] != false {
			t.Errorf("bulk CLO left %v open", got["pk"])
		}
		r = f.send(http.MethodPost, "/api/v2/incidents/ticket_url/bulk/", userKey, map[string]any{"ids": []any{pkOf(t, a)}, "ticket_url": "https://t.example.org/1"})
		r.want(t, http.StatusCreated, `{"changes": {"`+pkOf(t, a)+`": {"ticket_url": "https://t.example.org/1", "status": 201, "errors": null}}}`)
		f.send(http.MethodPost, "/api/v2/incidents/ticket_url/bulk/", userKey, map[string]any{"ids": []any{pkOf(t, a)}}).
			want(t, http.StatusBadRequest, `{"ticket_url": ["This field is required."]}`)
	})
}

func TestV2Tokens(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		kari, legacy := f.user("kari", false)
		login := func(body any, token string) response {
			t.Helper()
			return f.do(req{method: http.MethodPost, path: "/api/v2/auth/token/login/", token: token, body: body})
		}
		r := login(map[string]string{"username": "kari", "password": "pw"}, "")
		r.want(t, http.StatusOK, "")
		out := r.object(t)
		wantKeys(t, out, "expiry", "token")
		knox := out["token"].(string)
		if len(knox) != 64 || out["expiry"] != evOslo(10*time.Hour) {
			t.Errorf("knox login: %v; want 64 hex and an expiry 10 h ahead", out)
		}
		for _, path := range []string{"/api/v2/auth/user/", "/api/v1/auth/user/", "/api/v2/incidents/", "/api/v1/incidents/"} {
			f.get(path, knox).want(t, http.StatusOK, "")
			f.get(path, legacy).want(t, http.StatusOK, "")
		}
		r = f.get("/api/v2/auth/user/", knox)
		wantKeys(t, r.object(t), "username", "first_name", "last_name", "email", "admin_url")
		// No Django admin is served, so no one is sent to one.
		_, adminKey := f.user("admin2", true)
		if r := f.get("/api/v2/auth/user/", adminKey); r.object(t)["admin_url"] != nil {
			t.Errorf("admin_url %v for a superuser; want null: /admin/ is not served", r.object(t)["admin_url"])
		}
		f.get("/api/v2/auth/users/"+itoa(kari.ID)+"/", knox).want(t, http.StatusOK, `{"username": "kari", "first_name": "First kari", "last_name": "", "email": "kari@example.org"}`)
		f.get("/api/v2/auth/users/999999/", knox).want(t, http.StatusNotFound, `{"detail": "No User matches the given query."}`)

		second := login(nil, knox)
		second.want(t, http.StatusOK, "")
		login(nil, "").want(t, http.StatusForbidden, `{"detail": "Authentication credentials were not provided."}`)
		login(map[string]string{"username": "kari", "password": "wrong"}, "").
			want(t, http.StatusForbidden, `{"detail": "Unable to log in with provided credentials."}`)
		login(nil, "nope").want(t, http.StatusForbidden, `{"detail": "Invalid token."}`)

		f.send(http.MethodPost, "/api/v2/auth/token/logout/", legacy, nil).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		f.send(http.MethodPost, "/api/v2/auth/token/logout/", knox, nil).want(t, http.StatusNoContent, "")
		f.get("/api/v2/auth/user/", knox).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		other := second.object(t)["token"].(string)
		f.get("/api/v2/auth/user/", other).want(t, http.StatusOK, "")
		third := login(nil, other).object(t)["token"].(string)
		f.send(http.MethodPost, "/api/v2/auth/token/logoutall", other, nil).want(t, http.StatusNoContent, "")
		f.get("/api/v2/auth/user/", third).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)

		t.Run("knox tokens expire by the clock", func(t *testing.T) {
			key := login(map[string]string{"username": "kari", "password": "pw"}, "").object(t)["token"].(string)
			f.clock.Add(10*time.Hour + time.Second)
			defer f.clock.Set(start)
			f.get("/api/v2/auth/user/", key).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		})
		t.Run("refresh-token rotates the legacy token", func(t *testing.T) {
			r := f.send(http.MethodPost, "/api/v2/auth/refresh-token/", legacy, nil)
			r.want(t, http.StatusOK, "")
			fresh := r.object(t)["token"].(string)
			f.get("/api/v2/auth/user/", legacy).want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
			f.get("/api/v2/auth/user/", fresh).want(t, http.StatusOK, "")
			_, _ = f.user("ola", false)
			olaKnox := login(map[string]string{"username": "ola", "password": "pw"}, "").object(t)["token"].(string)
			if err := f.st.DeleteUserToken(context.Background(), mustUser(t, f, "ola").ID); err != nil {
				t.Fatal(err)
			}
			f.send(http.MethodPost, "/api/v2/auth/refresh-token/", olaKnox, nil).
				want(t, http.StatusBadRequest, `["No token for the user 'ola' exists, one needs to be created in the admin interface."]`)
		})
	})
}

func mustUser(t *testing.T, f *fixture, name string) argus.User {
	t.Helper()
	u, err := f.st.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestV2Sources(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw", "nav")
		_, userKey := f.user("kari", false)
		_, adminKey := f.user("admin", true)
		f.get("/api/v2/incidents/sources/", "").want(t, http.StatusUnauthorized, "")
		r := f.get("/api/v2/incidents/sources/", userKey)
		r.want(t, http.StatusOK, "")
		wantKeys(t, r.array(t)[0], "pk", "name", "type", "user", "base_url")
		f.get("/api/v2/incidents/source-types/nav/", userKey).want(t, http.StatusOK, `{"name": "nav"}`)
		f.get("/api/v2/incidents/source-types/fax/", userKey).want(t, http.StatusNotFound, `{"detail": "No SourceSystemType matches the given query."}`)
		path := "/api/v2/incidents/sources/" + itoa(src.ID) + "/"
		f.send(http.MethodPatch, path, srcKey, map[string]any{"name": "gw2"}).want(t, http.StatusForbidden, "")
		f.send(http.MethodPatch, path, adminKey, map[string]any{"name": "gw2"}).want(t, http.StatusOK, "")
		f.send(http.MethodPost, "/api/v2/incidents/sources/", adminKey, map[string]any{"type": "nav"}).
			want(t, http.StatusBadRequest, `{"name": ["This field is required."]}`)

		t.Run("heartbeats", func(t *testing.T) {
			f.get("/api/v2/incidents/sources/heartbeat/", srcKey).want(t, http.StatusMethodNotAllowed, "")
			r := f.send(http.MethodPost, "/api/v2/incidents/sources/heartbeat/", userKey, nil)
			if r.status != http.StatusForbidden || len(r.body) != 0 {
				t.Errorf("heartbeat of an end user: %d %q; want 403, empty", r.status, r.body)
			}
			f.clock.Add(time.Minute)
			defer f.clock.Set(start)
			f.send(http.MethodPost, "/api/v2/incidents/sources/heartbeat/", srcKey, nil).want(t, http.StatusNoContent, "")
			seen, err := f.st.SourceLastSeen(context.Background(), src.ID)
			if err != nil || seen == nil || !seen.Equal(start.Add(time.Minute)) {
				t.Errorf("last_seen = %v, %v; want the heartbeat's time", seen, err)
			}
			f.clock.Add(time.Minute)
			f.get("/api/v2/incidents/mine/", srcKey).want(t, http.StatusOK, "")
			if seen, _ = f.st.SourceLastSeen(context.Background(), src.ID); seen == nil || !seen.Equal(start.Add(2*time.Minute)) {
				t.Errorf("last_seen after a list = %v; want the list's time (D34)", seen)
			}
		})
	})
}

// fakeTickets is a ticket system at the plugin seam.
type fakeTickets struct {
	err  error
	seen map[string]any
}

func (p *fakeTickets) CreateTicket(_ context.Context, inc map[string]any) (string, error) {
	p.seen = inc
	if p.err != nil {
		return "", p.err
	}
	return "https://tickets.example.org/" + pkOfAny(inc), nil
}

func pkOfAny(m map[string]any) string { return itoa(int64(m["pk"].(float64))) }

func TestV2AutomaticTicketAndDelete(t *testing.T) {
	tickets := &fakeTickets{}
	eachFixtureWith(t, api.Options{TicketPlugin: tickets, DeletableIncidents: true}, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, userKey := f.user("kari", false)
		inc := v2Incident(t, f, srcKey, map[string]any{})
		path := "/api/v2/incidents/" + pkOf(t, inc) + "/"
		tickets.err = api.ErrTicketUnreachable
		f.send(http.MethodPut, path+"automatic-ticket/", userKey, nil).want(t, http.StatusServiceUnavailable, "")
		tickets.err = nil
		want := `{"ticket_url": "https://tickets.example.org/` + pkOf(t, inc) + `"}`
		f.send(http.MethodPut, path+"automatic-ticket/", userKey, nil).want(t, http.StatusOK, want)
		if tickets.seen["argus_url"] == nil || tickets.seen["metadata"] == nil {
			t.Errorf("the plugin saw %v; want the v2 incident and argus_url", tickets.seen)
		}
		tickets.err = errors.New("must not be asked again")
		f.send(http.MethodPut, path+"automatic-ticket/", userKey, nil).want(t, http.StatusOK, want)

		f.send(http.MethodDelete, path, userKey, nil).want(t, http.StatusForbidden, "")
		f.send(http.MethodDelete, path, srcKey, nil).want(t, http.StatusNoContent, "")
		f.get(path, userKey).want(t, http.StatusNotFound, `{"detail": "No Incident matches the given query."}`)
	})
}

func TestAPIRoot(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		r := f.get("/api/", "")
		r.want(t, http.StatusOK, "")
		m := r.object(t)
		wantKeys(t, m, "server-version", "api-version", "jsonapi-schema", "ticket_plugin", "destination_plugins")
		if m["api-version"].(map[string]any)["stable"] != "v2" || m["ticket_plugin"] != nil {
			t.Errorf("GET /api/: %v", m)
		}
		f.get("/api/nothing/", "").want(t, http.StatusNotFound, `{"detail": "Not found."}`)
	})
}

// TestV2BothTokenKinds reads every v2 collection and item with a legacy
// token and with a knox token, and with neither (D30).
func TestV2BothTokenKinds(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw", "nav")
		kari, legacy := f.user("kari", false)
		r := f.send(http.MethodPost, "/api/v2/auth/token/login/", "", map[string]string{"username": "kari", "password": "pw"})
		r.want(t, http.StatusOK, "")
		knox := r.object(t)["token"].(string)
		inc := pkOf(t, v2Incident(t, f, srcKey, map[string]any{"tags": []any{map[string]any{"tag": "a=b"}}}))
		for _, path := range []string{
			"/api/v2/auth/user/", "/api/v2/auth/users/" + itoa(kari.ID) + "/",
			"/api/v2/incidents/", "/api/v2/incidents/mine/", "/api/v2/incidents/" + inc + "/",
			"/api/v2/incidents/" + inc + "/events/", "/api/v2/incidents/" + inc + "/acks/", "/api/v2/incidents/" + inc + "/tags/",
			"/api/v2/incidents/events/", "/api/v2/incidents/sources/", "/api/v2/incidents/sources/" + itoa(src.ID) + "/",
			"/api/v2/incidents/source-types/", "/api/v2/notificationprofiles/", "/api/v2/notificationprofiles/timeslots/",
			"/api/v2/notificationprofiles/filters/", "/api/v2/notificationprofiles/destinations/", "/api/v2/notificationprofiles/media/",
		} {
			f.get(path, legacy).want(t, http.StatusOK, "")
			f.get(path, knox).want(t, http.StatusOK, "")
			f.get(path, "").want(t, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		}
	})
}
