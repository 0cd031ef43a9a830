package api_test

import (
	"context"
	"database/sql/driver"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/testdb"
)

// listWorld is the incidents the filter tests list, named by letter in
// order of start time (A first). At listNow:
//
//	A gw1/nav     open (infinity)   tags object=box1 location=oslo location=akershus
//	B gw1/nav     closed            tags object=box2 location=bergen, ticket
//	C gw2/zabbix  stateless         tags object=box1 location=bergen
//	D gw2/zabbix  open (infinity)   tags object=box3, acked
//	E gw1/nav     open (ends later) tags location=oslo, ack expired (D25)
//	F gw2/zabbix  stateless         acked
type listWorld struct {
	gw1, gw2                argus.Source
	gw1Key, gw2Key, userKey string
	pk                      map[byte]int64
}

// listNow is the clock while the filter tests list: after E's ack
// expired, before E ends.
var listNow = start.Add(2 * time.Hour)

// postListIncident creates an incident over HTTP and returns its pk.
func postListIncident(t *testing.T, f *fixture, key string, body map[string]any) int64 {
	t.Helper()
	r := f.send(http.MethodPost, "/api/v1/incidents/", key, body)
	r.want(t, http.StatusCreated, "")
	pk, ok := r.object(t)["pk"].(float64)
	if !ok {
		t.Fatalf("created incident has no pk: %s", r.body)
	}
	return int64(pk)
}

// postListAck acknowledges an incident over HTTP as an end user.
func postListAck(t *testing.T, f *fixture, key string, pk int64, expiration any) {
	t.Helper()
	f.send(http.MethodPost, "/api/v1/incidents/"+itoa(pk)+"/acks/", key, map[string]any{
		"event": map[string]any{"description": "on it"}, "expiration": expiration,
	}).want(t, http.StatusCreated, "")
}

// listTags is an incident's "tags" body: [{"tag": …}, …].
func listTags(tags ...string) []map[string]string {
	out := make([]map[string]string, len(tags))
	for i, tag := range tags {
		out[i] = map[string]string{"tag": tag}
	}
	return out
}

// seedListWorld creates listWorld over HTTP and sets the clock to listNow.
func seedListWorld(t *testing.T, f *fixture) listWorld {
	t.Helper()
	var w listWorld
	w.gw1, w.gw1Key = f.source("gw1", "nav")
	w.gw2, w.gw2Key = f.source("gw2", "zabbix")
	_, w.userKey = f.user("kari", false)
	w.pk = map[byte]int64{}
	for _, c := range []struct {
		letter byte
		key    string
		body   map[string]any
	}{
		{'A', w.gw1Key, map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "infinity", "source_incident_id": "a",
			"tags": listTags("object=box1", "location=oslo", "location=akershus")}},
		{'B', w.gw1Key, map[string]any{"start_time": "2026-05-02T10:00:00Z", "end_time": "2026-05-03T10:00:00Z", "source_incident_id": "b",
			"ticket_url": "https://tickets.example.org/1", "tags": listTags("object=box2", "location=bergen")}},
		{'C', w.gw2Key, map[string]any{"start_time": "2026-05-03T10:00:00Z", "end_time": nil, "source_incident_id": "c",
			"tags": listTags("object=box1", "location=bergen")}},
		{'D', w.gw2Key, map[string]any{"start_time": "2026-05-04T10:00:00Z", "end_time": "infinity", "source_incident_id": "d",
			"tags": listTags("object=box3")}},
		{'E', w.gw1Key, map[string]any{"start_time": "2026-05-05T10:00:00Z", "end_time": "2026-07-01T10:00:00Z", "source_incident_id": "e",
			"tags": listTags("location=oslo")}},
		{'F', w.gw2Key, map[string]any{"start_time": "2026-05-06T10:00:00Z", "end_time": nil, "source_incident_id": "f"}},
	} {
		w.pk[c.letter] = postListIncident(t, f, c.key, c.body)
	}
	postListAck(t, f, w.userKey, w.pk['D'], nil)
	postListAck(t, f, w.userKey, w.pk['E'], "2026-06-01T11:00:00Z") // expires before listNow
	postListAck(t, f, w.userKey, w.pk['F'], nil)
	f.clock.Set(listNow)
	return w
}

// pks maps letters to the pks of listWorld.
func (w listWorld) pks(letters string) []int64 {
	out := []int64{}
	for i := range len(letters) {
		out = append(out, w.pk[letters[i]])
	}
	return out
}

// listPKsOf returns the pks of a JSON array of incidents.
func listPKsOf(t *testing.T, list []any) []int64 {
	t.Helper()
	out := []int64{}
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("list item %v is not an object", v)
		}
		pk, ok := m["pk"].(float64)
		if !ok {
			t.Fatalf("list item %v has no pk", v)
		}
		out = append(out, int64(pk))
	}
	return out
}

// listPage is one page of a cursor-paginated list.
type listPage struct {
	next, previous *string
	pks            []int64
}

