package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/apidoc/apitest"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// clock is the settable test clock.
type clock = storetest.Clock

// start is the test clock's first reading: summer time in Oslo.
var start = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

// fixture is an API server over a fresh database, reached over real HTTP.
type fixture struct {
	t     *testing.T
	st    *store.Store
	srv   *httptest.Server
	clock *clock
}

// eachFixture runs fn on both databases with a fresh server each.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	eachFixtureWith(t, api.Options{}, fn)
}

// eachFixtureWith is eachFixture with server options.
func eachFixtureWith(t *testing.T, o api.Options, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newFixture(t, st, o))
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newFixture(t *testing.T, st *store.Store, o api.Options) *fixture {
	t.Helper()
	c := storetest.NewClock(start)
	o.Now = c.Now
	if o.Logger == nil {
		// Request logs show only when the test fails.
		o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	// Every request and response is checked against the OpenAPI
	// documents (apidoc): they cannot drift from the handlers.
	srv := httptest.NewServer(apitest.Handler(t, api.New(st, o)))
	t.Cleanup(srv.Close)
	return &fixture{t: t, st: st, srv: srv, clock: c}
}

// user creates a user with password "pw" and an API token.
func (f *fixture) user(name string, superuser bool) (argus.User, string) {
	f.t.Helper()
	u := authtest.User(f.t, f.st, name, superuser, f.clock.Now())
	return u, f.token(u.ID)
}

// token issues a fresh token for the user at the clock's time.
func (f *fixture) token(userID int64) string {
	f.t.Helper()
	return authtest.Token(f.t, f.st, userID, f.clock.Now())
}

// source creates a source system of the type (made if missing) and
// returns it with its user's token.
func (f *fixture) source(name, typ string) (argus.Source, string) {
	f.t.Helper()
	src, _ := storetest.Source(f.t, f.st, name, typ, f.clock.Now())
	return src, f.token(src.UserID)
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// req is one request: headers beyond the token, and a body that is sent
// as JSON unless it is a string (sent as is, with contentType).
type req struct {
	method      string
	path        string
	token       string
	body        any
	contentType string
	header      map[string]string
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func (f *fixture) do(r req) response {
	f.t.Helper()
	var body io.Reader
	contentType := r.contentType
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		body = bytes.NewReader(data)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	hr, err := http.NewRequest(r.method, f.srv.URL+r.path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Token "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (f *fixture) get(path, token string) response {
	f.t.Helper()
	return f.do(req{method: http.MethodGet, path: path, token: token})
}

func (f *fixture) send(method, path, token string, body any) response {
	f.t.Helper()
	return f.do(req{method: method, path: path, token: token, body: body})
}

// want checks the status and that the body is the JSON wantBody (compared
// as values, so key order and spacing do not matter).
func (r response) want(t *testing.T, status int, wantBody string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d; want %d (body %s)", r.status, status, r.body)
	}
	if wantBody == "" {
		return
	}
	var got, want any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Errorf("body %q is not JSON: %v", r.body, err)
		return
	}
	if err := json.Unmarshal([]byte(wantBody), &want); err != nil {
		t.Fatalf("bad wantBody %q: %v", wantBody, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// object decodes a JSON object body.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// array decodes a JSON array body.
func (r response) array(t *testing.T) []any {
	t.Helper()
	var a []any
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", r.body, err)
	}
	return a
}

// keys returns the sorted keys of a JSON object.
func keys(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// wantKeys checks that an object has exactly these keys (D2).
func wantKeys(t *testing.T, v any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if diff := cmp.Diff(want, keys(v)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
