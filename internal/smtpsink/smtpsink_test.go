package smtpsink_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/smtpsink"
)

var t0 = time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)

func start(t *testing.T, opts ...smtpsink.Option) *smtpsink.Server {
	t.Helper()
	s, err := smtpsink.Start("127.0.0.1:0", append([]smtpsink.Option{smtpsink.WithClock(func() time.Time { return t0 })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// send delivers msg with the standard library's client.
func send(s *smtpsink.Server, auth smtp.Auth, from string, to []string, msg string) error {
	return smtp.SendMail(s.Addr(), auth, from, to, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

// simple is a minimal message whose subject tells it apart.
func simple(subject string) string {
	return "From: argus@example.org\nTo: ola@example.org\nSubject: " + subject + "\n\nHello.\n"
}

// smtpCode returns the reply code of a client error, or 0.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

const multipartMessage = `From: Argus <argus@example.org>
To: ola@example.org, kari@example.org
Subject: =?utf-8?q?Incident_7_started_=E2=80=93_r=C3=B8d?=
X-Argus-Incident: 7
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Incident 7 on gw1 started at 12:00 =E2=80=93 it is a very long line that has=
 been wrapped.
.starts with a dot
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+SW5jaWRlbnQgPGI+NzwvYj4g4oCTIHLDuGQ8L3A+
--b1--
`

func TestDeliverMultipart(t *testing.T) {
	s := start(t)
	auth := smtp.PlainAuth("", "argus", "secret", s.Host())
	to := []string{"ola@example.org", "kari@example.org"}
	if err := send(s, auth, "argus@example.org", to, multipartMessage); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Wait(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	got := map[string]any{
		"From": m.From, "To": m.To, "Received": m.Received, "User": m.User,
		"Subject": m.Subject(), "Header": m.Header("X-Argus-Incident"), "Missing": m.Header("X-Nope"),
		"Text": m.TextBody(), "HTML": m.HTMLBody(),
	}
	want := map[string]any{
		"From": "argus@example.org", "To": to, "Received": t0, "User": "argus",
		"Subject": "Incident 7 started – rød", "Header": "7", "Missing": "",
		"Text": "Incident 7 on gw1 started at 12:00 – it is a very long line that has been wrapped.\n.starts with a dot",
		"HTML": "<p>Incident <b>7</b> – rød</p>",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(m.Data), "\r\n.starts with a dot\r\n") {
		t.Errorf("Data = %q; want the raw message, dot-stuffing undone and CRLF kept", m.Data)
	}
	if n := s.Attempts(); n != 1 {
		t.Errorf("Attempts = %d, want 1", n)
	}
}

func TestBodies(t *testing.T) {
	tests := []struct {
		name, data, text, html, subject string
	}{
		{
			name:    "no content type is text/plain",
			data:    "Subject: plain\r\n\r\nline 1\r\nline 2\r\n",
			text:    "line 1\nline 2\n",
			subject: "plain",
		},
		{
			name:    "single part quoted-printable",
			data:    "Subject: =?ISO-8859-1?Q?bl=E5?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\nbl=C3=A5 b=\r\ner\r\n",
			text:    "blå ber\n",
			subject: "blå",
		},
		{
			name: "single part base64",
			data: "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n",
			text: "hello",
		},
		{
			name: "html only",
			data: "Content-Type: text/html\r\n\r\n<p>hi</p>",
			html: "<p>hi</p>",
		},
		{
			name: "mixed with nested alternative and a text attachment",
			data: "Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
				"--outer\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n" +
				"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
				"--inner\r\nContent-Type: text/plain\r\n\r\nthe text\r\n" +
				"--inner\r\nContent-Type: text/html\r\n\r\n<i>the html</i>\r\n" +
				"--inner--\r\n" +
				"--outer--\r\n",
			text: "the text",
			html: "<i>the html</i>",
		},
		{
			name: "not a message",
			data: "no header here",
		},
		{
			name: "bad content type",
			data: "Content-Type: multipart/\r\n\r\nbody",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := smtpsink.Message{Data: []byte(tt.data)}
			got := [3]string{m.TextBody(), m.HTMLBody(), m.Subject()}
			want := [3]string{tt.text, tt.html, tt.subject}
			if got != want {
				t.Errorf("text, html, subject = %q; want %q", got, want)
			}
		})
	}
}

func TestReject(t *testing.T) {
	for _, code := range []int{451, 550} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			s := start(t)
			s.Reject(code, "Try again later", 1)
			err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("first"))
			if got := smtpCode(err); got != code {
				t.Fatalf("first send: code %d (%v); want %d", got, err, code)
			}
			if err == nil || !strings.Contains(err.Error(), "Try again later") {
				t.Errorf("first send: %v; want the given text", err)
			}
			if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("second")); err != nil {
				t.Fatalf("second send: %v; want the rejection used up", err)
			}
			if n := s.Attempts(); n != 2 {
				t.Errorf("Attempts = %d, want 2", n)
			}
			msgs := s.Messages()
			if len(msgs) != 1 || msgs[0].Subject() != "second" {
				t.Errorf("Messages = %v; want only the second", msgs)
			}
		})
	}

	t.Run("until cleared", func(t *testing.T) {
		s := start(t)
		s.Reject(451, "", -1)
		for i := range 3 {
			if code := smtpCode(send(s, nil, "a@example.org", []string{"b@example.org"}, simple("x"))); code != 451 {
				t.Fatalf("send %d: code %d, want 451", i, code)
			}
		}
		s.Reject(0, "", 0)
		if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("x")); err != nil {
			t.Fatalf("after clearing: %v", err)
		}
		if got, want := [2]int{s.Attempts(), len(s.Messages())}, [2]int{4, 1}; got != want {
			t.Errorf("attempts, messages = %v; want %v", got, want)
		}
	})
}