// asListPage decodes a paginated response, checking its status and exact keys.
func (r response) asListPage(t *testing.T) listPage {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; want 200 (body %s)", r.status, r.body)
	}
	m := r.object(t)
	wantKeys(t, m, "next", "previous", "results")
	link := func(k string) *string {
		switch v := m[k].(type) {
		case nil:
			return nil
		case string:
			return &v
		default:
			t.Fatalf("%s = %v; want a string or null", k, m[k])
			return nil
		}
	}
	results, ok := m["results"].([]any)
	if !ok {
		t.Fatalf("results = %v; want an array", m["results"])
	}
	return listPage{next: link("next"), previous: link("previous"), pks: listPKsOf(t, results)}
}

// The filters of GET /api/v1/incidents/ (api-v1.md §4.3, D25): each with
// a case that keeps and one that drops incidents.
func TestListIncidentFilters(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := seedListWorld(t, f)
		gw1, gw2 := itoa(w.gw1.ID), itoa(w.gw2.ID)
		for _, c := range []struct {
			query string
			want  string // letters, newest start first
		}{
			{"", "FEDCBA"},
			{"open=true", "EDA"},
			{"open=false", "B"}, // stateless C and F are not "closed"
			{"acked=true", "FD"},
			{"acked=false", "ECBA"}, // stateless included; E's ack expired
			{"stateful=true", "EDBA"},
			{"stateful=false", "FC"},
			{"end_time__isnull=true", "FC"},
			{"end_time__isnull=false", "EDBA"},
			{"ticket=true", "B"},
			{"ticket=false", "FEDCA"},
			{"open=true&acked=false", "EA"},

			// Tolerant booleans: any case, 1 and 0; anything else is no filter.
			{"open=TRUE", "EDA"},
			{"open=True", "EDA"},
			{"open=1", "EDA"},
			{"open=0", "B"},
			{"open=FALSE", "B"},
			{"acked=1", "FD"},
			{"stateful=0", "FC"},
			{"open=yes", "FEDCBA"},
			{"open=", "FEDCBA"},
			{"open=maybe", "FEDCBA"},
			{"acked=no", "FEDCBA"},
			{"open", "FEDCBA"},
			{"open=false&open=true", "EDA"}, // the last value counts, as QueryDict.get

			// Unknown parameters are ignored.
			{"foo=bar", "FEDCBA"},
			{"open=true&ordering=start_time&limit=1", "EDA"},

			{"source__id__in=" + gw1, "EBA"},
			{"source__id__in=" + gw2, "FDC"},
			{"source__id__in=" + gw1 + "," + gw2, "FEDCBA"},
			{"source__id__in=999", ""},
			{"source__name__in=gw1", "EBA"},
			{"source__name__in=gw2,gw1", "FEDCBA"},
			{"source__name__in=gw3", ""},
			{"source__name__in=GW1", ""},
			{"source__type__in=zabbix", "FDC"},
			{"source__type__in=nav,zabbix", "FEDCBA"},
			{"source__type__in=other", ""},
			{"source_incident_id=b", "B"},
			{"source_incident_id=B", ""},
			{"source_incident_id=zz", ""},
			{"source_incident_id=", "FEDCBA"},

			// Times: inclusive bounds; naive values are Oslo time (CEST, +02:00).
			{"start_time__gte=2026-05-04T10:00:00Z", "FED"},
			{"start_time__gte=2026-05-04T10:00:01Z", "FE"},
			{"start_time__gte=2026-05-04T11:00:00", "FED"}, // 09:00Z
			{"start_time__gte=2026-05-04T12:00:01", "FE"},  // 10:00:01Z
			{"start_time__gte=2026-05-04T12:00:00%2B02:00", "FED"},
			{"start_time__lte=2026-05-02T10:00:00Z", "BA"},
			{"start_time__lte=2026-05-02T09:59:59Z", "A"},
			{"start_time__lte=2026-05-02T11:59:59", "A"},  // 09:59:59Z
			{"start_time__lte=2026-05-02+12:00:00", "BA"}, // a space for T
			{"start_time__gte=2026-05-02T00:00:00Z&start_time__lte=2026-05-04T23:00:00Z", "DCB"},
			{"end_time__gte=2026-06-15T00:00:00Z", "EDA"}, // stateless never matches
			{"end_time__gte=2026-07-01T10:00:01Z", "DA"},
			{"end_time__gte=9999-12-31T23:59:59Z", "DA"}, // infinity is after everything
			{"end_time__gte=9000-01-01T00:00:00", "DA"},
			{"end_time__lte=2026-06-15T00:00:00Z", "B"},
			{"end_time__lte=2026-05-03T10:00:00Z", "B"},
			{"end_time__lte=2026-05-03T09:59:59Z", ""},
			{"end_time__lte=9999-12-31T23:59:59Z", "EB"}, // infinity is not before anything
			{"end_time__lte=2026-05-03T12:00:00", "B"},   // 10:00Z
			{"end_time__lte=2026-05-03T11:59:59", ""},    // 09:59:59Z

			// Tags: OR within a key, AND across keys, each incident once.
			{"tags=object=box1", "CA"},
			{"tags=object=box1,object=box2", "CBA"},
			{"tags=object=box1,location=bergen", "C"},
			{"tags=object=box1,location=bergen,location=oslo", "CA"},
			{"tags=location=oslo,location=akershus", "EA"}, // A has both: listed once
			{"tags=location=oslo,location=oslo", "EA"},
			{"tags=object=box9", ""},
			{"tags=colour=box1", ""},
			{"tags=object=box1&tags=object=box3", "D"}, // the last value counts
		} {
			t.Run(c.query, func(t *testing.T) {
				r := f.get("/api/v1/incidents/?"+c.query, w.userKey)
				p := r.asListPage(t)
				if diff := cmp.Diff(w.pks(c.want), p.pks); diff != "" {
					t.Errorf("pks (-want +got):\n%s", diff)
				}
				if p.next != nil || p.previous != nil {
					t.Errorf("next, previous = %v, %v; want null on a single page", p.next, p.previous)
				}
			})
		}
	})
}

