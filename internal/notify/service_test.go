package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/smtpsink"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// oslo is TIME_ZONE in these tests.
var oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// t0 is a Monday, 12:00 in Oslo (summer time).
var t0 = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

// clock is a settable clock shared by a test and its services.
type clock = storetest.Clock

// syncBuffer is a log destination safe for the services' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rig is a database with notifications on, a real SMTP server and a
// source to raise incidents from.
type rig struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	dsn   string
	sink  *smtpsink.Server
	clock *clock
	log   *syncBuffer
	src   argus.Source
	srcU  argus.User
}

func newRig(t *testing.T, dsn string) *rig {
	t.Helper()
	r := &rig{t: t, ctx: t.Context(), dsn: dsn, clock: storetest.NewClock(t0), log: &syncBuffer{}}
	r.st = storetest.Open(t, dsn, store.WithNotifications(true))
	sink, err := smtpsink.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	r.sink = sink
	r.src, r.srcU = storetest.Source(t, r.st, "nav", "nav", t0)
	return r
}

func eachRig(t *testing.T, fn func(t *testing.T, r *rig)) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) { fn(t, newRig(t, b.DSN)) })
}

func (r *rig) smtp() notify.SMTPConfig {
	return notify.SMTPConfig{Host: r.sink.Host(), Port: r.sink.Port(), From: "argus@example.org", Timeout: 5 * time.Second}
}

