package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// Datetimes in these tests are posted in UTC relative to start and come
// back in Oslo summer time (D7); whole seconds only, so no fraction shows.

// evUTC is start+d as a client posts it.
func evUTC(d time.Duration) string { return start.Add(d).UTC().Format(time.RFC3339) }

// evOslo is start+d as the API renders it.
func evOslo(d time.Duration) string {
	return start.Add(d).In(time.FixedZone("CEST", 2*60*60)).Format(time.RFC3339)
}

// evMsgDateTime is the datetime format error of every datetime field.
const evMsgDateTime = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], or 'infinity'."

// evIncidentStart is when every incident of these tests starts.
const evIncidentStart = -2 * time.Hour

// evEnds are the end_time values that make each kind of incident, as
// posted, and as they come back: a closed incident ended an hour before
// the clock's time.
var evEnds = map[string]struct {
	post any
	want any
}{
	"open":      {"infinity", "infinity"},
	"closed":    {evUTC(-time.Hour), evOslo(-time.Hour)},
	"stateless": {nil, nil},
}

// evPostIncident creates an incident of the kind ("open", "closed",
// "stateless") as the source whose token is key, and returns its pk.
func evPostIncident(t *testing.T, f *fixture, key, kind string, tags ...string) int64 {
	t.Helper()
	end, ok := evEnds[kind]
	if !ok {
		t.Fatalf("unknown incident kind %q", kind)
	}
	tagList := []map[string]string{}
	for _, tag := range tags {
		tagList = append(tagList, map[string]string{"tag": tag})
	}
	r := f.send(http.MethodPost, "/api/v1/incidents/", key, map[string]any{
		"start_time":         evUTC(evIncidentStart),
		"end_time":           end.post,
		"source_incident_id": "", // not unique (D6)
		"description":        kind + " incident",
		"tags":               tagList,
	})
	r.want(t, http.StatusCreated, "")
	pk, ok := r.object(t)["pk"].(float64)
	if !ok {
		t.Fatalf("created incident has no pk: %s", r.body)
	}
	return int64(pk)
}

func evEventsPath(incident int64) string { return "/api/v1/incidents/" + itoa(incident) + "/events/" }
func evAcksPath(incident int64) string   { return "/api/v1/incidents/" + itoa(incident) + "/acks/" }

// evDisplay is the display name of each event type (api-v1.md §2.7).
var evDisplay = map[string]string{
	"STA": "Incident start", "END": "Incident end", "CLO": "Close",
	"REO": "Reopen", "ACK": "Acknowledge", "OTH": "Other",
}

// evWant is an event as the API must render it.
type evWant struct {
	pk, incident int64
	actor        argus.User
	timestamp    string
	received     string
	typ          string
	description  string
}

func (e evWant) value() map[string]any {
	return map[string]any{
		"pk": e.pk, "incident": e.incident,
		"actor":     map[string]any{"pk": e.actor.ID, "username": e.actor.Username},
		"timestamp": e.timestamp, "received": e.received,
		"type":        map[string]any{"value": e.typ, "display": evDisplay[e.typ]},
		"description": e.description,
	}
}

