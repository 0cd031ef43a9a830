package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// SQLite runs in WAL mode with foreign keys on, and concurrent writers
// queue behind immediate transactions instead of failing with SQLITE_BUSY.
func TestSQLiteSettings(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2"} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s; want %s", pragma, got, want)
		}
	}
	// Foreign keys are enforced: a phone number of a missing user is refused.
	if _, err := s.CreatePhoneNumber(ctx, 999, "+4790909090"); err == nil {
		t.Error("a phone number for a missing user was stored")
	}
	// Sixteen writers at once, each a read-then-write transaction.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			_, err := s.CreateSource(ctx, NewSource{Name: fmt.Sprintf("s%d", i), Type: "nav", CreateType: true}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	if list, err := s.Sources(ctx); err != nil || len(list) != 16 {
		t.Errorf("sources = %d, %v; want 16", len(list), err)
	}
}
