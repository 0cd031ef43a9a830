package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// Request bodies of each endpoint family, fuzzed over HTTP: whatever the
// body, the answer is a success or a 4xx whose body is JSON in a DRF
// shape, never a panic or a 5xx (issue 10, D5). The seeds are valid
// bodies and edge cases; testdata/fuzz holds the inputs that answered 500
// on PostgreSQL before text had length limits (10,000 characters of noise
// in a uniquely indexed column).

// bodyServer is an API server over a fresh database holding one of each
// object, and the tokens of a superuser, an end user and a source. The
// database is PostgreSQL when ARGUS_TEST_DATABASE_URL is set (CI), where
// most of the 500s this guards against lived, else SQLite.
type bodyServer struct {
	srv  *httptest.Server
	keys map[string]string // "root", "kari", "source"
	ids  map[string]string // "incident", "phone", "timeslot", "filter", "profile", "source"
	log  *lockedBuffer
}

func newBodyServer(f *testing.F) *bodyServer {
	f.Helper()
	ctx := context.Background()
	dsn := testdb.SQLiteDSN(f)
	if os.Getenv(testdb.EnvVar) != "" {
		dsn = testdb.PostgresDSN(f)
	}
	st := storetest.Open(f, dsn)
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	s := &bodyServer{keys: map[string]string{}, ids: map[string]string{}, log: &lockedBuffer{}}
	for _, name := range []string{"root", "kari"} {
		u, err := st.CreateUser(ctx, store.NewUser{Username: name, Email: name + "@example.org", IsSuperuser: name == "root"}, now)
		if err != nil {
			f.Fatal(err)
		}
		s.keys[name] = auth.NewKey()
		if err := st.RotateToken(ctx, u.ID, auth.HashKey(s.keys[name]), now); err != nil {
			f.Fatal(err)
		}
	}
	src, err := st.CreateSource(ctx, store.NewSource{Name: "gw1", Type: "nav", CreateType: true}, now)
	if err != nil {
		f.Fatal(err)
	}
	s.ids["source"] = fmt.Sprint(src.ID)
	s.keys["source"] = auth.NewKey()
	if err := st.RotateToken(ctx, src.UserID, auth.HashKey(s.keys["source"]), now); err != nil {
		f.Fatal(err)
	}
	s.srv = httptest.NewServer(New(st, Options{
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelError})),
	}))
	f.Cleanup(s.srv.Close)

	create := func(what, as, path, body string) {
		status, data := s.send(f, "POST", path, as, "application/json", []byte(body))
		var obj struct{ PK int64 }
		if status != http.StatusCreated || json.Unmarshal(data, &obj) != nil {
			f.Fatalf("create %s: %d %s", what, status, data)
		}
		s.ids[what] = fmt.Sprint(obj.PK)
	}
	create("incident", "source", "/api/v1/incidents/", `{"start_time": "2026-06-01T10:00:00Z", "description": "d", "tags": [{"tag": "a=b"}]}`)
	create("phone", "kari", "/api/v1/auth/phone-number/", `{"phone_number": "+4790909090"}`)
	create("timeslot", "kari", "/api/v1/notificationprofiles/timeslots/", `{"name": "Work", "time_recurrences": [{"days": [1], "start": "08:00", "end": "16:00"}]}`)
	create("filter", "kari", "/api/v1/notificationprofiles/filters/", `{"name": "F", "filter_string": "{\"sourceSystemIds\": [], \"tags\": [\"a=b\"]}"}`)
	create("profile", "kari", "/api/v1/notificationprofiles/", fmt.Sprintf(`{"timeslot": %s, "filters": [%s], "media": ["EM"]}`, s.ids["timeslot"], s.ids["filter"]))
	return s
}

// send makes one request and returns the status and body.
func (s *bodyServer) send(t testing.TB, method, path, as, contentType string, body []byte) (int, []byte) {
	t.Helper()
	for k, v := range s.ids {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if as != "" {
		req.Header.Set("Authorization", "Token "+s.keys[as])
	}
	resp, err := bodyClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// bodyClient gives up on a server that hangs.
var bodyClient = &http.Client{Timeout: 30 * time.Second}

// bodyRoute is a method and path that reads a body, and who calls it.
type bodyRoute struct{ method, path, as string }

// fuzzBodies fuzzes the routes with the seeds.
func fuzzBodies(f *testing.F, routes []bodyRoute, seeds ...string) {
	for _, s := range append(seeds, "", "{}", "[]", "null", `{"a": 1e400}`, "{\"a\": \"\xff\"}", `{"a": "\u0000"}`,
		strings.Repeat("[", 10001), `{"a": 9223372036854775808}`) {
		f.Add([]byte(s), false)
	}
	srv := newBodyServer(f)
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		contentType := "application/json"
		if form {
			contentType = "application/x-www-form-urlencoded"
		}
		for _, rt := range routes {
			status, data := srv.send(t, rt.method, rt.path, rt.as, contentType, body)
			if status >= 500 {
				t.Fatalf("%s %s with %q = %d %s\nserver log:\n%s", rt.method, rt.path, body, status, data, srv.log.take())
			}
			if status < 400 {
				continue
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%s %s with %q = %d, body %q is not JSON", rt.method, rt.path, body, status, data)
			}
			switch v.(type) {
			case map[string]any, []any:
			default:
				t.Fatalf("%s %s with %q = %d, body %s is no DRF shape", rt.method, rt.path, body, status, data)
			}
		}
	})
}

func FuzzAuthBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/token-auth/", ""},
		{"POST", "/api/v1/auth/phone-number/", "kari"},
		{"PATCH", "/api/v1/auth/phone-number/{phone}/", "kari"},
	}, `{"username": "nobody", "password": "pw"}`, `{"username": "`+incompressible(10000)+`", "password": "pw"}`, `{"phone_number": "+4790909091"}`,
		`{"phone_number": "+47`+strings.Repeat("9", 200)+`"}`, `{"username": ["a"], "password": {}}`)
}

// incompressible is n characters of deterministic noise: PostgreSQL
// compresses a long run of one letter far below its index limits, but not
// this.
func incompressible(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

func FuzzSourceBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/incidents/source-types/", "kari"},
		{"POST", "/api/v1/incidents/sources/", "root"},
		{"PATCH", "/api/v1/incidents/sources/{source}/", "root"},
	}, `{"name": "zabbix"}`, `{"name": "gw2", "type": "nav", "username": "gw2", "base_url": "https://x.example.org/"}`,
		`{"name": "gw3", "type": "nav", "username": "`+strings.Repeat("u", 150)+`"}`)
}

func FuzzIncidentBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/incidents/", "source"},
		{"POST", "/api/v1/incidents/", "root"},
		{"PATCH", "/api/v1/incidents/{incident}/", "kari"},
		{"PUT", "/api/v1/incidents/{incident}/ticket_url/", "kari"},
	}, `{"start_time": "2026-06-01T10:00:00Z", "end_time": null, "description": "x", "level": 2, "tags": [{"tag": "k=v"}]}`,
		`{"start_time": "2026-06-01T10:00:00", "source_incident_id": 9223372036854775808, "source": 2147483648}`,
		`{"details_url": "a", "ticket_url": "https://t.example.org/1", "tags": []}`,
		`{"ticket_url": null}`)
}

func FuzzEventBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/incidents/{incident}/events/", "kari"},
		{"POST", "/api/v1/incidents/{incident}/events/", "source"},
		{"POST", "/api/v1/incidents/{incident}/acks/", "kari"},
	}, `{"type": "OTH", "description": "note"}`, `{"type": "END", "timestamp": "2026-06-01T11:00:00Z"}`,
		`{"event": {"description": "mine", "timestamp": "2026-06-01T11:00:00+02:00"}, "expiration": "2026-06-02T11:00:00Z"}`,
		`{"event": "x"}`, `{"event": {"type": "CLO"}}`, `{"type": "ACK"}`)
}

func FuzzTimeslotBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/notificationprofiles/timeslots/", "kari"},
		{"PUT", "/api/v1/notificationprofiles/timeslots/{timeslot}/", "kari"},
		{"PATCH", "/api/v1/notificationprofiles/timeslots/{timeslot}/", "kari"},
	}, `{"name": "Night", "time_recurrences": [{"days": [1, "2", 7], "start": "00:00", "end": "08:00:00.5"}]}`,
		`{"name": "`+incompressible(10000)+`", "time_recurrences": []}`,
		`{"name": "All", "time_recurrences": [{"days": [], "all_day": "yes"}]}`,
		`{"time_recurrences": [{"days": [9223372036854775808], "start": 1, "end": null}]}`)
}

func FuzzFilterBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/notificationprofiles/filters/", "kari"},
		{"PATCH", "/api/v1/notificationprofiles/filters/{filter}/", "kari"},
		{"POST", "/api/v1/notificationprofiles/filterpreview/", "kari"},
	}, `{"name": "G", "filter_string": "{\"sourceSystemIds\": [1], \"tags\": [\"a=b\"]}"}`,
		`{"name": "`+incompressible(10000)+`", "filter_string": "{\"sourceSystemIds\": [1], \"tags\": [\"a=b\"]}"}`,
		`{"sourceSystemIds": [2147483648, 9223372036854775807], "tags": ["k=v"]}`,
		`{"name": "H", "filter_string": "{\"sourceSystemIds\": [9223372036854775808], \"tags\": []}"}`,
		`{"sourceSystemIds": [], "tags": ["k=`+strings.Repeat("v", 600)+`"]}`)
}

func FuzzProfileBodies(f *testing.F) {
	fuzzBodies(f, []bodyRoute{
		{"POST", "/api/v1/notificationprofiles/", "kari"},
		{"PATCH", "/api/v1/notificationprofiles/{profile}/", "kari"},
		{"PUT", "/api/v1/notificationprofiles/{profile}/", "kari"},
	}, `{"timeslot": 1, "filters": [1], "media": ["EM", "SM"], "phone_number": 1, "active": "false"}`,
		`{"timeslot": 2147483648, "filters": [9223372036854775807], "phone_number": "9223372036854775808"}`,
		`{"filters": ["٣"], "media": [1], "active": null}`)
}
