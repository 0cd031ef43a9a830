// Package store keeps every SQL statement of Argus. One Store serves both
// databases (D19): SQLite through modernc.org/sqlite and PostgreSQL through
// pgx, with the same queries ($1…$N placeholders work on both); the few real
// differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/argus-go/argus/internal/argus"
)

// Store is the database of Argus. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	dsn     string // for messages, without a password
	// pgDSN is the PostgreSQL URL with its password, for the dedicated
	// connection of Listen; "" on SQLite.
	pgDSN string
	// channel is the NotifyChannel of this database's schema.
	channel string
	// outbox makes every stored event an outbox row (D12): true while
	// ARGUS_SEND_NOTIFICATIONS is on.
	outbox bool
	// feed publishes committed changes to incidents (changes.go).
	feed feed
	// writing is held by the one writer of this process on SQLite (nil
	// on PostgreSQL); see writeTurn.
	writing chan struct{}
}

// Option configures Open.
type Option func(*options)

type options struct {
	wrap   func(driver.Connector) driver.Connector
	outbox bool
}

// WithNotifications makes the transaction that stores an event also put it
// in the notification outbox (D12), for a notify.Service to dispatch. Off,
// nothing is queued (ARGUS_SEND_NOTIFICATIONS=false).
func WithNotifications(on bool) Option {
	return func(o *options) { o.outbox = on }
}

// WithConnector wraps the database driver's connector, to observe every
// statement the store runs (metrics, or tests that count queries).
func WithConnector(wrap func(driver.Connector) driver.Connector) Option {
	return func(o *options) { o.wrap = wrap }
}

// openDB opens a pool on the named driver, through opts' connector wrapper
// when there is one.
func openDB(driverName, dsn string, o options) (*sql.DB, error) {
	if o.wrap == nil {
		return sql.Open(driverName, dsn)
	}
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	if err := probe.Close(); err != nil {
		return nil, err
	}
	var c driver.Connector = dsnConnector{drv: drv, dsn: dsn}
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(o.wrap(c)), nil
}

// dsnConnector is a connector for drivers without one of their own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// Open connects to the database named by dsn: "sqlite://<path>" (so
// "sqlite:///abs/path.db" for an absolute path) or "postgres://…". It does
// not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var (
		db    *sql.DB
		d     dialect
		o     options
		pgDSN string
	)
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite://"), strings.HasPrefix(dsn, "sqlite3://"):
		path := dsn[strings.Index(dsn, "://")+3:]
		if path == "" {
			return nil, fmt.Errorf("store: %q names no file", dsn)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create %s: %w", dir, err)
			}
		}
		// WAL for concurrent readers, immediate write transactions so two
		// writers never deadlock on a lock upgrade, a busy timeout so they
		// queue instead of failing, foreign keys on, and full sync: a
		// committed write survives a power cut (a 2xx means committed).
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Set("_txlock", "immediate")
		var err error
		db, err = openDB("sqlite", "file:"+path+"?"+q.Encode(), o)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
		db.SetMaxOpenConns(8)
		d = sqliteDialect
		dsn = "sqlite://" + path
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		var err error
		db, err = openDB("pgx", dsn, o)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		d = postgresDialect
		pgDSN = dsn
		dsn = redact(dsn)
	default:
		return nil, fmt.Errorf("store: DATABASE_URL must start with sqlite:// or postgres://, got %q", redact(dsn))
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // the ping error is the one worth reporting
		return nil, fmt.Errorf("store: connect to %s: %w", dsn, err)
	}
	st := &Store{db: db, dialect: d, dsn: dsn, pgDSN: pgDSN, outbox: o.outbox}
	if d == sqliteDialect {
		st.writing = make(chan struct{}, 1)
	}
	if d == postgresDialect {
		var schema string
		if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			_ = db.Close() // the query's error is the one worth reporting
			return nil, fmt.Errorf("store: current schema of %s: %w", dsn, err)
		}
		st.channel = notifyChannel(schema)
	}
	return st, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// String names the database without any password.
func (s *Store) String() string { return s.dsn }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// IsPostgres reports whether the store runs on PostgreSQL.
func (s *Store) IsPostgres() bool { return s.dialect == postgresDialect }

// DB exposes the connection pool to tests that count or inspect queries.
func (s *Store) DB() *sql.DB { return s.db }

// redact hides the password in a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// writeTurn waits until this process's writers let the caller write, and
// returns the function that lets the next one. SQLite has one writer at a
// time, and its busy handler polls with growing sleeps and no queue: under
// a steady stream of writes a waiting writer can miss every turn until its
// busy timeout ends in SQLITE_BUSY. Waiting here instead is a queue (a
// channel's waiters are served in order) and hands the lock over at once;
// the busy handler is left with other processes (the CLI beside a server).
// On PostgreSQL it does nothing.
func (s *Store) writeTurn(ctx context.Context) (func(), error) {
	if s.writing == nil {
		return func() {}, nil
	}
	select {
	case s.writing <- struct{}{}:
		return func() { <-s.writing }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("store: wait to write: %w", ctx.Err())
	}
}

// write runs fn, which changes the database with q outside a transaction
// (one statement), in its turn among the writers (writeTurn).
func (s *Store) write(ctx context.Context, fn func(q queryer) error) error {
	done, err := s.writeTurn(ctx)
	if err != nil {
		return err
	}
	defer done()
	return fn(s.db)
}

// exec runs one statement that changes the database, in its turn.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.write(ctx, func(q queryer) error {
		var err error
		res, err = q.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// tx runs fn in a transaction and commits it when fn returns nil. On
// SQLite the transaction takes the write lock at BEGIN (_txlock=immediate),
// in its turn among this process's writers (writeTurn); fn must not
// start another write through s.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	done, err := s.writeTurn(ctx)
	if err != nil {
		return err
	}
	defer done()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into argus.NotFound of the model (as
// Django names it: "Incident", "SourceSystem"), which API v2 quotes.
func notFound(err error, model string, key any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s %v: %w", model, key, argus.NotFound(model, key))
	}
	return fmt.Errorf("store: %s %v: %w", model, key, err)
}

// collect runs a query and scans every row with scan. It returns an empty,
// non-nil slice when there are no rows, so lists render as [].
func collect[T any](ctx context.Context, q queryer, what string, scan func(rows *sql.Rows, v *T) error, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return list, nil
}
