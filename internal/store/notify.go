package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// Notification delivery (D10–D14, D20). The outbox holds events to
// dispatch; dispatch turns one into rendered contents and messages, one per
// recipient address and medium, in one transaction; workers claim due
// messages with a lease and record each outcome.

// Message statuses.
const (
	StatusQueued  = "queued"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// ValidStatus reports whether s is a message status.
func ValidStatus(s string) bool {
	return s == StatusQueued || s == StatusSending || s == StatusSent || s == StatusFailed
}

// profileTx runs fn in a transaction that changes the profiles of the
// user or what they are made of. The triggers of migration 00003 record
// the change at commit, when something that dispatch loads really
// changed. On PostgreSQL the transaction first locks the user's row, so
// that one user's concurrent changes queue: otherwise a filter deleted
// between UpdateProfile's check of its references and its insert of the
// link fails that insert (a foreign key violation, not a 400), and
// cascades that meet the same rows in other orders could deadlock. Other
// users' changes never wait for them.
func (s *Store) profileTx(ctx context.Context, userID int64, fn func(tx *sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.dialect == postgresDialect {
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM argus_auth_user WHERE id = $1 FOR NO KEY UPDATE`, userID); err != nil {
				return fmt.Errorf("store: lock the profiles of user %d: %w", userID, err)
			}
		}
		return fn(tx)
	})
}

// profileExec runs one statement that changes the profiles of the user
// or what they are made of, as profileTx does.
func (s *Store) profileExec(ctx context.Context, userID int64, query string, args ...any) (sql.Result, error) {
	if s.dialect != postgresDialect {
		return s.exec(ctx, query, args...)
	}
	var res sql.Result
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// ProfilesVersion changes, in the same transaction, whenever what
// ActiveProfiles returns changes: a profile, its recurrences, filters or
// phone number, or its user's username, email address or active flag.
// ProfileChanges tells whose.
func (s *Store) ProfilesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM argus_notify_profiles_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: profiles version: %w", err)
	}
	return v, nil
}

// ProfileChanges returns, in ID order, the users whose active profiles or
// contact changed after version since of ProfilesVersion, and the version
// they are read at, in one statement. all is true when any profile may
// have changed: a profile table was truncated after since, or the version
// is below since (the database is not the one since came from).
func (s *Store) ProfileChanges(ctx context.Context, since int64) (users []int64, version int64, all bool, err error) {
	type row struct {
		version, reset int64
		user           *int64
	}
	rows, err := collect(ctx, s.db, "profile changes", func(rows *sql.Rows, r *row) error {
		return rows.Scan(&r.version, &r.reset, &r.user)
	}, `SELECT v.version, v.reset, c.user_id FROM argus_notify_profiles_version v
		LEFT JOIN argus_notify_profile_changes c ON c.version > $1
		WHERE v.id = 1 ORDER BY c.user_id`, since)
	if err != nil {
		return nil, 0, false, err
	}
	if len(rows) == 0 {
		return nil, 0, false, errors.New("store: profile changes: the profiles version is missing")
	}
	users = []int64{}
	for _, r := range rows {
		if r.user != nil {
			users = append(users, *r.user)
		}
	}
	version = rows[0].version
	return users, version, rows[0].reset > since || version < since, nil
}

// Contact is what dispatch, and a medium, needs of a profile's owner.
type Contact struct {
	UserID   int64
	Username string
	Email    string
}

// ActiveProfiles returns every active profile of every active user, with
// its timeslot, filters and destinations, and the contacts of their
// users, in six queries however many there are. It returns the version the
// profiles were read at: ProfilesVersion read before and after the load,
// which are equal only when no change committed in between.
func (s *Store) ActiveProfiles(ctx context.Context) ([]argus.Profile, map[int64]Contact, int64, error) {
	for {
		before, err := s.ProfilesVersion(ctx)
		if err != nil {
			return nil, nil, 0, err
		}
		profiles, contacts, err := s.activeProfiles(ctx, nil)
		if err != nil {
			return nil, nil, 0, err
		}
		after, err := s.ProfilesVersion(ctx)
		if err != nil {
			return nil, nil, 0, err
		}
		if before == after {
			return profiles, contacts, after, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
	}
}

// ProfileUpdate brings a copy of ActiveProfiles up to date.
type ProfileUpdate struct {
	// Version is the version of the profiles after the update.
	Version int64
	// All is true when Profiles and Contacts are everyone's and replace
	// the copy (ProfileChanges said all).
	All bool
	// Users are the users whose profiles and contacts changed: the copy
	// replaces theirs with their active profiles in Profiles (none when
	// they have none left or are no longer active) and their entries in
	// Contacts.
	Users    []int64
	Profiles []argus.Profile
	Contacts map[int64]Contact
}

// ActiveProfilesSince returns what changed in ActiveProfiles after
// version since: the active profiles of the users that ProfileChanges
// reports, read in three queries however many there are, at the version
// ProfileChanges read, which ProfilesVersion confirms after the load (it
// starts again when a change committed meanwhile), so the update is the
// state at one version. When ProfileChanges says all, it is a full
// ActiveProfiles.
func (s *Store) ActiveProfilesSince(ctx context.Context, since int64) (ProfileUpdate, error) {
	for {
		users, before, all, err := s.ProfileChanges(ctx, since)
		if err != nil {
			return ProfileUpdate{}, err
		}
		if all {
			profiles, contacts, v, err := s.ActiveProfiles(ctx)
			return ProfileUpdate{Version: v, All: true, Profiles: profiles, Contacts: contacts}, err
		}
		if len(users) == 0 {
			return ProfileUpdate{Version: before, Users: users, Profiles: []argus.Profile{}, Contacts: map[int64]Contact{}}, nil
		}
		profiles, contacts, err := s.activeProfiles(ctx, users)
		if err != nil {
			return ProfileUpdate{}, err
		}
		after, err := s.ProfilesVersion(ctx)
		if err != nil {
			return ProfileUpdate{}, err
		}
		if before == after {
			return ProfileUpdate{Version: after, Users: users, Profiles: profiles, Contacts: contacts}, nil
		}
		if err := ctx.Err(); err != nil {
			return ProfileUpdate{}, err
		}
	}
}

// activeProfiles reads the active profiles of the active users among
// users, or of all of them when users is nil, in four queries.
func (s *Store) activeProfiles(ctx context.Context, users []int64) ([]argus.Profile, map[int64]Contact, error) {
	contacts := map[int64]Contact{}
	var (
		ofUsers string // a condition on p, the profile
		args    []any
	)
	if users != nil {
		ofUsers, args = ` AND p.user_id `+s.dialect.inIDs("$1"), []any{s.dialect.ids(users)}
	}
	list, err := collect(ctx, s.db, "list active profiles", func(rows *sql.Rows, p *argus.Profile) error {
		var (
			c     Contact
			media string
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Timeslot.ID, &p.Active, &media, &c.Username, &c.Email); err != nil {
			return err
		}
		p.Media = splitMedia(media)
		p.Timeslot = argus.Timeslot{ID: p.Timeslot.ID, UserID: p.UserID, Recurrences: []argus.TimeRecurrence{}}
		p.Filters = []argus.Filter{}
		c.UserID = p.UserID
		contacts[p.UserID] = c
		return nil
	}, `SELECT p.id, p.user_id, p.timeslot_id, p.active, p.media, u.username, u.email
		FROM argus_notificationprofile_notificationprofile p
		JOIN argus_auth_user u ON u.id = p.user_id
		WHERE p.active AND u.is_active`+ofUsers+` ORDER BY p.id`, args...)
	if err != nil || len(list) == 0 {
		return list, contacts, err
	}
	byID := make(map[int64]*argus.Profile, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	type recurrence struct {
		profile          int64
		days, start, end string
	}
	recs, err := collect(ctx, s.db, "list active recurrences", func(rows *sql.Rows, r *recurrence) error {
		return rows.Scan(&r.profile, &r.days, &r.start, &r.end)
	}, `SELECT p.id, r.days, r.start, r."end"
		FROM argus_notificationprofile_timerecurrence r
		JOIN argus_notificationprofile_notificationprofile p ON p.timeslot_id = r.timeslot_id
		WHERE p.active`+ofUsers+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range recs {
		p, ok := byID[r.profile]
		if !ok {
			continue // its user is inactive
		}
		tr, err := parseRecurrence(r.days, r.start, r.end)
		if err != nil {
			return nil, nil, fmt.Errorf("store: timeslot %d: %w", p.Timeslot.ID, err)
		}
		p.Timeslot.Recurrences = append(p.Timeslot.Recurrences, tr)
	}
	type filterOf struct {
		profile int64
		filter  argus.Filter
	}
	filters, err := collect(ctx, s.db, "list active filters", func(rows *sql.Rows, f *filterOf) error {
		return scanFilter(rows, &f.filter, &f.profile)
	}, `SELECT `+filterColumns+`, pf.notificationprofile_id
		FROM argus_notificationprofile_notificationprofile_filters pf
		JOIN argus_notificationprofile_notificationprofile p ON p.id = pf.notificationprofile_id
		JOIN argus_notificationprofile_filter f ON f.id = pf.filter_id
		WHERE p.active`+ofUsers+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range filters {
		if p, ok := byID[f.profile]; ok {
			p.Filters = append(p.Filters, f.filter)
		}
	}
	type destinationOf struct {
		profile int64
		d       argus.Destination
	}
	dests, err := collect(ctx, s.db, "list active destinations", func(rows *sql.Rows, x *destinationOf) error {
		return scanDestination(rows, &x.d, &x.profile)
	}, `SELECT `+destinationColumns+`, pd.notificationprofile_id
		FROM argus_notificationprofile_notificationprofile_destinations pd
		JOIN argus_notificationprofile_notificationprofile p ON p.id = pd.notificationprofile_id
		JOIN argus_notificationprofile_destinationconfig d ON d.id = pd.destinationconfig_id
		WHERE p.active`+ofUsers+` ORDER BY d.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	for i := range list {
		list[i].Destinations = []argus.Destination{}
	}
	for _, x := range dests {
		if p, ok := byID[x.profile]; ok {
			p.Destinations = append(p.Destinations, x.d)
		}
	}
	return list, contacts, nil
}

// ClaimOutbox takes up to limit events due for dispatch and leases them
// until now+lease: a dispatcher that dies leaves them to another once the
// lease ends. On PostgreSQL, dispatchers in other processes skip the rows
// being claimed (D20).
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]int64, error) {
	var ids []int64
	err := s.write(ctx, func(q queryer) error {
		var err error
		ids, err = collect(ctx, q, "claim outbox", func(rows *sql.Rows, id *int64) error {
			return rows.Scan(id)
		}, `UPDATE argus_notify_outbox SET due = $2 WHERE event_id IN (
				SELECT event_id FROM argus_notify_outbox WHERE due <= $1
				ORDER BY event_id LIMIT $3`+s.dialect.skipLocked()+`)
			RETURNING event_id`, s.dialect.t(now), s.dialect.t(now.Add(lease)), limit)
		return err
	})
	return ids, err
}

// NextOutboxDue is when the earliest outbox event is due, and false when
// the outbox is empty.
func (s *Store) NextOutboxDue(ctx context.Context) (time.Time, bool, error) {
	var due *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT MIN(due) FROM argus_notify_outbox`).Scan(scanNullTime(&due))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: outbox due: %w", err)
	}
	if due == nil {
		return time.Time{}, false, nil
	}
	return *due, true, nil
}

// DispatchEvent reads an event for dispatch, with its incident as it was
// right after the event: the snapshot the event's transaction stored in
// the outbox (D10), so that a backlog changes when a notification goes
// out and not what it says or whom it goes to. An event queued before
// migration 00004 has no snapshot, and one whose snapshot does not decode
// is no better off: both get the incident as it is at now, with its tags
// and acked flag at now, rather than no notification. An event that is
// gone (its incident deleted) is ErrNotFound.
func (s *Store) DispatchEvent(ctx context.Context, eventID int64, now time.Time) (argus.Event, argus.Incident, error) {
	var (
		ev   argus.Event
		snap *string
	)
	err := scanEvent(s.db.QueryRowContext(ctx, `SELECT e.id, e.incident_id, e.actor_id, u.username, e.timestamp,
			e.received, e.type, e.description, o.incident
		FROM argus_incident_event e JOIN argus_auth_user u ON u.id = e.actor_id
		LEFT JOIN argus_notify_outbox o ON o.event_id = e.id
		WHERE e.id = $1`, eventID), &ev, &snap)
	if err != nil {
		return ev, argus.Incident{}, notFound(err, "Event", eventID)
	}
	if snap != nil {
		if inc, err := decodeOutboxIncident(*snap); err == nil {
			return ev, inc, nil
		}
	}
	inc, err := s.incident(ctx, s.db, ev.IncidentID, now, false)
	return ev, inc, err
}

// MessageContent is the rendered notification of one event on one
// medium, shared by every recipient of it; notify.Content is the same
// type.
type MessageContent struct {
	Subject string
	Text    string
	HTML    string // empty for media without HTML
}

// Recipient is one message to queue. A non-empty Error records the
// message as failed at once (no address to send to).
type Recipient struct {
	UserID int64
	// DestinationID is the destination the message goes to (D29): one
	// message per destination per event.
	DestinationID int64
	Address       string
	Error         string
}

// Outgoing is what one event sends on one medium.
type Outgoing struct {
	Medium     argus.Medium
	Content    MessageContent
	Recipients []Recipient
}

// Enqueue stores what a dispatched event sends and removes the event from
// the outbox, in one transaction: the messages are queued exactly once
// even when two dispatchers race for the event. It reports false, storing
// nothing, when the event is no longer in the outbox. Recipients must
// already be unique per destination (D11, D29). Queued messages are retried until
// deadline.
func (s *Store) Enqueue(ctx context.Context, eventID, incidentID int64, out []Outgoing, now, deadline time.Time) (bool, error) {
	now = now.UTC().Truncate(time.Microsecond)
	done := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM argus_notify_outbox WHERE event_id = $1`, eventID)
		if err != nil {
			return fmt.Errorf("store: dequeue event %d: %w", eventID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // someone else dispatched it
		}
		done = true
		for _, o := range out {
			if len(o.Recipients) == 0 {
				continue
			}
			var contentID int64
			err := tx.QueryRowContext(ctx, `INSERT INTO argus_notify_content (event_id, medium, subject, body, html)
				VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				eventID, string(o.Medium), o.Content.Subject, o.Content.Text, o.Content.HTML).Scan(&contentID)
			if err != nil {
				return fmt.Errorf("store: store content of event %d: %w", eventID, err)
			}
			rows := messageRows{contentID: contentID, eventID: eventID, incidentID: incidentID, medium: o.Medium,
				now: now, deadline: deadline}
			for _, r := range o.Recipients {
				rows.add(r)
			}
			if err := s.insertMessages(ctx, tx, &rows); err != nil {
				return err
			}
		}
		return nil
	})
	return done && err == nil, err
}

// messageRows are the messages of one event on one medium, column by
// column, for insertMessages.
type messageRows struct {
	contentID, eventID, incidentID int64
	medium                         argus.Medium
	now, deadline                  time.Time
	// One item per message: the user and the destination (0 for none),
	// the address, the status and the error of a message failed at once.
	users, destinations         []int64
	addrs, statuses, lastErrors []string
}

// add appends the message to r: queued, or failed when r has an error.
func (m *messageRows) add(r Recipient) {
	status := StatusQueued
	if r.Error != "" {
		status = StatusFailed
	}
	m.users = append(m.users, r.UserID)
	m.destinations = append(m.destinations, r.DestinationID)
	m.addrs = append(m.addrs, r.Address)
	m.statuses = append(m.statuses, status)
	m.lastErrors = append(m.lastErrors, r.Error)
}

// Message is one queued notification and its delivery record.
type Message struct {
	ID         int64
	EventID    int64
	IncidentID int64
	UserID     *int64
	Username   string // "" when the user is gone
	Medium     argus.Medium
	Recipient  string
	Status     string
	Attempts   int
	LastError  string
	Created    time.Time
	Updated    time.Time
	// Due is the next attempt of a queued message and the end of the
	// lease of one being sent.
	Due      time.Time
	Deadline time.Time
	Sent     *time.Time
	// Content is filled only by ClaimMessages.
	Content MessageContent
	// Committed is when the message's event was committed (its
	// received time); filled only by ClaimMessages, zero when the event
	// is gone.
	Committed time.Time
}

const messageColumns = `m.id, m.event_id, m.incident_id, m.user_id, COALESCE(u.username, ''), m.medium, m.recipient,
	m.status, m.attempts, m.last_error, m.created, m.updated, m.due, m.deadline, m.sent`

func scanMessage(row interface{ Scan(...any) error }, m *Message, extra ...any) error {
	var medium string
	err := row.Scan(append([]any{&m.ID, &m.EventID, &m.IncidentID, &m.UserID, &m.Username, &medium, &m.Recipient,
		&m.Status, &m.Attempts, &m.LastError, scanTime(&m.Created), scanTime(&m.Updated), scanTime(&m.Due),
		scanTime(&m.Deadline), scanNullTime(&m.Sent)}, extra...)...)
	m.Medium = argus.Medium(strings.TrimSpace(medium))
	return err
}

// ClaimMessages takes up to limit messages that are due (queued ones whose
// next attempt has come, and ones whose sender's lease ran out), marks
// them sending with a lease until now+lease and counts the attempt. The
// attempt number is the claim's token: outcomes recorded with another
// number are ignored, so a worker whose lease ran out cannot overwrite
// the work of the one that took over. Workers in other processes skip the
// rows being claimed (D20).
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Message, error) {
	type claimed struct {
		id, content int64
	}
	var rows []claimed
	err := s.write(ctx, func(q queryer) error {
		var err error
		rows, err = collect(ctx, q, "claim messages", func(rows *sql.Rows, c *claimed) error {
			return rows.Scan(&c.id, &c.content)
		}, `UPDATE argus_notify_message SET status = 'sending', attempts = attempts + 1, due = $2, updated = $1
			WHERE id IN (
				SELECT id FROM argus_notify_message WHERE status IN ('queued', 'sending') AND due <= $1
				ORDER BY due, id LIMIT $3`+s.dialect.skipLocked()+`)
			RETURNING id, content_id`, s.dialect.t(now), s.dialect.t(now.Add(lease)), limit)
		return err
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	msgs, err := collect(ctx, s.db, "read claimed messages", func(rows *sql.Rows, m *Message) error {
		var committed *time.Time
		err := scanMessage(rows, m, &m.Content.Subject, &m.Content.Text, &m.Content.HTML, scanNullTime(&committed))
		if committed != nil {
			m.Committed = *committed
		}
		return err
	}, `SELECT `+messageColumns+`, c.subject, c.body, c.html, e.received FROM argus_notify_message m
		JOIN argus_notify_content c ON c.id = m.content_id
		LEFT JOIN argus_auth_user u ON u.id = m.user_id
		LEFT JOIN argus_incident_event e ON e.id = m.event_id
		WHERE m.id `+s.dialect.inIDs("$1")+` ORDER BY m.due, m.id`, s.dialect.ids(ids))
	return msgs, err
}

// MessageSent records that attempt of message id was delivered. It
// reports false when the claim was lost (the lease ran out and another
// worker took the message).
func (s *Store) MessageSent(ctx context.Context, id int64, attempt int, now time.Time) (bool, error) {
	return s.recordOutcome(ctx, id, attempt, `status = 'sent', sent = $3, updated = $3, last_error = ''`, s.dialect.t(now))
}

// MessageFailed records that attempt of message id failed for good.
func (s *Store) MessageFailed(ctx context.Context, id int64, attempt int, reason string, now time.Time) (bool, error) {
	return s.recordOutcome(ctx, id, attempt, `status = 'failed', updated = $3, last_error = $4`, s.dialect.t(now), reason)
}

// MessageRetry records that attempt of message id failed and queues it
// again for next.
func (s *Store) MessageRetry(ctx context.Context, id int64, attempt int, reason string, now, next time.Time) (bool, error) {
	return s.recordOutcome(ctx, id, attempt, `status = 'queued', updated = $3, last_error = $4, due = $5`,
		s.dialect.t(now), reason, s.dialect.t(next))
}

// ReleaseMessage gives back a claimed message that was not attempted (the
// worker is shutting down): queued again, due now, the attempt uncounted.
func (s *Store) ReleaseMessage(ctx context.Context, id int64, attempt int, now time.Time) (bool, error) {
	return s.recordOutcome(ctx, id, attempt, `status = 'queued', updated = $3, due = $3, attempts = attempts - 1`, s.dialect.t(now))
}

func (s *Store) recordOutcome(ctx context.Context, id int64, attempt int, set string, args ...any) (bool, error) {
	res, err := s.exec(ctx, `UPDATE argus_notify_message SET `+set+`
		WHERE id = $1 AND attempts = $2 AND status = 'sending'`, append([]any{id, attempt}, args...)...)
	if err != nil {
		return false, fmt.Errorf("store: record outcome of message %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record outcome of message %d: %w", id, err)
	}
	return n == 1, nil
}

// NextMessageDue is when the earliest queued or leased message is due, and
// false when there is none.
func (s *Store) NextMessageDue(ctx context.Context) (time.Time, bool, error) {
	var due *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT MIN(due) FROM argus_notify_message WHERE status IN ('queued', 'sending')`).
		Scan(scanNullTime(&due))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: message due: %w", err)
	}
	if due == nil {
		return time.Time{}, false, nil
	}
	return *due, true, nil
}

// QueueStats is the state of the notification queues, for metrics.
type QueueStats struct {
	// Messages is how many messages wait to be sent or are being sent.
	Messages int64
	// OldestDue is the earliest due time among them that has come (a
	// queued message's next attempt, a sending one's lease end); zero
	// when none has.
	OldestDue time.Time
	// Outbox is how many events wait for dispatch.
	Outbox int64
}

// Queues reads QueueStats at now, in two statements.
func (s *Store) Queues(ctx context.Context, now time.Time) (QueueStats, error) {
	var q QueueStats
	var due *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(CASE WHEN due <= $1 THEN due END) FROM argus_notify_message
		WHERE status IN ('queued', 'sending')`, s.dialect.t(now)).Scan(&q.Messages, scanNullTime(&due))
	if err != nil {
		return q, fmt.Errorf("store: message queue: %w", err)
	}
	if due != nil {
		q.OldestDue = *due
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_notify_outbox`).Scan(&q.Outbox); err != nil {
		return q, fmt.Errorf("store: outbox: %w", err)
	}
	return q, nil
}

