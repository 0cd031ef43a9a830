package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// Any cursor that decodes re-encodes to one that decodes to the same
// position; anything else is errInvalidCursor, never a panic.
func FuzzDecodeCursor(f *testing.F) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"",
		encodeCursor(store.Cursor{StartTime: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), ID: 7}),
		encodeCursor(store.Cursor{StartTime: time.Date(2026, 6, 1, 10, 0, 0, 123456000, time.UTC), ID: 1, Reverse: true}),
		encodeCursor(store.Cursor{StartTime: argus.NegInfinity}),
		encodeCursor(store.Cursor{StartTime: argus.Infinity, ID: 1<<63 - 1, Reverse: true}),
		b64("n.0.0"),
		b64("p.-62135596800000000.1"),
		b64("n.253402300799999999.9223372036854775807"),
		b64("n.253402300800000000.1"),
		b64("n.+5.+0"),
		b64("n.-0.007"),
		b64("n.1.-1"),
		b64("n..1"),
		b64("q.1.1"),
		b64("n.1.1.1"),
		b64("n.9223372036854775807.1"),
		b64("n.-9223372036854775808.1"),
		b64("n.1.9223372036854775808"),
		b64("n.1\x00.1"),
		b64("n.1.1") + "==",
		"garbage",
		"cD0yMDIwLTEwLTAxKzEzJTNBMDAlM0EwMCUyQjAwJTNBMDA=",
		"bi4x+jE/",
		"====",
		"a",
		"\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if err != errInvalidCursor {
				t.Fatalf("decodeCursor(%q) error = %v; want errInvalidCursor", s, err)
			}
			if c != nil {
				t.Fatalf("decodeCursor(%q) = %+v with an error", s, c)
			}
			return
		}
		if c == nil {
			if s != "" {
				t.Fatalf("decodeCursor(%q) = nil, nil; only the empty cursor is the first page", s)
			}
			return
		}
		if c.ID < 0 || c.StartTime.Year() < 1 || c.StartTime.Year() > 9999 || c.StartTime.Location() != time.UTC {
			t.Fatalf("decodeCursor(%q) = %+v: outside the positions a page can have", s, c)
		}
		again := encodeCursor(*c)
		if url.QueryEscape(again) != again {
			t.Errorf("encodeCursor(%+v) = %q needs escaping in a URL", c, again)
		}
		c2, err := DecodeCursor(again)
		if err != nil || c2 == nil {
			t.Fatalf("decodeCursor(encodeCursor(%+v)) = %v, %v; want the same cursor", c, c2, err)
		}
		if !c2.StartTime.Equal(c.StartTime) || c2.ID != c.ID || c2.Reverse != c.Reverse {
			t.Fatalf("round trip of %q: %+v became %+v", s, c, c2)
		}
		if encodeCursor(*c2) != again {
			t.Fatalf("encoding is not stable: %q then %q", again, encodeCursor(*c2))
		}
	})
}

// filterParams are the parameters parseIncidentFilter may blame.
var filterParams = map[string]bool{
	"source__id__in": true, "source__name__in": true, "source__type__in": true, "source_incident_id": true,
	"start_time__gte": true, "start_time__lte": true, "end_time__gte": true, "end_time__lte": true, "tags": true,
}

