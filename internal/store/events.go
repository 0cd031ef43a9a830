package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

const eventSelect = `SELECT e.id, e.incident_id, e.actor_id, u.username, e.timestamp, e.received, e.type, e.description
	FROM argus_incident_event e JOIN argus_auth_user u ON u.id = e.actor_id`

func scanEvent(row interface{ Scan(...any) error }, ev *argus.Event, extra ...any) error {
	dest := []any{&ev.ID, &ev.IncidentID, &ev.Actor.ID, &ev.Actor.Username,
		scanTime(&ev.Timestamp), scanTime(&ev.Received), &ev.Type, &ev.Description}
	return row.Scan(append(dest, extra...)...)
}

// insertEvent stores ev and sets its ID. While notifications are on, tx
// puts the event in the outbox when the operation is done (eventTx).
func (s *Store) insertEvent(ctx context.Context, tx *eventTx, ev *argus.Event) error {
	return s.storeEvent(ctx, tx, ev, true)
}

// recordChange stores a CHI event the server makes for a changed
// attribute, by actor at now: it notifies nobody (D31, Argus #718).
func (s *Store) recordChange(ctx context.Context, tx *eventTx, incidentID int64, actor *argus.User, now time.Time, attr, old, new string) error {
	ev := argus.Event{
		IncidentID: incidentID, Actor: argus.Actor{ID: actor.ID, Username: actor.Username},
		Timestamp: now, Received: now, Type: argus.EventChange, Description: argus.ChangeDescription(attr, old, new),
	}
	return s.storeEvent(ctx, tx, &ev, false)
}

// storeEvent stores ev, and queues it for notification when notify.
func (s *Store) storeEvent(ctx context.Context, tx *eventTx, ev *argus.Event, notify bool) error {
	ev.Timestamp = ev.Timestamp.UTC().Truncate(time.Microsecond)
	ev.Received = ev.Received.UTC().Truncate(time.Microsecond)
	err := tx.QueryRowContext(ctx, `
		INSERT INTO argus_incident_event (incident_id, actor_id, timestamp, received, type, description)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		ev.IncidentID, ev.Actor.ID, s.dialect.t(ev.Timestamp), s.dialect.t(ev.Received), string(ev.Type), ev.Description,
	).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("store: create event: %w", err)
	}
	if s.outbox && notify {
		tx.queued = append(tx.queued, queuedEvent{id: ev.ID, incidentID: ev.IncidentID, received: ev.Received})
	}
	return nil
}

// lockIncident reads the incident's state for a change, locking its row on
// PostgreSQL until the transaction ends.
func (s *Store) lockIncident(ctx context.Context, tx *sql.Tx, id int64) (argus.Incident, error) {
	inc := argus.Incident{ID: id}
	err := tx.QueryRowContext(ctx, `SELECT end_time FROM argus_incident_incident WHERE id = $1`+s.dialect.forUpdate(), id).
		Scan(scanNullTime(&inc.EndTime))
	if err != nil {
		return inc, notFound(err, "Incident", id)
	}
	return inc, nil
}

// CreateEvent records an event posted to an incident and applies it
// (api-v1.md §5.2), in one transaction, if the actor may post the type
// (rules.CheckActor). When the incident's state
// does not allow the event, end users get the error; a source system's
// event is recorded anyway and changes nothing (D16). END and CLO set the
// end time to the event's timestamp, REO and RES to infinity. rules are
// the posting API's.
func (s *Store) CreateEvent(ctx context.Context, rules argus.Rules, ev argus.Event, actor *argus.User, now time.Time) (argus.Event, error) {
	if err := rules.CheckActor(actor, ev.Type); err != nil {
		return argus.Event{}, err
	}
	ev.Actor = argus.Actor{ID: actor.ID, Username: actor.Username}
	ev.Received = now
	err := s.eventTx(ctx, func(tx *eventTx) error {
		inc, err := s.lockIncident(ctx, tx.Tx, ev.IncidentID)
		if err != nil {
			return err
		}
		hasType := false
		if rules.HasOnce(ev.Type) {
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM argus_incident_event
				WHERE incident_id = $1 AND type = $2)`, inc.ID, string(ev.Type)).Scan(&hasType)
			if err != nil {
				return fmt.Errorf("store: look up events of incident %d: %w", inc.ID, err)
			}
		}
		if err := rules.CheckState(&inc, ev.Type, hasType, now); err != nil {
			if !actor.IsSourceSystem() {
				return err
			}
		} else if end := argus.EndTimeAfter(&inc, ev.Type, ev.Timestamp); end != inc.EndTime {
			// EndTimeAfter hands back the incident's own pointer when the
			// event changes nothing (STA, OTH).
			_, err := tx.ExecContext(ctx, `UPDATE argus_incident_incident SET end_time = $2 WHERE id = $1`,
				inc.ID, s.dialect.end(end))
			if err != nil {
				return fmt.Errorf("store: update incident %d: %w", inc.ID, err)
			}
		}
		if err := s.insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		tx.changed(ChangeEvent, ev.IncidentID, &ev)
		return nil
	})
	if err != nil {
		return argus.Event{}, err
	}
	return ev, nil
}

