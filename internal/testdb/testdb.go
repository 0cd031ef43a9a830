// Package testdb gives tests fresh databases: a SQLite file under
// t.TempDir() always, and a PostgreSQL schema of its own when
// ARGUS_TEST_DATABASE_URL names a database (CI sets it). No test shares a
// database with another.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup
)

// EnvVar names the PostgreSQL database tests may use.
const EnvVar = "ARGUS_TEST_DATABASE_URL"

// Backend is one database a test runs on.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string // a fresh, empty database
}

// Run runs fn as a subtest on each backend, each with a fresh empty
// database. Without ARGUS_TEST_DATABASE_URL only SQLite runs, and the
// PostgreSQL subtest is skipped with a note saying so.
func Run(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Backend{Name: "sqlite", DSN: SQLiteDSN(t)})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Backend{Name: "postgres", DSN: PostgresDSN(t)})
	})
}

// SQLiteDSN returns a new SQLite database file in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "argus.db")
}

// PostgresDSN returns the test PostgreSQL database with a fresh schema of
// its own as the search path; the schema is dropped when the test ends. It
// skips the test when ARGUS_TEST_DATABASE_URL is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		t.Skip(EnvVar + " is not set; PostgreSQL tests skipped")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvVar, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "argus_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Fresh is another fresh, empty database on b's backend, for a test that
// needs two (one to copy from, one to copy to).
func Fresh(t *testing.T, b Backend) Backend {
	t.Helper()
	if b.Name == "postgres" {
		return Backend{Name: b.Name, DSN: PostgresDSN(t)}
	}
	return Backend{Name: b.Name, DSN: SQLiteDSN(t)}
}