// evJSON renders values (evWant, maps, slices of them) as a wantBody.
func evJSON(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case evWant:
		v = x.value()
	case []evWant:
		list := make([]any, len(x))
		for i, e := range x {
			list[i] = e.value()
		}
		v = list
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// evPK is the "pk" of an object body.
func evPK(t *testing.T, r response) int64 {
	t.Helper()
	pk, ok := r.object(t)["pk"].(float64)
	if !ok {
		t.Fatalf("no pk in %s", r.body)
	}
	return int64(pk)
}

// evUser reads a user from the store (for a source's user).
func evUser(t *testing.T, f *fixture, id int64) argus.User {
	t.Helper()
	u, err := f.st.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// evCount is the number of events of an incident.
func evCount(t *testing.T, f *fixture, key string, incident int64) int {
	t.Helper()
	r := f.get(evEventsPath(incident), key)
	r.want(t, http.StatusOK, "")
	return len(r.array(t))
}

// evState is the state part of an incident: end_time, stateful, open,
// acked.
func evState(t *testing.T, f *fixture, key string, incident int64) map[string]any {
	t.Helper()
	r := f.get("/api/v1/incidents/"+itoa(incident)+"/", key)
	r.want(t, http.StatusOK, "")
	o := r.object(t)
	return map[string]any{"end_time": o["end_time"], "stateful": o["stateful"], "open": o["open"], "acked": o["acked"]}
}

// evWantState checks an incident's end_time and, from it, stateful and
// open (at the clock's time, which these checks keep at start unless a test
// moves it).
func evWantState(t *testing.T, f *fixture, key string, incident int64, endTime any, open, acked bool) {
	t.Helper()
	want := map[string]any{"end_time": endTime, "stateful": endTime != nil, "open": open, "acked": acked}
	if diff := cmp.Diff(want, evState(t, f, key, incident)); diff != "" {
		t.Errorf("incident %d state (-want +got):\n%s", incident, diff)
	}
}

// evRuleCase is one row of the event rules (api-v1.md §5.2): an event of
// typ posted to an incident of kind. err is the exact 400 body ("<pk>"
// stands for the incident's pk), or "" for 201; then change says what
// happens to the incident: "" nothing, "close" end_time = the event's
// timestamp, "reopen" end_time = infinity.
type evRuleCase struct {
	kind, typ string
	err       string
	change    string
}

const (
	evMsgClosed    = `{"type": "The incident is already closed."}`
	evMsgOpen      = `{"type": "The incident is already open."}`
	evMsgStateless = `{"type": "Cannot change the state of a stateless incident."}`
	evMsgAck       = `{"type": "Acknowledgements of this incidents should be posted through /api/v1/incidents/<pk>/acks/."}`
)

func evEndUserRules() []evRuleCase {
	notUser := func(typ string) string {
		return `{"type": "An end user cannot post events of type '` + typ + `'."}`
	}
	return []evRuleCase{
		{"open", "STA", notUser("STA"), ""},
		{"open", "END", notUser("END"), ""},
		{"open", "CLO", "", "close"},
		{"open", "REO", evMsgOpen, ""},
		{"open", "ACK", evMsgAck, ""},
		{"open", "OTH", "", ""},
		{"closed", "STA", notUser("STA"), ""},
		{"closed", "END", notUser("END"), ""},
		{"closed", "CLO", evMsgClosed, ""},
		{"closed", "REO", "", "reopen"},
		{"closed", "ACK", evMsgAck, ""},
		{"closed", "OTH", "", ""},
		{"stateless", "STA", notUser("STA"), ""},
		{"stateless", "END", notUser("END"), ""},
		{"stateless", "CLO", evMsgStateless, ""},
		{"stateless", "REO", evMsgStateless, ""},
		{"stateless", "ACK", evMsgAck, ""},
		{"stateless", "OTH", "", ""},
	}
}

// evSourceRules: a source's state errors are swallowed (D16), so every
// type it may post is recorded; only END on an open incident changes it.
func evSourceRules() []evRuleCase {
	notSource := func(typ string) string {
		return `{"type": "A source system cannot post events of type '` + typ + `'."}`
	}
	return []evRuleCase{
		{"open", "STA", "", ""}, // a second STA
		{"open", "END", "", "close"},
		{"open", "CLO", notSource("CLO"), ""},
		{"open", "REO", notSource("REO"), ""},
		{"open", "ACK", notSource("ACK"), ""},
		{"open", "OTH", "", ""},
		{"closed", "STA", "", ""},
		{"closed", "END", "", ""}, // already closed: recorded, unchanged
		{"closed", "CLO", notSource("CLO"), ""},
		{"closed", "REO", notSource("REO"), ""},
		{"closed", "ACK", notSource("ACK"), ""},
		{"closed", "OTH", "", ""},
		{"stateless", "STA", "", ""},
		{"stateless", "END", "", ""}, // stateless: recorded, unchanged
		{"stateless", "CLO", notSource("CLO"), ""},
		{"stateless", "REO", notSource("REO"), ""},
		{"stateless", "ACK", notSource("ACK"), ""},
		{"stateless", "OTH", "", ""},
	}
}

func TestEventRules(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw1", "nav")
		srcUser := evUser(t, f, src.UserID)
		user, userKey := f.user("kari", false)
		const at = -10 * time.Minute // the posted events' timestamp
		for _, actor := range []struct {
			name  string
			user  argus.User
			key   string
			cases []evRuleCase
		}{
			{"end user", user, userKey, evEndUserRules()},
			{"source system", srcUser, srcKey, evSourceRules()},
		} {
			for _, c := range actor.cases {
				t.Run(actor.name+"/"+c.kind+"/"+c.typ, func(t *testing.T) {
					pk := evPostIncident(t, f, srcKey, c.kind)
					sta := f.get(evEventsPath(pk), userKey).array(t)
					r := f.send(http.MethodPost, evEventsPath(pk), actor.key, map[string]any{
						"type": c.typ, "timestamp": evUTC(at), "description": "rule " + c.typ,
					})
					if c.err != "" {
						r.want(t, http.StatusBadRequest, strings.ReplaceAll(c.err, "<pk>", itoa(pk)))
						f.get(evEventsPath(pk), userKey).want(t, http.StatusOK, evJSON(t, sta))
						evWantState(t, f, userKey, pk, evEnds[c.kind].want, c.kind == "open", false)
						return
					}
					want := evWant{
						pk: evPK(t, r), incident: pk, actor: actor.user, timestamp: evOslo(at),
						received: evOslo(0), typ: c.typ, description: "rule " + c.typ,
					}
					r.want(t, http.StatusCreated, evJSON(t, want))
					// Recorded: the newest event, above the STA.
					f.get(evEventsPath(pk), userKey).want(t, http.StatusOK, evJSON(t, append([]any{want.value()}, sta...)))
					f.get(evEventsPath(pk)+itoa(want.pk)+"/", userKey).want(t, http.StatusOK, evJSON(t, want))
					switch c.change {
					case "close":
						evWantState(t, f, userKey, pk, evOslo(at), false, false)
					case "reopen":
						evWantState(t, f, userKey, pk, "infinity", true, false)
					default:
						evWantState(t, f, userKey, pk, evEnds[c.kind].want, c.kind == "open", false)
					}
				})
			}
		}
	})
}

// TestEventDefaultTimestamp: end users' events without a timestamp happen
// at the clock's time; source systems must give one.
func TestEventDefaultTimestamp(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		user, userKey := f.user("kari", false)
		f.clock.Set(start.Add(5 * time.Minute))

		t.Run("end user CLO", func(t *testing.T) {
			pk := evPostIncident(t, f, srcKey, "open")
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO"})
			r.want(t, http.StatusCreated, evJSON(t, evWant{
				pk: evPK(t, r), incident: pk, actor: user, timestamp: evOslo(5 * time.Minute),
				received: evOslo(5 * time.Minute), typ: "CLO",
			}))
			// Closed at the clock's time, which is no longer "open" (end_time > now).
			evWantState(t, f, userKey, pk, evOslo(5*time.Minute), false, false)
		})
		t.Run("end user OTH", func(t *testing.T) {
			pk := evPostIncident(t, f, srcKey, "stateless")
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "OTH", "description": "  note  "})
			r.want(t, http.StatusCreated, evJSON(t, evWant{
				pk: evPK(t, r), incident: pk, actor: user, timestamp: evOslo(5 * time.Minute),
				received: evOslo(5 * time.Minute), typ: "OTH", description: "note",
			}))
		})
		for _, typ := range []string{"STA", "END", "OTH", "CLO"} {
			t.Run("source "+typ, func(t *testing.T) {
				pk := evPostIncident(t, f, srcKey, "open")
				f.send(http.MethodPost, evEventsPath(pk), srcKey, map[string]any{"type": typ}).
					want(t, http.StatusBadRequest, `{"timestamp": ["This field is required."]}`)
				if n := evCount(t, f, userKey, pk); n != 1 {
					t.Errorf("events after a refused event: %d; want 1", n)
				}
				evWantState(t, f, userKey, pk, "infinity", true, false)
			})
		}
		t.Run("form-encoded", func(t *testing.T) {
			// A form without timestamp was a 500 in v1.0.0 (D5).
			pk := evPostIncident(t, f, srcKey, "open")
			form := func(key, body string) response {
				return f.do(req{method: http.MethodPost, path: evEventsPath(pk), token: key, body: body,
					contentType: "application/x-www-form-urlencoded"})
			}
			r := form(userKey, "type=OTH&description=from+a+form")
			r.want(t, http.StatusCreated, evJSON(t, evWant{
				pk: evPK(t, r), incident: pk, actor: user, timestamp: evOslo(5 * time.Minute),
				received: evOslo(5 * time.Minute), typ: "OTH", description: "from a form",
			}))
			form(srcKey, "type=OTH").want(t, http.StatusBadRequest, `{"timestamp": ["This field is required."]}`)
		})
		t.Run("sub-microsecond clock", func(t *testing.T) {
			// Times keep microseconds: the event's timestamp and the end
			// time it sets are the same instant on both databases.
			f.clock.Set(start.Add(5*time.Minute + 1500*time.Nanosecond))
			defer f.clock.Set(start.Add(5 * time.Minute))
			pk := evPostIncident(t, f, srcKey, "open")
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO"})
			const at = "2026-06-01T12:05:00.000001+02:00"
			r.want(t, http.StatusCreated, evJSON(t, evWant{
				pk: evPK(t, r), incident: pk, actor: user, timestamp: at, received: at, typ: "CLO",
			}))
			evWantState(t, f, userKey, pk, at, false, false)
			f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO"}).
				want(t, http.StatusBadRequest, evMsgClosed)
		})
		t.Run("null timestamp", func(t *testing.T) {
			pk := evPostIncident(t, f, srcKey, "open")
			for _, key := range []string{userKey, srcKey} {
				f.send(http.MethodPost, evEventsPath(pk), key, map[string]any{"type": "OTH", "timestamp": nil}).
					want(t, http.StatusBadRequest, `{"timestamp": ["This field may not be null."]}`)
			}
		})
	})
}

