package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/argus-go/argus/internal/argus"
)

// ChangeKind says what part of an incident a Change changed.
type ChangeKind string

// The kinds of change.
const (
	// ChangeCreated: the incident was created (with its STA event).
	ChangeCreated ChangeKind = "created"
	// ChangeEvent: an event was posted to the incident (END, CLO, REO,
	// OTH, a source's refused STA or END…).
	ChangeEvent ChangeKind = "event"
	// ChangeAck: the incident was acknowledged (an ACK event).
	ChangeAck ChangeKind = "ack"
	// ChangeTags: tags were added or removed.
	ChangeTags ChangeKind = "tags"
	// ChangeTicket: the ticket URL changed.
	ChangeTicket ChangeKind = "ticket"
	// ChangeDetails: the details URL changed.
	ChangeDetails ChangeKind = "details"
	// ChangeAttributes: the level, description or metadata changed.
	ChangeAttributes ChangeKind = "attributes"
	// ChangeDeleted: the incident was deleted (API v2 only).
	ChangeDeleted ChangeKind = "deleted"
)

// Change is one committed change to an incident, as the store publishes
// it to its subscribers (Store.Subscribe): the dispatcher's wake-up, and
// the live-update hub of the web UI (D36).
type Change struct {
	Kind       ChangeKind `json:"kind"`
	IncidentID int64      `json:"incident"`
	// Event is the event the change recorded, for ChangeCreated (the STA),
	// ChangeEvent and ChangeAck; its ID is 0 otherwise.
	Event argus.Event `json:"-"`
	// EventID is Event.ID, in the PostgreSQL notification.
	EventID int64 `json:"event,omitempty"`
	// Source is the name of the new incident's source, for
	// ChangeCreated (not in the PostgreSQL notification).
	Source string `json:"-"`
}

// NotifyChannel is the PostgreSQL channel on which every transaction that
// changes incidents announces its changes, with pg_notify inside the
// transaction so that only a commit delivers them (D20, D36): how other
// instances learn of them.
// An Argus whose tables live in a schema other than public has a channel
// of its own, NotifyChannel + "." + the schema (hashed when that would
// pass PostgreSQL's 63 bytes), since NOTIFY is scoped to the database, not
// the schema: two Argus sharing a database must not hear each other.
const NotifyChannel = "argus_incident_changes"

// notifyChannel is the channel of the Argus whose tables are in schema.
func notifyChannel(schema string) string {
	if schema == "" || schema == "public" {
		return NotifyChannel
	}
	if c := NotifyChannel + "." + schema; len(c) <= 63 {
		return c
	}
	sum := sha256.Sum256([]byte(schema))
	return NotifyChannel + "." + hex.EncodeToString(sum[:12])
}

// NotifyChannel is the channel on which this store announces its changes
// on PostgreSQL; "" on SQLite.
func (s *Store) NotifyChannel() string { return s.channel }

// feed holds the subscribers of a Store's changes.
type feed struct {
	mu   sync.Mutex
	next int
	subs map[int]func([]Change)
}

// Subscribe calls fn with the changes of every transaction that commits
// changes to incidents, once, after the commit, in the goroutine that
// committed: fn must not block. The returned function ends the
// subscription. Changes committed by other processes are not seen here;
// on PostgreSQL they arrive on NotifyChannel.
func (s *Store) Subscribe(fn func([]Change)) (cancel func()) {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.subs == nil {
		s.feed.subs = map[int]func([]Change){}
	}
	id := s.feed.next
	s.feed.next++
	s.feed.subs[id] = fn
	return func() {
		s.feed.mu.Lock()
		defer s.feed.mu.Unlock()
		delete(s.feed.subs, id)
	}
}

// publish hands committed changes to every subscriber.
func (s *Store) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	s.feed.mu.Lock()
	subs := make([]func([]Change), 0, len(s.feed.subs))
	for _, fn := range s.feed.subs {
		subs = append(subs, fn)
	}
	s.feed.mu.Unlock()
	for _, fn := range subs {
		fn(changes)
	}
}

// maxNotifyPayload keeps each pg_notify payload under PostgreSQL's limit
// of 8000 bytes.
const maxNotifyPayload = 7000

// announce sends the changes of tx on NotifyChannel on PostgreSQL, in as
// many notifications as their size needs; the notifications are delivered
// only if tx commits. SQLite has one process and nothing to announce.
func (s *Store) announce(ctx context.Context, tx *eventTx) error {
	if s.dialect != postgresDialect || len(tx.changes) == 0 {
		return nil
	}
	send := func(batch []Change) error {
		payload, err := json.Marshal(batch)
		if err != nil {
			return fmt.Errorf("store: encode changes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, s.channel, string(payload)); err != nil {
			return fmt.Errorf("store: announce changes: %w", err)
		}
		return nil
	}
	start, size := 0, 2
	for i := range tx.changes {
		// Each change encodes to well under 100 bytes.
		if size += 100; size > maxNotifyPayload {
			if err := send(tx.changes[start:i]); err != nil {
				return err
			}
			start, size = i, 102
		}
	}
	return send(tx.changes[start:])
}

// changed records a change of tx, to be announced inside it and published
// after it commits.
func (tx *eventTx) changed(kind ChangeKind, incidentID int64, ev *argus.Event) {
	c := Change{Kind: kind, IncidentID: incidentID}
	if ev != nil {
		c.Event = *ev
		c.EventID = ev.ID
	}
	tx.changes = append(tx.changes, c)
}

// Listen calls fn with the changes to incidents that commit anywhere: on
// PostgreSQL those of every process sharing the database, heard on
// its NotifyChannel over a connection of its own; on SQLite, which one
// process owns, this process's own (Subscribe). It returns when ctx
// ends. fn(nil) comes first whenever Listen starts hearing — at first and
// after a lost connection is back, with a second's pause between tries:
// from then on every change arrives, but any before may have been missed,
// so the listener should assume that anything may have changed. broken,
// when not nil, hears why a connection went down. fn runs in Listen's
// goroutine and must not block. Events of other processes carry their id
// and incident only.
func (s *Store) Listen(ctx context.Context, fn func([]Change), broken func(error)) {
	if s.dialect != postgresDialect {
		defer s.Subscribe(fn)()
		fn(nil)
		<-ctx.Done()
		return
	}
	for {
		err := s.listen(ctx, fn)
		if ctx.Err() != nil {
			return
		}
		if broken != nil {
			broken(err)
		}
		// The connection broke: wait a little (the database may be
		// restarting) and connect again.
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// listen holds one connection with LISTEN until it breaks or ctx ends.
func (s *Store) listen(ctx context.Context, fn func([]Change)) error {
	conn, err := pgx.Connect(ctx, s.pgDSN)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // the connection is being dropped
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	fn(nil)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("store: listen: %w", err)
		}
		var changes []Change
		if err := json.Unmarshal([]byte(n.Payload), &changes); err != nil {
			continue // not ours: someone else NOTIFYing on the channel
		}
		for i := range changes {
			changes[i].Event.ID = changes[i].EventID
			changes[i].Event.IncidentID = changes[i].IncidentID
		}
		fn(changes)
	}
}