// Bad filter values answer 400 with every field's message.
func TestListIncidentFilterErrors(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		src, _ := f.source("gw1", "nav")
		_, key := f.user("kari", false)
		tagMsg := `{"tags": [` + listQuote(`Enter a valid key-value construct: "key=value", where key and value are strings.`) + `]}`
		for _, c := range []struct {
			query, want string
		}{
			{"source__id__in=abc", `{"source__id__in": ["Enter a number."]}`},
			{"source__id__in=" + itoa(src.ID) + ",abc", `{"source__id__in": ["Enter a number."]}`},
			{"source__id__in=1.5x", `{"source__id__in": ["Enter a number."]}`},
			{"end_time__gte=infinity", `{"end_time__gte": ["Enter a valid date/time."]}`},
			{"end_time__lte=-infinity", `{"end_time__lte": ["Enter a valid date/time."]}`},
			{"start_time__gte=infinity", `{"start_time__gte": ["Enter a valid date/time."]}`},
			{"start_time__lte=yesterday", `{"start_time__lte": ["Enter a valid date/time."]}`},
			{"start_time__gte=2026-02-30T10:00:00Z", `{"start_time__gte": ["Enter a valid date/time."]}`},
			{"end_time__gte=2026-05-01", `{"end_time__gte": ["Enter a valid date/time."]}`},
			{"tags=object", tagMsg},
			{"tags=object=", tagMsg},
			{"tags==box1", tagMsg},
			{"tags=Object=box1", tagMsg},
			{"tags=object=box1,bad", tagMsg},
			{"tags=object=box1,", tagMsg},
			{"tags=object%3Dbox%0A", tagMsg},
			{"source__id__in=x&start_time__gte=y&tags=z&open=true",
				`{"source__id__in": ["Enter a number."], "start_time__gte": ["Enter a valid date/time."], "tags": ` +
					`[` + listQuote(`Enter a valid key-value construct: "key=value", where key and value are strings.`) + `]}`},
		} {
			t.Run(c.query, func(t *testing.T) {
				f.get("/api/v1/incidents/?"+c.query, key).want(t, http.StatusBadRequest, c.want)
			})
		}
	})
}

func listQuote(s string) string { return fmt.Sprintf("%q", s) }

// Query values no client sends on purpose (invalid UTF-8, NUL, very long
// lists, a page size beyond any table) are still client input: never a
// 500 (D5). Django decodes the query string with errors="replace" and its
// CharField refuses NUL characters; lists are bounded so that a query
// stays within the databases' limits on parameters (SQLite 32766,
// PostgreSQL 65535) and expression depth (SQLite 1000).
func TestListIncidentHostileQueries(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, key := f.user("kari", false)
		pk := postListIncident(t, f, srcKey, map[string]any{"start_time": "2026-05-01T10:00:00Z", "source_incident_id": "a",
			"tags": listTags("k0=v")})
		numbers := func(n int) string {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = itoa(pk + int64(i))
			}
			return strings.Join(ids, ",")
		}
		tags := func(n int) string {
			items := make([]string, n)
			for i := range items {
				items[i] = fmt.Sprintf("k%d=v", i)
			}
			return strings.Join(items, ",")
		}
		empty := `{"next": null, "previous": null, "results": []}`
		one := func(r response) {
			t.Helper()
			if p := r.asListPage(t); !slices.Equal(p.pks, []int64{pk}) {
				t.Errorf("pks = %v; want [%d]", p.pks, pk)
			}
		}
		for _, c := range []struct {
			name, query string
			status      int
			want        string
			check       func(response)
		}{
			{"invalid UTF-8 in source_incident_id", "source_incident_id=%FF", 200, empty, nil},
			{"invalid UTF-8 in source__name__in", "source__name__in=%C3%28", 200, empty, nil},
			{"invalid UTF-8 in a tag value", "tags=object=%FF", 200, empty, nil},
			{"NUL in source_incident_id", "source_incident_id=a%00", 400, `{"source_incident_id": ["Null characters are not allowed."]}`, nil},
			{"huge page_size", "page_size=9223372036854775807", 200, "", one},
			{"page_size beyond int64", "page_size=9223372036854775808", 200, "", one},
			{"page_size below int64", "page_size=-9223372036854775809", 200, "", one},
			{"1000 source ids", "source__id__in=" + numbers(1000), 200, "", one},
			{"40000 source ids", "source__id__in=" + numbers(40000), 400,
				`{"source__id__in": ["Ensure this field has no more than 1000 elements."]}`, nil},
			{"40000 source names", "source__name__in=" + numbers(40000), 400,
				`{"source__name__in": ["Ensure this field has no more than 1000 elements."]}`, nil},
			{"100 tag keys", "tags=" + tags(100), 200, empty, nil},
			{"100 values of one key", "tags=" + strings.Repeat("k0=v,", 99) + "k0=v", 200, "", one},
			{"1000 tag keys", "tags=" + tags(1000), 400, `{"tags": ["Ensure this field has no more than 100 elements."]}`, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := f.get("/api/v1/incidents/?"+c.query, key)
				r.want(t, c.status, c.want)
				if c.check != nil {
					c.check(r)
				}
			})
		}
	})
}