// TestEventFutureClose: a close in the future leaves the incident open
// until then (api-v1.md §5.2 step 4).
func TestEventFutureClose(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		pk := evPostIncident(t, f, srcKey, "open")
		f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO", "timestamp": evUTC(time.Hour)}).
			want(t, http.StatusCreated, "")
		evWantState(t, f, userKey, pk, evOslo(time.Hour), true, false)
		// Still open: another close is allowed, a reopen is not.
		f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "REO"}).
			want(t, http.StatusBadRequest, evMsgOpen)
		f.clock.Set(start.Add(time.Hour))
		evWantState(t, f, userKey, pk, evOslo(time.Hour), false, false)
		f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO"}).
			want(t, http.StatusBadRequest, evMsgClosed)
		f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "REO"}).
			want(t, http.StatusCreated, "")
		evWantState(t, f, userKey, pk, "infinity", true, false)
	})
}

// TestEventEndIsSingleShot: after a user reopens an incident its source
// ended, a second END is recorded but does not close it (api-v1.md §5.2,
// "consequence").
func TestEventEndIsSingleShot(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw1", "nav")
		srcUser := evUser(t, f, src.UserID)
		user, userKey := f.user("kari", false)
		pk := evPostIncident(t, f, srcKey, "open")

		post := func(key string, body map[string]any) response {
			t.Helper()
			r := f.send(http.MethodPost, evEventsPath(pk), key, body)
			r.want(t, http.StatusCreated, "")
			return r
		}
		end1 := post(srcKey, map[string]any{"type": "END", "timestamp": evUTC(-30 * time.Minute)})
		evWantState(t, f, userKey, pk, evOslo(-30*time.Minute), false, false)
		reo := post(userKey, map[string]any{"type": "REO", "timestamp": evUTC(-20 * time.Minute)})
		evWantState(t, f, userKey, pk, "infinity", true, false)
		end2 := post(srcKey, map[string]any{"type": "END", "timestamp": evUTC(-10 * time.Minute)})
		evWantState(t, f, userKey, pk, "infinity", true, false)

		// All four are recorded, newest first.
		list := f.get(evEventsPath(pk), userKey)
		list.want(t, http.StatusOK, evJSON(t, []evWant{
			{pk: evPK(t, end2), incident: pk, actor: srcUser, timestamp: evOslo(-10 * time.Minute), received: evOslo(0), typ: "END"},
			{pk: evPK(t, reo), incident: pk, actor: user, timestamp: evOslo(-20 * time.Minute), received: evOslo(0), typ: "REO"},
			{pk: evPK(t, end1), incident: pk, actor: srcUser, timestamp: evOslo(-30 * time.Minute), received: evOslo(0), typ: "END"},
			{pk: evFirstPK(t, list), incident: pk, actor: srcUser, timestamp: evOslo(evIncidentStart), received: evOslo(0), typ: "STA", description: "open incident"},
		}))
		// The user can still close it.
		post(userKey, map[string]any{"type": "CLO", "timestamp": evUTC(-5 * time.Minute)})
		evWantState(t, f, userKey, pk, evOslo(-5*time.Minute), false, false)
	})
}

// evFirstPK is the pk of the last (oldest) event of a list body.
func evFirstPK(t *testing.T, r response) int64 {
	t.Helper()
	list := r.array(t)
	if len(list) == 0 {
		t.Fatal("no events")
	}
	pk, _ := list[len(list)-1].(map[string]any)["pk"].(float64)
	return int64(pk)
}