// Events lists an incident's events, latest timestamp first; an unknown
// incident is ErrNotFound.
func (s *Store) Events(ctx context.Context, incidentID int64) ([]argus.Event, error) {
	if err := s.incidentExists(ctx, incidentID); err != nil {
		return nil, err
	}
	return collect(ctx, s.db, "list events", func(rows *sql.Rows, ev *argus.Event) error {
		return scanEvent(rows, ev)
	}, eventSelect+` WHERE e.incident_id = $1 ORDER BY e.timestamp DESC, e.id DESC`, incidentID)
}

// Event returns one event of an incident.
func (s *Store) Event(ctx context.Context, incidentID, eventID int64) (argus.Event, error) {
	var ev argus.Event
	err := scanEvent(s.db.QueryRowContext(ctx, eventSelect+` WHERE e.incident_id = $1 AND e.id = $2`, incidentID, eventID), &ev)
	if err != nil {
		return ev, notFound(err, "Event", eventID)
	}
	return ev, nil
}

func (s *Store) incidentExists(ctx context.Context, id int64) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_incident_incident WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("store: look up incident %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: incident %d: %w", id, argus.NotFound("Incident", id))
	}
	return nil
}

// CreateAck records an acknowledgement: an ACK event and its expiry, in
// one transaction (api-v1.md §5.3, api-v2.md §4.6), expiring after it is
// made (argus.CheckAck), by an actor whom the rules let acknowledge
// (argus.Rules.CanAcknowledge: source systems too since Argus 1.6, API
// v2; end users only on API v1).
func (s *Store) CreateAck(ctx context.Context, rules argus.Rules, ack argus.Ack, actor *argus.User, now time.Time) (argus.Ack, error) {
	if err := rules.CanAcknowledge(actor); err != nil {
		return argus.Ack{}, err
	}
	if err := argus.CheckAck(&ack); err != nil {
		return argus.Ack{}, err
	}
	ack.Event.Type = argus.EventAcknowledge
	ack.Event.Actor = argus.Actor{ID: actor.ID, Username: actor.Username}
	ack.Event.Received = now
	err := s.eventTx(ctx, func(tx *eventTx) error {
		if _, err := s.lockIncident(ctx, tx.Tx, ack.Event.IncidentID); err != nil {
			return err
		}
		if err := s.insertEvent(ctx, tx, &ack.Event); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO argus_incident_acknowledgement (event_id, expiration) VALUES ($1, $2)`,
			ack.Event.ID, s.dialect.nt(ack.Expiration))
		if err != nil {
			return fmt.Errorf("store: create ack: %w", err)
		}
		tx.changed(ChangeAck, ack.Event.IncidentID, &ack.Event)
		return nil
	})
	if err != nil {
		return argus.Ack{}, err
	}
	if ack.Expiration != nil {
		exp := ack.Expiration.UTC().Truncate(time.Microsecond)
		ack.Expiration = &exp
	}
	return ack, nil
}

// ackSelect reads an event's columns, then its ack's expiration.
const ackSelect = `SELECT e.id, e.incident_id, e.actor_id, u.username, e.timestamp, e.received, e.type, e.description,
	a.expiration FROM argus_incident_event e JOIN argus_auth_user u ON u.id = e.actor_id
	JOIN argus_incident_acknowledgement a ON a.event_id = e.id`

// Acks lists an incident's acknowledgements, latest first; an unknown
// incident is ErrNotFound.
func (s *Store) Acks(ctx context.Context, incidentID int64) ([]argus.Ack, error) {
	if err := s.incidentExists(ctx, incidentID); err != nil {
		return nil, err
	}
	return collect(ctx, s.db, "list acks", func(rows *sql.Rows, a *argus.Ack) error {
		return scanEvent(rows, &a.Event, scanNullTime(&a.Expiration))
	}, ackSelect+` WHERE e.incident_id = $1 ORDER BY e.timestamp DESC, e.id DESC`, incidentID)
}

// Ack returns one acknowledgement of an incident; its pk is its event's.
func (s *Store) Ack(ctx context.Context, incidentID, ackID int64) (argus.Ack, error) {
	var a argus.Ack
	err := scanEvent(s.db.QueryRowContext(ctx, ackSelect+` WHERE e.incident_id = $1 AND e.id = $2`, incidentID, ackID),
		&a.Event, scanNullTime(&a.Expiration))
	if err != nil {
		return a, notFound(err, "Acknowledgement", ackID)
	}
	return a, nil
}

// AllEvents lists the events of every incident, latest timestamp first,
// limit at most, after cursor (nil: from the start); cursor.StartTime is
// an event's timestamp here. more reports whether rows remain beyond the
// page in its direction.
func (s *Store) AllEvents(ctx context.Context, cursor *Cursor, limit int) (list []argus.Event, more bool, err error) {
	q := &query{}
	order := " ORDER BY e.timestamp DESC, e.id DESC"
	if cursor != nil {
		p, id := q.arg(s.dialect.t(cursor.StartTime)), q.arg(cursor.ID)
		if cursor.Reverse {
			q.where("(e.timestamp, e.id) > (" + p + ", " + id + ")")
			order = " ORDER BY e.timestamp ASC, e.id ASC"
		} else {
			q.where("(e.timestamp, e.id) < (" + p + ", " + id + ")")
		}
	}
	sqlText := eventSelect
	if len(q.conds) > 0 {
		sqlText += " WHERE " + strings.Join(q.conds, " AND ")
	}
	sqlText += order + " LIMIT " + q.arg(limit+1)
	list, err = collect(ctx, s.db, "list all events", func(rows *sql.Rows, ev *argus.Event) error {
		return scanEvent(rows, ev)
	}, sqlText, q.args...)
	if err != nil {
		return nil, false, err
	}
	if len(list) > limit {
		list, more = list[:limit], true
	}
	if cursor != nil && cursor.Reverse {
		slices.Reverse(list)
	}
	return list, more, nil
}

// SetAckExpiration changes when an acknowledgement expires (api-v2.md
// §4.6): to nil (never) or a time after now (else CodeExpirationPast on
// "expiration"); an ack that has expired already cannot change
// (CodeAckExpired). No event is made.
func (s *Store) SetAckExpiration(ctx context.Context, incidentID, ackID int64, exp *time.Time, now time.Time) (argus.Ack, error) {
	var ack argus.Ack
	err := s.eventTx(ctx, func(tx *eventTx) error {
		err := scanEvent(tx.QueryRowContext(ctx, ackSelect+` WHERE e.incident_id = $1 AND e.id = $2`+s.dialect.forUpdate(), incidentID, ackID),
			&ack.Event, scanNullTime(&ack.Expiration))
		if err != nil {
			return notFound(err, "Acknowledgement", ackID)
		}
		if err := argus.CheckAckChange(&ack, exp, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE argus_incident_acknowledgement SET expiration = $2 WHERE event_id = $1`,
			ackID, s.dialect.nt(exp)); err != nil {
			return fmt.Errorf("store: change ack %d: %w", ackID, err)
		}
		if exp != nil {
			exp = new(exp.UTC().Truncate(time.Microsecond))
		}
		ack.Expiration = exp
		tx.changed(ChangeAck, incidentID, nil)
		return nil
	})
	return ack, err
}
