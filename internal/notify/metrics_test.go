package notify_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/metrics"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// scrape reads /metrics of srv into series → value ("name{labels}" as
// Prometheus's text format writes it).
func scrape(t *testing.T, srv *httptest.Server) map[string]float64 {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The counters of /metrics move as incidents are created and their
// messages are queued, sent, retried and failed; the delivery latency is
// measured from the event's commit; the queue gauges read the database.
func TestMetricsFollowNotifications(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		m := metrics.New(r.st, metrics.Options{Now: r.clock.Now, Subscribers: func() int { return 3 }})
		mux := http.NewServeMux()
		m.Register(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		svc := r.service(notify.Options{Observer: m, RetryBase: time.Minute})
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)

		const (
			created = `argus_incidents_created_total{source="nav"}`
			sta     = `argus_events_total{type="STA"}`
			queued  = `argus_notification_messages_total{medium="email",outcome="queued"}`
			sent    = `argus_notification_messages_total{medium="email",outcome="sent"}`
			retried = `argus_notification_messages_total{medium="email",outcome="retried"}`
			failed  = `argus_notification_messages_total{medium="email",outcome="failed"}`
			depth   = `argus_notification_queue_messages`
			age     = `argus_notification_queue_oldest_due_seconds`
			outbox  = `argus_notification_outbox_events`
			latency = `argus_notification_delivery_seconds_sum{medium="email"}`
			count   = `argus_notification_delivery_seconds_count{medium="email"}`
		)
		want := func(step string, got map[string]float64, series string, v float64) {
			t.Helper()
			if got[series] != v {
				t.Errorf("%s: %s = %v; want %v", step, series, got[series], v)
			}
		}
		got := scrape(t, srv)
		want("at first", got, sent, 0)
		want("at first", got, "argus_live_subscribers", 3)
		if _, ok := got[`go_sql_open_connections{db_name="argus"}`]; !ok {
			t.Errorf("no database pool stats among %d series", len(got))
		}

		// An incident: created, its STA committed and waiting in the
		// outbox; then queued, and sent two seconds after its commit.
		r.incident("gw1 down")
		got = scrape(t, srv)
		want("created", got, created, 1)
		want("created", got, sta, 1)
		want("created", got, outbox, 1)
		r.dispatch(svc)
		got = scrape(t, srv)
		want("dispatched", got, queued, 1)
		want("dispatched", got, outbox, 0)
		want("dispatched", got, depth, 1)
		r.clock.Add(2 * time.Second)
		r.deliver(svc)
		got = scrape(t, srv)
		want("delivered", got, sent, 1)
		want("delivered", got, count, 1)
		want("delivered", got, latency, 2)
		want("delivered", got, depth, 0)

		// A transient refusal: retried, due again later; once that time
		// has passed by 5 s, the queue says so.
		r.sink.Reject(451, "try again later", 1)
		r.incident("gw2 down")
		r.dispatch(svc)
		r.deliver(svc)
		got = scrape(t, srv)
		want("refused", got, retried, 1)
		want("refused", got, depth, 1)
		want("refused", got, age, 0)
		msgs := r.messages(store.MessageFilter{Status: "queued"})
		if len(msgs) != 1 {
			t.Fatalf("%d queued messages; want the one retried", len(msgs))
		}
		r.clock.Set(msgs[0].Due.Add(5 * time.Second))
		want("overdue", scrape(t, srv), age, 5)

		// A permanent refusal of the retry: failed for good.
		r.sink.Reject(550, "no such mailbox", 1)
		r.deliver(svc)
		got = scrape(t, srv)
		want("failed", got, failed, 1)
		want("failed", got, sent, 1)
		want("failed", got, depth, 0)
		want("failed", got, age, 0)
	})
}