// service makes a Service on the rig's clock, with email, SMS through a
// gateway, and small retry delays.
func (r *rig) service(o notify.Options) *notify.Service {
	if o.Media == nil {
		o.Media = map[argus.Medium]notify.Medium{
			argus.MediumEmail: notify.NewEmail(r.smtp()),
			argus.MediumSMS:   notify.NewSMS(r.smtp(), "sms-gateway@example.org"),
		}
	}
	o.Location = oslo
	if o.Now == nil {
		o.Now = r.clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return notify.New(r.st, o)
}

func (r *rig) user(name, email string) argus.User {
	r.t.Helper()
	u, err := r.st.CreateUser(r.ctx, store.NewUser{Username: name, Email: email}, t0)
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

// profile gives u an active profile on a new timeslot with the
// recurrences (all the time when none) and a filter of spec.
func (r *rig) profile(u argus.User, spec argus.FilterSpec, media []argus.Medium, phone *int64, recs ...argus.TimeRecurrence) argus.Profile {
	r.t.Helper()
	if len(recs) == 0 {
		recs = []argus.TimeRecurrence{{Days: []int{1, 2, 3, 4, 5, 6, 7}, Start: 0, End: argus.EndOfDay}}
	}
	ts, err := r.st.CreateTimeslot(r.ctx, argus.Timeslot{UserID: u.ID, Name: "slot" + randName(), Recurrences: recs})
	if err != nil {
		r.t.Fatal(err)
	}
	f, err := r.st.CreateFilter(r.ctx, argus.Filter{UserID: u.ID, Name: "filter " + ts.Name, Spec: spec})
	if err != nil {
		r.t.Fatal(err)
	}
	p, err := r.st.CreateProfile(r.ctx, u.ID, store.ProfileInput{
		TimeslotID: ts.ID, FilterIDs: []int64{f.ID}, Media: media, PhoneNumberID: phone, Active: true,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

var names struct {
	mu sync.Mutex
	n  int
}

func randName() string {
	names.mu.Lock()
	defer names.mu.Unlock()
	names.n++
	return " #" + itoa(int64(names.n))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// open is an open incident's end time.
var open = argus.Infinity

// incident raises an incident from the rig's source at the clock's time.
func (r *rig) incident(desc string, tags ...argus.Tag) (argus.Incident, argus.Event) {
	r.t.Helper()
	inc, ev, err := r.st.CreateIncident(r.ctx, store.NewIncident{
		SourceID: r.src.ID, StartTime: r.clock.Now(), EndTime: &open, Description: desc, Level: 3, Tags: tags,
		SourceIncidentID: randName(),
	}, r.src.UserID, r.clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	return inc, ev
}

// dispatch runs the dispatcher until the outbox is empty.
func (r *rig) dispatch(svc *notify.Service) {
	r.t.Helper()
	for {
		n, err := svc.DispatchDue(r.ctx)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// deliver runs one worker until nothing is due.
func (r *rig) deliver(svc *notify.Service) {
	r.t.Helper()
	for {
		n, err := svc.DeliverDue(r.ctx)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (r *rig) messages(f store.MessageFilter) []store.Message {
	r.t.Helper()
	list, _, err := r.st.Messages(r.ctx, f, 10000)
	if err != nil {
		r.t.Fatal(err)
	}
	slices.Reverse(list) // oldest first
	return list
}

func recipients(msgs []smtpsink.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, strings.Join(m.To, ","))
	}
	slices.Sort(out)
	return out
}

func TestDeliveryToMatchingRecipients(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		db := argus.Tag{Key: "service", Value: "db"}
		match := argus.FilterSpec{Tags: []argus.Tag{db}}
		email := []argus.Medium{argus.MediumEmail}

		alice := r.user("alice", "alice@example.org")
		r.profile(alice, match, email, nil)

		// Two matching profiles of one user: one email (D11).
		bob := r.user("bob", "bob@example.org")
		r.profile(bob, match, email, nil)
		r.profile(bob, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, email, nil)

		// A user sharing bob's address has a destination of their own:
		// one message per destination (D29, D11 restated).
		bob2 := r.user("bob2", "bob@example.org")
		r.profile(bob2, match, email, nil)

		// Inactive profile.
		carol := r.user("carol", "carol@example.org")
		p := r.profile(carol, match, email, nil)
		if _, err := r.st.UpdateProfile(r.ctx, carol.ID, p.Timeslot.ID, store.ProfileInput{
			TimeslotID: p.Timeslot.ID, FilterIDs: []int64{p.Filters[0].ID}, Media: email, Active: false,
		}); err != nil {
			t.Fatal(err)
		}

		// Outside the timeslot: the event is on a Monday at 12:00 Oslo
		// time; dave's slot is Monday 13:00–17:00 and Tuesday all day.
		dave := r.user("dave", "dave@example.org")
		r.profile(dave, match, email, nil,
			argus.TimeRecurrence{Days: []int{1}, Start: 13 * argus.TimeOfDay(time.Hour), End: 17 * argus.TimeOfDay(time.Hour)},
			argus.TimeRecurrence{Days: []int{2}, Start: 0, End: argus.EndOfDay})

		// Inside a timeslot that ends exactly at the event (inclusive, D9).
		erin := r.user("erin", "erin@example.org")
		r.profile(erin, match, email, nil,
			argus.TimeRecurrence{Days: []int{1}, Start: 8 * argus.TimeOfDay(time.Hour), End: 12 * argus.TimeOfDay(time.Hour)})

		// Not matching: another tag value, another source.
		frank := r.user("frank", "frank@example.org")
		r.profile(frank, argus.FilterSpec{Tags: []argus.Tag{{Key: "service", Value: "web"}}}, email, nil)
		r.profile(frank, argus.FilterSpec{SourceIDs: []int64{r.src.ID + 1000}}, email, nil)

		// SMS through the gateway.
		gina := r.user("gina", "")
		phone, err := r.st.CreatePhoneNumber(r.ctx, gina.ID, "+4799999999")
		if err != nil {
			t.Fatal(err)
		}
		r.profile(gina, match, []argus.Medium{argus.MediumSMS}, &phone.ID)

		// Email wanted, but no address: failed at once, visible, logged.
		hank := r.user("hank", "")
		r.profile(hank, match, email, nil)

		svc := r.service(notify.Options{})
		inc, ev := r.incident("Switch sw1 is down", db, argus.Tag{Key: "host", Value: "sw1"})
		r.dispatch(svc)
		r.deliver(svc)

		got := r.sink.Messages()
		want := []string{"alice@example.org", "bob@example.org", "bob@example.org", "erin@example.org", "sms-gateway@example.org"}
		if diff := recipients(got); !slices.Equal(diff, want) {
			t.Fatalf("mail went to %v, want %v", diff, want)
		}
		subject := "[Argus] 'Incident start': Switch sw1 is down, nav @ 2026-06-01 12:00:00+02:00"
		for _, m := range got {
			if m.To[0] == "sms-gateway@example.org" {
				if m.Subject() != "sms +4799999999" || strings.TrimSpace(m.TextBody()) != "Switch sw1 is down" {
					t.Errorf("SMS: subject %q, body %q", m.Subject(), m.TextBody())
				}
				continue
			}
			if m.Subject() != subject {
				t.Errorf("subject %q, want %q", m.Subject(), subject)
			}
			if from := m.Header("From"); from != "<argus@example.org>" && from != "argus@example.org" {
				t.Errorf("From %q", m.Header("From"))
			}
			text := m.TextBody()
			for _, line := range []string{
				"Status: STA", "Actor: nav",
				"start_time       : 2026-06-01 12:00:00+02:00",
				"end_time         : 9999-12-31 23:59:59.999999+00:00",
				"description      : Switch sw1 is down",
			} {
				if !strings.Contains(text, line+"\n") {
					t.Errorf("text body lacks %q:\n%s", line, text)
				}
			}
			if !strings.Contains(m.HTMLBody(), "Switch sw1 is down") {
				t.Errorf("HTML body lacks the description:\n%s", m.HTMLBody())
			}
		}

		msgs := r.messages(store.MessageFilter{IncidentID: inc.ID})
		var sent, failed int
		for _, m := range msgs {
			if m.EventID != ev.ID {
				t.Errorf("message %d is for event %d, want %d", m.ID, m.EventID, ev.ID)
			}
			switch m.Status {
			case store.StatusSent:
				sent++
				if m.Attempts != 1 || m.Sent == nil || m.LastError != "" {
					t.Errorf("sent message %+v", m)
				}
			case store.StatusFailed:
				failed++
				if m.Username != "hank" || m.Recipient != "" || !strings.Contains(m.LastError, "no email address") {
					t.Errorf("failed message %+v", m)
				}
			default:
				t.Errorf("message %d is %s", m.ID, m.Status)
			}
		}
		if sent != 5 || failed != 1 {
			t.Errorf("%d sent and %d failed, want 5 and 1", sent, failed)
		}
		if log := r.log.String(); !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "user=hank") ||
			!strings.Contains(log, "incident="+itoa(inc.ID)) {
			t.Errorf("the failure is not logged at error level with incident and user:\n%s", log)
		}

		// Nothing is sent twice.
		r.dispatch(svc)
		r.deliver(svc)
		if n := len(r.sink.Messages()); n != 5 {
			t.Errorf("%d messages after a second round, want 5", n)
		}
	})
}

// noticeRecorder is a medium that records what it is asked to render and
// delivers through the real email medium.
type noticeRecorder struct {
	*notify.Email
	mu      sync.Mutex
	notices []notify.Notice
}

func (n *noticeRecorder) Render(x *notify.Notice) notify.Content {
	n.mu.Lock()
	n.notices = append(n.notices, *x)
	n.mu.Unlock()
	return n.Email.Render(x)
}

func TestNotificationSeesIncidentAfterEvent(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{Tags: []argus.Tag{{Key: "service", Value: "db"}}}, []argus.Medium{argus.MediumEmail}, nil)
		rec := &noticeRecorder{Email: notify.NewEmail(r.smtp())}
		svc := r.service(notify.Options{Media: map[argus.Medium]notify.Medium{argus.MediumEmail: rec}})

		inc, _ := r.incident("db down", argus.Tag{Key: "service", Value: "db"})
		r.dispatch(svc)
		r.clock.Add(time.Minute)
		ack, err := r.st.CreateAck(r.ctx, argus.RulesV2, argus.Ack{Event: argus.Event{
			IncidentID: inc.ID, Timestamp: r.clock.Now(), Description: "On it",
		}}, &alice, r.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		r.dispatch(svc)
		r.clock.Add(time.Minute)
		end, err := r.st.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: r.clock.Now(), Type: argus.EventEnd}, &r.srcU, r.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		r.dispatch(svc)
		r.deliver(svc)

		if len(rec.notices) != 3 {
			t.Fatalf("%d notices, want 3 (STA, ACK, END)", len(rec.notices))
		}
		sta, ackN, endN := rec.notices[0], rec.notices[1], rec.notices[2]
		if sta.Event.Type != argus.EventStart || len(sta.Incident.Tags) != 1 || sta.Incident.Tags[0].Tag.Value != "db" {
			t.Errorf("STA notice: %+v", sta)
		}
		if ackN.Event.ID != ack.Event.ID || !ackN.Incident.Acked {
			t.Errorf("ACK notice does not see acked: %+v", ackN.Incident)
		}
		if endN.Event.ID != end.ID || endN.Incident.Open(r.clock.Now()) {
			t.Errorf("END notice sees an open incident: %+v", endN.Incident)
		}
		got, err := r.sink.Wait(r.ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s := got[1].Subject(); !strings.HasPrefix(s, "[Argus] 'Acknowledge': db down, alice @ ") {
			t.Errorf("ACK subject %q", s)
		}
		if !strings.Contains(got[1].TextBody(), "On it") {
			t.Errorf("ACK mail lacks the ack's comment (D14):\n%s", got[1].TextBody())
		}
	})
}

func TestNotificationsOffQueueNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		r := newRig(t, b.DSN)
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		// The same database opened as with ARGUS_SEND_NOTIFICATIONS=false.
		off := storetest.Open(t, b.DSN)
		inc, _, err := off.CreateIncident(r.ctx, store.NewIncident{SourceID: r.src.ID, StartTime: t0, Description: "x", Level: 1}, r.src.UserID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := off.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventEnd}, &r.srcU, t0); err != nil {
			t.Fatal(err)
		}
		svc := r.service(notify.Options{})
		r.dispatch(svc)
		r.deliver(svc)
		if msgs := r.messages(store.MessageFilter{}); len(msgs) != 0 {
			t.Errorf("%d messages queued with notifications off", len(msgs))
		}
		if n := r.sink.Attempts(); n != 0 {
			t.Errorf("%d mails sent with notifications off", n)
		}
	})
}

