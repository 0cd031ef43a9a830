// Package storetest opens fresh, migrated stores for tests, on SQLite and on
// PostgreSQL (see package testdb).
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/testdb"
)

// Each runs fn as a subtest on each backend of testdb.Run, with the
// database opened and migrated.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		fn(t, Open(t, b.DSN))
	})
}

// Open opens and migrates the database at dsn, closing it when the test
// ends.
func Open(t testing.TB, dsn string, opts ...store.Option) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, opts...)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// Snapshot returns every row of every table of the store's database as
// text, tables by name and rows in their text order, so that two
// snapshots are equal exactly when no statement changed any row in
// between. It is for tests that assert a refused request changed nothing.
func Snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if st.IsPostgres() {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	tables, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("snapshot: list tables: %v", err)
	}
	var names []string
	for tables.Next() {
		var name string
		if err := tables.Scan(&name); err != nil {
			t.Fatalf("snapshot: list tables: %v", err)
		}
		names = append(names, name)
	}
	if err := tables.Err(); err != nil {
		t.Fatalf("snapshot: list tables: %v", err)
	}
	if st.IsPostgres() {
		return snapshotPostgres(t, st, names)
	}
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "== %s\n", name)
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			t.Fatalf("snapshot: read %s: %v", name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatalf("snapshot: read %s: %v", name, err)
		}
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("snapshot: read %s: %v", name, err)
			}
			var line strings.Builder
			for i, v := range vals {
				if i > 0 {
					line.WriteString(" | ")
				}
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&line, "%v", v)
			}
			lines = append(lines, line.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("snapshot: read %s: %v", name, err)
		}
		rows.Close()
		slices.Sort(lines)
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// snapshotPostgres is Snapshot in one round trip: PostgreSQL renders each
// row as text.
func snapshotPostgres(t testing.TB, st *store.Store, tables []string) string {
	t.Helper()
	parts := make([]string, len(tables))
	for i, name := range tables {
		parts[i] = fmt.Sprintf(`SELECT %d AS n, r::text AS line FROM "%s" r`, i, name)
	}
	rows, err := st.DB().QueryContext(context.Background(), strings.Join(parts, " UNION ALL ")+" ORDER BY n, line")
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	last := -1
	for rows.Next() {
		var (
			n    int
			line string
		)
		if err := rows.Scan(&n, &line); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		for ; last < n; last++ {
			fmt.Fprintf(&b, "== %s\n", tables[last+1])
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	for ; last < len(tables)-1; last++ {
		fmt.Fprintf(&b, "== %s\n", tables[last+1])
	}
	return b.String()
}

// Clock is a test clock that the test sets and moves; it is safe for
// concurrent use, so servers and workers may read it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Source creates a source system of the type (made if missing) and
// returns it with its user.
func Source(t testing.TB, st *store.Store, name, typ string, now time.Time) (argus.Source, argus.User) {
	t.Helper()
	ctx := context.Background()
	src, err := st.CreateSource(ctx, store.NewSource{Name: name, Type: typ, CreateType: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.User(ctx, src.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return src, u
}

// SeedIncidents stores n incidents of src for benchmarks, in one
// transaction with batched INSERTs: incident i starts i minutes before
// now; 40% are open (infinity), 40% closed, 20% stateless, each with an
// STA event and three tags (object, location, problem); every 50th is
// acked by ackBy, half of those with an expired ack. The store must hold
// no incidents, events or tags yet.
func SeedIncidents(b testing.TB, st *store.Store, src argus.Source, ackBy argus.User, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	pg := st.IsPostgres()
	// ts is a time as the store writes it (store/dialect.go): fixed-width
	// UTC text on SQLite, a timestamptz or 'infinity' on PostgreSQL.
	ts := func(t time.Time) any {
		switch {
		case pg && argus.IsInfinity(t):
			return "infinity"
		case pg:
			return t
		}
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	const (
		objects   = 2000
		locations = 50
		problems  = 10
	)
	// batch inserts rows of width columns, a statement per rows that fill
	// about 2000 parameters.
	batch := func(insert string, width, count int, row func(i int) []any) {
		b.Helper()
		per := max(1, 2000/width)
		var sqlText strings.Builder
		args := make([]any, 0, per*width)
		for from := 0; from < count; from += per {
			sqlText.Reset()
			sqlText.WriteString(insert)
			args = args[:0]
			for i := from; i < min(count, from+per); i++ {
				if i > from {
					sqlText.WriteString(", ")
				}
				sqlText.WriteByte('(')
				for c := range width {
					if c > 0 {
						sqlText.WriteString(", ")
					}
					fmt.Fprintf(&sqlText, "$%d", len(args)+c+1)
				}
				sqlText.WriteByte(')')
				args = append(args, row(i)...)
			}
			if _, err := tx.ExecContext(ctx, sqlText.String(), args...); err != nil {
				b.Fatalf("%s…: %v", insert, err)
			}
		}
	}
	// Tags: ids 1.. in the order object, location, problem.
	// tagOf is the key and value of the tag at index i (id i+1).
	tagOf := func(i int) (string, string) {
		switch {
		case i < objects:
			return "object", fmt.Sprintf("box%d", i)
		case i < objects+locations:
			return "location", fmt.Sprintf("site%d", i-objects)
		}
		return "problem", fmt.Sprintf("p%d", i-objects-locations)
	}
	batch(`INSERT INTO argus_incident_tag (id, key, value) VALUES `, 3, objects+locations+problems, func(i int) []any {
		k, v := tagOf(i)
		return []any{i + 1, k, v}
	})
	// Incident i (id i+1) starts i minutes before the clock.
	startOf := func(i int) time.Time { return now.Add(-time.Duration(i) * time.Minute) }
	batch(`INSERT INTO argus_incident_incident (id, start_time, end_time, source_id, source_incident_id, description, level) VALUES `,
		7, n, func(i int) []any {
			var end any
			switch i % 10 {
			case 0, 1, 2, 3:
				end = ts(argus.Infinity)
			case 4, 5, 6, 7:
				end = ts(startOf(i).Add(30 * time.Minute))
			}
			return []any{i + 1, ts(startOf(i)), end, src.ID, fmt.Sprint("seed-", i), fmt.Sprintf("Box %d down", i), 1 + i%5}
		})
	batch(`INSERT INTO argus_incident_incidenttagrelation (tag_id, incident_id, tag_key, tag_value, added_by_id, added_time) VALUES `,
		6, 3*n, func(j int) []any {
			i := j / 3
			tag := []int{1 + i%objects, 1 + objects + i%locations, 1 + objects + locations + i%problems}[j%3]
			k, v := tagOf(tag - 1)
			return []any{tag, i + 1, k, v, src.UserID, ts(startOf(i))}
		})
	// STA events have ids 1..n; ACK events follow.
	batch(`INSERT INTO argus_incident_event (id, incident_id, actor_id, timestamp, received, type, description) VALUES `,
		7, n, func(i int) []any {
			return []any{i + 1, i + 1, src.UserID, ts(startOf(i)), ts(startOf(i)), "STA", ""}
		})
	acked := n / 50
	batch(`INSERT INTO argus_incident_event (id, incident_id, actor_id, timestamp, received, type, description) VALUES `,
		7, acked, func(k int) []any {
			i := k * 50
			return []any{n + k + 1, i + 1, ackBy.ID, ts(startOf(i).Add(time.Minute)), ts(startOf(i).Add(time.Minute)), "ACK", "on it"}
		})
	batch(`INSERT INTO argus_incident_acknowledgement (event_id, expiration) VALUES `, 2, acked, func(k int) []any {
		if k%2 == 1 {
			return []any{n + k + 1, ts(startOf(k * 50).Add(time.Hour))} // expired unless it started within the hour
		}
		return []any{n + k + 1, nil}
	})
	if pg {
		// Explicit ids leave the identity sequences behind.
		for _, table := range []string{"argus_incident_tag", "argus_incident_incident", "argus_incident_event"} {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT max(id) FROM `+table+`))`); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	// PostgreSQL's autovacuum analyzes a table soon after a bulk load;
	// do it now so that every run plans with the same statistics. SQLite
	// has none unless the application runs ANALYZE, which Argus does not.
	if pg {
		if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}
