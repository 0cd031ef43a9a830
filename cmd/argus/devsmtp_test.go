package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/smtp"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/smtpsink"
)

// dev-smtp prints each message it receives, decoded, and stops cleanly
// when its context ends.
func TestDevSMTPPrintsMessages(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout := &lineWatcher{want: "Incident 7 on gw1 started", seen: make(chan struct{})}
	stderr := &lineWatcher{seen: make(chan struct{})}
	addrs := make(chan string, 1)
	e := &env{
		getenv: func(string) string { return "" },
		stdout: stdout,
		stderr: stderr,
		now:    clock,
		ready:  func(addr string) { addrs <- addr },
	}
	done := make(chan error, 1)
	go func() { done <- cmdDevSMTP(ctx, e, []string{"--addr", "127.0.0.1:0"}) }()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("dev-smtp returned %v before listening", err)
	}

	msg := "From: Argus <argus@example.org>\r\nTo: ola@example.org\r\n" +
		"Subject: =?utf-8?q?Incident_7_started_=E2=80=93_r=C3=B8d?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Incident 7 on gw1 started =E2=80=93 see the UI.\r\n"
	if err := smtp.SendMail(addr, nil, "argus@example.org", []string{"ola@example.org", "kari@example.org"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	<-stdout.seen
	cancel()
	if err := <-done; err != nil {
		t.Errorf("dev-smtp returned %v after cancel; want nil", err)
	}

	want := "---------- 2026-03-29 12:00:00 ----------\n" +
		"From:    argus@example.org\n" +
		"To:      ola@example.org, kari@example.org\n" +
		"Subject: Incident 7 started – rød\n\n" +
		"Incident 7 on gw1 started – see the UI.\n"
	if got := written(stdout); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if got, want := written(stderr), "dev-smtp: listening on "+addr+"\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

// written returns what has been written to w so far.
func written(w *lineWatcher) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestDevSMTPFlags(t *testing.T) {
	var stdout bytes.Buffer
	e := &env{getenv: func(string) string { return "" }, stdout: &stdout, stderr: io.Discard, now: clock}
	if err := cmdDevSMTP(t.Context(), e, []string{"--help"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stdout.String(), "127.0.0.1:1025") {
		t.Errorf("--help = %v, %q; want flag.ErrHelp and the default address", err, stdout.String())
	}
	// Nothing listens and nothing waits: the bad address fails at once.
	if err := cmdDevSMTP(context.Background(), e, []string{"--addr", "127.0.0.1:notaport"}); err == nil {
		t.Error("--addr 127.0.0.1:notaport succeeded")
	}
	if err := cmdDevSMTP(context.Background(), e, []string{"extra"}); err == nil {
		t.Error("a positional argument was accepted")
	}
}

// A message without a text part is shown raw.
func TestPrintMessageRaw(t *testing.T) {
	var b bytes.Buffer
	printMessage(&b, smtpsink.Message{Data: []byte("Subject: pic\r\nContent-Type: image/png\r\n\r\nPNG")})
	if got := b.String(); !strings.Contains(got, "Subject: pic\n\nSubject: pic\nContent-Type: image/png\n\nPNG\n") {
		t.Errorf("printed %q; want the raw message after the subject", got)
	}
}