func TestRolledBackEventNotifiesNobody(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{})
		inc, _ := r.incident("x")
		r.dispatch(svc)
		// An END on an incident without end time is refused for an end
		// user: the transaction rolls back, outbox row and all.
		bob := r.user("bob", "bob@example.org")
		_, err := r.st.CreateEvent(r.ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventStart}, &bob, t0)
		if err == nil {
			t.Fatal("a second STA by an end user was accepted")
		}
		r.dispatch(svc)
		r.deliver(svc)
		if msgs := r.messages(store.MessageFilter{}); len(msgs) != 1 {
			t.Errorf("%d messages, want 1 (the STA only)", len(msgs))
		}
	})
}

func TestSMTPDownThenUp(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		for _, name := range []string{"alice", "bob", "carol"} {
			u := r.user(name, name+"@example.org")
			r.profile(u, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		}
		svc := r.service(notify.Options{RetryBase: time.Minute, RetryMax: time.Hour})
		if err := r.sink.Close(); err != nil {
			t.Fatal(err)
		}
		r.incident("one")
		r.incident("two")
		r.dispatch(svc)
		// Three rounds while the server is down: every attempt fails and
		// is queued again, never dropped.
		for round := 1; round <= 3; round++ {
			r.deliver(svc)
			for _, m := range r.messages(store.MessageFilter{}) {
				if m.Status != store.StatusQueued || m.Attempts != round || !strings.Contains(m.LastError, r.sink.Addr()) {
					t.Fatalf("round %d: %+v", round, m)
				}
				if !m.Due.After(r.clock.Now()) {
					t.Fatalf("round %d: message %d due at once, want a backoff", round, m.ID)
				}
			}
			r.clock.Add(2 * time.Hour)
		}
		if err := r.sink.Restart(); err != nil {
			t.Fatal(err)
		}
		r.deliver(svc)
		got := r.sink.Messages()
		if len(got) != 6 {
			t.Fatalf("%d mails after recovery, want 6", len(got))
		}
		ids := map[string]int{}
		for _, m := range got {
			ids[m.Header("X-Argus-Message-Id")]++
		}
		for id, n := range ids {
			if n != 1 {
				t.Errorf("message %s delivered %d times", id, n)
			}
		}
		for _, m := range r.messages(store.MessageFilter{}) {
			if m.Status != store.StatusSent || m.Attempts != 4 {
				t.Errorf("after recovery: %+v", m)
			}
		}
	})
}

