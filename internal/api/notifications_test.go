package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// GET /api/v1/notifications/ shows every notification message and its
// delivery record to superusers (D12: permanent failures are visible).

const ntPath = "/api/v1/notifications/"

// ntKeys are the keys of one message.
var ntKeys = []string{"pk", "incident", "event", "medium", "recipient", "user", "status", "attempts",
	"last_error", "created", "updated", "next_attempt", "deadline", "sent"}

// ntEachFixture runs fn on both databases with a store that puts every
// event in the notification outbox.
func ntEachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		st := storetest.Open(t, b.DSN, store.WithNotifications(true))
		fn(t, newFixture(t, st, api.Options{}))
	})
}

// The times of the message world: posted at start, dispatched at t0 and
// t0b (e2) and t0c (e3), claimed at t1, outcomes at t2 (a fraction of a
// second, which the API shows to the microsecond), retried at t3.
var (
	ntT0    = start
	ntT0b   = start.Add(30 * time.Second)
	ntT0c   = start.Add(40 * time.Second)
	ntT1    = start.Add(time.Minute)
	ntT2    = start.Add(70*time.Second + 123456789*time.Nanosecond)
	ntT3    = start.Add(10 * time.Minute)
	ntRetry = 24 * time.Hour
)

// ntOslo is start+d as the API renders it in Oslo summer time, with six
// decimals when there is a fraction.
func ntOslo(d time.Duration) string {
	t := start.Add(d).In(time.FixedZone("CEST", 2*60*60))
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000000Z07:00")
	}
	return t.Format(time.RFC3339)
}

// ntWorld is the messages of these tests, m[1]…m[6] by role:
//
//	m1 inc1/e1 EM kari   sent (attempt 1)
//	m2 inc1/e1 EM ola    failed at once: no address
//	m3 inc2/e2 EM kari   queued again after a transient failure (attempt 1)
//	m4 inc2/e2 EM admin  failed for good (attempt 1)
//	m5 inc2/e2 SM kari   sending (claimed, no outcome yet)
//	m6 inc2/e3 SM nobody queued, never tried (its user is gone)
type ntWorld struct {
	admin, kari, ola  argus.User
	adminKey, kariKey string
	srcKey            string
	inc1, inc2        int64
	e1, e2, e3        int64
	m                 [7]int64
}

// ntPostIncident creates an open incident as the source whose token is
// key and returns its pk.
func ntPostIncident(t *testing.T, f *fixture, key, description string) int64 {
	t.Helper()
	r := f.send(http.MethodPost, "/api/v1/incidents/", key, map[string]any{
		"start_time":         start.Add(-time.Hour).UTC().Format(time.RFC3339),
		"end_time":           "infinity",
		"source_incident_id": description,
		"description":        description,
		"tags":               []map[string]string{},
	})
	r.want(t, http.StatusCreated, "")
	return ntPK(t, r.object(t))
}

// ntPK is the "pk" of a JSON object.
func ntPK(t *testing.T, o map[string]any) int64 {
	t.Helper()
	pk, ok := o["pk"].(float64)
	if !ok {
		t.Fatalf("no pk in %v", o)
	}
	return int64(pk)
}

// ntEnqueue dispatches one outbox event as the dispatcher does, retried
// until now+ntRetry.
func ntEnqueue(t *testing.T, st *store.Store, eventID, incidentID int64, now time.Time, out ...store.Outgoing) {
	t.Helper()
	ok, err := st.Enqueue(context.Background(), eventID, incidentID, out, now, now.Add(ntRetry))
	if err != nil || !ok {
		t.Fatalf("Enqueue(event %d) = %v, %v; want true, nil", eventID, ok, err)
	}
}