func TestEventBodyValidation(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw1", "nav")
		srcUser := evUser(t, f, src.UserID)
		user, userKey := f.user("kari", false)
		pk := evPostIncident(t, f, srcKey, "open")
		ts := evUTC(-10 * time.Minute)

		for name, c := range map[string]struct {
			key  string
			body any
			want string
		}{
			"missing type":          {userKey, map[string]any{"timestamp": ts}, `{"type": ["This field is required."]}`},
			"unknown type":          {userKey, map[string]any{"type": "XXX", "timestamp": ts}, `{"type": ["\"XXX\" is not a valid choice."]}`},
			"lowercase type":        {userKey, map[string]any{"type": "oth", "timestamp": ts}, `{"type": ["\"oth\" is not a valid choice."]}`},
			"null type":             {userKey, map[string]any{"type": nil, "timestamp": ts}, `{"type": ["This field may not be null."]}`},
			"source unknown type":   {srcKey, map[string]any{"type": "XXX", "timestamp": ts}, `{"type": ["\"XXX\" is not a valid choice."]}`},
			"bad timestamp":         {userKey, map[string]any{"type": "OTH", "timestamp": "yesterday"}, `{"timestamp": ["` + evMsgDateTime + `"]}`},
			"infinity timestamp":    {srcKey, map[string]any{"type": "OTH", "timestamp": "infinity"}, `{"timestamp": ["` + evMsgDateTime + `"]}`},
			"numeric timestamp":     {srcKey, map[string]any{"type": "OTH", "timestamp": 1780308000}, `{"timestamp": ["` + evMsgDateTime + `"]}`},
			"null description":      {userKey, map[string]any{"type": "OTH", "description": nil}, `{"description": ["This field may not be null."]}`},
			"everything wrong":      {srcKey, map[string]any{}, `{"type": ["This field is required."], "timestamp": ["This field is required."]}`},
			"fields before rights":  {userKey, map[string]any{"type": "STA", "timestamp": "bad"}, `{"timestamp": ["` + evMsgDateTime + `"]}`},
			"source fields first":   {srcKey, map[string]any{"type": "CLO"}, `{"timestamp": ["This field is required."]}`},
			"not an object":         {userKey, []string{"OTH"}, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`},
			"empty body (end user)": {userKey, nil, `{"type": ["This field is required."]}`},
		} {
			t.Run(name, func(t *testing.T) {
				f.send(http.MethodPost, evEventsPath(pk), c.key, c.body).want(t, http.StatusBadRequest, c.want)
			})
		}
		if n := evCount(t, f, userKey, pk); n != 1 {
			t.Errorf("events after refused posts: %d; want 1", n)
		}
		evWantState(t, f, userKey, pk, "infinity", true, false)

		t.Run("server-set fields ignored", func(t *testing.T) {
			other := evPostIncident(t, f, srcKey, "open")
			for _, c := range []struct {
				key   string
				actor argus.User
			}{{userKey, user}, {srcKey, srcUser}} {
				r := f.send(http.MethodPost, evEventsPath(pk), c.key, map[string]any{
					"type": "OTH", "timestamp": ts, "description": "d",
					"incident": other, "actor": map[string]any{"pk": 999, "username": "mallory"},
					"received": evUTC(-48 * time.Hour), "pk": 999,
				})
				r.want(t, http.StatusCreated, evJSON(t, evWant{
					pk: evPK(t, r), incident: pk, actor: c.actor, timestamp: evOslo(-10 * time.Minute),
					received: evOslo(0), typ: "OTH", description: "d",
				}))
			}
			if n := evCount(t, f, userKey, other); n != 1 {
				t.Errorf("events on the incident named in the body: %d; want 1", n)
			}
		})
	})
}

func TestEventNotFound(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		a := evPostIncident(t, f, srcKey, "open")
		b := evPostIncident(t, f, srcKey, "open")
		r := f.get(evEventsPath(b), userKey)
		r.want(t, http.StatusOK, "")
		staB := evFirstPK(t, r)
		const notFound = `{"detail": "Not found."}`
		const missing = int64(999999)

		f.get(evEventsPath(missing), userKey).want(t, http.StatusNotFound, notFound)
		f.get(evEventsPath(missing)+"1/", userKey).want(t, http.StatusNotFound, notFound)
		f.get(evAcksPath(missing), userKey).want(t, http.StatusNotFound, notFound)
		for _, c := range []struct {
			key  string
			body map[string]any
		}{
			{userKey, map[string]any{"type": "OTH"}},
			{userKey, map[string]any{"type": "CLO", "timestamp": evUTC(0)}},
			{srcKey, map[string]any{"type": "END", "timestamp": evUTC(0)}},
			{srcKey, map[string]any{"type": "OTH", "timestamp": evUTC(0)}},
		} {
			f.send(http.MethodPost, evEventsPath(missing), c.key, c.body).want(t, http.StatusNotFound, notFound)
		}
		f.send(http.MethodPost, evAcksPath(missing), userKey, map[string]any{"event": map[string]any{}}).
			want(t, http.StatusNotFound, notFound)

		// An event or ack is found only under its own incident.
		f.get(evEventsPath(b)+itoa(staB)+"/", userKey).want(t, http.StatusOK, "")
		f.get(evEventsPath(a)+itoa(staB)+"/", userKey).want(t, http.StatusNotFound, notFound)
		f.get(evEventsPath(b)+itoa(missing)+"/", userKey).want(t, http.StatusNotFound, notFound)
		ack := f.send(http.MethodPost, evAcksPath(b), userKey, map[string]any{"event": map[string]any{}})
		ack.want(t, http.StatusCreated, "")
		ackPK := evPK(t, ack)
		f.get(evAcksPath(b)+itoa(ackPK)+"/", userKey).want(t, http.StatusOK, "")
		f.get(evAcksPath(a)+itoa(ackPK)+"/", userKey).want(t, http.StatusNotFound, notFound)
		// An event that is not an ack is no ack.
		f.get(evAcksPath(b)+itoa(staB)+"/", userKey).want(t, http.StatusNotFound, notFound)

		// Non-numeric ids.
		for _, path := range []string{
			"/api/v1/incidents/abc/events/",
			"/api/v1/incidents/-1/events/",
			"/api/v1/incidents/abc/acks/",
			evEventsPath(b) + "abc/",
			evEventsPath(b) + "1.0/",
			evAcksPath(b) + "abc/",
		} {
			f.get(path, userKey).want(t, http.StatusNotFound, notFound)
		}
		f.send(http.MethodPost, "/api/v1/incidents/abc/events/", userKey, map[string]any{"type": "OTH"}).
			want(t, http.StatusNotFound, notFound)
		f.send(http.MethodPost, "/api/v1/incidents/abc/acks/", userKey, map[string]any{"event": map[string]any{}}).
			want(t, http.StatusNotFound, notFound)

		// Events and acks are neither changed nor deleted, and need a user.
		f.send(http.MethodDelete, evEventsPath(b)+itoa(staB)+"/", userKey, nil).
			want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
		f.send(http.MethodPut, evEventsPath(b)+itoa(staB)+"/", userKey, map[string]any{"type": "OTH"}).
			want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"PUT\" not allowed."}`)
		f.send(http.MethodDelete, evAcksPath(b)+itoa(ackPK)+"/", userKey, nil).
			want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
		f.get(evEventsPath(b), "").want(t, http.StatusUnauthorized, msgNoCredentials)
		f.send(http.MethodPost, evEventsPath(b), "", map[string]any{"type": "OTH"}).want(t, http.StatusUnauthorized, msgNoCredentials)
		f.get(evAcksPath(b), "").want(t, http.StatusUnauthorized, msgNoCredentials)
		f.send(http.MethodPost, evAcksPath(b), "", map[string]any{"event": map[string]any{}}).want(t, http.StatusUnauthorized, msgNoCredentials)
	})
}

