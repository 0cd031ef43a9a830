package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// schema is what both dialects' migrations must agree on: every table's
// columns (name and whether NULL is allowed) and indexes (which columns,
// in order, and whether unique), primary keys aside.
type schema struct {
	Columns map[string][]string // table → "column" or "column NULL", sorted
	Indexes map[string][]string // table → "UNIQUE (a, b)" or "(a)", sorted
}

// ignoredTables are the migration tool's own and SQLite's internals.
var ignoredTables = []string{"goose_db_version", "sqlite_sequence"}

// searchIndex reports whether a table or index belongs to the text search
// (migration 00006), which each dialect builds its own way: FTS5 tables
// (and their shadow tables) on SQLite, trigram indexes on PostgreSQL.
func searchIndex(name string) bool {
	return strings.HasPrefix(name, "argus_search_") || strings.HasSuffix(name, "_trgm")
}

// TestMigrationsAgree migrates a SQLite and a PostgreSQL database and
// compares their tables, columns and indexes, so that a migration written
// for one dialect and forgotten or mistyped for the other fails here
// rather than in production.
func TestMigrationsAgree(t *testing.T) {
	pg := storetest.Open(t, testdb.PostgresDSN(t)) // skips without PostgreSQL
	lite := storetest.Open(t, testdb.SQLiteDSN(t))
	got, want := sqliteSchema(t, lite.DB()), postgresSchema(t, pg.DB())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SQLite's schema differs from PostgreSQL's (-postgres +sqlite):\n%s", diff)
	}
	t.Logf("compared %d tables, %d with indexes", len(want.Columns), len(want.Indexes))
	if len(want.Columns) < 10 {
		t.Errorf("PostgreSQL has %d tables; the comparison read nothing", len(want.Columns))
	}
}

func rowsOf(t *testing.T, db *sql.DB, query string, args ...any) [][]sql.NullString {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]sql.NullString
	for rows.Next() {
		row := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range row {
			dest[i] = &row[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func column(name string, nullable bool) string {
	if nullable {
		return name + " NULL"
	}
	return name
}

func index(unique bool, cols []string) string {
	s := "(" + strings.Join(cols, ", ") + ")"
	if unique {
		return "UNIQUE " + s
	}
	return s
}

func sqliteSchema(t *testing.T, db *sql.DB) schema {
	s := schema{Columns: map[string][]string{}, Indexes: map[string][]string{}}
	for _, tr := range rowsOf(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`) {
		table := tr[0].String
		if slices.Contains(ignoredTables, table) || searchIndex(table) {
			continue
		}
		// cid, name, type, notnull, dflt_value, pk
		for _, c := range rowsOf(t, db, fmt.Sprintf(`PRAGMA table_info(%q)`, table)) {
			s.Columns[table] = append(s.Columns[table], column(c[1].String, c[3].String == "0" && c[5].String == "0"))
		}
		slices.Sort(s.Columns[table])
		// seq, name, unique, origin, partial
		for _, ix := range rowsOf(t, db, fmt.Sprintf(`PRAGMA index_list(%q)`, table)) {
			if ix[3].String == "pk" {
				continue
			}
			var cols []string
			for _, c := range rowsOf(t, db, fmt.Sprintf(`PRAGMA index_info(%q)`, ix[1].String)) { // seqno, cid, name
				name := c[2].String
				if !c[2].Valid {
					name = "(expression)"
				}
				cols = append(cols, name)
			}
			s.Indexes[table] = append(s.Indexes[table], index(ix[2].String == "1", cols))
		}
		slices.Sort(s.Indexes[table])
	}
	return s
}

func postgresSchema(t *testing.T, db *sql.DB) schema {
	s := schema{Columns: map[string][]string{}, Indexes: map[string][]string{}}
	for _, c := range rowsOf(t, db, `SELECT table_name, column_name, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, column_name`) {
		if slices.Contains(ignoredTables, c[0].String) {
			continue
		}
		s.Columns[c[0].String] = append(s.Columns[c[0].String], column(c[1].String, c[2].String == "YES"))
	}
	for table := range s.Columns {
		slices.Sort(s.Columns[table])
	}
	for _, ix := range rowsOf(t, db, `SELECT t.relname, x.indisunique, i.relname,
			(SELECT string_agg(COALESCE(a.attname, '(expression)'), ',' ORDER BY k.n)
			 FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
			 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0)
		FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace ns ON ns.oid = t.relnamespace
		WHERE ns.nspname = current_schema() AND NOT x.indisprimary ORDER BY t.relname`) {
		if slices.Contains(ignoredTables, ix[0].String) || searchIndex(ix[2].String) {
			continue
		}
		s.Indexes[ix[0].String] = append(s.Indexes[ix[0].String], index(ix[1].String == "true", strings.Split(ix[3].String, ",")))
	}
	for table := range s.Indexes {
		slices.Sort(s.Indexes[table])
	}
	return s
}