// ntClaim claims the messages due at now as a worker does and checks that
// exactly want were claimed. It returns the attempt number of each.
func ntClaim(t *testing.T, st *store.Store, now time.Time, limit int, want ...int64) map[int64]int {
	t.Helper()
	msgs, err := st.ClaimMessages(context.Background(), now, time.Minute, limit)
	if err != nil {
		t.Fatalf("ClaimMessages: %v", err)
	}
	attempts := map[int64]int{}
	got := []int64{}
	for _, m := range msgs {
		attempts[m.ID] = m.Attempts
		got = append(got, m.ID)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("claimed at %v (-want +got):\n%s", now, diff)
	}
	return attempts
}

// ntOutcome checks that a worker's outcome was recorded.
func ntOutcome(t *testing.T, what string, ok bool, err error) {
	t.Helper()
	if err != nil || !ok {
		t.Fatalf("%s = %v, %v; want true, nil", what, ok, err)
	}
}

// ntSeed builds ntWorld: incidents and an event posted over HTTP at
// start, dispatched and delivered through the store as the notify
// service would.
func ntSeed(t *testing.T, f *fixture) ntWorld {
	t.Helper()
	ctx := context.Background()
	var w ntWorld
	w.admin, w.adminKey = f.user("admin", true)
	w.kari, w.kariKey = f.user("kari", false)
	w.ola, _ = f.user("ola", false)
	_, w.srcKey = f.source("gw", "nav")

	w.inc1 = ntPostIncident(t, f, w.srcKey, "first")
	w.inc2 = ntPostIncident(t, f, w.srcKey, "second")
	r := f.send(http.MethodPost, "/api/v1/incidents/"+itoa(w.inc2)+"/events/", w.srcKey,
		map[string]any{"type": "OTH", "description": "still down", "timestamp": start.UTC().Format(time.RFC3339)})
	r.want(t, http.StatusCreated, "")
	w.e3 = ntPK(t, r.object(t))

	events, err := f.st.ClaimOutbox(ctx, ntT0, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("outbox = %v; want the 3 events posted", events)
	}
	for _, id := range events {
		ev, _, err := f.st.DispatchEvent(ctx, id, ntT0)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case id == w.e3:
		case ev.IncidentID == w.inc1:
			w.e1 = id
		case ev.IncidentID == w.inc2:
			w.e2 = id
		}
	}
	if w.e1 == 0 || w.e2 == 0 {
		t.Fatalf("outbox %v lacks the start events of incidents %d and %d", events, w.inc1, w.inc2)
	}

	content := store.MessageContent{Subject: "[Argus] subject", Text: "body"}
	ntEnqueue(t, f.st, w.e1, w.inc1, ntT0, store.Outgoing{Medium: argus.MediumEmail, Content: content, Recipients: []store.Recipient{
		{UserID: w.kari.ID, Address: "kari@example.org"},
		{UserID: w.ola.ID, Error: "user ola has no email address"},
	}})
	ntEnqueue(t, f.st, w.e2, w.inc2, ntT0b,
		store.Outgoing{Medium: argus.MediumEmail, Content: content, Recipients: []store.Recipient{
			{UserID: w.kari.ID, Address: "kari@example.org"},
			{UserID: w.admin.ID, Address: "admin@example.org"},
		}},
		store.Outgoing{Medium: argus.MediumSMS, Content: content, Recipients: []store.Recipient{
			{UserID: w.kari.ID, Address: "+4790000001"},
		}})
	ntEnqueue(t, f.st, w.e3, w.inc2, ntT0c, store.Outgoing{Medium: argus.MediumSMS, Content: content, Recipients: []store.Recipient{
		{Address: "+4790000002"},
	}})

	// Name the messages by what they are.
	list, _, err := f.st.Messages(ctx, store.MessageFilter{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 6 {
		t.Fatalf("%d messages queued; want 6", len(list))
	}
	for _, m := range list {
		switch {
		case m.EventID == w.e1 && m.Recipient == "kari@example.org":
			w.m[1] = m.ID
		case m.EventID == w.e1 && m.Recipient == "":
			w.m[2] = m.ID
		case m.EventID == w.e2 && m.Recipient == "kari@example.org":
			w.m[3] = m.ID
		case m.EventID == w.e2 && m.Recipient == "admin@example.org":
			w.m[4] = m.ID
		case m.EventID == w.e2 && m.Recipient == "+4790000001":
			w.m[5] = m.ID
		case m.EventID == w.e3 && m.Recipient == "+4790000002":
			w.m[6] = m.ID
		}
	}
	for i := 1; i <= 6; i++ {
		if w.m[i] == 0 {
			t.Fatalf("message m%d not queued: %+v", i, list)
		}
	}

	// A worker claims the four earliest due (m6 was queued last), sends
	// m1, retries m3, gives up on m4 and is still busy with m5.
	att := ntClaim(t, f.st, ntT1, 4, w.m[1], w.m[3], w.m[4], w.m[5])
	ok, err := f.st.MessageSent(ctx, w.m[1], att[w.m[1]], ntT2)
	ntOutcome(t, "MessageSent(m1)", ok, err)
	ok, err = f.st.MessageRetry(ctx, w.m[3], att[w.m[3]], "451 4.3.0 try again later", ntT2, ntT3)
	ntOutcome(t, "MessageRetry(m3)", ok, err)
	ok, err = f.st.MessageFailed(ctx, w.m[4], att[w.m[4]], "550 5.1.1 no such user", ntT2)
	ntOutcome(t, "MessageFailed(m4)", ok, err)
	return w
}

// ntWant is each message of ntWorld as the API renders it, in Oslo time.
func (w ntWorld) ntWant() map[int64]map[string]any {
	d1, d2, d3 := ntOslo(ntRetry), ntOslo(30*time.Second+ntRetry), ntOslo(40*time.Second+ntRetry)
	t0, t0b, t0c := ntOslo(0), ntOslo(30*time.Second), ntOslo(40*time.Second)
	t1, t2, t3 := ntOslo(time.Minute), ntOslo(70*time.Second+123456789*time.Nanosecond), ntOslo(10*time.Minute)
	msg := func(pk, inc, ev int64, medium, recipient string, user any, status string, attempts int,
		lastError, created, updated string, next any, deadline string, sent any) map[string]any {
		return map[string]any{
			"pk": float64(pk), "incident": float64(inc), "event": float64(ev), "medium": medium,
			"recipient": recipient, "user": user, "status": status, "attempts": float64(attempts),
			"last_error": lastError, "created": created, "updated": updated, "next_attempt": next,
			"deadline": deadline, "sent": sent,
		}
	}
	return map[int64]map[string]any{
		w.m[1]: msg(w.m[1], w.inc1, w.e1, "EM", "kari@example.org", "kari", "sent", 1, "", t0, t2, nil, d1, t2),
		w.m[2]: msg(w.m[2], w.inc1, w.e1, "EM", "", "ola", "failed", 0, "user ola has no email address", t0, t0, nil, d1, nil),
		w.m[3]: msg(w.m[3], w.inc2, w.e2, "EM", "kari@example.org", "kari", "queued", 1, "451 4.3.0 try again later", t0b, t2, t3, d2, nil),
		w.m[4]: msg(w.m[4], w.inc2, w.e2, "EM", "admin@example.org", "admin", "failed", 1, "550 5.1.1 no such user", t0b, t2, nil, d2, nil),
		w.m[5]: msg(w.m[5], w.inc2, w.e2, "SM", "+4790000001", "kari", "sending", 1, "", t0b, t1, nil, d2, nil),
		w.m[6]: msg(w.m[6], w.inc2, w.e3, "SM", "+4790000002", nil, "queued", 0, "", t0c, t0c, t0c, d3, nil),
	}
}

// newestFirst is the pks of messages m[i] for the roles, newest first.
func (w ntWorld) newestFirst(roles ...int) []int64 {
	out := make([]int64, len(roles))
	for i, r := range roles {
		out[i] = w.m[r]
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// ntPage is one page of the list.
type ntPage struct {
	next, previous *string
	results        []map[string]any
}

func (p ntPage) pks(t *testing.T) []int64 {
	t.Helper()
	out := make([]int64, len(p.results))
	for i, m := range p.results {
		out[i] = ntPK(t, m)
	}
	return out
}

// ntGetPage fetches a page, checking the status and the exact keys of the
// page and of every result.
func ntGetPage(t *testing.T, f *fixture, key, path string) ntPage {
	t.Helper()
	r := f.get(path, key)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d; want 200 (body %s)", path, r.status, r.body)
	}
	var body struct {
		Next     *string          `json:"next"`
		Previous *string          `json:"previous"`
		Results  []map[string]any `json:"results"`
	}
	wantKeys(t, r.object(t), "next", "previous", "results")
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("GET %s: %v (body %s)", path, err, r.body)
	}
	if body.Results == nil {
		t.Fatalf("GET %s: results = null; want an array", path)
	}
	for _, m := range body.Results {
		wantKeys(t, m, ntKeys...)
	}
	return ntPage{next: body.Next, previous: body.Previous, results: body.Results}
}

// ntLinkPath checks that a link is an absolute URL of the list on this
// server and returns its path and query.
func ntLinkPath(t *testing.T, f *fixture, link string) string {
	t.Helper()
	if !strings.HasPrefix(link, f.srv.URL+ntPath+"?") {
		t.Fatalf("link %q is not an absolute URL of %s on %s", link, ntPath, f.srv.URL)
	}
	return strings.TrimPrefix(link, f.srv.URL)
}

func TestNotificationsAccess(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		w := ntSeed(t, f)

		r := f.get(ntPath, "")
		r.want(t, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		if got := r.header.Get("WWW-Authenticate"); got != "Token" {
			t.Errorf("WWW-Authenticate = %q; want Token", got)
		}
		f.get(ntPath, "0123456789abcdef0123456789abcdef01234567").
			want(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		f.send(http.MethodPost, ntPath, "", map[string]any{}).
			want(t, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)

		// Only superusers: neither an end user nor a source system, even
		// about their own messages, nor with a filter or a bad parameter.
		forbidden := `{"detail": "You do not have permission to perform this action."}`
		for _, key := range []string{w.kariKey, w.srcKey} {
			f.get(ntPath, key).want(t, http.StatusForbidden, forbidden)
			f.get(ntPath+"?status=failed&incident="+itoa(w.inc1), key).want(t, http.StatusForbidden, forbidden)
			f.get(ntPath+"?status=bogus", key).want(t, http.StatusForbidden, forbidden)
		}

		p := ntGetPage(t, f, w.adminKey, ntPath)
		if diff := cmp.Diff(w.newestFirst(1, 2, 3, 4, 5, 6), p.pks(t)); diff != "" {
			t.Errorf("superuser's list (-want +got):\n%s", diff)
		}

		// GET only: other methods are 405 with Allow.
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r := f.send(m, ntPath, w.adminKey, map[string]any{})
			r.want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"`+m+`\" not allowed."}`)
			if got := r.header.Get("Allow"); got != "GET, HEAD, OPTIONS" {
				t.Errorf("%s: Allow = %q; want GET, HEAD, OPTIONS", m, got)
			}
		}
		r = f.do(req{method: http.MethodOptions, path: ntPath, token: w.adminKey})
		if r.status != http.StatusOK || r.header.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Errorf("OPTIONS = %d, Allow %q; want 200, GET, HEAD, OPTIONS", r.status, r.header.Get("Allow"))
		}
		r = f.do(req{method: http.MethodHead, path: ntPath, token: w.adminKey})
		if r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("HEAD = %d with %d bytes; want 200 without a body", r.status, len(r.body))
		}
		r = f.get(strings.TrimSuffix(ntPath, "/")+"?status=sent", w.adminKey)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != ntPath+"?status=sent" {
			t.Errorf("without the slash = %d to %q; want 301 to %s?status=sent", r.status, r.header.Get("Location"), ntPath)
		}
	})
}

// Every field of every kind of message, in the configured time zone.
func TestNotificationsRender(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		_, adminKey := f.user("root", true)
		f.get(ntPath, adminKey).want(t, http.StatusOK, `{"next": null, "previous": null, "results": []}`)

		w := ntSeed(t, f)
		want := w.ntWant()
		p := ntGetPage(t, f, w.adminKey, ntPath)
		if p.next != nil || p.previous != nil {
			t.Errorf("next, previous = %v, %v; want null on a single page", p.next, p.previous)
		}
		if diff := cmp.Diff(w.newestFirst(1, 2, 3, 4, 5, 6), p.pks(t)); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
		for _, got := range p.results {
			pk := ntPK(t, got)
			if diff := cmp.Diff(want[pk], got); diff != "" {
				t.Errorf("message %d (-want +got):\n%s", pk, diff)
			}
		}

		// The same messages through a server in another zone.
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		nyf := newFixture(t, f.st, api.Options{Location: ny})
		got := ntGetPage(t, nyf, w.adminKey, ntPath+"?incident="+itoa(w.inc1)).results
		wantNY := []map[string]string{
			{"created": "2026-06-01T06:00:00-04:00", "updated": "2026-06-01T06:01:10.123456-04:00",
				"deadline": "2026-06-02T06:00:00-04:00", "sent": "2026-06-01T06:01:10.123456-04:00"},
			{"created": "2026-06-01T06:00:00-04:00", "updated": "2026-06-01T06:00:00-04:00",
				"deadline": "2026-06-02T06:00:00-04:00"},
		}
		if w.m[2] > w.m[1] {
			slices.Reverse(wantNY)
		}
		if len(got) != 2 {
			t.Fatalf("incident %d has %d messages; want 2", w.inc1, len(got))
		}
		for i, m := range got {
			times := map[string]string{}
			for _, k := range []string{"created", "updated", "deadline", "sent", "next_attempt"} {
				if s, ok := m[k].(string); ok {
					times[k] = s
				}
			}
			if diff := cmp.Diff(wantNY[i], times); diff != "" {
				t.Errorf("message %v in New York (-want +got):\n%s", m["pk"], diff)
			}
		}
	})
}

func TestNotificationsFilters(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		w := ntSeed(t, f)
		in1, in2 := itoa(w.inc1), itoa(w.inc2)
		for _, c := range []struct {
			query string
			roles []int
		}{
			{"", []int{1, 2, 3, 4, 5, 6}},
			{"status=", []int{1, 2, 3, 4, 5, 6}},
			{"incident=", []int{1, 2, 3, 4, 5, 6}},
			{"status=failed", []int{2, 4}},
			{"status=queued", []int{3, 6}},
			{"status=sent", []int{1}},
			{"status=sending", []int{5}},
			{"status=bogus&status=sent", []int{1}}, // the last value counts
			{"incident=" + in1, []int{1, 2}},
			{"incident=" + in2, []int{3, 4, 5, 6}},
			{"incident=%20" + in1 + "%20", []int{1, 2}},
			{"incident=999999", nil},
			{"incident=-1", nil},
			{"status=failed&incident=" + in1, []int{2}},
			{"status=failed&incident=" + in2, []int{4}},
			{"status=queued&incident=" + in2, []int{3, 6}},
			{"status=queued&incident=" + in1, nil},
			{"status=sent&incident=" + in2, nil},
		} {
			t.Run(c.query, func(t *testing.T) {
				p := ntGetPage(t, f, w.adminKey, ntPath+"?"+c.query)
				if diff := cmp.Diff(w.newestFirst(c.roles...), p.pks(t)); diff != "" {
					t.Errorf("pks (-want +got):\n%s", diff)
				}
				if p.next != nil || p.previous != nil {
					t.Errorf("next, previous = %v, %v; want null", p.next, p.previous)
				}
			})
		}

		for _, c := range []struct{ query, body string }{
			{"status=bogus", `{"status": ["Select a valid choice. bogus is not one of the available choices."]}`},
			{"status=FAILED", `{"status": ["Select a valid choice. FAILED is not one of the available choices."]}`},
			{"status=sent&status=bogus", `{"status": ["Select a valid choice. bogus is not one of the available choices."]}`},
			{"incident=abc", `{"incident": ["Enter a number."]}`},
			{"incident=1.5", `{"incident": ["Enter a number."]}`},
			{"incident=99999999999999999999", `{"incident": ["Enter a number."]}`},
			{"status=bogus&incident=abc", `{"status": ["Select a valid choice. bogus is not one of the available choices."], "incident": ["Enter a number."]}`},
			// A bad filter is reported before a bad cursor.
			{"incident=abc&cursor=garbage", `{"incident": ["Enter a number."]}`},
		} {
			t.Run(c.query, func(t *testing.T) {
				f.get(ntPath+"?"+c.query, w.adminKey).want(t, http.StatusBadRequest, c.body)
			})
		}
	})
}

// ntWalk follows next links from path to the end, then previous links
// back to the first page, checking that every link is an absolute URL
// that keeps the query of path with a cursor of its own. It returns the
// pks seen each way (the backward pages in list order) and the number of
// pages.
func ntWalk(t *testing.T, f *fixture, key, path string) (forward, backward []int64, pages int) {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	keep := u.Query()
	cursors := map[string]bool{}
	follow := func(link string) ntPage {
		t.Helper()
		lu, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		q := lu.Query()
		c := q.Get("cursor")
		if c == "" {
			t.Errorf("link %q has no cursor", link)
		}
		if cursors[c] {
			t.Errorf("link %q repeats a cursor", link)
		}
		cursors[c] = true
		q.Del("cursor")
		if diff := cmp.Diff(keep, q); diff != "" {
			t.Errorf("link %q keeps (-want +got):\n%s", link, diff)
		}
		return ntGetPage(t, f, key, ntLinkPath(t, f, link))
	}

	p := ntGetPage(t, f, key, path)
	if p.previous != nil {
		t.Errorf("previous on the first page = %q; want null", *p.previous)
	}
	forward = append(forward, p.pks(t)...)
	for pages = 1; p.next != nil; pages++ {
		if pages > 100 {
			t.Fatal("more than 100 pages: the links loop")
		}
		p = follow(*p.next)
		if p.previous == nil {
			t.Fatalf("previous = null on page %d", pages+1)
		}
		if len(p.results) == 0 {
			t.Errorf("page %d is empty", pages+1)
		}
		forward = append(forward, p.pks(t)...)
	}
	back := [][]int64{p.pks(t)}
	for p.previous != nil {
		if len(back) > 100 {
			t.Fatal("more than 100 pages: the links loop")
		}
		p = follow(*p.previous)
		if p.next == nil {
			t.Fatalf("next = null on a page reached backwards (%v)", p.pks(t))
		}
		back = append(back, p.pks(t))
	}
	if len(back) != pages {
		t.Errorf("%d pages back; want the %d pages forward", len(back), pages)
	}
	for i := len(back) - 1; i >= 0; i-- {
		backward = append(backward, back[i]...)
	}
	return forward, backward, pages
}

// Every message once each way, newest first, whatever the page size and
// filter.
func TestNotificationsPagination(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		w := ntSeed(t, f)
		all := w.newestFirst(1, 2, 3, 4, 5, 6)
		if d := ntGetPage(t, f, w.adminKey, ntPath); len(d.results) != 6 || d.next != nil {
			t.Errorf("default page: %d results, next %v; want all 6 and no link", len(d.results), d.next)
		}
		for _, c := range []struct {
			query string
			want  []int64
			pages int
		}{
			{"page_size=1", all, 6},
			{"page_size=2", all, 3},
			{"page_size=4", all, 2},
			{"page_size=5", all, 2},
			{"page_size=6", all, 1},
			{"page_size=7", all, 1},
			{"page_size=0", all, 1}, // the default, 100
			{"status=queued&page_size=1", w.newestFirst(3, 6), 2},
			{"incident=" + itoa(w.inc2) + "&page_size=3", w.newestFirst(3, 4, 5, 6), 2},
			{"incident=" + itoa(w.inc2) + "&status=failed&page_size=1", w.newestFirst(4), 1},
		} {
			t.Run(c.query, func(t *testing.T) {
				forward, backward, pages := ntWalk(t, f, w.adminKey, ntPath+"?"+c.query)
				if diff := cmp.Diff(c.want, forward); diff != "" {
					t.Errorf("forward (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(c.want, backward); diff != "" {
					t.Errorf("backward (-want +got):\n%s", diff)
				}
				if pages != c.pages {
					t.Errorf("%d pages; want %d", pages, c.pages)
				}
			})
		}
	})
}

// Five failed messages, two a page, with a queued one the status filter
// leaves out: the links are absolute URLs that keep status and page_size
// and reach every failed message once each way.
func TestNotificationsPaginationLinks(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		_, key := f.user("root", true)
		_, src := f.source("gw", "nav")
		inc := ntPostIncident(t, f, src, "down")
		ev, err := f.st.ClaimOutbox(ctx, ntT0, time.Minute, 100)
		if err != nil || len(ev) != 1 {
			t.Fatalf("ClaimOutbox = %v, %v; want one event", ev, err)
		}
		var rcpt []store.Recipient
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			u, _ := f.user(name, false)
			rcpt = append(rcpt, store.Recipient{UserID: u.ID, Error: "user " + name + " has no email address"})
		}
		u, _ := f.user("f", false)
		rcpt = append(rcpt, store.Recipient{UserID: u.ID, Address: "f@example.org"})
		ntEnqueue(t, f.st, ev[0], inc, ntT0, store.Outgoing{Medium: argus.MediumEmail, Recipients: rcpt})

		all, _, err := f.st.Messages(ctx, store.MessageFilter{}, 100)
		if err != nil || len(all) != 6 {
			t.Fatalf("Messages = %d, %v; want 6", len(all), err)
		}
		var failed []int64
		for _, m := range all {
			if m.Status == store.StatusFailed {
				failed = append(failed, m.ID)
			}
		}
		slices.Sort(failed)
		slices.Reverse(failed)
		if len(failed) != 5 {
			t.Fatalf("%d failed messages; want 5", len(failed))
		}

		path := ntPath + "?status=failed&page_size=2"
		forward, backward, pages := ntWalk(t, f, key, path)
		if diff := cmp.Diff(failed, forward); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(failed, backward); diff != "" {
			t.Errorf("backward (-want +got):\n%s", diff)
		}
		if pages != 3 {
			t.Errorf("%d pages; want 3", pages)
		}

		// The first page's link, exactly.
		p := ntGetPage(t, f, key, path)
		if diff := cmp.Diff(failed[:2], p.pks(t)); diff != "" {
			t.Errorf("first page (-want +got):\n%s", diff)
		}
		if p.next == nil {
			t.Fatal("next = null; want a link")
		}
		base, _ := url.Parse(f.srv.URL)
		nu, err := url.Parse(*p.next)
		if err != nil {
			t.Fatal(err)
		}
		if nu.Scheme != "http" || nu.Host != base.Host || nu.Path != ntPath {
			t.Errorf("next = %q; want http://%s%s?…", *p.next, base.Host, ntPath)
		}

		// X-Forwarded-Proto from a peer that is no trusted proxy changes
		// nothing (TestTrustedProxies has the trusted case).
		r := f.do(req{method: http.MethodGet, path: path, token: key, header: map[string]string{"X-Forwarded-Proto": "https"}})
		var body struct{ Next *string }
		if err := json.Unmarshal(r.body, &body); err != nil || body.Next == nil ||
			!strings.HasPrefix(*body.Next, "http://"+base.Host+ntPath+"?") {
			t.Errorf("next with an untrusted X-Forwarded-Proto = %v (%v); want http://%s%s?…", body.Next, err, base.Host, ntPath)
		}
	})
}

// ntB64 is a cursor of the message list.
func ntB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// An undecodable or impossible cursor is DRF's 404.
func TestNotificationsInvalidCursor(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("root", true)
		for _, c := range []string{
			"garbage!", "%25", ntB64("x"), ntB64("n"), ntB64("n."), ntB64("n.abc"), ntB64("n.0"), ntB64("n.-1"), ntB64("p.0"),
			ntB64("q.5"), ntB64("n.1.1"), ntB64("n.99999999999999999999"), ntB64("n. 5"),
		} {
			t.Run(c, func(t *testing.T) {
				f.get(ntPath+"?cursor="+c, key).want(t, http.StatusNotFound, `{"detail": "Invalid cursor"}`)
			})
		}
		// Valid cursors over nothing: empty pages.
		for _, c := range []string{ntB64("n.5"), ntB64("p.5"), ntB64("n.5") + "=="} {
			p := ntGetPage(t, f, key, ntPath+"?cursor="+url.QueryEscape(c))
			if len(p.results) != 0 {
				t.Errorf("cursor %q: results %v; want none", c, p.results)
			}
		}
	})
}

// A cursor past either end (a link kept while messages were pruned, say)
// gives an empty page whose link leads back to the messages.
func TestNotificationsCursorPastEnd(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		w := ntSeed(t, f)
		all := w.newestFirst(1, 2, 3, 4, 5, 6)
		newest := all[0]

		// Incident 2's messages are not the oldest, so the link back
		// from past its oldest is a valid cursor.
		inc2 := w.newestFirst(3, 4, 5, 6)
		oldest := inc2[len(inc2)-1]
		p := ntGetPage(t, f, w.adminKey, ntPath+"?incident="+itoa(w.inc2)+"&page_size=2&cursor="+ntB64("n."+itoa(oldest)))
		if len(p.results) != 0 || p.next != nil || p.previous == nil {
			t.Fatalf("past the oldest: %d results, next %v, previous %v; want none, null, a link", len(p.results), p.next, p.previous)
		}
		back := ntGetPage(t, f, w.adminKey, ntLinkPath(t, f, *p.previous))
		if diff := cmp.Diff(inc2[len(inc2)-2:], back.pks(t)); diff != "" {
			t.Errorf("previous of the page past the oldest (-want +got):\n%s", diff)
		}

		p = ntGetPage(t, f, w.adminKey, ntPath+"?page_size=2&cursor="+ntB64("p."+itoa(newest)))
		if len(p.results) != 0 || p.previous != nil || p.next == nil {
			t.Fatalf("past the newest: %d results, next %v, previous %v; want none, a link, null", len(p.results), p.next, p.previous)
		}
		fwd := ntGetPage(t, f, w.adminKey, ntLinkPath(t, f, *p.next))
		if diff := cmp.Diff(all[:2], fwd.pks(t)); diff != "" {
			t.Errorf("next of the page past the newest (-want +got):\n%s", diff)
		}
	})
}

// ?incident=0 names no incident, as Django's NumberFilter reads it; and a
// page past the oldest message links nowhere it cannot serve.
func TestNotificationsIncidentZeroAndOldestCursor(t *testing.T) {
	ntEachFixture(t, func(t *testing.T, f *fixture) {
		w := ntSeed(t, f)
		res := f.get("/api/v1/notifications/?incident=0", w.adminKey)
		if got := res.object(t)["results"].([]any); res.status != http.StatusOK || len(got) != 0 {
			t.Errorf("?incident=0: %d, %d messages", res.status, len(got))
		}
		cursor := base64.RawURLEncoding.EncodeToString([]byte("n.1"))
		page := f.get("/api/v1/notifications/?cursor="+cursor, w.adminKey).object(t)
		if page["previous"] != nil {
			t.Errorf("previous = %v before the oldest message, want null", page["previous"])
		}
	})
}