// Any query string parses into a filter or a FieldErrors naming the
// parameters at fault; never a panic or another kind of error.
func FuzzParseIncidentFilter(f *testing.F) {
	for _, s := range []string{
		"",
		"open=true&acked=false&page_size=2",
		"open=TRUE&stateful=0&end_time__isnull=1&ticket=false",
		"source__id__in=1,2,3&source__name__in=gw1,gw2&source__type__in=nav",
		"source_incident_id=100",
		"start_time__gte=2026-06-01T10:00:00Z&start_time__lte=2026-06-01+12:00:00",
		"end_time__gte=9999-12-31T23:59:59.999999%2B01:00&end_time__lte=0001-01-01T00:00:00",
		"end_time__gte=infinity",
		"tags=object=box1,object=box2,location=oslo",
		"tags=a=b=c,a==",
		"tags=object%3Dbox%0A",
		"tags=,",
		"tags=Object=x&tags=object=x",
		"source__id__in=abc",
		"source__id__in=1,,2,%20,9223372036854775808",
		"source_incident_id=%00&source__name__in=%FF",
		"start_time__gte=2026-03-29T02:30:00&end_time__lte=2026-10-25T02:30:00",
		"start_time__gte=0001-01-01T00:00:00%2B23:59&end_time__gte=9999-12-31T23:59:59-23:59",
		"%zz=1&;&=&&a=%",
		"open&open=false&open",
		"cursor=bi4xLjE&page_size=-1",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string, withSources bool) {
		q, _ := url.ParseQuery(raw) // the server, too, keeps what parses
		filter, err := ParseIncidentFilter(q, oslo, withSources)
		if err != nil {
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) == 0 {
				t.Fatalf("parseIncidentFilter(%q) error = %#v; want a non-empty FieldErrors", raw, err)
			}
			for k, v := range fe {
				msgs, ok := v.([]string)
				if !filterParams[k] || !ok || len(msgs) == 0 {
					t.Errorf("parseIncidentFilter(%q): error %q: %#v; want messages for a filter parameter", raw, k, v)
				}
				if !withSources && strings.HasPrefix(k, "source__") {
					t.Errorf("parseIncidentFilter(%q) without sources blames %q", raw, k)
				}
			}
			return
		}
		if !withSources && (filter.SourceIDs != nil || filter.SourceNames != nil || filter.SourceTypes != nil) {
			t.Errorf("parseIncidentFilter(%q) without sources = %+v; want no source filters", raw, filter)
		}
		for _, tag := range filter.Tags {
			if back, err := argus.ParseTagQuery(tag.String()); err != nil || back != tag {
				t.Errorf("parseIncidentFilter(%q): tag %+v is not a valid query tag", raw, tag)
			}
		}
		for _, tp := range []*time.Time{filter.StartGTE, filter.StartLTE, filter.EndGTE, filter.EndLTE} {
			if tp != nil && (tp.Year() < 1 || tp.Year() > 9999) {
				t.Errorf("parseIncidentFilter(%q): time %v out of range", raw, *tp)
			}
		}
		if n := PageSize(lastValue(q, "page_size")); n <= 0 {
			t.Errorf("pageSize(%q) = %d; want a positive size", lastValue(q, "page_size"), n)
		}
	})
}

// lockedBuffer collects the server's error log across fuzz iterations.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns and clears what was logged.
func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// fuzzServer is an API server over a fresh SQLite database with a few
// incidents, and an end user's and a source's token.
func fuzzServer(f *testing.F) (srv *httptest.Server, userKey, sourceKey string, log *lockedBuffer) {
	f.Helper()
	ctx := context.Background()
	st := storetest.Open(f, testdb.SQLiteDSN(f))
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	u, err := st.CreateUser(ctx, store.NewUser{Username: "kari", Email: "kari@example.org"}, now)
	if err != nil {
		f.Fatal(err)
	}
	userKey = auth.NewKey()
	if err := st.RotateToken(ctx, u.ID, auth.HashKey(userKey), now); err != nil {
		f.Fatal(err)
	}
	src, err := st.CreateSource(ctx, store.NewSource{Name: "gw1", Type: "nav", CreateType: true}, now)
	if err != nil {
		f.Fatal(err)
	}
	sourceKey = auth.NewKey()
	if err := st.RotateToken(ctx, src.UserID, auth.HashKey(sourceKey), now); err != nil {
		f.Fatal(err)
	}
	for i := range 7 {
		ni := store.NewIncident{
			SourceID: src.ID, StartTime: now.Add(-time.Duration(i/2) * time.Hour), Level: 1 + i%5,
			SourceIncidentID: fmt.Sprint(i), TicketURL: []string{"", "https://tickets.example.org/1"}[i%2],
			Tags: []argus.Tag{{Key: "object", Value: fmt.Sprint("box", i%3)}, {Key: "location", Value: "oslo"}},
		}
		switch i % 3 {
		case 0:
			ni.EndTime = new(argus.Infinity)
		case 1:
			ni.EndTime = new(now.Add(-time.Minute))
		}
		inc, _, err := st.CreateIncident(ctx, ni, src.UserID, now)
		if err != nil {
			f.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: now}}, &u, now); err != nil {
				f.Fatal(err)
			}
		}
	}
	log = &lockedBuffer{}
	srv = httptest.NewServer(New(st, Options{
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelError})),
	}))
	f.Cleanup(srv.Close)
	return srv, userKey, sourceKey, log
}