// /incidents/mine/ lists the incidents of the caller's source only, ignores
// the source filters and keeps the others (api-v1.md §4.3).
func TestListMine(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := seedListWorld(t, f)
		_, adminKey := f.user("admin", true)
		for _, c := range []struct {
			name, key, query, want string
		}{
			{"gw1", w.gw1Key, "", "EBA"},
			{"gw2", w.gw2Key, "", "FDC"},
			{"end user", w.userKey, "", ""},
			{"superuser", adminKey, "", ""},
			{"source ids ignored", w.gw1Key, "source__id__in=" + itoa(w.gw2.ID), "EBA"},
			{"bad source ids ignored", w.gw1Key, "source__id__in=abc", "EBA"},
			{"source names ignored", w.gw1Key, "source__name__in=gw2", "EBA"},
			{"source types ignored", w.gw1Key, "source__type__in=zabbix", "EBA"},
			{"open", w.gw1Key, "open=true", "EA"},
			{"closed", w.gw1Key, "open=false", "B"},
			{"tags", w.gw2Key, "tags=object=box1", "C"},
			{"acked", w.gw2Key, "acked=true", "FD"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := f.get("/api/v1/incidents/mine/?"+c.query, c.key).asListPage(t)
				if diff := cmp.Diff(w.pks(c.want), p.pks); diff != "" {
					t.Errorf("pks (-want +got):\n%s", diff)
				}
			})
		}
		f.get("/api/v1/incidents/mine/?tags=bad", w.gw1Key).want(t, 400, `{"tags": [`+listQuote(`Enter a valid key-value construct: "key=value", where key and value are strings.`)+`]}`)
		f.get("/api/v1/incidents/mine/", "").want(t, 401, msgNoCredentials)

		// Paginated like the list, links on /mine/.
		r := f.get("/api/v1/incidents/mine/?page_size=2", w.gw1Key)
		p := r.asListPage(t)
		if diff := cmp.Diff(w.pks("EB"), p.pks); diff != "" {
			t.Errorf("first page (-want +got):\n%s", diff)
		}
		if p.next == nil || !strings.HasPrefix(*p.next, f.srv.URL+"/api/v1/incidents/mine/?") {
			t.Fatalf("next = %v; want a link to /mine/", p.next)
		}
		p = f.get(strings.TrimPrefix(*p.next, f.srv.URL), w.gw1Key).asListPage(t)
		if diff := cmp.Diff(w.pks("A"), p.pks); diff != "" {
			t.Errorf("second page (-want +got):\n%s", diff)
		}
		if p.next != nil {
			t.Errorf("next on the last page = %q; want null", *p.next)
		}
	})
}

// /open/ and /open+unacked/ are plain arrays ordered by -start_time.
func TestOpenIncidentLists(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		w := seedListWorld(t, f)
		for _, c := range []struct {
			path, want string
		}{
			{"/api/v1/incidents/open/", "EDA"},
			{"/api/v1/incidents/open+unacked/", "EA"}, // D acked; E's ack expired (D25)
			{"/api/v1/incidents/open/?open=false&page_size=1", "EDA"},
		} {
			t.Run(c.path, func(t *testing.T) {
				r := f.get(c.path, w.userKey)
				r.want(t, 200, "")
				list := r.array(t)
				if diff := cmp.Diff(w.pks(c.want), listPKsOf(t, list)); diff != "" {
					t.Errorf("pks (-want +got):\n%s", diff)
				}
				for _, inc := range list {
					wantKeys(t, inc, "pk", "start_time", "end_time", "source", "source_incident_id", "details_url",
						"description", "ticket_url", "tags", "stateful", "open", "acked", "level")
				}
			})
		}
		// An incident ending exactly now is no longer open.
		pk := postListIncident(t, f, w.gw1Key, map[string]any{"start_time": "2026-06-01T09:00:00Z", "end_time": "2026-06-01T12:00:00Z"})
		r := f.get("/api/v1/incidents/open/", w.userKey)
		if got := listPKsOf(t, r.array(t)); slices.Contains(got, pk) {
			t.Errorf("/open/ = %v; holds %d, which ended at the current time", got, pk)
		}
		f.clock.Set(listNow.Add(-time.Microsecond))
		r = f.get("/api/v1/incidents/open/", w.userKey)
		if diff := cmp.Diff(append([]int64{pk}, w.pks("EDA")...), listPKsOf(t, r.array(t))); diff != "" {
			t.Errorf("/open/ a microsecond earlier (-want +got):\n%s", diff)
		}
		f.get("/api/v1/incidents/open/", "").want(t, 401, msgNoCredentials)
		f.get("/api/v1/incidents/open+unacked/", "").want(t, 401, msgNoCredentials)
	})
}

