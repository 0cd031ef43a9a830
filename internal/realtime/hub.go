// Package realtime is the hub of incident changes (D36): it hears every
// committed change — this process's and, on PostgreSQL, every other
// process's (store.Listen) — numbers them, keeps the latest for browsers
// that reconnect, and fans them out to the live views: server-sent events
// for the web UI (ServeSSE) and, later, ws/open/ for the React frontend.
package realtime

import (
	"context"
	"crypto/rand"
	"sync"

	"github.com/argus-go/argus/internal/store"
)

// Message is one change as subscribers see it. ID counts up from 1 in
// this process; a browser hands the last one it saw back on reconnecting.
type Message struct {
	ID         uint64           `json:"id"`
	Kind       store.ChangeKind `json:"kind"`
	IncidentID int64            `json:"incident"`
	EventID    int64            `json:"event,omitempty"`
}

// Hub fans changes out to subscribers. The zero value is not usable; call
// NewHub. It is safe for concurrent use.
type Hub struct {
	// ID names this hub among the processes sharing a database: message
	// ids are only meaningful to the hub that gave them.
	ID string

	mu     sync.Mutex
	next   uint64
	recent []Message // the last keep messages, oldest first
	keep   int
	subs   map[*Sub]struct{}
	closed bool
}

// NewHub returns a hub that keeps the last keep messages for catching up.
func NewHub(keep int) *Hub {
	return &Hub{ID: rand.Text()[:8], next: 1, keep: keep, subs: map[*Sub]struct{}{}}
}

// Sub is one subscriber: a live view. C delivers its messages; it is
// closed when the subscriber falls too far behind, when Reset says that
// changes were missed, or when the hub closes — the view then reconnects
// (and reloads).
type Sub struct {
	C    <-chan Message
	c    chan Message
	once sync.Once
}

func (s *Sub) close() { s.once.Do(func() { close(s.c) }) }

// subBuffer is how many messages a subscriber may fall behind before it is
// dropped: a browser that reads nothing for that long reloads instead.
const subBuffer = 256

// Publish hands committed changes to every subscriber. It never blocks:
// a subscriber whose buffer is full is dropped. A nil list (store.Listen
// after its connection came back) means changes may have been missed:
// see Reset.
func (h *Hub) Publish(changes []store.Change) {
	if changes == nil {
		h.Reset()
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for _, c := range changes {
		m := Message{ID: h.next, Kind: c.Kind, IncidentID: c.IncidentID, EventID: c.EventID}
		h.next++
		h.recent = append(h.recent, m)
		if len(h.recent) > h.keep {
			h.recent = h.recent[len(h.recent)-h.keep:]
		}
		for s := range h.subs {
			select {
			case s.c <- m:
			default:
				delete(h.subs, s)
				s.close()
			}
		}
	}
}

// Reset tells every subscriber that changes may have been missed (the
// database connection was lost): each is dropped, and the history is
// forgotten, so that reconnecting views reload instead of catching up
// from a history with a hole in it.
func (h *Hub) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recent = nil
	for s := range h.subs {
		delete(h.subs, s)
		s.close()
	}
}

// Subscribe adds a subscriber. A view that saw messages up to lastID (0:
// none, a fresh page) first gets the ones it missed; ok is false when they
// are no longer all kept (or the hub has closed), and the view must
// reload instead.
func (h *Hub) Subscribe(lastID uint64) (s *Sub, missed []Message, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, false
	}
	if lastID != 0 && lastID < h.next-1 {
		// The view saw lastID; it needs lastID+1 onwards.
		if len(h.recent) == 0 || h.recent[0].ID > lastID+1 {
			return nil, nil, false
		}
		for _, m := range h.recent {
			if m.ID > lastID {
				missed = append(missed, m)
			}
		}
	} else if lastID >= h.next {
		return nil, nil, false // an id of another process, or of before a restart
	}
	c := make(chan Message, subBuffer)
	s = &Sub{C: c, c: c}
	h.subs[s] = struct{}{}
	return s, missed, true
}

// Unsubscribe removes a subscriber.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		s.close()
	}
}

// Subscribers is how many live views are connected.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription, so that the live views' long requests
// return and the server can shut down; the views reconnect to another
// instance or to this one when it is back.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		s.close()
	}
}

// Follow feeds the hub every change the store hears (store.Listen: on
// PostgreSQL every instance's) until ctx ends, in a goroutine of its own.
// hearing closes once the hub hears, from when no change is missed; done
// closes when it has stopped. broken hears why the database's
// notifications broke off, when it is not nil.
func (h *Hub) Follow(ctx context.Context, st *store.Store, broken func(error)) (hearing, done <-chan struct{}) {
	heard, stopped := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(stopped)
		st.Listen(ctx, func(cs []store.Change) {
			if cs == nil {
				once.Do(func() { close(heard) })
			}
			h.Publish(cs)
		}, broken)
	}()
	return heard, stopped
}
