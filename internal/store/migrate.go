package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// provider builds the goose migration provider for the store's dialect. On
// PostgreSQL it holds an advisory lock while migrating, so several processes
// may run Migrate at once (D20); the lock is keyed by the current schema, so
// separate schemas in one database do not wait for each other.
func (s *Store) provider(ctx context.Context) (*goose.Provider, error) {
	var (
		dir     string
		gdial   goose.Dialect
		options []goose.ProviderOption
	)
	switch s.dialect {
	case sqliteDialect:
		dir, gdial = "migrations/sqlite", goose.DialectSQLite3
	case postgresDialect:
		dir, gdial = "migrations/postgres", goose.DialectPostgres
		var schema string
		if err := s.db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return nil, fmt.Errorf("store: current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("argus migrate " + schema))
		// Poll every second for up to ten minutes while another process
		// migrates.
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockID(int64(h.Sum64()>>1)),
			lock.WithLockTimeout(1, 600),
		)
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		options = append(options, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(gdial, s.db, sub, options...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.provider(ctx)
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("store: migrate: %w", err)
	}
	return len(results), nil
}

// MigrateTo applies the pending migrations up to and including version,
// and returns how many it applied: to bring a database to an older
// binary's schema, and for tests that fill a database as an older
// version left it.
func (s *Store) MigrateTo(ctx context.Context, version int64) (int, error) {
	p, err := s.provider(ctx)
	if err != nil {
		return 0, err
	}
	results, err := p.UpTo(ctx, version)
	if err != nil {
		return len(results), fmt.Errorf("store: migrate to %d: %w", version, err)
	}
	return len(results), nil
}

// Pending reports whether migrations remain to be applied.
func (s *Store) Pending(ctx context.Context) (bool, error) {
	p, err := s.provider(ctx)
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("store: migration status: %w", err)
	}
	return pending, nil
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// MigrationsLevel is the version of the newest migration this binary
// carries; both dialects have the same versions.
func MigrationsLevel() (int64, error) {
	level := map[string]int64{}
	for _, dir := range []string{"sqlite", "postgres"} {
		entries, err := migrations.ReadDir("migrations/" + dir)
		if err != nil {
			return 0, fmt.Errorf("store: read migrations: %w", err)
		}
		for _, e := range entries {
			v, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
			if err == nil && v > level[dir] {
				level[dir] = v
			}
		}
	}
	if level["sqlite"] != level["postgres"] {
		return 0, fmt.Errorf("store: the dialects' migrations end at %d (SQLite) and %d (PostgreSQL)", level["sqlite"], level["postgres"])
	}
	return level["sqlite"], nil
}