// listSeedOrdered stores n incidents directly in groups of tie incidents
// sharing a start time, and returns their pks in list order (-start_time,
// -pk). Every third incident is stateless, every other one open.
func listSeedOrdered(t *testing.T, f *fixture, n, tie int) []int64 {
	t.Helper()
	ctx := context.Background()
	src, _ := f.source("bulk", "nav")
	type row struct {
		start time.Time
		pk    int64
	}
	rows := make([]row, 0, n)
	for i := range n {
		ni := store.NewIncident{
			SourceID: src.ID, StartTime: start.Add(-time.Duration(i/tie) * time.Minute),
			SourceIncidentID: fmt.Sprintf("bulk-%d", i), Level: argus.DefaultLevel,
		}
		// Times out of pk order, so that ordering by pk alone would fail.
		if i%2 == 1 {
			ni.StartTime = start.Add(-time.Duration((n-i)/tie) * time.Minute)
		}
		switch i % 3 {
		case 0:
		case 1:
			ni.EndTime = new(argus.Infinity)
		case 2:
			ni.EndTime = new(start.Add(-time.Second))
		}
		inc, _, err := f.st.CreateIncident(ctx, ni, src.UserID, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{inc.StartTime, inc.ID})
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := b.start.Compare(a.start); c != 0 {
			return c
		}
		return int(b.pk - a.pk)
	})
	pks := make([]int64, len(rows))
	for i, r := range rows {
		pks[i] = r.pk
	}
	return pks
}

// listWalk follows next links from path to the end, then previous links back
// to the start, checking the links on the way, and returns the pks seen in
// each direction (the backward pages in list order).
func listWalk(t *testing.T, f *fixture, key, path string) (forward, backward []int64) {
	t.Helper()
	p := f.get(path, key).asListPage(t)
	if p.previous != nil {
		t.Errorf("previous on the first page = %q; want null", *p.previous)
	}
	forward = append(forward, p.pks...)
	for pages := 1; p.next != nil; pages++ {
		if pages > 1000 {
			t.Fatal("more than 1000 pages: the links loop")
		}
		p = f.get(listLinkPath(t, f, *p.next), key).asListPage(t)
		if p.previous == nil {
			t.Fatalf("previous = null on page %d", pages+1)
		}
		forward = append(forward, p.pks...)
	}
	var pages [][]int64
	pages = append(pages, p.pks)
	for p.previous != nil {
		if len(pages) > 1000 {
			t.Fatal("more than 1000 pages: the links loop")
		}
		p = f.get(listLinkPath(t, f, *p.previous), key).asListPage(t)
		if p.next == nil {
			t.Fatalf("next = null on a page reached backwards (%v)", p.pks)
		}
		pages = append(pages, p.pks)
	}
	for i := len(pages) - 1; i >= 0; i-- {
		backward = append(backward, pages[i]...)
	}
	return forward, backward
}

// listLinkPath checks that a next/previous link is absolute on this server and
// returns its path and query.
func listLinkPath(t *testing.T, f *fixture, link string) string {
	t.Helper()
	if !strings.HasPrefix(link, f.srv.URL+"/api/v1/incidents/") {
		t.Fatalf("link %q is not an absolute URL on %s", link, f.srv.URL)
	}
	return strings.TrimPrefix(link, f.srv.URL)
}

