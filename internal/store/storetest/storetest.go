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
