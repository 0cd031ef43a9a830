package store

import (
	"context"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/testdb"
)

// Migration 00007 widens the event types; on SQLite that rebuilds the
// event table, which must keep every event with its id, its ack and its
// queued notification (foreign keys with ON DELETE CASCADE point at it),
// never hand out a used id again, and leave the text index working.
func TestMigrationKeepsEvents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		at := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
		s, err := Open(ctx, b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		p, err := s.provider(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 6); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		ts := s.dialect.t(at)
		exec(`INSERT INTO argus_auth_user (id, username, date_joined) VALUES (1, 'gw', $1)`, ts)
		exec(`INSERT INTO argus_incident_sourcesystemtype (name) VALUES ('nav')`)
		exec(`INSERT INTO argus_incident_sourcesystem (id, name, type_id, user_id) VALUES (1, 'gw', 'nav', 1)`)
		exec(`INSERT INTO argus_incident_incident (id, start_time, end_time, source_id, description) VALUES (1, $1, $1, 1, 'router down')`, ts)
		ids := map[string]int64{}
		for _, typ := range []string{"STA", "ACK", "OTH"} {
			var id int64
			if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_incident_event (incident_id, actor_id, timestamp, received, type, description)
				VALUES (1, 1, $1, $1, $2, 'fan failure') RETURNING id`, ts, typ).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids[typ] = id
		}
		exec(`INSERT INTO argus_incident_acknowledgement (event_id, expiration) VALUES ($1, NULL)`, ids["ACK"])
		exec(`INSERT INTO argus_notify_outbox (event_id, due) VALUES ($1, $2)`, ids["OTH"], ts)

		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM argus_incident_event`); n != 3 {
			t.Errorf("%d events after the migration; want 3", n)
		}
		if n := count(`SELECT COUNT(*) FROM argus_incident_acknowledgement`); n != 1 {
			t.Error("the ack is gone")
		}
		if n := count(`SELECT COUNT(*) FROM argus_notify_outbox`); n != 1 {
			t.Error("the queued notification is gone")
		}
		var id int64
		if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_incident_event (incident_id, actor_id, timestamp, received, type, description)
			VALUES (1, 1, $1, $1, 'CHI', 'Change: "level": 5 → 2') RETURNING id`, ts).Scan(&id); err != nil {
			t.Fatalf("a CHI event after the migration: %v", err)
		}
		if id <= ids["OTH"] {
			t.Errorf("new event id %d; want past %d", id, ids["OTH"])
		}
		if b.Name == "sqlite" {
			if n := count(`SELECT COUNT(*) FROM argus_search_event WHERE description MATCH '"fan fail"'`); n != 3 {
				t.Errorf("the text index finds %d of the old events; want 3", n)
			}
			if n := count(`SELECT COUNT(*) FROM argus_search_event WHERE description MATCH '"level"'`); n != 1 {
				t.Errorf("the text index finds %d new events; want 1", n)
			}
			if n := count(`SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
				t.Errorf("%d foreign key violations", n)
			}
		}
	})
}