// escapeRequestTarget percent-encodes the bytes an HTTP request line cannot
// carry (controls, space, non-ASCII) and '#', as a client would; the rest
// of the raw query, malformed escapes included, goes to the server as is.
func escapeRequestTarget(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Whatever the query string, the incident lists answer 200, 400 or 404,
// never 500 (D5), and a next link from a 200 leads to another 200.
func FuzzListIncidentsHTTP(f *testing.F) {
	for _, s := range []string{
		"",
		"page_size=2",
		"open=true&acked=false&page_size=3",
		"open=TRUE&stateful=1&ticket=0&end_time__isnull=false",
		"open=yes&acked=&stateful=maybe",
		"source__id__in=1,2&source__name__in=gw1&source__type__in=nav,zabbix",
		"source__id__in=abc",
		"source_incident_id=3",
		"start_time__gte=2026-06-01T08:00:00Z&start_time__lte=2026-06-01+12:00:00",
		"end_time__gte=9999-12-31T23:59:59.999999&end_time__lte=2026-06-01T10:00:00%2B02:00",
		"end_time__gte=infinity",
		"tags=object=box1,object=box2,location=oslo",
		"tags=object",
		"tags=object=box1%0A",
		"cursor=garbage",
		"cursor=bi4xNzgwMzA4MDAwMDAwMDAwLjM&page_size=1",
		"cursor=cC4xNzgwMzA4MDAwMDAwMDAwLjM&page_size=1",
		"cursor=bi4yNTM0MDIzMDA3OTk5OTk5OTkuOTIyMzM3MjAzNjg1NDc3NTgwNw",
		"cursor=cC4tNjIxMzU1OTY4MDAwMDAwMDAuMA",
		"page_size=9223372036854775807",
		"page_size=0&page_size=-1&page_size=abc",
		"source_incident_id=%00&source__name__in=%FF&tags=a=%C3%28",
		"%zz&;=&&a=%&open=%",
		"start_time__gte=0001-01-01T00:00:00%2B23:59",
		"end_time__lte=9999-12-31T23:59:59-23:59",
		"tags=" + strings.Repeat("k=v,", 150) + "k=v",
		"source__id__in=" + strings.Repeat("1,", 1500) + "1",
	} {
		f.Add(s)
	}
	srv, userKey, sourceKey, log := fuzzServer(f)
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(t *testing.T, rawURL, query, key string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, rawURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if query != "" {
			req.URL.RawQuery = query
		}
		req.Header.Set("Authorization", "Token "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s?%s: %v", rawURL, query, err)
		}
		defer resp.Body.Close()
		var body json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("GET %s?%s: %d with a body that is not JSON: %v", rawURL, query, resp.StatusCode, err)
		}
		return resp.StatusCode, body
	}
	f.Fuzz(func(t *testing.T, q string) {
		q = escapeRequestTarget(q)
		for _, c := range []struct{ path, key string }{
			{"/api/v1/incidents/", userKey},
			{"/api/v1/incidents/mine/", sourceKey},
		} {
			status, body := get(t, srv.URL+c.path, q, c.key)
			switch status {
			case http.StatusOK:
			case http.StatusBadRequest, http.StatusNotFound:
				continue
			default:
				t.Fatalf("GET %s?%s = %d %s\nserver log:\n%s", c.path, q, status, body, log.take())
			}
			var page struct {
				Next    *string           `json:"next"`
				Results []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(body, &page); err != nil || page.Results == nil {
				t.Fatalf("GET %s?%s = 200 %s; want a page", c.path, q, body)
			}
			if page.Next == nil {
				continue
			}
			if status, body := get(t, *page.Next, "", c.key); status != http.StatusOK {
				t.Fatalf("GET %s?%s: its next link %s = %d %s\nserver log:\n%s", c.path, q, *page.Next, status, body, log.take())
			}
		}
	})
}
