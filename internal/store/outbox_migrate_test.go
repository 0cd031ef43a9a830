package store

import (
	"context"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/testdb"
)

// An event queued by a version without snapshots (before migration 00004)
// still dispatches after the upgrade, with its incident as it is then;
// events stored after it carry their snapshot.
func TestOutboxRowFromBeforeSnapshots(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
		s, err := Open(ctx, b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		p, err := s.provider(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 3); err != nil {
			t.Fatal(err)
		}

		// The old version's STA: the incident with the notifications off
		// (nothing touches the outbox), then the outbox row as it wrote it.
		// Written as the old version wrote them: the code of today
		// writes tables that do not exist yet.
		src := argus.Source{Name: "gw", Type: "nav"}
		if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_auth_user (username, date_joined) VALUES ('gw', $1) RETURNING id`,
			s.dialect.t(start)).Scan(&src.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO argus_incident_sourcesystemtype (name) VALUES ('nav')`); err != nil {
			t.Fatal(err)
		}
		if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_incident_sourcesystem (name, type_id, user_id) VALUES ('gw', 'nav', $1)
			RETURNING id`, src.UserID).Scan(&src.ID); err != nil {
			t.Fatal(err)
		}
		open := argus.Infinity
		var incID int64
		if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_incident_incident (start_time, end_time, source_id, description, level)
			VALUES ($1, $2, $3, 'x', 3) RETURNING id`, s.dialect.t(start), s.dialect.end(&open), src.ID).Scan(&incID); err != nil {
			t.Fatal(err)
		}
		inc := argus.Incident{ID: incID}
		sta := argus.Event{IncidentID: incID, Actor: argus.Actor{ID: src.UserID}, Timestamp: start, Received: start, Type: argus.EventStart, Description: "x"}
		if err := s.db.QueryRowContext(ctx, `INSERT INTO argus_incident_event (incident_id, actor_id, timestamp, received, type, description)
			VALUES ($1, $2, $3, $3, 'STA', 'x') RETURNING id`, incID, src.UserID, s.dialect.t(start)).Scan(&sta.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO argus_notify_outbox (event_id, due) VALUES ($1, $2)`, sta.ID, s.dialect.t(start)); err != nil {
			t.Fatal(err)
		}

		if n, err := s.Migrate(ctx); err != nil || n == 0 {
			t.Fatalf("Migrate = %d, %v; want 00004 applied", n, err)
		}
		s.outbox = true // the new version, with notifications on
		srcU, err := s.User(ctx, src.UserID)
		if err != nil {
			t.Fatal(err)
		}
		endAt := start.Add(time.Hour)
		end, err := s.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: endAt, Type: argus.EventEnd}, &srcU, endAt)
		if err != nil {
			t.Fatal(err)
		}
		// A change after the END: the incident now differs from what the
		// END left, and both differ from what the STA left.
		ticket := "https://tickets.example.org/1"
		if _, err := s.UpdateIncident(ctx, inc.ID, IncidentChange{TicketURL: &ticket}, &srcU, endAt); err != nil {
			t.Fatal(err)
		}

		later := endAt.Add(time.Hour)
		ids, err := s.ClaimOutbox(ctx, later, time.Minute, 10)
		if err != nil || len(ids) != 2 || ids[0] != sta.ID {
			t.Fatalf("ClaimOutbox = %v, %v; want the old STA and the END", ids, err)
		}
		for _, c := range []struct {
			ev     argus.Event
			ticket string
		}{
			{sta, ticket}, // as it is now: ended, with a ticket
			{end, ""},     // as the END left it: ended, no ticket yet
		} {
			ev, got, err := s.DispatchEvent(ctx, c.ev.ID, later)
			if err != nil {
				t.Fatal(err)
			}
			if ev.ID != c.ev.ID || got.ID != inc.ID || got.EndTime == nil || !got.EndTime.Equal(endAt) || got.TicketURL != c.ticket {
				t.Errorf("DispatchEvent(%s %d) = event %d, incident %d ending %v with ticket %q; want ending %v with ticket %q",
					c.ev.Type, c.ev.ID, ev.ID, got.ID, got.EndTime, got.TicketURL, endAt, c.ticket)
			}
		}
		var snap *string
		if err := s.db.QueryRowContext(ctx, `SELECT incident FROM argus_notify_outbox WHERE event_id = $1`, sta.ID).Scan(&snap); err != nil || snap != nil {
			t.Errorf("the old row's snapshot = %v, %v; want NULL", snap, err)
		}
	})
}