// Cursor pagination (api-v1.md §4.3): pages of 100 unless asked, links that
// keep the query, every incident once each way, ties broken by pk.
func TestListPagination(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		all := listSeedOrdered(t, f, 210, 7)

		// Default and fallback page sizes.
		for _, q := range []string{"", "?page_size=", "?page_size=0", "?page_size=-1", "?page_size=abc", "?page_size=1.5"} {
			p := f.get("/api/v1/incidents/"+q, key).asListPage(t)
			if diff := cmp.Diff(all[:100], p.pks); diff != "" {
				t.Errorf("%q: first page (-want +got):\n%s", q, diff)
			}
			if p.previous != nil || p.next == nil {
				t.Errorf("%q: previous, next = %v, %v; want null and a link", q, p.previous, p.next)
			}
		}
		for _, c := range []struct {
			query string
			size  int
		}{{"page_size=1", 1}, {"page_size=7", 7}, {"page_size=101", 101}, {"page_size=%2B3", 3}, {"page_size=500", 210}} {
			p := f.get("/api/v1/incidents/?"+c.query, key).asListPage(t)
			if diff := cmp.Diff(all[:c.size], p.pks); diff != "" {
				t.Errorf("%s: first page (-want +got):\n%s", c.query, diff)
			}
		}

		for _, q := range []string{"", "page_size=1", "page_size=3", "page_size=7", "page_size=11", "page_size=209", "page_size=210"} {
			t.Run("walk "+q, func(t *testing.T) {
				forward, backward := listWalk(t, f, key, "/api/v1/incidents/?"+q)
				if diff := cmp.Diff(all, forward); diff != "" {
					t.Errorf("forward (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(all, backward); diff != "" {
					t.Errorf("backward (-want +got):\n%s", diff)
				}
			})
		}

		// With a filter: links keep it, and the walk sees only its matches.
		t.Run("walk open=true&page_size=2", func(t *testing.T) {
			open := f.get("/api/v1/incidents/open/", key).array(t)
			want := listPKsOf(t, open)
			if len(want) != 70 {
				t.Fatalf("open incidents = %d; want 70", len(want))
			}
			forward, backward := listWalk(t, f, key, "/api/v1/incidents/?open=true&page_size=2")
			if diff := cmp.Diff(want, forward); diff != "" {
				t.Errorf("forward (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, backward); diff != "" {
				t.Errorf("backward (-want +got):\n%s", diff)
			}
		})
	})
}

// The next and previous links are absolute URLs that keep the other
// query parameters and add the cursor.
func TestListPaginationLinks(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		listSeedOrdered(t, f, 30, 2) // 10 open
		p := f.get("/api/v1/incidents/?open=true&page_size=2&tags=", key).asListPage(t)
		if p.next == nil {
			t.Fatal("next = null; want a link")
		}
		u, err := url.Parse(*p.next)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(f.srv.URL)
		if u.Scheme != "http" || u.Host != base.Host || u.Path != "/api/v1/incidents/" {
			t.Errorf("next = %q; want http://%s/api/v1/incidents/?…", *p.next, base.Host)
		}
		q := u.Query()
		if q.Get("cursor") == "" {
			t.Errorf("next = %q has no cursor", *p.next)
		}
		q.Del("cursor")
		if diff := cmp.Diff(url.Values{"open": {"true"}, "page_size": {"2"}, "tags": {""}}, q); diff != "" {
			t.Errorf("next keeps (-want +got):\n%s", diff)
		}

		// The next page's previous link keeps them too, and has a new cursor.
		p2 := f.get(listLinkPath(t, f, *p.next), key).asListPage(t)
		if p2.previous == nil || p2.next == nil {
			t.Fatalf("second page: previous, next = %v, %v; want links", p2.previous, p2.next)
		}
		firstCursor := u.Query().Get("cursor")
		u, _ = url.Parse(*p2.previous)
		q = u.Query()
		if c := q.Get("cursor"); c == "" || c == firstCursor {
			t.Errorf("previous = %q; want a cursor of its own", *p2.previous)
		}
		q.Del("cursor")
		if diff := cmp.Diff(url.Values{"open": {"true"}, "page_size": {"2"}, "tags": {""}}, q); diff != "" {
			t.Errorf("previous keeps (-want +got):\n%s", diff)
		}
		back := f.get(listLinkPath(t, f, *p2.previous), key).asListPage(t)
		if diff := cmp.Diff(p.pks, back.pks); diff != "" {
			t.Errorf("previous of the second page (-want +got):\n%s", diff)
		}
		if back.previous != nil {
			t.Errorf("previous of the first page reached backwards = %q; want null", *back.previous)
		}

		// X-Forwarded-Proto from a peer that is no trusted proxy changes
		// nothing (TestTrustedProxies has the trusted case).
		r := f.do(req{method: http.MethodGet, path: "/api/v1/incidents/?page_size=2", token: key,
			header: map[string]string{"X-Forwarded-Proto": "https"}})
		if p := r.asListPage(t); p.next == nil || !strings.HasPrefix(*p.next, "http://"+base.Host+"/api/v1/incidents/?") {
			t.Errorf("next with an untrusted X-Forwarded-Proto = %v; want http://%s/…", p.next, base.Host)
		}

		// Nothing to list: no links.
		f.get("/api/v1/incidents/?source_incident_id=none", key).want(t, 200, `{"next": null, "previous": null, "results": []}`)
	})
}