// TestEventJSON: the exact event shape (D2), the list order, and the STA
// event that creating an incident makes.
func TestEventJSON(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, srcKey := f.source("gw1", "nav")
		srcUser := evUser(t, f, src.UserID)
		user, userKey := f.user("kari", false)
		f.clock.Set(start.Add(time.Minute))
		r := f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{
			"start_time": "2026-06-01T08:00:00Z", "end_time": "infinity", "source_incident_id": "100",
			"description": "Box down", "tags": []map[string]string{{"tag": "object=box1"}},
		})
		r.want(t, http.StatusCreated, "")
		pk := evPK(t, r)

		list := f.get(evEventsPath(pk), userKey)
		list.want(t, http.StatusOK, "")
		events := list.array(t)
		if len(events) != 1 {
			t.Fatalf("events of a new incident: %s; want the STA only", list.body)
		}
		wantKeys(t, events[0], "pk", "incident", "actor", "timestamp", "received", "type", "description")
		wantKeys(t, events[0].(map[string]any)["actor"], "pk", "username")
		wantKeys(t, events[0].(map[string]any)["type"], "value", "display")
		sta := evWant{
			pk: evFirstPK(t, list), incident: pk, actor: srcUser, timestamp: "2026-06-01T10:00:00+02:00",
			received: evOslo(time.Minute), typ: "STA", description: "Box down",
		}
		list.want(t, http.StatusOK, evJSON(t, []evWant{sta}))
		f.get(evEventsPath(pk)+itoa(sta.pk)+"/", userKey).want(t, http.StatusOK, evJSON(t, sta))

		// Newest timestamp first, whatever the order of posting.
		posted := map[time.Duration]evWant{}
		for _, c := range []struct {
			at   time.Duration
			key  string
			user argus.User
		}{
			{-30 * time.Minute, userKey, user},
			{-3 * time.Hour, srcKey, srcUser},
			{-time.Hour, userKey, user},
			{time.Hour, srcKey, srcUser},
		} {
			r := f.send(http.MethodPost, evEventsPath(pk), c.key, map[string]any{
				"type": "OTH", "timestamp": evUTC(c.at), "description": "at " + c.at.String(),
			})
			ev := evWant{
				pk: evPK(t, r), incident: pk, actor: c.user, timestamp: evOslo(c.at),
				received: evOslo(time.Minute), typ: "OTH", description: "at " + c.at.String(),
			}
			r.want(t, http.StatusCreated, evJSON(t, ev))
			wantKeys(t, r.object(t), "pk", "incident", "actor", "timestamp", "received", "type", "description")
			posted[c.at] = ev
		}
		f.get(evEventsPath(pk), userKey).want(t, http.StatusOK, evJSON(t, []evWant{
			posted[time.Hour], posted[-30*time.Minute], posted[-time.Hour], sta, posted[-3*time.Hour],
		}))

		// A naive timestamp is Oslo time; fractions show when non-zero.
		r = f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "OTH", "timestamp": "2026-06-01 11:30:00.25"})
		r.want(t, http.StatusCreated, evJSON(t, evWant{
			pk: evPK(t, r), incident: pk, actor: user, timestamp: "2026-06-01T11:30:00.250000+02:00",
			received: evOslo(time.Minute), typ: "OTH",
		}))
	})
}

// evAckWant is an ack as the API must render it.
func evAckWant(ev evWant, expiration any) map[string]any {
	return map[string]any{"pk": ev.pk, "event": ev.value(), "expiration": expiration}
}

func TestAcks(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		user, userKey := f.user("kari", false)
		other, otherKey := f.user("ola", false)
		pk := evPostIncident(t, f, srcKey, "open")

		r := f.send(http.MethodPost, evAcksPath(pk), userKey, map[string]any{
			"event":      map[string]any{"timestamp": evUTC(-10 * time.Minute), "description": "on it"},
			"expiration": evUTC(time.Hour),
		})
		r.want(t, http.StatusCreated, "")
		body := r.object(t)
		wantKeys(t, body, "pk", "event", "expiration")
		wantKeys(t, body["event"], "pk", "incident", "actor", "timestamp", "received", "type", "description")
		ev1 := evWant{
			pk: evPK(t, r), incident: pk, actor: user, timestamp: evOslo(-10 * time.Minute),
			received: evOslo(0), typ: "ACK", description: "on it",
		}
		if eventPK, _ := body["event"].(map[string]any)["pk"].(float64); int64(eventPK) != ev1.pk {
			t.Errorf("ack pk %d, event pk %v; want equal", ev1.pk, eventPK)
		}
		ack1 := evAckWant(ev1, evOslo(time.Hour))
		r.want(t, http.StatusCreated, evJSON(t, ack1))
		evWantState(t, f, userKey, pk, "infinity", true, true)

		// Already acked: a second ack, by someone else, with "type": "ACK"
		// spelled out and no expiration; its timestamp is the clock's.
		f.clock.Set(start.Add(2 * time.Minute))
		r = f.send(http.MethodPost, evAcksPath(pk), otherKey, map[string]any{"event": map[string]any{"type": "ACK"}})
		ev2 := evWant{
			pk: evPK(t, r), incident: pk, actor: other, timestamp: evOslo(2 * time.Minute),
			received: evOslo(2 * time.Minute), typ: "ACK",
		}
		ack2 := evAckWant(ev2, nil)
		r.want(t, http.StatusCreated, evJSON(t, ack2))
		// An explicit null expiration is the same as none.
		r = f.send(http.MethodPost, evAcksPath(pk), userKey, map[string]any{
			"event": map[string]any{"timestamp": evUTC(-20 * time.Minute)}, "expiration": nil,
		})
		ev3 := evWant{
			pk: evPK(t, r), incident: pk, actor: user, timestamp: evOslo(-20 * time.Minute),
			received: evOslo(2 * time.Minute), typ: "ACK",
		}
		ack3 := evAckWant(ev3, nil)
		r.want(t, http.StatusCreated, evJSON(t, ack3))

		f.get(evAcksPath(pk), userKey).want(t, http.StatusOK, evJSON(t, []any{ack2, ack1, ack3}))
		for _, a := range []map[string]any{ack1, ack2, ack3} {
			f.get(evAcksPath(pk)+itoa(a["pk"].(int64))+"/", userKey).want(t, http.StatusOK, evJSON(t, a))
		}
		// The ACK events are among the incident's events.
		list := f.get(evEventsPath(pk), userKey)
		list.want(t, http.StatusOK, "")
		evs := list.array(t)
		if len(evs) != 4 {
			t.Fatalf("events: %s; want STA and three ACKs", list.body)
		}
		if diff := cmp.Diff(evJSON(t, []evWant{ev2, ev1, ev3}), evJSON(t, evs[:3])); diff != "" {
			t.Errorf("ACK events (-want +got):\n%s", diff)
		}

		t.Run("naive expiration", func(t *testing.T) {
			inc := evPostIncident(t, f, srcKey, "open")
			r := f.send(http.MethodPost, evAcksPath(inc), userKey, map[string]any{
				"event": map[string]any{"timestamp": "2026-06-01 12:00:00"}, "expiration": "2026-06-01 13:30:00",
			})
			r.want(t, http.StatusCreated, evJSON(t, evAckWant(evWant{
				pk: evPK(t, r), incident: inc, actor: user, timestamp: evOslo(0),
				received: evOslo(2 * time.Minute), typ: "ACK",
			}, evOslo(90*time.Minute))))
		})
		t.Run("any incident", func(t *testing.T) {
			for _, kind := range []string{"open", "closed", "stateless"} {
				inc := evPostIncident(t, f, srcKey, kind)
				f.send(http.MethodPost, evAcksPath(inc), userKey, map[string]any{"event": map[string]any{}}).
					want(t, http.StatusCreated, "")
				evWantState(t, f, userKey, inc, evEnds[kind].want, kind == "open", true)
			}
		})
	})
}

