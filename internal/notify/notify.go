// Package notify tells people about events (D10–D14). Every change that
// creates an event records, in the event's own transaction, that the event
// must be dispatched (the outbox, D12), and the store announces each
// committed change (store.Subscribe). A Service woken by it decides who hears
// about it with the one matcher (D8, D9), queues one message per recipient
// address and medium (D11), and its workers deliver the messages through
// the media, retrying transient failures until a deadline and recording
// every outcome.
package notify

import (
	"context"
	"errors"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Notice is what a medium renders: one event and its incident as it was
// right after the event (D10), however late dispatch reaches the event.
type Notice struct {
	Event    argus.Event
	Incident argus.Incident
	// Location is TIME_ZONE, in which times are shown.
	Location *time.Location
	// SiteURL is ARGUS_SITE_URL, the web UI's address; when it is set the
	// email links to the incident (D14).
	SiteURL string
}

// Content is a rendered notification, shared by every recipient of one
// event on one medium: what the store keeps of it.
type Content = store.MessageContent

// Contact is what a medium may need of a profile's owner, as the store
// reads it with the profiles.
type Contact = store.Contact

// Message is one notification to one recipient on one medium, as a worker
// hands it to the medium.
type Message struct {
	ID         int64
	EventID    int64
	IncidentID int64
	Medium     argus.Medium
	// Recipient is the address the message is for: the destination's
	// email address for EM, its E.164 phone number for SM.
	Recipient string
	Content
	// Attempt counts from 1.
	Attempt int
}

// Medium delivers notifications one way (D13). Adding a medium is one new
// type registered under its code. Retrying is not the medium's business:
// the workers retry every medium's transient failures the same way.
type Medium interface {
	// Render makes the content of one event for this medium; it runs once
	// per event, at dispatch.
	Render(n *Notice) Content
	// Recipient is the address of destination d on this medium. An error
	// means it can never be reached (an invalid address): the message is
	// recorded as failed at once.
	Recipient(d *argus.Destination) (string, error)
	// Send delivers one message. An error wrapped with Permanent is not
	// retried; any other error is.
	Send(ctx context.Context, m *Message) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying cannot fix (a 5xx SMTP
// reply, an invalid address). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
