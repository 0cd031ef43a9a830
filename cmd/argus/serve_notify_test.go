package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/smtpsink"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/testdb"
)

// The tests here drive notifications end to end: the real `argus serve`
// in process, users made with the CLI, a profile set up over HTTP as a
// client would, an incident posted by a source system, and the mail
// arriving at a real SMTP server.

const (
	notifyUser     = "alice"
	notifyAddress  = "alice@example.org"
	notifySource   = "gw1"
	notifyDesc     = "gw1 is down"
	notifyStart    = "2026-03-29T14:00:00+02:00" // t0, the commands' clock, in Europe/Oslo (CEST)
	notifySiteURL  = "https://argus.example.org"
	notifyFromAddr = "argus@example.org"
)

// startSink starts an SMTP server that keeps what it receives, closed
// when the test ends (after serve, whose cleanup is registered later).
func startSink(t *testing.T) *smtpsink.Server {
	t.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sink.Close(); err != nil {
			t.Errorf("close sink: %v", err)
		}
	})
	return sink
}

// notifyVars is the environment of serve and the commands: mail goes to
// sink in plain SMTP, and notifications are on when send is true.
func notifyVars(sink *smtpsink.Server, send bool) map[string]string {
	vars := map[string]string{
		"EMAIL_HOST":         "127.0.0.1",
		"EMAIL_PORT":         strconv.Itoa(sink.Port()),
		"EMAIL_USE_TLS":      "false",
		"DEFAULT_FROM_EMAIL": notifyFromAddr,
		"ARGUS_SITE_URL":     notifySiteURL,
		"TIME_ZONE":          "Europe/Oslo",
	}
	if send {
		vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
	}
	return vars
}

// served is one `argus serve` running in process.
type served struct {
	base    string // http://host:port
	stdout  string // what serve printed before it listened
	stderr  *lineWatcher
	cancel  context.CancelFunc
	done    chan int
	stopped bool
}

// startServe runs `argus serve` with c's environment on a free port until
// stop, or until the test ends.
func startServe(t *testing.T, c *cli) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout bytes.Buffer
	s := &served{stderr: &lineWatcher{seen: make(chan struct{})}, cancel: cancel, done: make(chan int, 1)}
	e := c.env(&stdout, s.stderr)
	ready := make(chan string, 1)
	e.ready = func(addr string) { ready <- addr }
	go func() { s.done <- runEnv(ctx, e, []string{"serve", "--addr", "127.0.0.1:0"}) }()
	select {
	case addr := <-ready:
		s.base = "http://" + addr
	case code := <-s.done:
		cancel()
		t.Fatalf("serve exited with %d before listening; stderr:\n%s", code, written(s.stderr))
	}
	s.stdout = stdout.String() // serve writes stdout only before ready
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends serve as SIGTERM does and waits for it to return. By then
// the requests and the sends in flight have finished and their outcomes
// are recorded: serve stops its notifier before it returns.
func (s *served) stop(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel()
	if code := <-s.done; code != 0 {
		t.Errorf("serve exited with %d, want 0; stderr:\n%s", code, written(s.stderr))
	}
}

// scenario is what setUpAndPostIncident made.
type scenario struct {
	srv        *served
	client     *http.Client
	adminToken string
	incident   int64
}

