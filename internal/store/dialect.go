package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/argus-go/argus/internal/argus"
)

// dialect is what differs between the two databases: how times are
// stored, how constraint violations are reported, and the migrations.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// sqliteTimeLayout is the fixed-width UTC text form of times on SQLite;
// fixed width makes text order equal time order, so indexes and comparisons
// work as on PostgreSQL. argus.Infinity formats as
// "9999-12-31T23:59:59.999999Z", after every real time.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// t converts a time into a query parameter: fixed-width UTC text on
// SQLite, a time.Time on PostgreSQL.
func (d dialect) t(v time.Time) any {
	v = v.UTC().Truncate(time.Microsecond)
	if d == sqliteDialect {
		return v.Format(sqliteTimeLayout)
	}
	return v
}

// nt is t for a nullable time.
func (d dialect) nt(v *time.Time) any {
	if v == nil {
		return nil
	}
	return d.t(*v)
}

// end converts an incident end time, the one column that knows infinity
// (D7): on PostgreSQL argus.Infinity and argus.NegInfinity become
// 'infinity' and '-infinity'; on SQLite they are the extreme instants
// themselves, which sort the same way. nil is NULL (stateless).
func (d dialect) end(v *time.Time) any {
	if v == nil {
		return nil
	}
	if d == postgresDialect {
		switch {
		case argus.IsInfinity(*v):
			return "infinity"
		case argus.IsNegInfinity(*v):
			return "-infinity"
		}
	}
	return d.t(*v)
}

// timeScanner reads a time column of either database into a time.Time
// (UTC), mapping PostgreSQL's ±infinity to argus.Infinity/NegInfinity.
// With null set, a NULL leaves *dst nil; without it NULL is an error.
type timeScanner struct {
	dst  *time.Time
	ndst **time.Time
}

// jsonScanner reads a JSON column: jsonb on PostgreSQL, text on SQLite.
type jsonScanner struct{ dst *json.RawMessage }

func scanJSON(dst *json.RawMessage) jsonScanner { return jsonScanner{dst} }

// Scan implements sql.Scanner.
func (s jsonScanner) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*s.dst = json.RawMessage(v)
	case []byte:
		*s.dst = json.RawMessage(slices.Clone(v))
	default:
		return fmt.Errorf("store: JSON column holds %T", src)
	}
	return nil
}

func scanTime(dst *time.Time) *timeScanner      { return &timeScanner{dst: dst} }
func scanNullTime(dst **time.Time) *timeScanner { return &timeScanner{ndst: dst} }

// Scan implements sql.Scanner.
func (s *timeScanner) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case nil:
		if s.ndst == nil {
			return errors.New("store: NULL in a NOT NULL time column")
		}
		*s.ndst = nil
		return nil
	case time.Time:
		t = v.UTC()
	case string:
		p, err := parseStoredTime(v)
		if err != nil {
			return err
		}
		t = p
	case []byte:
		p, err := parseStoredTime(string(v))
		if err != nil {
			return err
		}
		t = p
	default:
		return fmt.Errorf("store: cannot read %T as a time", src)
	}
	if s.ndst != nil {
		*s.ndst = &t
	} else {
		*s.dst = t
	}
	return nil
}

