package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// eventTx is a transaction that may store events. insertEvent takes one,
// so no code path can store an event outside it. While notifications are
// on, each event it stored goes into the outbox when the function given
// to Store.eventTx has returned, with a snapshot of its incident taken
// then and not when the event was inserted: by that point the operation
// has done everything it does (the STA's tags, the ACK's ack, the END's
// end time), and the notification describes the incident right after
// the change (D10) however late dispatch gets to it.
//
// It also collects the changes the operation made to incidents (changed),
// which are announced inside it on PostgreSQL and published to the
// store's subscribers once it has committed.
type eventTx struct {
	*sql.Tx
	queued  []queuedEvent
	changes []Change
}

// queuedEvent is an event stored in an eventTx, still to be put in the
// outbox.
type queuedEvent struct {
	id, incidentID int64
	// received is the event's received time, the operation's clock: the
	// outbox row is due then, and the snapshot's acked flag is as of then.
	received time.Time
}

// eventTx runs fn in a transaction (Store.tx) and, when fn succeeds,
// queues the events it stored for notification and announces its changes
// before committing; once committed, it publishes the changes.
func (s *Store) eventTx(ctx context.Context, fn func(tx *eventTx) error) error {
	var changes []Change
	err := s.tx(ctx, func(tx *sql.Tx) error {
		etx := &eventTx{Tx: tx}
		if err := fn(etx); err != nil {
			return err
		}
		if err := s.queueEvents(ctx, etx); err != nil {
			return err
		}
		changes = etx.changes
		return s.announce(ctx, etx)
	})
	if err != nil {
		return err
	}
	s.publish(changes)
	return nil
}

