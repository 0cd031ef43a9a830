package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/argus-go/argus/internal/smtpsink"
)

// cmdDevSMTP runs a local SMTP server that accepts every message and
// prints it, so that email notifications can be watched in development
// (EMAIL_HOST=127.0.0.1, EMAIL_PORT=1025, EMAIL_USE_TLS=false). The
// listening line and connection errors go to stderr, the messages to
// stdout. It runs until ctx ends.
func cmdDevSMTP(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "dev-smtp", 0)
	addr := fs.String("addr", "127.0.0.1:1025", "address to listen on")
	if err := fs.parse(args); err != nil {
		return err
	}
	srv, err := smtpsink.Start(*addr,
		smtpsink.WithOnMessage(func(m smtpsink.Message) { printMessage(e.stdout, m) }),
		smtpsink.WithErrorLog(log.New(e.stderr, "dev-smtp: ", 0)),
		smtpsink.WithClock(e.now),
	)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "dev-smtp: listening on %s\n", srv.Addr())
	if e.ready != nil {
		e.ready(srv.Addr())
	}
	<-ctx.Done()
	return srv.Close()
}

// printMessage shows one message: its envelope, decoded subject and text
// body, or the raw data when it has no text part.
func printMessage(w io.Writer, m smtpsink.Message) {
	var b strings.Builder
	fmt.Fprintf(&b, "---------- %s ----------\n", m.Received.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "From:    %s\n", m.From)
	fmt.Fprintf(&b, "To:      %s\n", strings.Join(m.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\n\n", m.Subject())
	body := m.TextBody()
	if body == "" {
		body = strings.ReplaceAll(string(m.Data), "\r\n", "\n")
	}
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	_, _ = io.WriteString(w, b.String()) // nowhere to report a terminal write error
}
