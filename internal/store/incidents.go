package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// NewIncident is what CreateIncident stores.
type NewIncident struct {
	SourceID         int64
	StartTime        time.Time
	EndTime          *time.Time
	SourceIncidentID string
	DetailsURL       string
	Description      string
	TicketURL        string
	Level            int
	Tags             []argus.Tag
	// Metadata is a JSON object; nil is {}.
	Metadata json.RawMessage
}

// CreateIncident stores an incident, its tags (added by addedBy) and then
// its first event, STA or for a stateless incident LES (D31) (actor: the
// source's user, at the start time), in one
// transaction (D10). A duplicate non-empty source_incident_id for the
// source is CodeDuplicateIncident (D5, D6), an unknown source
// CodeNoSuchSource. addedBy must be the source's user or a superuser
// (argus.CanPostIncident).
func (s *Store) CreateIncident(ctx context.Context, ni NewIncident, addedBy int64, now time.Time) (argus.Incident, argus.Event, error) {
	inc := argus.Incident{
		StartTime: ni.StartTime.UTC().Truncate(time.Microsecond), EndTime: ni.EndTime,
		SourceIncidentID: ni.SourceIncidentID, DetailsURL: ni.DetailsURL, Description: ni.Description,
		TicketURL: ni.TicketURL, Level: ni.Level, Tags: []argus.TagRelation{}, Metadata: ni.Metadata,
	}
	if len(inc.Metadata) == 0 {
		inc.Metadata = json.RawMessage("{}")
	}
	now = now.UTC().Truncate(time.Microsecond)
	var ev argus.Event
	err := s.eventTx(ctx, func(tx *eventTx) error {
		var (
			username string
			by       = argus.User{ID: addedBy}
		)
		err := tx.QueryRowContext(ctx, `
			SELECT s.id, s.name, s.type_id, s.user_id, s.base_url, u.username,
				COALESCE((SELECT is_superuser FROM argus_auth_user WHERE id = $2), FALSE)
			FROM argus_incident_sourcesystem s JOIN argus_auth_user u ON u.id = s.user_id WHERE s.id = $1`, ni.SourceID, addedBy,
		).Scan(&inc.Source.ID, &inc.Source.Name, &inc.Source.Type, &inc.Source.UserID, &inc.Source.BaseURL, &username, &by.IsSuperuser)
		if errors.Is(err, sql.ErrNoRows) {
			return argus.Invalid("source", argus.CodeNoSuchSource, ni.SourceID)
		}
		if err != nil {
			return fmt.Errorf("store: look up source %d: %w", ni.SourceID, err)
		}
		if err := argus.CanPostIncident(&by, &inc.Source); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `
			INSERT INTO argus_incident_incident (start_time, end_time, source_id, source_incident_id,
				details_url, description, ticket_url, level, metadata)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			s.dialect.t(inc.StartTime), s.dialect.end(inc.EndTime), ni.SourceID, inc.SourceIncidentID,
			inc.DetailsURL, inc.Description, inc.TicketURL, inc.Level, string(inc.Metadata),
		).Scan(&inc.ID)
		if isUniqueViolation(err) {
			return argus.Conflict("Incident", "source_incident_id", argus.CodeDuplicateIncident)
		}
		if err != nil {
			return fmt.Errorf("store: create incident: %w", err)
		}
		if inc.Tags, err = s.addTags(ctx, tx.Tx, inc.ID, ni.Tags, addedBy, now); err != nil {
			return err
		}
		first := argus.EventStart
		if !inc.Stateful() {
			first = argus.EventStateless
		}
		ev = argus.Event{
			IncidentID: inc.ID, Actor: argus.Actor{ID: inc.Source.UserID, Username: username},
			Timestamp: inc.StartTime, Received: now, Type: first, Description: inc.Description,
		}
		if err := s.insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		tx.changed(ChangeCreated, inc.ID, &ev)
		tx.changes[len(tx.changes)-1].Source = inc.Source.Name
		return nil
	})
	if err != nil {
		return argus.Incident{}, argus.Event{}, err
	}
	return inc, ev, nil
}

// addTags attaches tags to an incident, creating the tags that do not
// exist yet, in three statements whatever their number. Duplicates in
// tags are collapsed; tags already on the incident must not be passed.
func (s *Store) addTags(ctx context.Context, tx *sql.Tx, incidentID int64, tags []argus.Tag, addedBy int64, now time.Time) ([]argus.TagRelation, error) {
	tags = uniqueTags(tags)
	rels := make([]argus.TagRelation, 0, len(tags))
	if len(tags) == 0 {
		return rels, nil
	}
	var values strings.Builder
	args := make([]any, 0, 2*len(tags))
	for i, t := range tags {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "($%d, $%d)", 2*i+1, 2*i+2)
		args = append(args, t.Key, t.Value)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO argus_incident_tag (key, value) VALUES `+values.String()+
		` ON CONFLICT (key, value) DO NOTHING`, args...); err != nil {
		return nil, fmt.Errorf("store: create tags: %w", err)
	}
	ids := make(map[argus.Tag]int64, len(tags))
	_, err := collect(ctx, tx, "look up tags", func(rows *sql.Rows, _ *struct{}) error {
		var (
			id int64
			t  argus.Tag
		)
		if err := rows.Scan(&id, &t.Key, &t.Value); err != nil {
			return err
		}
		ids[t] = id
		return nil
	}, `SELECT id, key, value FROM argus_incident_tag WHERE (key, value) IN (VALUES `+values.String()+`)`, args...)
	if err != nil {
		return nil, err
	}
	var rel strings.Builder
	args = args[:0]
	for i, t := range tags {
		if i > 0 {
			rel.WriteString(", ")
		}
		fmt.Fprintf(&rel, "($%d, $%d, $%d, $%d, $%d, $%d)", 6*i+1, 6*i+2, 6*i+3, 6*i+4, 6*i+5, 6*i+6)
		args = append(args, ids[t], incidentID, t.Key, t.Value, addedBy, s.dialect.t(now))
		rels = append(rels, argus.TagRelation{Tag: t, AddedBy: addedBy, AddedTime: now})
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO argus_incident_incidenttagrelation
		(tag_id, incident_id, tag_key, tag_value, added_by_id, added_time) VALUES `+rel.String(), args...); err != nil {
		return nil, fmt.Errorf("store: tag incident %d: %w", incidentID, err)
	}
	return rels, nil
}

func uniqueTags(tags []argus.Tag) []argus.Tag {
	seen := make(map[argus.Tag]bool, len(tags))
	out := make([]argus.Tag, 0, len(tags))
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// IncidentFilter selects incidents (api-v1.md §4.3). Nil and empty fields
// do not filter.
type IncidentFilter struct {
	Open, Acked, Stateful, EndTimeIsNull, HasTicket *bool

	SourceIDs        []int64
	SourceNames      []string
	SourceTypes      []string
	SourceIncidentID *string
	// SourceUserID keeps the incidents of the source whose user this is
	// (/incidents/mine/).
	SourceUserID int64

	StartGTE, StartLTE, EndGTE, EndLTE *time.Time

	// Tags: values of one key are OR-ed, keys AND-ed.
	Tags []argus.Tag

	// MaxLevel keeps incidents of this level or a more severe one (a
	// smaller number); 0 does not filter.
	MaxLevel int
	// None keeps no incident: the caller asked for what none can be
	// (a level below the most severe).
	None bool
	// ID keeps the one incident, if it passes the other filters; 0 does
	// not filter.
	ID int64
	// Search keeps incidents whose description, or the description of
	// one of whose events, contains each of the terms, in any case
	// (api-v2.md §4.4.2: every term must match); none does not filter.
	Search []string

	// IDs keeps these incidents (?id__in=); empty does not filter.
	IDs []int64
	// MinDuration keeps incidents that have lasted at least this long:
	// open ones until now, closed ones until they ended; never stateless
	// ones (?duration__gte=). 0 does not filter.
	MinDuration time.Duration
	// HideClosedAcked drops incidents that are both closed and acked.
	HideClosedAcked bool
	// TokenExpiry keeps only Argus's own warnings of expiring tokens: of
	// the source "argus", tagged problem_type=token_expiry.
	TokenExpiry bool
	// BlobSets keeps the incidents that match, for every set, one of its
	// blobs, by the one matcher's listing rules (D28): ?filter_pk=,
	// ?notificationprofile_pk=, previews. A set with no blob that can
	// match keeps none.
	BlobSets [][]argus.FilterBlob

	// rareTerm is the index in Search of the term whose every match the
	// trigram indexes collect; the other terms are checked on those rows
	// alone. Incidents sets it to a term in so few descriptions that this
	// finds a page sooner than walking the newest incidents, or to -1
	// when every term is common: then all are checked while walking. Its
	// zero value, the first term, serves whole lists.
	rareTerm int
}

// Cursor is a position in the incident order (-start_time, -pk): the
// boundary row, and whether the page runs backwards from it.
type Cursor struct {
	StartTime time.Time
	ID        int64
	Reverse   bool
}

// query builds the WHERE clause of an incident query with numbered
// placeholders.
type query struct {
	conds []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) where(cond string) { q.conds = append(q.conds, cond) }

// commonTextRows is how many matching descriptions make a search text
// common (commonText).
const commonTextRows = 500

// rareTerm is the index of the first of the search terms that is not
// common (commonText), whose matches the trigram indexes collect while
// the other terms are checked on those rows alone; -1 when every term is
// common. A whole list (limit 0) takes the first term. It stops asking
// at the first rare term.
func (s *Store) rareTerm(ctx context.Context, terms []string, limit int) (int, error) {
	if limit == 0 {
		return 0, nil // the whole list: the first term's index serves best
	}
	for i, term := range terms {
		common, err := s.commonText(ctx, term)
		if err != nil || !common {
			return i, err
		}
	}
	return -1, nil
}

// commonText reports whether at least commonTextRows incidents have text
// in their description, asking the trigram index. For such a text a page
// of the newest matches is found soonest by walking the incidents newest
// first; for a rare one, by asking the indexes for every match. The
// planners cannot tell the two apart from their estimates.
func (s *Store) commonText(ctx context.Context, text string) (bool, error) {
	q := `SELECT count(*) FROM (SELECT 1 FROM argus_incident_incident WHERE description ILIKE $1 LIMIT ` +
		strconv.Itoa(commonTextRows) + `) m`
	arg := likePattern(text)
	if s.dialect == sqliteDialect {
		if strings.ContainsAny(text, `%_\`) {
			return false, nil // the full-text index cannot serve it: every row is read either way
		}
		q = `SELECT count(*) FROM (SELECT 1 FROM argus_search_incident WHERE description LIKE $1 LIMIT ` +
			strconv.Itoa(commonTextRows) + `) m`
		arg = "%" + text + "%"
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, arg).Scan(&n); err != nil {
		return false, fmt.Errorf("store: count matches of a search: %w", err)
	}
	return n >= commonTextRows, nil
}

// likePattern is a LIKE pattern for text containing s, its own % and _
// (and the escape character) escaped with \.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
	return "%" + r.Replace(s) + "%"
}

// listArgs returns "$a, $b, …" for the values: for lists of text, which
// are compared byte for byte (lists of ids go through dialect.inIDs).
func listArgs[T any](q *query, values []T) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = q.arg(v)
	}
	return strings.Join(ph, ", ")
}

// ackedSQL is true when the incident has an ack that has not expired at
// the parameter (D25).
const ackedSQL = `EXISTS (SELECT 1 FROM argus_incident_event e
	JOIN argus_incident_acknowledgement a ON a.event_id = e.id
	WHERE e.incident_id = i.id AND e.type = 'ACK' AND (a.expiration IS NULL OR a.expiration > %s))`

// incidentSelect reads incidents with their source and acked flag. The
// flag is a probe per row (LIMIT 1) rather than EXISTS: PostgreSQL plans
// an EXISTS in the select list as a hashed subplan over every ack in the
// database, on every page.
const incidentSelect = `SELECT i.id, i.start_time, i.end_time, i.source_incident_id, i.details_url,
	i.description, i.ticket_url, i.level, i.metadata, s.id, s.name, s.type_id, s.user_id, s.base_url,
	COALESCE((SELECT 1 FROM argus_incident_event e JOIN argus_incident_acknowledgement a ON a.event_id = e.id
		WHERE e.incident_id = i.id AND e.type = 'ACK' AND (a.expiration IS NULL OR a.expiration > %s) LIMIT 1), 0) = 1
	FROM argus_incident_incident i JOIN argus_incident_sourcesystem s ON s.id = i.source_id`

func scanIncident(rows interface{ Scan(...any) error }, inc *argus.Incident) error {
	return rows.Scan(&inc.ID, scanTime(&inc.StartTime), scanNullTime(&inc.EndTime), &inc.SourceIncidentID,
		&inc.DetailsURL, &inc.Description, &inc.TicketURL, &inc.Level, scanJSON(&inc.Metadata),
		&inc.Source.ID, &inc.Source.Name, &inc.Source.Type, &inc.Source.UserID, &inc.Source.BaseURL, &inc.Acked)
}

// filterIncidents adds f's conditions to q; nowArg is the placeholder of
// the current time.
func (s *Store) filterIncidents(q *query, f IncidentFilter, nowArg string) {
	if f.Open != nil {
		if *f.Open {
			q.where("i.end_time > " + nowArg)
		} else {
			q.where("i.end_time <= " + nowArg)
		}
	}
	if f.Acked != nil {
		not := "NOT "
		if *f.Acked {
			not = ""
		}
		q.where(not + fmt.Sprintf(ackedSQL, nowArg))
	}
	if f.Stateful != nil {
		if *f.Stateful {
			q.where("i.end_time IS NOT NULL")
		} else {
			q.where("i.end_time IS NULL")
		}
	}
	if f.EndTimeIsNull != nil {
		if *f.EndTimeIsNull {
			q.where("i.end_time IS NULL")
		} else {
			q.where("i.end_time IS NOT NULL")
		}
	}
	if f.HasTicket != nil {
		if *f.HasTicket {
			q.where("i.ticket_url <> ''")
		} else {
			q.where("i.ticket_url = ''")
		}
	}
	if len(f.SourceIDs) > 0 {
		q.where("i.source_id " + s.dialect.inIDs(q.arg(s.dialect.ids(f.SourceIDs))))
	}
	if len(f.SourceNames) > 0 {
		q.where("s.name IN (" + listArgs(q, f.SourceNames) + ")")
	}
	if len(f.SourceTypes) > 0 {
		q.where("s.type_id IN (" + listArgs(q, f.SourceTypes) + ")")
	}
	if f.SourceIncidentID != nil {
		q.where("i.source_incident_id = " + q.arg(*f.SourceIncidentID))
	}
	if f.ID != 0 {
		q.where("i.id = " + q.arg(f.ID))
	}
	for i, term := range f.Search {
		if i == f.rareTerm {
			q.where("i.id IN (" + s.dialect.search(q, term) + ")")
			continue
		}
		p := q.arg(likePattern(term))
		q.where("(" + s.dialect.ilike("i.description", p) + " OR EXISTS (SELECT 1 FROM argus_incident_event e WHERE e.incident_id = i.id AND " +
			s.dialect.ilike("e.description", p) + "))")
	}
	if f.None {
		q.where("1 = 0")
	}
	if f.MaxLevel != 0 {
		q.where("i.level <= " + q.arg(f.MaxLevel))
	}
	if len(f.IDs) > 0 {
		q.where("i.id " + s.dialect.inIDs(q.arg(s.dialect.ids(f.IDs))))
	}
	if f.MinDuration > 0 {
		secs := q.arg(f.MinDuration.Seconds())
		q.where("((i.end_time > " + nowArg + " AND " + s.dialect.seconds("i.start_time", nowArg) + " >= " + secs + ") OR (i.end_time <= " +
			nowArg + " AND " + s.dialect.seconds("i.start_time", "i.end_time") + " >= " + secs + "))")
	}
	if f.HideClosedAcked {
		q.where("NOT (COALESCE(i.end_time <= " + nowArg + ", FALSE) AND " + fmt.Sprintf(ackedSQL, nowArg) + ")")
	}
	if f.TokenExpiry {
		q.where(`s.name = 'argus' AND EXISTS (SELECT 1 FROM argus_incident_incidenttagrelation r
			WHERE r.incident_id = i.id AND r.tag_key = 'problem_type' AND r.tag_value = 'token_expiry')`)
	}
	if f.SourceUserID != 0 {
		q.where("s.user_id = " + q.arg(f.SourceUserID))
	}
	if f.StartGTE != nil {
		q.where("i.start_time >= " + q.arg(s.dialect.t(*f.StartGTE)))
	}
	if f.StartLTE != nil {
		q.where("i.start_time <= " + q.arg(s.dialect.t(*f.StartLTE)))
	}
	if f.EndGTE != nil {
		q.where("i.end_time >= " + q.arg(s.dialect.end(f.EndGTE)))
	}
	if f.EndLTE != nil {
		q.where("i.end_time <= " + q.arg(s.dialect.end(f.EndLTE)))
	}
	q.conds = append(q.conds, tagConds(q, f.Tags)...)
	for _, set := range f.BlobSets {
		var alternatives []string
		for i := range set {
			if b := &set[i]; !b.Empty() {
				alternatives = append(alternatives, "("+s.blobCond(q, b, nowArg)+")")
			}
		}
		if len(alternatives) == 0 {
			q.where("1 = 0")
		} else {
			q.where("(" + strings.Join(alternatives, " OR ") + ")")
		}
	}
}

// tagConds are the conditions of tags: one EXISTS per key, the values of
// a key alternatives.
func tagConds(q *query, tags []argus.Tag) []string {
	var keys []string
	byKey := map[string][]string{}
	for _, t := range uniqueTags(tags) {
		if _, ok := byKey[t.Key]; !ok {
			keys = append(keys, t.Key)
		}
		byKey[t.Key] = append(byKey[t.Key], t.Value)
	}
	conds := make([]string, 0, len(keys))
	for _, k := range keys {
		conds = append(conds, `EXISTS (SELECT 1 FROM argus_incident_incidenttagrelation r
			JOIN argus_incident_tag t ON t.id = r.tag_id
			WHERE r.incident_id = i.id AND t.key = `+q.arg(k)+` AND t.value IN (`+listArgs(q, byKey[k])+`))`)
	}
	return conds
}

// blobTagCond is tagConds in one parameter: the incident has, for every
// key of tags, a tag whose key=value is one of them (keys hold no "=").
func (s *Store) blobTagCond(q *query, tags []argus.Tag) string {
	keys := map[string]bool{}
	pairs := make([]string, 0, len(tags))
	for _, t := range uniqueTags(tags) {
		keys[t.Key] = true
		pairs = append(pairs, t.Key+"="+t.Value)
	}
	return `(SELECT COUNT(DISTINCT t.key) FROM argus_incident_incidenttagrelation r
		JOIN argus_incident_tag t ON t.id = r.tag_id
		WHERE r.incident_id = i.id AND (t.key || '=' || t.value) ` + s.dialect.inTexts(q.arg(s.dialect.texts(pairs))) + `) = ` + strconv.Itoa(len(keys))
}

// blobCond is the SQL of the one matcher's listing rules for a blob that
// is not empty (argus.FilterBlob.Matches without an event): the same
// decision, made by the database.
func (s *Store) blobCond(q *query, b *argus.FilterBlob, nowArg string) string {
	conds := []string{"TRUE"}
	add := func(c string) { conds = append(conds, c) }
	if len(b.SourceIDs) > 0 {
		add("i.source_id " + s.dialect.inIDs(q.arg(s.dialect.ids(b.SourceIDs))))
	}
	// Each list is one parameter, so that a blob costs a handful of
	// parameters however long its lists and a profile's many filters
	// stay within SQLite's 32,766.
	if len(b.SourceTypes) > 0 {
		add("s.type_id " + s.dialect.inTexts(q.arg(s.dialect.texts(b.SourceTypes))))
	}
	if len(b.Tags) > 0 {
		add(s.blobTagCond(q, b.Tags))
	}
	acked := fmt.Sprintf(ackedSQL, nowArg)
	if b.Open != nil {
		if *b.Open {
			add("i.end_time > " + nowArg)
		} else {
			add("(i.end_time IS NULL OR i.end_time <= " + nowArg + ")") // stateless incidents are not open
		}
	}
	if b.Acked != nil {
		if *b.Acked {
			add(acked)
		} else {
			add("NOT " + acked)
		}
	}
	if b.Stateful != nil {
		if *b.Stateful {
			add("i.end_time IS NOT NULL")
		} else {
			add("i.end_time IS NULL")
		}
	}
	if b.MaxLevel != 0 {
		add("i.level <= " + q.arg(b.MaxLevel))
	}
	if b.HideClosedAcked {
		add("NOT (COALESCE(i.end_time <= " + nowArg + ", FALSE) AND " + acked + ")")
	}
	if len(b.EventTypes) > 0 {
		types := make([]string, len(b.EventTypes))
		for i, t := range b.EventTypes {
			types[i] = string(t)
		}
		add("EXISTS (SELECT 1 FROM argus_incident_event e WHERE e.incident_id = i.id AND e.type " + s.dialect.inTexts(q.arg(s.dialect.texts(types))) + ")")
	}
	return strings.Join(conds, " AND ")
}

// Incidents lists incidents matching f, newest start time first, limit
// at most (0: all), starting after cursor (nil: from the start). more
// reports whether rows remain beyond the page in its direction. It costs
// two queries however many rows it returns, and a page of a text search
// one more per common term before the first rare one.
func (s *Store) Incidents(ctx context.Context, f IncidentFilter, cursor *Cursor, limit int, now time.Time) (list []argus.Incident, more bool, err error) {
	if f.rareTerm, err = s.rareTerm(ctx, f.Search, limit); err != nil {
		return nil, false, err
	}
	q := &query{}
	nowArg := q.arg(s.dialect.t(now))
	s.filterIncidents(q, f, nowArg)
	order := " ORDER BY i.start_time DESC, i.id DESC"
	if cursor != nil {
		p, id := q.arg(s.dialect.t(cursor.StartTime)), q.arg(cursor.ID)
		if cursor.Reverse {
			q.where("(i.start_time, i.id) > (" + p + ", " + id + ")")
			order = " ORDER BY i.start_time ASC, i.id ASC"
		} else {
			q.where("(i.start_time, i.id) < (" + p + ", " + id + ")")
		}
	}
	sqlText := fmt.Sprintf(incidentSelect, nowArg)
	if len(q.conds) > 0 {
		sqlText += " WHERE " + strings.Join(q.conds, " AND ")
	}
	sqlText += order
	if limit > 0 {
		sqlText += " LIMIT " + q.arg(limit+1)
	}
	list, err = collect(ctx, s.db, "list incidents", func(rows *sql.Rows, inc *argus.Incident) error {
		return scanIncident(rows, inc)
	}, sqlText, q.args...)
	if err != nil {
		return nil, false, err
	}
	if limit > 0 && len(list) > limit {
		list, more = list[:limit], true
	}
	if cursor != nil && cursor.Reverse {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	if err := s.loadTags(ctx, s.db, list); err != nil {
		return nil, false, err
	}
	return list, more, nil
}

// CountIncidents counts the incidents matching f (?count).
func (s *Store) CountIncidents(ctx context.Context, f IncidentFilter, now time.Time) (int, error) {
	// The current time is a parameter only when a condition needs it:
	// PostgreSQL refuses a parameter it cannot type.
	const unset = "$now"
	q := &query{}
	s.filterIncidents(q, f, unset)
	if strings.Contains(strings.Join(q.conds, " "), unset) {
		q = &query{}
		s.filterIncidents(q, f, q.arg(s.dialect.t(now)))
	}
	sqlText := `SELECT COUNT(*) FROM argus_incident_incident i JOIN argus_incident_sourcesystem s ON s.id = i.source_id`
	if len(q.conds) > 0 {
		sqlText += " WHERE " + strings.Join(q.conds, " AND ")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, sqlText, q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count incidents: %w", err)
	}
	return n, nil
}

// Incident returns one incident with its tags.
func (s *Store) Incident(ctx context.Context, id int64, now time.Time) (argus.Incident, error) {
	return s.incident(ctx, s.db, id, now, false)
}

// incident reads one incident with its tags; lock locks its row on
// PostgreSQL until the transaction ends.
func (s *Store) incident(ctx context.Context, q queryer, id int64, now time.Time, lock bool) (argus.Incident, error) {
	var inc argus.Incident
	query := fmt.Sprintf(incidentSelect, "$1") + " WHERE i.id = $2"
	if lock && s.dialect == postgresDialect {
		query += " FOR UPDATE OF i"
	}
	err := scanIncident(q.QueryRowContext(ctx, query, s.dialect.t(now), id), &inc)
	if err != nil {
		return inc, notFound(err, "Incident", id)
	}
	list := []argus.Incident{inc}
	if err := s.loadTags(ctx, q, list); err != nil {
		return inc, err
	}
	return list[0], nil
}

// loadTags fills in the tags of the incidents in one query, whose text does
// not depend on their number (so PostgreSQL reuses its plan).
func (s *Store) loadTags(ctx context.Context, q queryer, list []argus.Incident) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i := range list {
		list[i].Tags = []argus.TagRelation{}
		index[list[i].ID] = i
		ids[i] = list[i].ID
	}
	_, err := collect(ctx, q, "load tags", func(rows *sql.Rows, _ *struct{}) error {
		var (
			incID int64
			r     argus.TagRelation
		)
		if err := rows.Scan(&incID, &r.Tag.Key, &r.Tag.Value, &r.AddedBy, scanTime(&r.AddedTime)); err != nil {
			return err
		}
		inc := &list[index[incID]]
		inc.Tags = append(inc.Tags, r)
		return nil
	}, `SELECT r.incident_id, r.tag_key, r.tag_value, r.added_by_id, r.added_time
		FROM argus_incident_incidenttagrelation r
		WHERE r.incident_id `+s.dialect.inIDs("$1")+` ORDER BY r.incident_id, r.id`, s.dialect.ids(ids))
	return err
}

// IncidentChange is a PATCH of an incident: nil fields stay as they are;
// Tags replaces the whole set.
type IncidentChange struct {
	DetailsURL  *string
	TicketURL   *string
	Tags        *[]argus.Tag
	Level       *int
	Description *string
	// Metadata is a JSON object; nil leaves it.
	Metadata json.RawMessage
}

// UpdateIncident applies a change in one transaction (api-v1.md §5.1,
// api-v2.md §4.4.5). Tags missing from the new set are removed, which only
// a superuser may do for tags someone else added: otherwise a
// CodeTagNotYours per such tag, its Field the tag, and nothing changes.
// Each attribute that really changes gets a CHI event by the caller at
// now, which notifies nobody (D31); an unchanged one gets none.
func (s *Store) UpdateIncident(ctx context.Context, id int64, c IncidentChange, by *argus.User, now time.Time) (argus.Incident, error) {
	var inc argus.Incident
	now = now.UTC().Truncate(time.Microsecond)
	err := s.eventTx(ctx, func(tx *eventTx) error {
		old, err := s.incident(ctx, tx, id, now, true)
		if err != nil {
			return err
		}
		set := func(column string, v any) error {
			if _, err := tx.ExecContext(ctx, `UPDATE argus_incident_incident SET `+column+` = $2 WHERE id = $1`, id, v); err != nil {
				return fmt.Errorf("store: update incident %d: %w", id, err)
			}
			return nil
		}
		if c.Tags != nil {
			changed, err := s.replaceTags(ctx, tx.Tx, id, *c.Tags, by, now)
			if err != nil {
				return err
			}
			if changed {
				after, err := s.incident(ctx, tx, id, now, false)
				if err != nil {
					return err
				}
				if err := s.recordChange(ctx, tx, id, by, now, "tags", argus.TagsText(tagsOf(old.Tags)), argus.TagsText(tagsOf(after.Tags))); err != nil {
					return err
				}
				tx.changed(ChangeTags, id, nil)
			}
		}
		if c.DetailsURL != nil && *c.DetailsURL != old.DetailsURL {
			if err := set("details_url", *c.DetailsURL); err != nil {
				return err
			}
			if err := s.recordChange(ctx, tx, id, by, now, "details_url", old.DetailsURL, *c.DetailsURL); err != nil {
				return err
			}
			tx.changed(ChangeDetails, id, nil)
		}
		if c.TicketURL != nil && *c.TicketURL != old.TicketURL {
			if err := s.setTicketURL(ctx, tx, &old, *c.TicketURL, by, now); err != nil {
				return err
			}
		}
		if c.Description != nil && *c.Description != old.Description {
			if err := set("description", *c.Description); err != nil {
				return err
			}
			if err := s.recordChange(ctx, tx, id, by, now, "description", old.Description, *c.Description); err != nil {
				return err
			}
			tx.changed(ChangeAttributes, id, nil)
		}
		if c.Level != nil && *c.Level != old.Level {
			if err := set("level", *c.Level); err != nil {
				return err
			}
			if err := s.recordChange(ctx, tx, id, by, now, "level", strconv.Itoa(old.Level), strconv.Itoa(*c.Level)); err != nil {
				return err
			}
			tx.changed(ChangeAttributes, id, nil)
		}
		if c.Metadata != nil && !sameJSON(c.Metadata, old.Metadata) {
			if err := set("metadata", string(c.Metadata)); err != nil {
				return err
			}
			if err := s.recordChange(ctx, tx, id, by, now, "metadata", argus.MetadataText(old.Metadata), argus.MetadataText(c.Metadata)); err != nil {
				return err
			}
			tx.changed(ChangeAttributes, id, nil)
		}
		inc, err = s.incident(ctx, tx, id, now, false)
		return err
	})
	return inc, err
}

// sameJSON reports whether two JSON documents say the same, whatever
// their spacing and key order.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func tagsOf(rels []argus.TagRelation) []argus.Tag {
	tags := make([]argus.Tag, len(rels))
	for i, r := range rels {
		tags[i] = r.Tag
	}
	return tags
}

// replaceTags makes tags the incident's set and reports whether that
// changed anything.
func (s *Store) replaceTags(ctx context.Context, tx *sql.Tx, id int64, tags []argus.Tag, by *argus.User, now time.Time) (bool, error) {
	type rel struct {
		id      int64
		tag     argus.Tag
		addedBy int64
	}
	existing, err := collect(ctx, tx, "list tags", func(rows *sql.Rows, r *rel) error {
		return rows.Scan(&r.id, &r.tag.Key, &r.tag.Value, &r.addedBy)
	}, `SELECT id, tag_key, tag_value, added_by_id FROM argus_incident_incidenttagrelation
		WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return false, err
	}
	wanted := make(map[argus.Tag]bool, len(tags))
	for _, t := range tags {
		wanted[t] = true
	}
	have := make(map[argus.Tag]bool, len(existing))
	var remove []int64
	var refused argus.Errors
	for _, r := range existing {
		have[r.tag] = true
		if wanted[r.tag] {
			continue
		}
		if err := argus.CanRemoveTag(by, r.tag, r.addedBy); err != nil {
			refused = append(refused, argus.Refusals(err)...)
		}
		remove = append(remove, r.id)
	}
	if err := refused.Err(); err != nil {
		return false, err
	}
	if len(remove) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_incident_incidenttagrelation WHERE id `+s.dialect.inIDs("$1"), s.dialect.ids(remove)); err != nil {
			return false, fmt.Errorf("store: remove tags of incident %d: %w", id, err)
		}
	}
	var add []argus.Tag
	for _, t := range tags {
		if !have[t] {
			add = append(add, t)
		}
	}
	if _, err = s.addTags(ctx, tx, id, add, by.ID, now); err != nil {
		return false, err
	}
	return len(remove) > 0 || len(add) > 0, nil
}

// SetTicketURL replaces an incident's ticket URL with any text, by the
// user at now (api-v2.md §4.4.7): a changed URL gets a CHI event naming
// the new one, which notifies nobody (D31); the same URL changes nothing.
func (s *Store) SetTicketURL(ctx context.Context, id int64, ticketURL string, by *argus.User, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return s.eventTx(ctx, func(tx *eventTx) error {
		inc := argus.Incident{ID: id}
		err := tx.QueryRowContext(ctx, `SELECT ticket_url FROM argus_incident_incident WHERE id = $1`+s.dialect.forUpdate(), id).Scan(&inc.TicketURL)
		if err != nil {
			return notFound(err, "Incident", id)
		}
		if inc.TicketURL == ticketURL {
			return nil
		}
		return s.setTicketURL(ctx, tx, &inc, ticketURL, by, now)
	})
}

// setTicketURL changes inc's ticket URL to a different one, with its CHI
// event.
func (s *Store) setTicketURL(ctx context.Context, tx *eventTx, inc *argus.Incident, ticketURL string, by *argus.User, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE argus_incident_incident SET ticket_url = $2 WHERE id = $1`, inc.ID, ticketURL); err != nil {
		return fmt.Errorf("store: set ticket url of incident %d: %w", inc.ID, err)
	}
	if err := s.recordChange(ctx, tx, inc.ID, by, now, "ticket_url", inc.TicketURL, ticketURL); err != nil {
		return err
	}
	tx.changed(ChangeTicket, inc.ID, nil)
	return nil
}

// DeleteIncident deletes an incident with its events, acknowledgements,
// tags and notifications (api-v2.md §4.4.6); only API v2 does, and only
// where ARGUS_INDELIBLE_INCIDENTS is false.
func (s *Store) DeleteIncident(ctx context.Context, id int64) error {
	return s.eventTx(ctx, func(tx *eventTx) error {
		if _, err := s.lockIncident(ctx, tx.Tx, id); err != nil {
			return err
		}
		// Acks, queued and sent notifications go with their events.
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_incident_event WHERE incident_id = $1`, id); err != nil {
			return fmt.Errorf("store: delete events of incident %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_incident_incident WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: delete incident %d: %w", id, err)
		}
		tx.changed(ChangeDeleted, id, nil)
		return nil
	})
}