func TestAckValidation(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		pk := evPostIncident(t, f, srcKey, "open")
		const nonField = `{"non_field_errors": ["'expiration' must be after 'event.timestamp'."]}`
		dt := `["` + evMsgDateTime + `"]`

		for name, c := range map[string]struct {
			key  string
			body any
			want string
		}{
			"missing event":     {userKey, map[string]any{"expiration": evUTC(time.Hour)}, `{"event": ["This field is required."]}`},
			"empty body":        {userKey, nil, `{"event": ["This field is required."]}`},
			"null event":        {userKey, map[string]any{"event": nil}, `{"event": ["This field may not be null."]}`},
			"event not object":  {userKey, map[string]any{"event": "ACK"}, `{"event": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}}`},
			"type OTH":          {userKey, map[string]any{"event": map[string]any{"type": "OTH"}}, `{"event": ["'OTH' is not a valid event type for acknowledgements. Use 'ACK' or omit 'type' completely."]}`},
			"type CLO":          {userKey, map[string]any{"event": map[string]any{"type": "CLO"}}, `{"event": ["'CLO' is not a valid event type for acknowledgements. Use 'ACK' or omit 'type' completely."]}`},
			"type XXX":          {userKey, map[string]any{"event": map[string]any{"type": "XXX"}}, `{"event": {"type": ["\"XXX\" is not a valid choice."]}}`},
			"type null":         {userKey, map[string]any{"event": map[string]any{"type": nil}}, `{"event": {"type": ["This field may not be null."]}}`},
			"bad timestamp":     {userKey, map[string]any{"event": map[string]any{"timestamp": "soon"}}, `{"event": {"timestamp": ` + dt + `}}`},
			"null timestamp":    {userKey, map[string]any{"event": map[string]any{"timestamp": nil}}, `{"event": {"timestamp": ["This field may not be null."]}}`},
			"bad expiration":    {userKey, map[string]any{"event": map[string]any{}, "expiration": "never"}, `{"expiration": ` + dt + `}`},
			"infinite expiry":   {userKey, map[string]any{"event": map[string]any{}, "expiration": "infinity"}, `{"expiration": ` + dt + `}`},
			"both bad":          {userKey, map[string]any{"expiration": "never"}, `{"event": ["This field is required."], "expiration": ` + dt + `}`},
			"expiry at event":   {userKey, map[string]any{"event": map[string]any{"timestamp": evUTC(-time.Hour)}, "expiration": evUTC(-time.Hour)}, nonField},
			"expiry before":     {userKey, map[string]any{"event": map[string]any{"timestamp": evUTC(-time.Hour)}, "expiration": evUTC(-2 * time.Hour)}, nonField},
			"expiry before now": {userKey, map[string]any{"event": map[string]any{}, "expiration": evUTC(-time.Second)}, nonField},
			"expiry at now":     {userKey, map[string]any{"event": map[string]any{}, "expiration": evUTC(0)}, nonField},
			"source system":     {srcKey, map[string]any{"event": map[string]any{"timestamp": evUTC(0)}, "expiration": evUTC(time.Hour)}, `{"type": "A source system cannot post acknowledgements."}`},
			"source, no expiry": {srcKey, map[string]any{"event": map[string]any{}}, `{"type": "A source system cannot post acknowledgements."}`},
		} {
			t.Run(name, func(t *testing.T) {
				f.send(http.MethodPost, evAcksPath(pk), c.key, c.body).want(t, http.StatusBadRequest, c.want)
			})
		}
		f.get(evAcksPath(pk), userKey).want(t, http.StatusOK, `[]`)
		if n := evCount(t, f, userKey, pk); n != 1 {
			t.Errorf("events after refused acks: %d; want 1", n)
		}
		evWantState(t, f, userKey, pk, "infinity", true, false)
	})
}

// evListPKs returns the pks of an incident list, paginated or not.
func evListPKs(t *testing.T, f *fixture, key, path string) []int64 {
	t.Helper()
	r := f.get(path, key)
	r.want(t, http.StatusOK, "")
	var items []any
	if strings.HasPrefix(strings.TrimSpace(string(r.body)), "[") {
		items = r.array(t)
	} else {
		items, _ = r.object(t)["results"].([]any)
	}
	pks := []int64{}
	for _, it := range items {
		pk, _ := it.(map[string]any)["pk"].(float64)
		pks = append(pks, int64(pk))
	}
	return pks
}

// TestAckExpiry: an ack counts until its expiration, judged against the
// clock at query time, everywhere (D25).
func TestAckExpiry(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		ack := func(incident int64, at time.Duration, expiration any) {
			t.Helper()
			f.send(http.MethodPost, evAcksPath(incident), userKey, map[string]any{
				"event": map[string]any{"timestamp": evUTC(at)}, "expiration": expiration,
			}).want(t, http.StatusCreated, "")
		}
		expiring := evPostIncident(t, f, srcKey, "open")
		ack(expiring, 0, evUTC(time.Hour))
		forever := evPostIncident(t, f, srcKey, "open")
		ack(forever, 0, nil)
		mixed := evPostIncident(t, f, srcKey, "open")
		ack(mixed, 0, evUTC(30*time.Minute))
		ack(mixed, 0, evUTC(5*time.Hour))
		expired := evPostIncident(t, f, srcKey, "open") // acked, but expired before now
		ack(expired, -2*time.Hour, evUTC(-time.Hour))
		unacked := evPostIncident(t, f, srcKey, "open")
		statelessAcked := evPostIncident(t, f, srcKey, "stateless")
		ack(statelessAcked, 0, evUTC(time.Hour))

		check := func(t *testing.T, acked, notAcked []int64) {
			t.Helper()
			for _, pk := range acked {
				if got := evState(t, f, userKey, pk)["acked"]; got != true {
					t.Errorf("incident %d acked = %v; want true", pk, got)
				}
			}
			for _, pk := range notAcked {
				if got := evState(t, f, userKey, pk)["acked"]; got != false {
					t.Errorf("incident %d acked = %v; want false", pk, got)
				}
			}
			// Lists are ordered -start_time, then -pk; all start together.
			desc := func(pks []int64) []int64 {
				out := slices.Clone(pks)
				slices.Sort(out)
				slices.Reverse(out)
				return out
			}
			openOnly := func(pks []int64) []int64 {
				return slices.DeleteFunc(slices.Clone(pks), func(pk int64) bool { return pk == statelessAcked })
			}
			for path, want := range map[string][]int64{
				"/api/v1/incidents/?acked=true":             desc(acked),
				"/api/v1/incidents/?acked=false":            desc(notAcked),
				"/api/v1/incidents/?acked=false&open=true":  desc(openOnly(notAcked)),
				"/api/v1/incidents/?acked=true&stateful=1":  desc(openOnly(acked)),
				"/api/v1/incidents/open+unacked/":           desc(openOnly(notAcked)),
				"/api/v1/incidents/open/":                   desc(openOnly(append(slices.Clone(acked), notAcked...))),
				"/api/v1/incidents/?acked=TRUE&page_size=1": desc(acked)[:min(1, len(acked))],
			} {
				if diff := cmp.Diff(want, evListPKs(t, f, userKey, path)); diff != "" {
					t.Errorf("GET %s pks (-want +got):\n%s", path, diff)
				}
			}
		}

		t.Run("before expiry", func(t *testing.T) {
			f.clock.Set(start.Add(29 * time.Minute))
			check(t, []int64{expiring, forever, mixed, statelessAcked}, []int64{expired, unacked})
		})
		t.Run("one of two expired", func(t *testing.T) {
			f.clock.Set(start.Add(59*time.Minute + 59*time.Second))
			check(t, []int64{expiring, forever, mixed, statelessAcked}, []int64{expired, unacked})
		})
		t.Run("at expiry", func(t *testing.T) {
			// Acked while expiration > now: at the expiration it is over.
			f.clock.Set(start.Add(time.Hour))
			check(t, []int64{forever, mixed}, []int64{expiring, expired, unacked, statelessAcked})
		})
		t.Run("all timed acks expired", func(t *testing.T) {
			f.clock.Set(start.Add(10 * 24 * time.Hour))
			check(t, []int64{forever}, []int64{expiring, mixed, expired, unacked, statelessAcked})
		})
		t.Run("acked again", func(t *testing.T) {
			ack(expiring, 10*24*time.Hour, evUTC(11*24*time.Hour))
			check(t, []int64{expiring, forever}, []int64{mixed, expired, unacked, statelessAcked})
		})
	})
}