// MessageFilter selects messages; zero fields select all.
type MessageFilter struct {
	Status     string
	IncidentID int64
	// Before selects messages with a smaller id, After those with a
	// greater one: the cursors of the newest-first listing.
	Before, After int64
	// By is who reads (argus.CanReadNotifications); nil is the
	// argus.Operator.
	By *argus.User
}

// Messages lists messages newest first, at most limit, and reports
// whether there are more: older ones, or with After newer ones (the page
// is then the limit messages just above After).
func (s *Store) Messages(ctx context.Context, f MessageFilter, limit int) ([]Message, bool, error) {
	if f.By != nil {
		if err := argus.CanReadNotifications(f.By); err != nil {
			return nil, false, err
		}
	}
	order := "DESC"
	if f.After != 0 {
		order = "ASC"
	}
	q := `SELECT ` + messageColumns + ` FROM argus_notify_message m LEFT JOIN argus_auth_user u ON u.id = m.user_id
		WHERE ($1 = '' OR m.status = $1) AND (CAST($2 AS BIGINT) = 0 OR m.incident_id = $2)
			AND (CAST($3 AS BIGINT) = 0 OR m.id < $3) AND m.id > $4
		ORDER BY m.id ` + order + ` LIMIT $5`
	list, err := collect(ctx, s.db, "list messages", func(rows *sql.Rows, m *Message) error {
		return scanMessage(rows, m)
	}, q, f.Status, f.IncidentID, f.Before, f.After, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	if f.After != 0 {
		slices.Reverse(list)
	}
	return list, more, nil
}

// Message returns one message.
func (s *Store) Message(ctx context.Context, id int64) (Message, error) {
	var m Message
	err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM argus_notify_message m
		LEFT JOIN argus_auth_user u ON u.id = m.user_id WHERE m.id = $1`, id), &m)
	if err != nil {
		return m, notFound(err, "Message", id)
	}
	return m, nil
}

// ErrNotRetryable is RetryMessage's answer for a message that is sent or
// being sent.
var ErrNotRetryable = errors.New("only a failed or queued message can be retried")

// RetryMessage queues a failed (or queued) message again, due now and
// retried until deadline; its attempts and last error stay as a record.
// A message without a recipient cannot be retried.
func (s *Store) RetryMessage(ctx context.Context, id int64, now, deadline time.Time) (Message, error) {
	res, err := s.exec(ctx, `UPDATE argus_notify_message SET status = 'queued', due = $2, updated = $2, deadline = $3
		WHERE id = $1 AND status IN ('failed', 'queued') AND recipient <> ''`, id, s.dialect.t(now), s.dialect.t(deadline))
	if err != nil {
		return Message{}, fmt.Errorf("store: retry message %d: %w", id, err)
	}
	m, err := s.Message(ctx, id)
	if err != nil {
		return m, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return m, fmt.Errorf("store: retry message %d: %w", id, err)
	} else if n == 0 {
		if m.Recipient == "" {
			return m, fmt.Errorf("store: message %d has no recipient: %w", id, ErrNotRetryable)
		}
		return m, fmt.Errorf("store: message %d is %s: %w", id, m.Status, ErrNotRetryable)
	}
	return m, nil
}

// PruneMessages deletes the messages sent before before, the ones that
// failed before before (their last update, when they failed for good or
// were found to have no address), and the contents no message uses any
// more. Queued messages and ones being sent stay, however old. It
// returns how many messages it deleted.
func (s *Store) PruneMessages(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM argus_notify_message
			WHERE (status = 'sent' AND sent < $1) OR (status = 'failed' AND updated < $1)`, s.dialect.t(before))
		if err != nil {
			return fmt.Errorf("store: prune messages: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM argus_notify_content WHERE NOT EXISTS (
			SELECT 1 FROM argus_notify_message m WHERE m.content_id = argus_notify_content.id)`)
		if err != nil {
			return fmt.Errorf("store: prune contents: %w", err)
		}
		return nil
	})
	return n, err
}