func TestSMTPTransientAndPermanentReplies(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{RetryBase: time.Minute})

		// 451: retried after the backoff, then delivered.
		r.sink.Reject(451, "Try again later", 1)
		r.incident("greylisted")
		r.dispatch(svc)
		r.deliver(svc)
		m := r.messages(store.MessageFilter{})[0]
		if m.Status != store.StatusQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
			t.Fatalf("after 451: %+v", m)
		}
		r.deliver(svc) // not due yet
		if n := r.sink.Attempts(); n != 1 {
			t.Fatalf("retried before the backoff: %d attempts", n)
		}
		r.clock.Add(time.Minute)
		r.deliver(svc)
		if m, _ = r.st.Message(r.ctx, m.ID); m.Status != store.StatusSent || m.Attempts != 2 {
			t.Fatalf("after the retry: %+v", m)
		}

		// 550: failed at once, visible and logged.
		r.sink.Reject(550, "No such user", 1)
		inc, _ := r.incident("bounced")
		r.dispatch(svc)
		r.deliver(svc)
		failed := r.messages(store.MessageFilter{Status: store.StatusFailed})
		if len(failed) != 1 || failed[0].IncidentID != inc.ID || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "550") {
			t.Fatalf("after 550: %+v", failed)
		}
		r.clock.Add(24 * time.Hour)
		r.deliver(svc)
		if n := r.sink.Attempts(); n != 3 {
			t.Errorf("a permanent failure was retried: %d attempts, want 3", n)
		}
		log := r.log.String()
		if !strings.Contains(log, `level=ERROR msg="notify: delivery failed"`) || !strings.Contains(log, "recipient=alice@example.org") ||
			!strings.Contains(log, "incident="+itoa(inc.ID)) {
			t.Errorf("the 550 is not logged as an error with incident and recipient:\n%s", log)
		}

		// An operator retries it by hand; now it goes.
		if _, err := r.st.RetryMessage(r.ctx, failed[0].ID, r.clock.Now(), r.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		r.deliver(svc)
		if m, _ := r.st.Message(r.ctx, failed[0].ID); m.Status != store.StatusSent {
			t.Errorf("after a manual retry: %+v", m)
		}
	})
}

