package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/testdb"
)

// serve's /metrics: closed without ARGUS_METRICS_TOKEN's bearer token;
// with it, requests counted by route pattern (not path), method and
// status, and incidents by source.
func TestServeMetrics(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.vars["ARGUS_METRICS_TOKEN"] = "s3cret"
		srv := startServe(t, c)
		sourceToken := lastLine(c.mustRun("create-source", "--name", "gw1", "--type", "nav"))
		client := &http.Client{Timeout: time.Minute}
		t.Cleanup(client.CloseIdleConnections)

		get := func(auth string) (int, string) {
			t.Helper()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.base+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, string(body)
		}
		for _, auth := range []string{"", "Bearer wrong", "Token s3cret", "Bearer s3cret2"} {
			if status, _ := get(auth); status != http.StatusUnauthorized {
				t.Errorf("GET /metrics with Authorization %q: %d; want 401", auth, status)
			}
		}

		for i, id := range []string{"1", "2"} {
			status, body := do(t, client, http.MethodPost, srv.base+"/api/v1/incidents/", sourceToken, map[string]any{
				"start_time": "2026-03-29T12:00:00Z", "description": "down", "source_incident_id": id,
			})
			if status != http.StatusCreated {
				t.Fatalf("POST incident %d: %d %v", i, status, body)
			}
			if status, _ := do(t, client, http.MethodGet, srv.base+"/api/v1/incidents/"+id+"/", sourceToken, nil); status != http.StatusOK {
				t.Fatalf("GET incident %s: %d", id, status)
			}
		}
		// A method no HTTP has is one series, whatever its name.
		for _, method := range []string{"FROB", "WIBBLE"} {
			req, err := http.NewRequestWithContext(t.Context(), method, srv.base+"/api/v1/incidents/", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		status, text := get("Bearer s3cret")
		if status != http.StatusOK {
			t.Fatalf("GET /metrics with the token: %d", status)
		}
		for _, want := range []string{
			`argus_http_requests_total{code="201",method="POST",route="/api/v1/incidents/"} 2`,
			`argus_http_requests_total{code="200",method="GET",route="/api/v1/incidents/{pk}/"} 2`,
			`argus_http_requests_total{code="401",method="GET",route="/metrics"} 4`,
			`argus_http_request_duration_seconds_count{method="POST",route="/api/v1/incidents/"} 2`,
			`argus_incidents_created_total{source="gw1"} 2`,
			`argus_events_total{type="STA"} 2`,
			`argus_live_subscribers 0`,
			`argus_http_requests_total{code="401",method="other",route="/api/v1/incidents/"} 2`,
			`go_sql_max_open_connections{db_name="argus"}`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if strings.Contains(text, "FROB") {
			t.Error("/metrics has a series for the method FROB")
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", text)
		}
	})
}