// An undecodable cursor is DRF's 404 "Invalid cursor".
func TestListInvalidCursor(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		listSeedOrdered(t, f, 3, 1)
		b64 := base64.RawURLEncoding.EncodeToString
		for _, cursor := range []string{
			"garbage",
			b64([]byte("garbage")),
			b64([]byte("n.1.2.3")),
			b64([]byte("x.1780308000000000.1")),
			b64([]byte("n.abc.1")),
			b64([]byte("n.1780308000000000.abc")),
			b64([]byte("n.1780308000000000.-1")),
			b64([]byte("p.999999999999999999.1")),              // year 33658
			b64([]byte("n.-99999999999999999.1")),              // before year 1
			"cD0yMDIwLTEwLTAxKzEzJTNBMDAlM0EwMCUyQjAwJTNBMDA=", // the original's format
			"bi4x+jE/",
			"%FF",
		} {
			t.Run(cursor, func(t *testing.T) {
				f.get("/api/v1/incidents/?cursor="+url.QueryEscape(cursor), key).want(t, 404, `{"detail": "Invalid cursor"}`)
				f.get("/api/v1/incidents/mine/?cursor="+url.QueryEscape(cursor), key).want(t, 404, `{"detail": "Invalid cursor"}`)
			})
		}
		// An empty cursor is the first page.
		if p := f.get("/api/v1/incidents/?cursor=", key).asListPage(t); len(p.pks) != 3 {
			t.Errorf("cursor= lists %v; want all 3", p.pks)
		}
		// Of two cursors the last counts, as of any parameter (Django's
		// QueryDict.get).
		if p := f.get("/api/v1/incidents/?cursor=garbage&cursor=", key).asListPage(t); len(p.pks) != 3 {
			t.Errorf("cursor=garbage&cursor= lists %v; want all 3", p.pks)
		}
		f.get("/api/v1/incidents/?cursor=&cursor=garbage", key).want(t, 404, `{"detail": "Invalid cursor"}`)
	})
}

// end_time infinity over HTTP (D7): "infinity" and Python's datetime.max
// come back as "infinity"; "-infinity" is before every start.
func TestListInfinity(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw1", "nav")
		_, key := f.user("kari", false)
		var infinite []int64
		for i, end := range []string{
			"infinity",
			"9999-12-31T23:59:59.999999",
			"9999-12-31T23:59:59.999999+01:00",
			"9999-12-31 23:59:59.999999Z",
		} {
			t.Run(end, func(t *testing.T) {
				r := f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{
					"start_time": fmt.Sprintf("2026-05-0%dT10:00:00Z", i+1), "end_time": end,
				})
				r.want(t, 201, "")
				got := r.object(t)
				if got["end_time"] != "infinity" || got["open"] != true || got["stateful"] != true {
					t.Errorf("end_time, open, stateful = %v, %v, %v; want infinity, true, true", got["end_time"], got["open"], got["stateful"])
				}
				pk := int64(got["pk"].(float64))
				infinite = append([]int64{pk}, infinite...)
				if got := f.get("/api/v1/incidents/"+itoa(pk)+"/", key).object(t)["end_time"]; got != "infinity" {
					t.Errorf("GET end_time = %v; want infinity", got)
				}
			})
		}
		closed := postListIncident(t, f, srcKey, map[string]any{"start_time": "2026-04-01T10:00:00Z", "end_time": "9999-12-30T23:59:59.999999Z"})
		for _, c := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "-infinity"},
				`{"non_field_errors": ["'end_time' cannot be before 'start_time'."]}`},
			{map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "0001-01-01T00:00:00"},
				`{"non_field_errors": ["'end_time' cannot be before 'start_time'."]}`},
			{map[string]any{"start_time": "infinity"},
				`{"start_time": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], or 'infinity'."]}`},
			{map[string]any{"start_time": "2026-05-01T10:00:00Z", "end_time": "Infinity"},
				`{"end_time": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], or 'infinity'."]}`},
		} {
			f.send(http.MethodPost, "/api/v1/incidents/", srcKey, c.body).want(t, 400, c.want)
		}
		// Python's datetime.min as a start time is a datetime like any
		// other (Oslo's LMT offset, +00:43), and "-infinity" is not before it.
		r := f.send(http.MethodPost, "/api/v1/incidents/", srcKey, map[string]any{"start_time": "0001-01-01T00:00:00Z", "end_time": "-infinity"})
		r.want(t, 201, "")
		yearOne := r.object(t)
		if yearOne["start_time"] != "0001-01-01T00:43:00+00:43" || yearOne["end_time"] != "-infinity" || yearOne["open"] != false {
			t.Errorf("start_time, end_time, open = %v, %v, %v; want 0001-01-01T00:43:00+00:43, -infinity, false",
				yearOne["start_time"], yearOne["end_time"], yearOne["open"])
		}
		minusInf := int64(yearOne["pk"].(float64))
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"end_time__gte=9999-12-31T00:00:00Z", infinite},
			{"end_time__gte=9999-12-31T23:59:59.999998Z", infinite},
			{"end_time__gte=9999-12-30T00:00:00Z", append(slices.Clone(infinite), closed)},
			{"end_time__lte=9999-12-31T00:00:00Z", []int64{closed, minusInf}},
			{"end_time__lte=0001-01-01T01:00:00Z", []int64{minusInf}},
			{"end_time__gte=0001-01-01T01:00:00Z", append(slices.Clone(infinite), closed)},
			{"open=true&end_time__gte=2026-06-01T10:00:00Z", append(slices.Clone(infinite), closed)},
		} {
			p := f.get("/api/v1/incidents/?"+c.query, key).asListPage(t)
			if diff := cmp.Diff(c.want, p.pks); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.query, diff)
			}
		}
	})
}