// queueEvents puts the events stored in tx into the outbox, each with its
// incident as it now stands in tx: one query per incident, however many
// tags it has. In the events' own transaction: a rolled-back event
// notifies nobody, a committed one is dispatched even after a crash (D12).
func (s *Store) queueEvents(ctx context.Context, tx *eventTx) error {
	type key struct {
		incident int64
		at       time.Time
	}
	snapshots := map[key]string{}
	for _, e := range tx.queued {
		k := key{e.incidentID, e.received}
		snap, ok := snapshots[k]
		if !ok {
			inc, err := s.snapshotIncident(ctx, tx, e.incidentID, e.received)
			if err != nil {
				return fmt.Errorf("store: snapshot incident of event %d: %w", e.id, err)
			}
			if snap, err = encodeOutboxIncident(&inc); err != nil {
				return fmt.Errorf("store: snapshot incident of event %d: %w", e.id, err)
			}
			snapshots[k] = snap
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO argus_notify_outbox (event_id, due, incident) VALUES ($1, $2, $3)`,
			e.id, s.dialect.t(e.received), snap)
		if err != nil {
			return fmt.Errorf("store: queue event %d for notification: %w", e.id, err)
		}
	}
	tx.queued = nil
	return nil
}

// snapshotSelect is incidentSelect with the incident's tags joined in, a
// row per tag (one row with NULL tag columns when it has none), in the
// order they were added: the incident in one round trip.
var snapshotSelect = "SELECT r.tag_key, r.tag_value, " + strings.TrimPrefix(fmt.Sprintf(incidentSelect, "$1"), "SELECT ") + `
	LEFT JOIN argus_incident_incidenttagrelation r ON r.incident_id = i.id
	WHERE i.id = $2 ORDER BY r.id`

// snapshotIncident reads the incident as Store.incident does, its acked
// flag at at, but in one query. Tags carry their key and value only.
func (s *Store) snapshotIncident(ctx context.Context, q queryer, id int64, at time.Time) (argus.Incident, error) {
	var inc argus.Incident
	rows, err := q.QueryContext(ctx, snapshotSelect, s.dialect.t(at), id)
	if err != nil {
		return inc, fmt.Errorf("store: read incident %d: %w", id, err)
	}
	defer rows.Close()
	inc.Tags = []argus.TagRelation{}
	found := false
	for rows.Next() {
		var key, value *string
		if err := scanIncident(prependScan{rows, []any{&key, &value}}, &inc); err != nil {
			return inc, fmt.Errorf("store: read incident %d: %w", id, err)
		}
		found = true
		if key != nil {
			inc.Tags = append(inc.Tags, argus.TagRelation{Tag: argus.Tag{Key: *key, Value: *value}})
		}
	}
	if err := rows.Err(); err != nil {
		return inc, fmt.Errorf("store: read incident %d: %w", id, err)
	}
	if !found {
		return inc, fmt.Errorf("store: incident %d: %w", id, argus.NotFound("Incident", id))
	}
	return inc, nil
}

// prependScan scans a row's first columns into first and the rest into
// what its Scan is given.
type prependScan struct {
	rows  *sql.Rows
	first []any
}

func (p prependScan) Scan(dest ...any) error {
	return p.rows.Scan(slices.Concat(p.first, dest)...)
}

// outboxIncident is the JSON in argus_notify_outbox.incident: what
// matching (D8, D9) and rendering (D14) use of an incident, as it was
// right after the event. Tags keep their key and value, not who added
// them or when. Acked is as of the event's received time, the clock of
// the operation that stored it (D25); a renderer that asks whether the
// incident is open should ask at that time too, not at dispatch.
type outboxIncident struct {
	ID               int64           `json:"id"`
	StartTime        time.Time       `json:"start_time"`
	EndTime          *time.Time      `json:"end_time,omitempty"` // absent: stateless
	Source           outboxSource    `json:"source"`
	SourceIncidentID string          `json:"source_incident_id,omitempty"`
	DetailsURL       string          `json:"details_url,omitempty"`
	Description      string          `json:"description,omitempty"`
	TicketURL        string          `json:"ticket_url,omitempty"`
	Level            int             `json:"level"`
	Acked            bool            `json:"acked,omitempty"`
	Tags             [][2]string     `json:"tags,omitempty"`     // [key, value], in the order they were added
	Metadata         json.RawMessage `json:"metadata,omitempty"` // absent: {}
}

// outboxSource is the incident's source in an outboxIncident.
type outboxSource struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	UserID  int64  `json:"user"`
	BaseURL string `json:"base_url,omitempty"`
}

func encodeOutboxIncident(inc *argus.Incident) (string, error) {
	o := outboxIncident{
		ID: inc.ID, StartTime: inc.StartTime, EndTime: inc.EndTime,
		Source: outboxSource{
			ID: inc.Source.ID, Name: inc.Source.Name, Type: inc.Source.Type,
			UserID: inc.Source.UserID, BaseURL: inc.Source.BaseURL,
		},
		SourceIncidentID: inc.SourceIncidentID, DetailsURL: inc.DetailsURL, Description: inc.Description,
		TicketURL: inc.TicketURL, Level: inc.Level, Acked: inc.Acked,
	}
	if string(inc.Metadata) != "{}" {
		o.Metadata = inc.Metadata
	}
	for _, t := range inc.Tags {
		o.Tags = append(o.Tags, [2]string{t.Tag.Key, t.Tag.Value})
	}
	b, err := json.Marshal(o)
	return string(b), err
}

func decodeOutboxIncident(s string) (argus.Incident, error) {
	var o outboxIncident
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		return argus.Incident{}, err
	}
	inc := argus.Incident{
		ID: o.ID, StartTime: o.StartTime.UTC(), EndTime: o.EndTime,
		Source: argus.Source{
			ID: o.Source.ID, Name: o.Source.Name, Type: o.Source.Type,
			UserID: o.Source.UserID, BaseURL: o.Source.BaseURL,
		},
		SourceIncidentID: o.SourceIncidentID, DetailsURL: o.DetailsURL, Description: o.Description,
		TicketURL: o.TicketURL, Level: o.Level, Acked: o.Acked,
		Tags: make([]argus.TagRelation, len(o.Tags)), Metadata: o.Metadata,
	}
	if inc.Metadata == nil {
		inc.Metadata = json.RawMessage("{}")
	}
	if inc.EndTime != nil {
		end := inc.EndTime.UTC()
		inc.EndTime = &end
	}
	for i, t := range o.Tags {
		inc.Tags[i].Tag = argus.Tag{Key: t[0], Value: t[1]}
	}
	return inc, nil
}
