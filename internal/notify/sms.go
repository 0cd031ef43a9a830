package notify

import (
	"context"
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// SMS is the SM medium through an email-to-SMS gateway (D13), as the
// original's sms_as_email plugin: one mail to the gateway per message,
// with subject "sms <E.164 number>" and the event's text as the body.
type SMS struct {
	mailer
	gateway string
}

// NewSMS returns the SM medium mailing gateway (ARGUS_SMS_GATEWAY_ADDRESS)
// through cfg.
func NewSMS(cfg SMTPConfig, gateway string) *SMS {
	return &SMS{mailer: mailer{cfg: cfg}, gateway: gateway}
}

// Render makes the text of the SMS: the event's description, or the
// incident's when the event has none (a bare STA or END would otherwise
// send an empty message).
func (s *SMS) Render(n *Notice) Content {
	text := n.Event.Description
	if text == "" {
		text = n.Incident.Description
	}
	return Content{Text: text}
}

// Recipient is the profile's phone number in E.164 form; a profile
// without one cannot send SMS.
func (s *SMS) Recipient(d *argus.Destination) (string, error) {
	if d.Address == "" {
		return "", fmt.Errorf("notify: destination %d has no phone number", d.ID)
	}
	return d.Address, nil
}

// Send mails the gateway. Failures are classified as for email: a 5xx
// reply to the mail transaction or an unparsable gateway address is
// Permanent, other failures transient.
func (s *SMS) Send(ctx context.Context, m *Message) error {
	return s.send(ctx, m.ID, s.gateway, "sms "+m.Recipient, m.Text, "")
}