// countingConnector counts the statements run on its connections.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

// Close closes the driver's connector when it has something to close.
func (c countingConnector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// countingConn forwards to the driver's connection whatever it supports,
// counting each statement executed directly or through a prepared
// statement. Where the driver lacks an optional interface the wrapper
// answers as database/sql would without it.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

var (
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
)

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares it instead
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return res, err
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.ReadOnly || opts.Isolation != 0 {
		return nil, fmt.Errorf("counting conn: the driver cannot set transaction options")
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
	return c.Conn.Begin()
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, conn: c}, nil
}

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nvc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(v)
	}
	return driver.ErrSkip // the default conversion
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	conn *countingConn
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.conn.n.Add(1)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := countingValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
	return s.Stmt.Exec(vals)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.conn.n.Add(1)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := countingValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
	return s.Stmt.Query(vals)
}

// CheckNamedValue is the statement's checker, else the connection's: a
// statement with a checker hides the connection's from database/sql.
func (s *countingStmt) CheckNamedValue(v *driver.NamedValue) error {
	if nvc, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(v)
	}
	return s.conn.CheckNamedValue(v)
}

func countingValues(args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, fmt.Errorf("counting conn: the driver does not take named parameters")
		}
		vals[i] = a.Value
	}
	return vals, nil
}

// listStatements is what one page of incidents costs: the token lookup,
// the incident query and the tag query.
const listStatements = 3

// A page of incidents costs the same few statements however many incidents,
// tags and acks there are (store.Incidents: two queries per page).
func TestListStatementCount(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		var n atomic.Int64
		st, err := store.Open(ctx, b.DSN, store.WithConnector(func(c driver.Connector) driver.Connector {
			return countingConnector{Connector: c, n: &n}
		}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, st, api.Options{})
		src, _ := f.source("gw1", "nav")
		user, key := f.user("kari", false)
		added := 0
		addIncidents := func(total int) {
			t.Helper()
			for ; added < total; added++ {
				ni := store.NewIncident{
					SourceID: src.ID, StartTime: start.Add(-time.Duration(added) * time.Minute), Level: 3,
					SourceIncidentID: itoa(int64(added)), EndTime: new(argus.Infinity),
					Tags: []argus.Tag{{Key: "object", Value: itoa(int64(added))}, {Key: "location", Value: "oslo"}, {Key: "n", Value: itoa(int64(added % 7))}},
				}
				inc, _, err := st.CreateIncident(ctx, ni, src.UserID, f.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				if added%3 == 0 {
					ack := argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: f.clock.Now()}}
					if _, err := st.CreateAck(ctx, argus.RulesV2, ack, &user, f.clock.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		count := func(path string) (int64, response) {
			t.Helper()
			before := n.Load()
			r := f.get(path, key)
			return n.Load() - before, r
		}
		for _, path := range []string{"/api/v1/incidents/?page_size=100", "/api/v1/incidents/open/", "/api/v1/incidents/mine/?acked=true"} {
			if got, _ := count(path); got == 0 {
				t.Fatalf("%s ran no statements: the counting connector sees nothing", path)
			}
		}
		addIncidents(10)
		small, r := count("/api/v1/incidents/?page_size=100")
		if p := r.asListPage(t); len(p.pks) != 10 {
			t.Fatalf("10 incidents: page of %d", len(p.pks))
		}
		smallOpen, _ := count("/api/v1/incidents/open/")
		addIncidents(150)
		large, r := count("/api/v1/incidents/?page_size=100")
		p := r.asListPage(t)
		if len(p.pks) != 100 || p.next == nil {
			t.Fatalf("150 incidents: page of %d, next %v; want 100 and a link", len(p.pks), p.next)
		}
		nextCount, _ := count(listLinkPath(t, f, *p.next))
		largeOpen, r := count("/api/v1/incidents/open/")
		if got := len(r.array(t)); got != 150 {
			t.Fatalf("/open/ lists %d; want 150", got)
		}
		t.Logf("statements: page of 10 = %d, page of 100 of 150 = %d, next page = %d, /open/ 10 = %d, /open/ 150 = %d",
			small, large, nextCount, smallOpen, largeOpen)
		for _, c := range []struct {
			name string
			got  int64
		}{{"page of 10", small}, {"page of 100 of 150", large}, {"next page", nextCount}, {"/open/ of 10", smallOpen}, {"/open/ of 150", largeOpen}} {
			if c.got != listStatements {
				t.Errorf("%s: %d statements; want %d", c.name, c.got, listStatements)
			}
		}
	})
}
