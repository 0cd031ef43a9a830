// Package metrics serves /metrics in Prometheus's format: HTTP requests
// by route, incidents and events as the store commits them, notification
// messages by medium and outcome, the queues, the live-update
// subscribers, the database pool and the Go runtime. Everything is
// registered on one registry of its own, never the global one.
package metrics

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Options configure Metrics.
type Options struct {
	// Token is ARGUS_METRICS_TOKEN: when set, /metrics answers only
	// requests with "Authorization: Bearer <token>" (Prometheus's
	// authorization or bearer_token setting).
	Token string
	// Subscribers counts the live-update subscribers (the hub's).
	Subscribers func() int
	// Logger receives errors of reading the queues for a scrape.
	Logger *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Metrics are the collectors of one process.
type Metrics struct {
	o   Options
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	incidents *prometheus.CounterVec
	events    *prometheus.CounterVec
	messages  *prometheus.CounterVec
	delivery  *prometheus.HistogramVec
}

// New makes the collectors of a process that serves st, and registers
// them with the database pool's and the Go runtime's.
func New(st *store.Store, o Options) *Metrics {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{o: o, reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "argus_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "argus_http_request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.incidents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "argus_incidents_created_total",
		Help: "Incidents created through this process, by source system name.",
	}, []string{"source"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "argus_events_total",
		Help: "Incident events committed through this process, by type (STA, END, ACK, …).",
	}, []string{"type"})
	m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "argus_notification_messages_total",
		Help: "Notification messages by medium and outcome: queued, sent, failed (for good) or retried.",
	}, []string{"medium", "outcome"})
	m.delivery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "argus_notification_delivery_seconds",
		Help:    "Time from an event's commit to the hand-off of its message to the medium, by medium.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
	}, []string{"medium"})
	for _, medium := range []argus.Medium{argus.MediumEmail, argus.MediumSMS} {
		for _, outcome := range []string{"queued", "sent", "failed", "retried"} {
			m.messages.WithLabelValues(medium.Slug(), outcome) // present at 0 from the start
		}
	}
	m.reg.MustRegister(m.requests, m.latency, m.incidents, m.events, m.messages, m.delivery,
		&queues{st: st, now: o.Now, log: o.Logger},
		collectors.NewDBStatsCollector(st.DB(), "argus"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if o.Subscribers != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "argus_live_subscribers",
			Help: "Browsers and websockets following live updates.",
		}, func() float64 { return float64(o.Subscribers()) }))
	}
	// Every change this process commits, once, after the commit.
	st.Subscribe(m.changes)
	return m
}

// changes counts the incidents and events of committed changes.
func (m *Metrics) changes(changes []store.Change) {
	for _, c := range changes {
		if c.Kind == store.ChangeCreated {
			m.incidents.WithLabelValues(c.Source).Inc()
		}
		if c.Event.ID != 0 {
			m.events.WithLabelValues(string(c.Event.Type)).Inc()
		}
	}
}

// Observe counts an answered request (httpserver.Options.Observe).
// Methods other than HTTP's own are counted as "other": a client may send
// any token as a method, and each would be a series of its own.
func (m *Metrics) Observe(route, method string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Queued, Sent, Failed and Retried count messages (notify.Observer).
func (m *Metrics) Queued(medium argus.Medium, n int) {
	m.messages.WithLabelValues(medium.Slug(), "queued").Add(float64(n))
}

func (m *Metrics) Sent(medium argus.Medium, sinceCommit time.Duration) {
	m.messages.WithLabelValues(medium.Slug(), "sent").Inc()
	m.delivery.WithLabelValues(medium.Slug()).Observe(max(sinceCommit, 0).Seconds())
}

func (m *Metrics) Failed(medium argus.Medium) {
	m.messages.WithLabelValues(medium.Slug(), "failed").Inc()
}

func (m *Metrics) Retried(medium argus.Medium) {
	m.messages.WithLabelValues(medium.Slug(), "retried").Inc()
}

// Register serves GET /metrics (httpserver.Face).
func (m *Metrics) Register(mux *http.ServeMux) {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.o.Logger.Handler(), slog.LevelError)})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if m.o.Token != "" && !bearer(r, m.o.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="argus metrics"`)
			http.Error(w, "Unauthorized: /metrics needs the token of ARGUS_METRICS_TOKEN as a Bearer token.", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bearer reports whether r carries "Authorization: Bearer <token>".
func bearer(r *http.Request, token string) bool {
	const prefix = "Bearer "
	got := r.Header.Get("Authorization")
	if len(got) < len(prefix) || got[:len(prefix)] != prefix {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got[len(prefix):]), []byte(token)) == 1
}

// queues reads the notification queues from the database at each scrape:
// they are shared by every process (D20), so each reports the same.
type queues struct {
	st  *store.Store
	now func() time.Time
	log *slog.Logger
}

var (
	queueDepth = prometheus.NewDesc("argus_notification_queue_messages",
		"Notification messages waiting to be sent or being sent, in the database.", nil, nil)
	queueAge = prometheus.NewDesc("argus_notification_queue_oldest_due_seconds",
		"How long the longest-due message that is not sent has been due (0 when none is).", nil, nil)
	outboxDepth = prometheus.NewDesc("argus_notification_outbox_events",
		"Events waiting to be dispatched to notification profiles, in the database.", nil, nil)
)

func (q *queues) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepth
	ch <- queueAge
	ch <- outboxDepth
}

func (q *queues) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := q.now()
	s, err := q.st.Queues(ctx, now)
	if err != nil {
		q.log.Error("metrics: read the notification queues", "err", err)
		ch <- prometheus.NewInvalidMetric(queueDepth, err)
		return
	}
	age := 0.0
	if !s.OldestDue.IsZero() {
		age = max(now.Sub(s.OldestDue).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(s.Messages))
	ch <- prometheus.MustNewConstMetric(queueAge, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(s.Outbox))
}
