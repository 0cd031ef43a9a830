package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

func TestSMSRender(t *testing.T) {
	tests := []struct {
		name   string
		evDesc string
		want   string
	}{
		{"event description", "Link down on gw1", "Link down on gw1"},
		{"falls back to the incident's", "", "Incident text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Notice{
				Event:    argus.Event{Type: argus.EventOther, Description: tt.evDesc, Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
				Incident: argus.Incident{Description: "Incident text"},
				Location: time.UTC,
			}
			got := NewSMS(SMTPConfig{}, "sms@gw.example.org").Render(&n)
			if diff := cmp.Diff(Content{Text: tt.want}, got); diff != "" {
				t.Errorf("Render mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSMSRecipient(t *testing.T) {
	s := NewSMS(SMTPConfig{}, "sms@gw.example.org")
	got, err := s.Recipient(&argus.Destination{ID: 3, Medium: argus.MediumSMS, Address: "+4799999999"})
	if err != nil || got != "+4799999999" {
		t.Errorf("Recipient = %q, %v; want +4799999999", got, err)
	}
	_, err = s.Recipient(&argus.Destination{ID: 4, Medium: argus.MediumSMS})
	if err == nil || !strings.Contains(err.Error(), "destination 4 has no phone number") {
		t.Errorf("Recipient of no number: error = %v; want destination 4 has no phone number", err)
	}
}

func TestSMSSend(t *testing.T) {
	ts := newEmailTestServer(t, emailTestServerOpts{})
	s := NewSMS(ts.Config(), "sms@gw.example.org")
	n := Notice{Event: argus.Event{Description: "Strøm borte"}, Location: time.UTC}
	m := &Message{ID: 12, Medium: argus.MediumSMS, Recipient: "+4799999999", Content: s.Render(&n), Attempt: 1}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mails := ts.Mails()
	if len(mails) != 1 {
		t.Fatalf("server accepted %d mails; want 1", len(mails))
	}
	got := mails[0]
	if got.From != "argus@example.org" || !cmp.Equal(got.To, []string{"sms@gw.example.org"}) {
		t.Errorf("envelope = %q -> %q; want argus@example.org -> [sms@gw.example.org]", got.From, got.To)
	}
	h, mediaType, parts := emailTestParts(t, got.Data)
	for _, c := range []struct{ key, want string }{
		{"To", "<sms@gw.example.org>"},
		{"Subject", "sms +4799999999"},
		{"X-Argus-Message-Id", "12"},
		{"Auto-Submitted", "auto-generated"},
	} {
		if v := decodeHeader(t, h.Get(c.key)); v != c.want {
			t.Errorf("header %s = %q; want %q", c.key, v, c.want)
		}
	}
	// SMTP ends the data with a line break; the gateway sees the text.
	if mediaType != "text/plain" || strings.TrimSuffix(parts["text/plain"], "\n") != "Strøm borte" {
		t.Errorf("body = %s %q; want text/plain %q", mediaType, parts["text/plain"], "Strøm borte")
	}
}

func TestSMSSendReplies(t *testing.T) {
	for _, tt := range []struct {
		code      int
		permanent bool
	}{{550, true}, {451, false}} {
		ts := newEmailTestServer(t, emailTestServerOpts{Rcpt: func() error {
			return &smtp.SMTPError{Code: tt.code, EnhancedCode: smtp.EnhancedCode{tt.code / 100, 0, 0}, Message: "gateway says no"}
		}})
		s := NewSMS(ts.Config(), "sms@gw.example.org")
		err := s.Send(context.Background(), &Message{ID: 1, Recipient: "+4799999999", Content: Content{Text: "x"}})
		if err == nil || IsPermanent(err) != tt.permanent {
			t.Errorf("reply %d: Send = %v, permanent %v; want an error, permanent %v", tt.code, err, IsPermanent(err), tt.permanent)
		}
	}
	// No gateway address configured: nothing can ever be sent.
	s := NewSMS(SMTPConfig{Host: "127.0.0.1", Port: 1, From: "argus@example.org"}, "")
	if err := s.Send(context.Background(), &Message{ID: 1, Recipient: "+4799999999"}); !IsPermanent(err) {
		t.Errorf("Send without a gateway = %v; want a permanent error", err)
	}
}