func TestRetryStopsAtDeadline(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{RetryFor: 30 * time.Minute, RetryBase: 10 * time.Minute, RetryMax: 10 * time.Minute})
		r.sink.Reject(421, "Busy", -1)
		r.incident("x")
		r.dispatch(svc)
		for range 10 {
			r.deliver(svc)
			r.clock.Add(10 * time.Minute)
		}
		m := r.messages(store.MessageFilter{})[0]
		if m.Status != store.StatusFailed || !strings.Contains(m.LastError, "gave up after") || !strings.Contains(m.LastError, "421") {
			t.Fatalf("%+v", m)
		}
		if m.Attempts < 2 || m.Attempts > 4 {
			t.Errorf("%d attempts in 30 minutes with 5–10 minute backoff", m.Attempts)
		}
	})
}

// stuckMedium stands for a worker that dies mid-send: its Send never
// comes back until the test lets it, and then claims success.
type stuckMedium struct {
	*notify.Email
	entered chan struct{}
	release chan struct{}
}

func (s *stuckMedium) Send(context.Context, *notify.Message) error {
	s.entered <- struct{}{}
	<-s.release
	return nil
}

func TestCrashedWorkerLeaseExpires(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		stuck := &stuckMedium{Email: notify.NewEmail(r.smtp()), entered: make(chan struct{}), release: make(chan struct{})}
		dead := r.service(notify.Options{Lease: time.Minute, Media: map[argus.Medium]notify.Medium{argus.MediumEmail: stuck}})
		alive := r.service(notify.Options{Lease: time.Minute})
		r.incident("x")
		r.dispatch(alive)

		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = dead.DeliverDue(context.Background())
		}()
		<-stuck.entered
		m := r.messages(store.MessageFilter{})[0]
		if m.Status != store.StatusSending {
			t.Fatalf("while in flight: %+v", m)
		}
		r.deliver(alive) // the lease has not run out
		if n := r.sink.Attempts(); n != 0 {
			t.Fatalf("taken over before the lease ran out")
		}
		r.clock.Add(time.Minute + time.Second)
		r.deliver(alive)
		if got := r.sink.Messages(); len(got) != 1 {
			t.Fatalf("%d mails after the lease ran out, want 1", len(got))
		}
		// The dead worker wakes up: its outcome must not overwrite.
		close(stuck.release)
		<-done
		m, _ = r.st.Message(r.ctx, m.ID)
		if m.Status != store.StatusSent || m.Attempts != 2 {
			t.Errorf("after takeover: %+v", m)
		}
		if !strings.Contains(r.log.String(), "lease lost") {
			t.Errorf("the late worker's lost lease is not logged")
		}
	})
}