// evDispatched is what a recorded dispatch saw: the event, and the
// incident as the store showed it at that moment.
type evDispatched struct {
	ev  argus.Event
	inc argus.Incident
	err error
}

// evRecorder subscribes to the store's changes and records each event
// with the incident a notification of it would read (D10).
type evRecorder struct {
	mu    sync.Mutex
	st    *store.Store
	clock *clock
	got   []evDispatched
}

func (r *evRecorder) Dispatch(ctx context.Context, ev argus.Event) {
	inc, err := r.st.Incident(ctx, ev.IncidentID, r.clock.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, evDispatched{ev: ev, inc: inc, err: err})
}

// changes is the recorder's subscription (store.Subscribe).
func (r *evRecorder) changes(cs []store.Change) {
	for _, c := range cs {
		if c.EventID != 0 {
			r.Dispatch(context.Background(), c.Event)
		}
	}
}

// take returns and forgets what was dispatched so far.
func (r *evRecorder) take() []evDispatched {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// evEachWithRecorder is eachFixture with a recording dispatcher that reads
// the fixture's store and clock.
func evEachWithRecorder(t *testing.T, fn func(t *testing.T, f *fixture, rec *evRecorder)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rec := &evRecorder{st: st}
		f := newFixture(t, st, api.Options{})
		rec.clock = f.clock
		t.Cleanup(st.Subscribe(rec.changes))
		fn(t, f, rec)
	})
}