// setUpAndPostIncident starts serve on the empty database of c, makes an
// end user with an email address and a source system with the CLI while
// serve runs, gives the end user a profile that selects the source's
// incidents on email over the API, and posts an incident as the source.
func setUpAndPostIncident(t *testing.T, c *cli) scenario {
	t.Helper()
	srv := startServe(t, c)
	client := &http.Client{Timeout: time.Minute}
	t.Cleanup(client.CloseIdleConnections)
	sc := scenario{srv: srv, client: client}

	m := generatedRE.FindStringSubmatch(srv.stdout)
	if m == nil {
		t.Fatalf("serve's stdout = %q, want the generated admin password", srv.stdout)
	}
	status, body := do(t, client, http.MethodPost, srv.base+"/api/v1/token-auth/", "",
		map[string]string{"username": "admin", "password": m[1]})
	sc.adminToken, _ = field(body, "token").(string)
	if status != http.StatusOK || !tokenRE.MatchString(sc.adminToken) {
		t.Fatalf("token-auth as admin: status %d, body %v; want 200 and a token", status, body)
	}

	c.mustRun("create-user", "--username", notifyUser, "--email", notifyAddress)
	userToken := strings.TrimSuffix(c.mustRun("create-token", "--username", notifyUser), "\n")
	sourceToken := lastLine(c.mustRun("create-source", "--name", notifySource, "--type", "nav"))
	if !tokenRE.MatchString(userToken) || !tokenRE.MatchString(sourceToken) {
		t.Fatalf("tokens %q and %q; want two 40-hex tokens", userToken, sourceToken)
	}

	status, body = do(t, client, http.MethodGet, srv.base+"/api/v1/notificationprofiles/timeslots/", userToken, nil)
	timeslots, _ := body.([]any)
	if status != http.StatusOK || len(timeslots) != 1 || field(timeslots[0], "name") != "All the time" {
		t.Fatalf("GET timeslots: status %d, body %v; want 200 and one timeslot, \"All the time\"", status, body)
	}
	timeslot := pkOf(t, timeslots[0])

	status, body = do(t, client, http.MethodGet, srv.base+"/api/v1/incidents/sources/", userToken, nil)
	var source int64
	list, _ := body.([]any)
	for _, s := range list {
		if field(s, "name") == notifySource {
			source = pkOf(t, s)
		}
	}
	if status != http.StatusOK || source == 0 {
		t.Fatalf("GET sources: status %d, body %v; want 200 and the source %q", status, body, notifySource)
	}

	status, body = do(t, client, http.MethodPost, srv.base+"/api/v1/notificationprofiles/filters/", userToken, map[string]any{
		"name":          "gw1 only",
		"filter_string": fmt.Sprintf(`{"sourceSystemIds": [%d], "tags": []}`, source),
	})
	if status != http.StatusCreated {
		t.Fatalf("POST filter: status %d, body %v; want 201", status, body)
	}
	filter := pkOf(t, body)

	status, body = do(t, client, http.MethodPost, srv.base+"/api/v1/notificationprofiles/", userToken, map[string]any{
		"timeslot": timeslot, "filters": []int64{filter}, "media": []string{"EM"}, "active": true,
	})
	if status != http.StatusCreated || pkOf(t, body) != timeslot || field(body, "active") != true ||
		!cmp.Equal(field(body, "media"), []any{"EM"}) {
		t.Fatalf("POST profile: status %d, body %v; want 201, pk %d, active, media [EM]", status, body, timeslot)
	}

	status, body = do(t, client, http.MethodPost, srv.base+"/api/v1/incidents/", sourceToken, map[string]any{
		"start_time": notifyStart, "description": notifyDesc,
	})
	if status != http.StatusCreated {
		t.Fatalf("POST incident: status %d, body %v; want 201", status, body)
	}
	sc.incident = pkOf(t, body)

	// The profile selects the incident: whatever is or is not sent
	// depends on the notifications switch alone.
	status, body = do(t, client, http.MethodGet,
		fmt.Sprintf("%s/api/v1/notificationprofiles/%d/incidents/", srv.base, timeslot), userToken, nil)
	selected, _ := body.([]any)
	if status != http.StatusOK || len(selected) != 1 || pkOf(t, selected[0]) != sc.incident {
		t.Fatalf("GET the profile's incidents: status %d, body %v; want 200 and incident %d", status, body, sc.incident)
	}
	return sc
}