// cancelMedium cancels the worker's context during its first send.
type cancelMedium struct {
	*notify.Email
	cancel context.CancelFunc
}

func (c *cancelMedium) Send(ctx context.Context, m *notify.Message) error {
	c.cancel()
	return c.Email.Send(ctx, m)
}

func TestShutdownFinishesInFlightAndReleasesTheRest(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		for _, name := range []string{"alice", "bob", "carol"} {
			u := r.user(name, name+"@example.org")
			r.profile(u, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		}
		ctx, cancel := context.WithCancel(r.ctx)
		defer cancel()
		cm := &cancelMedium{Email: notify.NewEmail(r.smtp()), cancel: cancel}
		svc := r.service(notify.Options{Media: map[argus.Medium]notify.Medium{argus.MediumEmail: cm}})
		r.incident("x")
		r.dispatch(svc)
		if n, err := svc.DeliverDue(ctx); err != nil || n != 3 {
			t.Fatalf("claimed %d, %v; want 3", n, err)
		}
		if n := len(r.sink.Messages()); n != 1 {
			t.Fatalf("%d mails, want the one in flight", n)
		}
		var sent, queued int
		for _, m := range r.messages(store.MessageFilter{}) {
			switch {
			case m.Status == store.StatusSent && m.Attempts == 1:
				sent++
			case m.Status == store.StatusQueued && m.Attempts == 0 && !m.Due.After(r.clock.Now()):
				queued++
			default:
				t.Errorf("after shutdown: %+v", m)
			}
		}
		if sent != 1 || queued != 2 {
			t.Errorf("%d sent, %d given back; want 1 and 2", sent, queued)
		}
	})
}

// Run wakes on Dispatch and delivers without any test driving it; three
// instances sharing one database deliver every message exactly once (D20).
func TestInstancesShareOneQueue(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		events := 1000
		if testing.Short() {
			events = 100
		}
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		var svcs []*notify.Service
		ctx, cancel := context.WithCancel(r.ctx)
		var wg sync.WaitGroup
		for range 3 {
			// Each instance has its own connection pool, as separate
			// processes do; they use the real clock.
			st := storetest.Open(t, r.dsn, store.WithNotifications(true))
			svc := notify.New(st, notify.Options{
				Media:    map[argus.Medium]notify.Medium{argus.MediumEmail: notify.NewEmail(r.smtp())},
				Location: oslo, Poll: 20 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(r.log, nil)),
			})
			svcs = append(svcs, svc)
			wg.Go(func() { _ = svc.Run(ctx) })
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				wg.Wait()
			}
		}
		defer stop()
		for i := range events {
			now := time.Now()
			inc, ev, err := r.st.CreateIncident(r.ctx, store.NewIncident{
				SourceID: r.src.ID, StartTime: now, Description: "event " + itoa(int64(i)), Level: 3,
			}, r.src.UserID, now)
			if err != nil {
				t.Fatal(err)
			}
			_ = inc
			svcs[i%3].Dispatch(r.ctx, ev)
		}
		waitCtx, done := context.WithTimeout(r.ctx, 2*time.Minute)
		defer done()
		if _, err := r.sink.Wait(waitCtx, events); err != nil {
			t.Fatalf("%d of %d mails arrived: %v", len(r.sink.Messages()), events, err)
		}
		stop()
		got := r.sink.Messages()
		seen := map[string]bool{}
		for _, m := range got {
			id := m.Header("X-Argus-Message-Id")
			if seen[id] {
				t.Errorf("message %s delivered twice", id)
			}
			seen[id] = true
		}
		if len(got) != events {
			t.Errorf("%d mails, want %d", len(got), events)
		}
		sent := r.messages(store.MessageFilter{Status: store.StatusSent})
		if len(sent) != events {
			t.Errorf("%d messages recorded sent, want %d", len(sent), events)
		}
		for _, m := range sent {
			if m.Attempts != 1 {
				t.Errorf("message %d took %d attempts", m.ID, m.Attempts)
			}
		}
	})
}