func TestEventDispatch(t *testing.T) {
	evEachWithRecorder(t, func(t *testing.T, f *fixture, rec *evRecorder) {
		src, srcKey := f.source("gw1", "nav")
		srcUser := evUser(t, f, src.UserID)
		user, userKey := f.user("kari", false)

		// one checks that exactly one event was dispatched, of the type,
		// with the pk the response named, and returns what it saw.
		one := func(t *testing.T, typ string, pk int64) evDispatched {
			t.Helper()
			got := rec.take()
			if len(got) != 1 {
				t.Fatalf("dispatched %d events (%+v); want one %s", len(got), got, typ)
			}
			d := got[0]
			if d.err != nil {
				t.Fatalf("the dispatcher could not read the incident: %v", d.err)
			}
			if string(d.ev.Type) != typ || d.ev.ID != pk {
				t.Errorf("dispatched %s event %d; want %s event %d", d.ev.Type, d.ev.ID, typ, pk)
			}
			return d
		}
		none := func(t *testing.T) {
			t.Helper()
			if got := rec.take(); len(got) != 0 {
				t.Errorf("dispatched %+v; want nothing", got)
			}
		}
		tagsOf := func(inc argus.Incident) []string {
			out := []string{}
			for _, r := range inc.Tags {
				out = append(out, r.Tag.String())
			}
			slices.Sort(out)
			return out
		}

		var pk int64
		t.Run("STA on creation sees the tags", func(t *testing.T) {
			pk = evPostIncident(t, f, srcKey, "open", "object=box1", "location=oslo")
			list := f.get(evEventsPath(pk), userKey)
			d := one(t, "STA", evFirstPK(t, list))
			if d.ev.IncidentID != pk || d.ev.Actor.ID != srcUser.ID || !d.ev.Timestamp.Equal(start.Add(evIncidentStart)) {
				t.Errorf("STA event = %+v; want incident %d, actor %d, timestamp %v", d.ev, pk, srcUser.ID, start.Add(evIncidentStart))
			}
			if diff := cmp.Diff([]string{"location=oslo", "object=box1"}, tagsOf(d.inc)); diff != "" {
				t.Errorf("tags seen by the STA dispatch (-want +got):\n%s", diff)
			}
			if d.inc.EndTime == nil || !argus.IsInfinity(*d.inc.EndTime) {
				t.Errorf("STA dispatch saw end_time %v; want infinity", d.inc.EndTime)
			}
		})
		t.Run("OTH", func(t *testing.T) {
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "OTH", "description": "note"})
			r.want(t, http.StatusCreated, "")
			d := one(t, "OTH", evPK(t, r))
			if d.ev.Actor.ID != user.ID || d.ev.Description != "note" {
				t.Errorf("OTH event = %+v; want actor %d, description \"note\"", d.ev, user.ID)
			}
		})
		t.Run("ACK sees acked", func(t *testing.T) {
			r := f.send(http.MethodPost, evAcksPath(pk), userKey, map[string]any{"event": map[string]any{}, "expiration": evUTC(time.Hour)})
			r.want(t, http.StatusCreated, "")
			d := one(t, "ACK", evPK(t, r))
			if !d.inc.Acked {
				t.Error("ACK dispatch saw acked = false; want true")
			}
		})
		t.Run("END sees the incident closed", func(t *testing.T) {
			r := f.send(http.MethodPost, evEventsPath(pk), srcKey, map[string]any{"type": "END", "timestamp": evUTC(-5 * time.Minute)})
			r.want(t, http.StatusCreated, "")
			d := one(t, "END", evPK(t, r))
			if d.inc.EndTime == nil || !d.inc.EndTime.Equal(start.Add(-5*time.Minute)) || d.inc.Open(f.clock.Now()) {
				t.Errorf("END dispatch saw end_time %v; want %v, closed", d.inc.EndTime, start.Add(-5*time.Minute))
			}
		})
		t.Run("REO sees the incident open", func(t *testing.T) {
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "REO"})
			r.want(t, http.StatusCreated, "")
			d := one(t, "REO", evPK(t, r))
			if d.inc.EndTime == nil || !argus.IsInfinity(*d.inc.EndTime) {
				t.Errorf("REO dispatch saw end_time %v; want infinity", d.inc.EndTime)
			}
		})
		t.Run("CLO sees the incident closed", func(t *testing.T) {
			r := f.send(http.MethodPost, evEventsPath(pk), userKey, map[string]any{"type": "CLO", "timestamp": evUTC(-time.Minute)})
			r.want(t, http.StatusCreated, "")
			d := one(t, "CLO", evPK(t, r))
			if d.inc.EndTime == nil || !d.inc.EndTime.Equal(start.Add(-time.Minute)) {
				t.Errorf("CLO dispatch saw end_time %v; want %v", d.inc.EndTime, start.Add(-time.Minute))
			}
		})
		t.Run("refused events dispatch nothing", func(t *testing.T) {
			for _, c := range []struct {
				path, key string
				body      any
				status    int
			}{
				{evEventsPath(pk), userKey, map[string]any{"type": "CLO"}, http.StatusBadRequest}, // already closed
				{evEventsPath(pk), userKey, map[string]any{"type": "ACK"}, http.StatusBadRequest}, // via /acks/
				{evEventsPath(pk), userKey, map[string]any{"type": "STA"}, http.StatusBadRequest}, // actor
				{evEventsPath(pk), srcKey, map[string]any{"type": "CLO", "timestamp": evUTC(0)}, http.StatusBadRequest},
				{evEventsPath(pk), srcKey, map[string]any{"type": "OTH"}, http.StatusBadRequest},  // no timestamp
				{evEventsPath(pk), userKey, map[string]any{"type": "XXX"}, http.StatusBadRequest}, // body
				{evEventsPath(999999), userKey, map[string]any{"type": "OTH"}, http.StatusNotFound},
				{evAcksPath(pk), srcKey, map[string]any{"event": map[string]any{}}, http.StatusBadRequest},
				{evAcksPath(pk), userKey, map[string]any{"event": map[string]any{"type": "OTH"}}, http.StatusBadRequest},
				{evAcksPath(pk), userKey, map[string]any{"event": map[string]any{}, "expiration": evUTC(-time.Hour)}, http.StatusBadRequest},
				{evAcksPath(999999), userKey, map[string]any{"event": map[string]any{}}, http.StatusNotFound},
				{"/api/v1/incidents/", userKey, map[string]any{"start_time": evUTC(0)}, http.StatusBadRequest}, // no source
				{"/api/v1/incidents/", srcKey, map[string]any{"start_time": "bad"}, http.StatusBadRequest},
			} {
				f.send(http.MethodPost, c.path, c.key, c.body).want(t, c.status, "")
			}
			none(t)
		})
		t.Run("swallowed source events notify", func(t *testing.T) {
			// Closed by the user's CLO: the source's END is recorded, not applied.
			r := f.send(http.MethodPost, evEventsPath(pk), srcKey, map[string]any{"type": "END", "timestamp": evUTC(0)})
			r.want(t, http.StatusCreated, "")
			d := one(t, "END", evPK(t, r))
			if d.inc.EndTime == nil || !d.inc.EndTime.Equal(start.Add(-time.Minute)) {
				t.Errorf("swallowed END: incident end_time %v; want unchanged %v", d.inc.EndTime, start.Add(-time.Minute))
			}
			r = f.send(http.MethodPost, evEventsPath(pk), srcKey, map[string]any{"type": "STA", "timestamp": evUTC(0)})
			r.want(t, http.StatusCreated, "")
			one(t, "STA", evPK(t, r))
		})
		t.Run("stateless incident", func(t *testing.T) {
			inc := evPostIncident(t, f, srcKey, "stateless")
			list := f.get(evEventsPath(inc), userKey)
			d := one(t, "LES", evFirstPK(t, list)) // D31: a stateless incident begins with LES
			if d.inc.EndTime != nil || len(d.inc.Tags) != 0 {
				t.Errorf("stateless LES dispatch saw %+v; want no end time, no tags", d.inc)
			}
		})
	})
}

// TestEventConcurrentClose: of simultaneous closes of one open incident,
// exactly one wins; the others see it closed (the incident is locked for
// the change on both databases).
func TestEventConcurrentClose(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, userKey := f.user("kari", false)
		pk := evPostIncident(t, f, srcKey, "open")
		const n = 8
		type result struct {
			status int
			body   string
			err    error
		}
		results := make(chan result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				body := `{"type": "CLO", "timestamp": "` + evUTC(time.Duration(-i)*time.Minute) + `"}`
				hr, err := http.NewRequest(http.MethodPost, f.srv.URL+evEventsPath(pk), strings.NewReader(body))
				if err != nil {
					results <- result{err: err}
					return
				}
				hr.Header.Set("Content-Type", "application/json")
				hr.Header.Set("Authorization", "Token "+userKey)
				resp, err := noRedirect.Do(hr)
				if err != nil {
					results <- result{err: err}
					return
				}
				defer resp.Body.Close()
				var got any
				err = json.NewDecoder(resp.Body).Decode(&got)
				data, _ := json.Marshal(got)
				results <- result{status: resp.StatusCode, body: string(data), err: err}
			})
		}
		wg.Wait()
		close(results)
		created := 0
		for r := range results {
			switch {
			case r.err != nil:
				t.Error(r.err)
			case r.status == http.StatusCreated:
				created++
			case r.status != http.StatusBadRequest || r.body != `{"type":"The incident is already closed."}`:
				t.Errorf("concurrent CLO: %d %s; want 201 or 400 already closed", r.status, r.body)
			}
		}
		if created != 1 {
			t.Errorf("%d concurrent closes succeeded; want 1", created)
		}
		if got := evCount(t, f, userKey, pk); got != 2 {
			t.Errorf("events after concurrent closes: %d; want STA and one CLO", got)
		}
	})
}
