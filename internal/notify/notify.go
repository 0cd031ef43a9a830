// Package notify tells people about events (D10–D14). Every change that
// creates an event hands it to a Dispatcher after the transaction that
// stored it has committed; delivery itself (outbox, media, retries) is
// built on that seam.
package notify

import (
	"context"

	"github.com/argus-go/argus/internal/argus"
)

// Dispatcher receives each event once it is committed (D10): STA from
// incident creation, END, CLO, REO, OTH from the events endpoint, ACK from
// the acks endpoint. Dispatch must not block the request for long.
type Dispatcher interface {
	Dispatch(ctx context.Context, ev argus.Event)
}

// Discard is the Dispatcher while no notification medium exists: it drops
// every event.
type Discard struct{}

// Dispatch implements Dispatcher.
func (Discard) Dispatch(context.Context, argus.Event) {}