func parseStoredTime(v string) (time.Time, error) {
	switch v {
	case "infinity":
		return argus.Infinity, nil
	case "-infinity":
		return argus.NegInfinity, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad stored time %q: %w", v, err)
	}
	return t.UTC(), nil
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL; SQLite's immediate transactions already hold the write lock.
// seconds is the SQL for the seconds from the time in column from to the
// time in column to.
func (d dialect) seconds(from, to string) string {
	if d == postgresDialect {
		return "EXTRACT(EPOCH FROM (" + to + " - " + from + "))"
	}
	return "((julianday(" + to + ") - julianday(" + from + ")) * 86400.0)"
}

func (d dialect) forUpdate() string {
	if d == postgresDialect {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked makes a locking subquery skip the rows other transactions
// are claiming on PostgreSQL (D20); SQLite has one writer at a time.
func (d dialect) skipLocked() string {
	if d == postgresDialect {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// inIDs is "IN the list of ids in parameter p", with ids(…) as the
// parameter: an array on PostgreSQL, a JSON array on SQLite. The
// statement's text is the same for any number of ids.
func (d dialect) inIDs(p string) string {
	if d == postgresDialect {
		return "= ANY(" + p + ")"
	}
	return "IN (SELECT value FROM json_each(" + p + "))"
}

// inTexts is inIDs for a list of texts, with texts(…) as the parameter.
func (d dialect) inTexts(p string) string {
	if d == postgresDialect {
		return "= ANY(" + p + "::text[])"
	}
	return "IN (SELECT value FROM json_each(" + p + "))"
}

// texts is the parameter for inTexts.
func (d dialect) texts(list []string) any {
	if d == postgresDialect {
		return list
	}
	b, err := json.Marshal(list)
	if err != nil {
		panic(err) // a []string always marshals
	}
	return string(b)
}

// ids is the parameter for inIDs.
func (d dialect) ids(ids []int64) any {
	if d == postgresDialect {
		return ids
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return b.String()
}

// insertMessages queues the messages of m. The one statement that differs
// most between the databases: PostgreSQL takes any number of rows as
// arrays in one statement; SQLite takes multi-row INSERTs of
// rowsPerInsert rows.
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, m *messageRows) error {
	if s.dialect == postgresDialect {
		_, err := tx.ExecContext(ctx, `INSERT INTO argus_notify_message (content_id, event_id, incident_id, medium,
				created, updated, due, deadline, user_id, destination_id, recipient, status, last_error)
			SELECT $1, $2, $3, $4, $5, $5, $5, $6, NULLIF(m.u, 0), NULLIF(m.d, 0), m.r, m.s, m.e
			FROM unnest($7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[]) AS m(u, d, r, s, e)`,
			m.contentID, m.eventID, m.incidentID, string(m.medium), m.now, m.deadline, m.users, m.destinations,
			m.addrs, m.statuses, m.lastErrors)
		if err != nil {
			return fmt.Errorf("store: queue messages of event %d: %w", m.eventID, err)
		}
		return nil
	}
	for start := 0; start < len(m.users); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(m.users))
		var q strings.Builder
		q.WriteString(`INSERT INTO argus_notify_message (content_id, event_id, incident_id, medium, created, updated, due,
			deadline, user_id, destination_id, recipient, status, last_error) VALUES `)
		args := []any{m.contentID, m.eventID, m.incidentID, string(m.medium), s.dialect.t(m.now), s.dialect.t(m.deadline)}
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			var user, dest *int64
			if m.users[i] != 0 {
				user = &m.users[i]
			}
			if m.destinations[i] != 0 {
				dest = &m.destinations[i]
			}
			n := len(args)
			fmt.Fprintf(&q, "($1, $2, $3, $4, $5, $5, $5, $6, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
			args = append(args, user, dest, m.addrs[i], m.statuses[i], m.lastErrors[i])
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: queue messages of event %d: %w", m.eventID, err)
		}
	}
	return nil
}

// rowsPerInsert bounds a multi-row INSERT of messages on SQLite. SQLite
// looks $N parameters up by name in a list, so a statement's cost grows
// with the square of its parameters: 50 rows queue 416 messages in 5 ms
// where 500 take 13 (BenchmarkDispatch10kProfiles).
const rowsPerInsert = 50

// search is a query of the ids of the incidents whose description, or
// the description of one of whose events, contains text, in any case.
// Each half reads a trigram index of migration 00006: pg_trgm's GIN
// indexes on PostgreSQL (ILIKE, where every letter's case is ignored),
// FTS5 trigram tables on SQLite (whose LIKE ignores the case of ASCII
// letters only: Æ and æ differ). q takes the pattern's parameter.
// Texts of fewer than three characters read every row; so do texts
// with %, _ or \ on SQLite, whose full-text index takes no ESCAPE.
func (d dialect) search(q *query, text string) string {
	if d == postgresDialect {
		// Backslash is PostgreSQL's default LIKE escape; an ESCAPE clause
		// would keep the index out.
		p := q.arg(likePattern(text))
		return "SELECT id FROM argus_incident_incident WHERE description ILIKE " + p +
			" UNION SELECT incident_id FROM argus_incident_event WHERE description ILIKE " + p
	}
	like := "LIKE " + q.arg("%"+text+"%")
	if strings.ContainsAny(text, `%_\`) {
		like = "LIKE " + q.arg(likePattern(text)) + ` ESCAPE '\'`
	}
	return "SELECT rowid FROM argus_search_incident WHERE description " + like +
		" UNION SELECT e.incident_id FROM argus_search_event s JOIN argus_incident_event e ON e.id = s.rowid" +
		" WHERE s.description " + like
}

// ilike is "column matches the LIKE pattern p, in any case", with \ as
// the escape character: ILIKE on PostgreSQL, where every letter's case is
// ignored; LIKE on SQLite, which ignores the case of ASCII letters only.
func (d dialect) ilike(column, p string) string {
	if d == postgresDialect {
		return column + " ILIKE " + p
	}
	return column + " LIKE " + p + ` ESCAPE '\'`
}
