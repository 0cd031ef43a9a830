package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/api"
)

// lines returns the JSON log records written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// requestLog returns the request log record with the id.
func (b *syncBuffer) requestLog(t *testing.T, id string) map[string]any {
	t.Helper()
	for _, m := range b.lines(t) {
		if m["msg"] == "request" && m["request_id"] == id {
			return m
		}
	}
	t.Fatalf("no request log line with request_id %q", id)
	return nil
}

// X-Forwarded-Proto and X-Forwarded-For count only from the proxies of
// ARGUS_TRUSTED_PROXIES; the test client connects from 127.0.0.1.
func TestTrustedProxies(t *testing.T) {
	tests := []struct {
		name      string
		proxies   []string
		header    map[string]string
		scheme    string
		remote    string
		remoteAny bool // the client's own address, whatever port
	}{
		{name: "no proxies trusted", header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"},
			scheme: "http", remote: "127.0.0.1"},
		{name: "another proxy trusted", proxies: []string{"10.0.0.0/8"},
			header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}, scheme: "http", remote: "127.0.0.1"},
		{name: "trusted", proxies: []string{"127.0.0.0/8"},
			header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}, scheme: "https", remote: "192.0.2.7"},
		{name: "trusted, client-made hops before the proxy's", proxies: []string{"127.0.0.1/32"},
			header: map[string]string{"X-Forwarded-Proto": "HTTPS", "X-Forwarded-For": "203.0.113.9, 192.0.2.7"}, scheme: "https", remote: "192.0.2.7"},
		{name: "trusted chain of proxies", proxies: []string{"127.0.0.1/32", "10.0.0.0/8"},
			header: map[string]string{"X-Forwarded-For": "192.0.2.7, 10.1.2.3"}, scheme: "http", remote: "192.0.2.7"},
		{name: "trusted, junk in the header", proxies: []string{"127.0.0.1/32"},
			header: map[string]string{"X-Forwarded-Proto": "gopher", "X-Forwarded-For": "not-an-ip"}, scheme: "http", remote: "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prefixes []netip.Prefix
			for _, p := range tt.proxies {
				prefixes = append(prefixes, netip.MustParsePrefix(p))
			}
			logs := &syncBuffer{}
			eachFixtureWith(t, api.Options{TrustedProxies: prefixes, Logger: slog.New(slog.NewJSONHandler(logs, nil))},
				func(t *testing.T, f *fixture) {
					_, key := f.user("kari", false)
					listSeedOrdered(t, f, 2, 1)
					r := f.do(req{method: http.MethodGet, path: "/api/v1/incidents/?page_size=1", token: key, header: tt.header})
					p := r.asListPage(t)
					if p.next == nil {
						t.Fatal("next = null; want a link")
					}
					u, err := url.Parse(*p.next)
					if err != nil {
						t.Fatal(err)
					}
					if u.Scheme != tt.scheme {
						t.Errorf("next = %q; want scheme %s", *p.next, tt.scheme)
					}
					rec := logs.requestLog(t, r.header.Get("X-Request-Id"))
					if rec["remote"] != tt.remote {
						t.Errorf("logged remote = %v; want %s", rec["remote"], tt.remote)
					}
				})
		})
	}
}

// Every answer carries an X-Request-Id, and a 5xx is logged at error
// level with it, so that a client's report leads to the log line.
func TestRequestIDOnServerError(t *testing.T) {
	logs := &syncBuffer{}
	eachFixtureWith(t, api.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))}, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		ok := f.get("/api/v1/incidents/", key)
		idRE := regexp.MustCompile(`^[0-9a-f]{16}$`)
		if id := ok.header.Get("X-Request-Id"); !idRE.MatchString(id) {
			t.Errorf("X-Request-Id = %q; want 16 hex digits", id)
		}
		// A database that is gone is a server fault, whatever the client sent.
		if err := f.st.Close(); err != nil {
			t.Fatal(err)
		}
		r := f.get("/api/v1/incidents/", key)
		r.want(t, http.StatusInternalServerError, `{"detail": "A server error occurred."}`)
		id := r.header.Get("X-Request-Id")
		if !idRE.MatchString(id) || id == ok.header.Get("X-Request-Id") {
			t.Fatalf("X-Request-Id = %q; want a new id of 16 hex digits", id)
		}
		var failed, request bool
		for _, m := range logs.lines(t) {
			if m["request_id"] != id {
				continue
			}
			if m["level"] != "ERROR" {
				t.Errorf("log line %v about the 500 is not at error level", m)
			}
			switch m["msg"] {
			case "request failed":
				failed = strings.Contains(m["error"].(string), "closed")
			case "request":
				request = m["status"] == float64(500)
			}
		}
		if !failed || !request {
			t.Errorf("want a 'request failed' line naming the error and a 'request' line with status 500 for %s; log:\n%s", id, logs)
		}
	})
}