// Prune deletes what was sent or failed more than Keep ago; what was sent
// or failed since stays.
func TestPruneSentAndFailed(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		hank := r.user("hank", "")
		r.profile(hank, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{Keep: 24 * time.Hour})
		r.incident("old")
		r.dispatch(svc)
		r.deliver(svc)
		r.clock.Add(23 * time.Hour)
		r.incident("new")
		r.dispatch(svc)
		r.deliver(svc)
		r.clock.Add(2 * time.Hour)
		n, err := svc.Prune(r.ctx)
		if err != nil || n != 2 {
			t.Fatalf("pruned %d, %v; want 2 (the old event's sent and failed messages)", n, err)
		}
		var left []string
		for _, m := range r.messages(store.MessageFilter{}) {
			left = append(left, m.Status)
		}
		if !slices.Equal(left, []string{store.StatusSent, store.StatusFailed}) {
			t.Errorf("left %v", left)
		}
		if log := r.log.String(); !strings.Contains(log, "pruned sent and failed messages") || !strings.Contains(log, "count=2") {
			t.Errorf("the prune is not logged:\n%s", log)
		}
		// The failed message kept has no recipient, so it cannot be
		// retried.
		failed := r.messages(store.MessageFilter{Status: store.StatusFailed})
		if _, err := r.st.RetryMessage(r.ctx, failed[0].ID, r.clock.Now(), r.clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotRetryable) {
			t.Errorf("retrying a message without recipient: %v", err)
		}
	})
}

// A committed event wakes the dispatcher and it the workers: with an hour
// between polls, mail still goes out at once.
func TestDispatchWakesTheService(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{Poll: time.Hour, Now: time.Now})
		ctx, cancel := context.WithCancel(r.ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = svc.Run(ctx)
		}()
		defer func() {
			cancel()
			<-done
		}()
		waitCtx, stop := context.WithTimeout(r.ctx, time.Minute)
		defer stop()
		for i := 1; i <= 3; i++ {
			_, ev := r.incident("wake " + itoa(int64(i)))
			svc.Dispatch(r.ctx, ev)
			if _, err := r.sink.Wait(waitCtx, i); err != nil {
				t.Fatalf("event %d: no mail without polling: %v", i, err)
			}
		}
	})
}

// panicMedium stands for a medium with a bug.
type panicMedium struct{ *notify.Email }

func (panicMedium) Send(context.Context, *notify.Message) error { panic("bug") }

func TestPanickingMediumFailsTheMessage(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		alice := r.user("alice", "alice@example.org")
		r.profile(alice, argus.FilterSpec{SourceIDs: []int64{r.src.ID}}, []argus.Medium{argus.MediumEmail}, nil)
		svc := r.service(notify.Options{Media: map[argus.Medium]notify.Medium{
			argus.MediumEmail: panicMedium{notify.NewEmail(r.smtp())},
		}})
		r.incident("x")
		r.dispatch(svc)
		r.deliver(svc)
		m := r.messages(store.MessageFilter{})[0]
		if m.Status != store.StatusFailed || !strings.Contains(m.LastError, "panicked: bug") {
			t.Errorf("%+v", m)
		}
	})
}