// field is v["name"] when v is a JSON object, else nil.
func field(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

// pkOf is the "pk" of a JSON object, which must be a positive integer.
func pkOf(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := field(v, "pk").(float64)
	if !ok || f < 1 || f != float64(int64(f)) {
		t.Fatalf("%v: want an object with a positive integer pk", v)
	}
	return int64(f)
}

// wantNoOutbox checks that no event waits in the notification outbox.
func wantNoOutbox(t *testing.T, st *store.Store) {
	t.Helper()
	due, ok, err := st.NextOutboxDue(context.Background())
	if err != nil || ok {
		t.Errorf("NextOutboxDue = %v, %v, %v; want an empty outbox", due, ok, err)
	}
}

// With notifications on, an incident that a user's profile selects
// reaches that user's mailbox, once, in the original's format, and the
// delivery is on record as sent.
func TestServeSendsNotifications(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		sink := startSink(t)
		c := newCLI(t, b)
		c.vars = notifyVars(sink, true)
		sc := setUpAndPostIncident(t, c)

		// The deadline only keeps a broken dispatcher from hanging the
		// test; the mail normally arrives within milliseconds.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := sink.Wait(ctx, 1); err != nil {
			t.Fatalf("%v; serve's stderr:\n%s", err, written(sc.srv.stderr))
		}
		// The sink has the mail before its client hears 250, so the
		// outcome may not be recorded yet. Rather than poll for it,
		// stop serve: its workers finish the send in flight and record
		// it before serve returns (README, "Workers").
		sc.srv.stop(t)
		if !strings.Contains(written(sc.srv.stderr), "notifications are on") {
			t.Errorf("serve's stderr = %q, want it to log that notifications are on", written(sc.srv.stderr))
		}

		msgs := sink.Messages()
		if len(msgs) != 1 {
			t.Fatalf("the sink received %d messages, want 1", len(msgs))
		}
		m := msgs[0]
		if m.From != notifyFromAddr || !slices.Equal(m.To, []string{notifyAddress}) {
			t.Errorf("envelope: from %q, to %q; want %q, [%q]", m.From, m.To, notifyFromAddr, notifyAddress)
		}
		for name, want := range map[string]string{"From": notifyFromAddr, "To": notifyAddress} {
			if a, err := mail.ParseAddress(m.Header(name)); err != nil || a.Address != want {
				t.Errorf("%s header = %q, want the address %q", name, m.Header(name), want)
			}
		}
		wantSubject := "[Argus] 'Incident start': " + notifyDesc + ", " + notifySource + " @ 2026-03-29 14:00:00+02:00"
		if got := m.Subject(); got != wantSubject {
			t.Errorf("subject = %q, want %q", got, wantSubject)
		}
		link := fmt.Sprintf("%s/incidents/%d/", notifySiteURL, sc.incident)
		text := m.TextBody()
		for _, want := range []string{"Status: STA\n", "Actor: " + notifySource + "\n", "description      : " + notifyDesc + "\n", link} {
			if !strings.Contains(text, want) {
				t.Errorf("text body does not contain %q:\n%s", want, text)
			}
		}
		if want := `<a href="` + link + `">`; !strings.Contains(m.HTMLBody(), want) {
			t.Errorf("HTML body does not contain %q:\n%s", want, m.HTMLBody())
		}
		msgID, err := strconv.ParseInt(m.Header("X-Argus-Message-Id"), 10, 64)
		if err != nil {
			t.Fatalf("X-Argus-Message-Id = %q, want a message pk", m.Header("X-Argus-Message-Id"))
		}

		st := openTestStore(t, b.DSN)
		wantNoOutbox(t, st) // the event was dispatched

		// A restarted serve has the record, as a superuser sees it.
		srv := startServe(t, c)
		if srv.stdout != "" {
			t.Errorf("second serve: stdout = %q, want nothing (the database is set up)", srv.stdout)
		}
		status, body := do(t, sc.client, http.MethodGet,
			fmt.Sprintf("%s/api/v1/incidents/%d/events/", srv.base, sc.incident), sc.adminToken, nil)
		events, _ := body.([]any)
		if status != http.StatusOK || len(events) != 1 || field(field(events[0], "type"), "value") != "STA" {
			t.Fatalf("GET the incident's events: status %d, body %v; want 200 and one STA event", status, body)
		}
		event := pkOf(t, events[0])
		status, body = do(t, sc.client, http.MethodGet, srv.base+"/api/v1/notifications/", sc.adminToken, nil)
		if status != http.StatusOK {
			t.Fatalf("GET notifications: status %d, body %v; want 200", status, body)
		}
		// Every time is t0, the fixed clock of serve; the deadline is
		// ARGUS_NOTIFICATION_RETRY_FOR (24h) after it.
		want := map[string]any{"next": nil, "previous": nil, "results": []any{map[string]any{
			"pk": float64(msgID), "incident": float64(sc.incident), "event": float64(event),
			"medium": "EM", "recipient": notifyAddress, "user": notifyUser,
			"status": "sent", "attempts": float64(1), "last_error": "",
			"created": notifyStart, "updated": notifyStart, "next_attempt": nil,
			"deadline": "2026-03-30T14:00:00+02:00", "sent": notifyStart,
		}}}
		if diff := cmp.Diff(want, body); diff != "" {
			t.Errorf("GET notifications (-want +got):\n%s", diff)
		}
		srv.stop(t)
		if n := sink.Attempts(); n != 1 {
			t.Errorf("the sink saw %d delivery attempts in all, want 1", n)
		}
	})
}

// With ARGUS_SEND_NOTIFICATIONS unset, the same incident is stored, but
// nothing is queued and nothing is sent.
func TestServeSendsNotificationsOnlyWhenOn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		sink := startSink(t)
		c := newCLI(t, b)
		c.vars = notifyVars(sink, false)
		sc := setUpAndPostIncident(t, c)

		status, body := do(t, sc.client, http.MethodGet, sc.srv.base+"/api/v1/notifications/", sc.adminToken, nil)
		want := map[string]any{"next": nil, "previous": nil, "results": []any{}}
		if status != http.StatusOK {
			t.Errorf("GET notifications: status %d, body %v; want 200", status, body)
		} else if diff := cmp.Diff(want, body); diff != "" {
			t.Errorf("GET notifications (-want +got):\n%s", diff)
		}
		// Once serve has returned, nothing of it is still running that
		// could send.
		sc.srv.stop(t)
		if !strings.Contains(written(sc.srv.stderr), "notifications are off") {
			t.Errorf("serve's stderr = %q, want it to log that notifications are off", written(sc.srv.stderr))
		}

		st := openTestStore(t, b.DSN)
		msgs, more, err := st.Messages(context.Background(), store.MessageFilter{}, 10)
		if err != nil || more || len(msgs) != 0 {
			t.Errorf("Messages = %+v, more %v, %v; want none", msgs, more, err)
		}
		wantNoOutbox(t, st)
		if n, got := sink.Attempts(), sink.Messages(); n != 0 || len(got) != 0 {
			t.Errorf("the sink saw %d attempts and received %d messages, want none", n, len(got))
		}
	})
}
