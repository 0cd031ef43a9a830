// Package storetest opens fresh, migrated stores for tests, on SQLite and on
// PostgreSQL (see package testdb).
package storetest

import (
	"context"
	"testing"

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