func TestCloseAndRestart(t *testing.T) {
	s := start(t)
	addr := s.Addr()
	if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("before")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("dial after Close succeeded; want connection refused")
	}
	if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("while down")); err == nil {
		t.Fatal("send while down succeeded")
	}

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart of a running server succeeded; want an error")
	}
	if s.Addr() != addr || fmt.Sprintf("%s:%d", s.Host(), s.Port()) != addr {
		t.Errorf("Addr, Host:Port after Restart = %s, %s:%d; want %s", s.Addr(), s.Host(), s.Port(), addr)
	}
	if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("after")); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range s.Messages() {
		subjects = append(subjects, m.Subject())
	}
	if diff := cmp.Diff([]string{"before", "after"}, subjects); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
}

func TestHold(t *testing.T) {
	s := start(t)
	release := s.Hold()
	sent := make(chan error, 1)
	go func() { sent <- send(s, nil, "a@example.org", []string{"b@example.org"}, simple("held")) }()
	if err := s.WaitAttempts(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	// The message is fully sent and unanswered: nothing recorded, and the
	// client is still waiting for the reply.
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d message(s) recorded while held; want 0", n)
	}
	select {
	case err := <-sent:
		t.Fatalf("send returned %v while held", err)
	default:
	}
	release()
	release() // harmless
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	// The hold is over: the next message goes straight through.
	if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("free")); err != nil {
		t.Fatal(err)
	}
}

func TestCloseAbandonsHeldMessage(t *testing.T) {
	s := start(t)
	s.Hold()
	sent := make(chan error, 1)
	go func() { sent <- send(s, nil, "a@example.org", []string{"b@example.org"}, simple("held")) }()
	if err := s.WaitAttempts(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err == nil {
		t.Error("send succeeded though the server closed while holding it")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d message(s) recorded; want the held one abandoned", n)
	}
}

func TestAuth(t *testing.T) {
	s := start(t, smtpsink.WithAuth("argus", "s3cret"))
	to := []string{"b@example.org"}
	tests := []struct {
		name string
		auth smtp.Auth
		code int
	}{
		{"no auth", nil, 530},
		{"wrong password", smtp.PlainAuth("", "argus", "wrong", s.Host()), 535},
		{"wrong user", loginAuth{"root", "s3cret"}, 535},
		{"plain", smtp.PlainAuth("", "argus", "s3cret", s.Host()), 0},
		{"login", loginAuth{"argus", "s3cret"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(s, tt.auth, "a@example.org", to, simple(tt.name))
			if got := smtpCode(err); got != tt.code || (tt.code == 0) != (err == nil) {
				t.Fatalf("send: code %d (%v); want %d", got, err, tt.code)
			}
		})
	}
	for _, m := range s.Messages() {
		if m.User != "argus" {
			t.Errorf("message %q has User %q, want argus", m.Subject(), m.User)
		}
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d message(s) accepted; want 2", n)
	}
}

// loginAuth is AUTH LOGIN, which net/smtp lacks.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	switch {
	case !more:
		return nil, nil
	case string(challenge) == "Username:":
		return []byte(a.user), nil
	case string(challenge) == "Password:":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected challenge %q", challenge)
}

// Many clients at once: every message arrives exactly once, OnMessage
// calls never overlap (the plain counter below is checked by -race), and
// Close waits for the last of them.
func TestConcurrentDelivery(t *testing.T) {
	const senders, each = 8, 10
	calls := 0
	s := start(t, smtpsink.WithOnMessage(func(smtpsink.Message) { calls++ }))
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple(fmt.Sprintf("%d-%d", i, j))); err != nil {
					t.Error(err)
				}
				_ = s.Messages()
				_ = s.Attempts()
			}
		})
	}
	msgs, err := s.Wait(t.Context(), senders*each)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.Subject()]++
	}
	for i := range senders {
		for j := range each {
			if n := seen[fmt.Sprintf("%d-%d", i, j)]; n != 1 {
				t.Errorf("message %d-%d arrived %d times, want 1", i, j, n)
			}
		}
	}
	if calls != senders*each {
		t.Errorf("OnMessage called %d times, want %d", calls, senders*each)
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	s := start(t)
	if err := send(s, nil, "a@example.org", []string{"b@example.org"}, simple("one")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	msgs, err := s.Wait(ctx, 2)
	if !errors.Is(err, context.Canceled) || len(msgs) != 1 {
		t.Errorf("Wait = %d message(s), %v; want the 1 so far and context.Canceled", len(msgs), err)
	}
	if err := s.WaitAttempts(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitAttempts = %v; want context.Canceled", err)
	}
	if _, err := s.Wait(ctx, 1); err != nil {
		t.Errorf("Wait for what has arrived = %v; want nil even with a done context", err)
	}
}

func TestStartFailsOnBusyAddress(t *testing.T) {
	s := start(t)
	if _, err := smtpsink.Start(s.Addr()); err == nil {
		t.Error("second Start on the same address succeeded")
	}
}
