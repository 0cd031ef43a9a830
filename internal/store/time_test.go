package store

import (
	"context"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/testdb"
)

// eachDialect runs fn on a migrated store of each test backend.
func eachDialect(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		s, err := Open(ctx, b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
}

// The end_time "infinity" is stored so that it sorts after every real time,
// "-infinity" before, on both databases (D7), and reads back as itself.
func TestInfinitySortsAndRoundTrips(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		start := time.Date(2020, 10, 1, 12, 0, 0, 0, time.UTC)
		src, err := s.CreateSource(ctx, NewSource{Name: "gw", Type: "nav", CreateType: true}, start)
		if err != nil {
			t.Fatal(err)
		}
		far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) // the last real second before infinity
		ends := map[string]*time.Time{
			"null":      nil,
			"past":      new(start.Add(time.Hour)),
			"micro":     new(time.Date(2021, 1, 2, 3, 4, 5, 123456000, time.UTC)),
			"infinity":  new(argus.Infinity),
			"-infinity": new(argus.NegInfinity),
			"far":       &far,
		}
		for name, end := range ends {
			_, err := s.db.ExecContext(ctx, `INSERT INTO argus_incident_incident
				(start_time, end_time, source_id, source_incident_id) VALUES ($1, $2, $3, $4)`,
				s.dialect.t(start), s.dialect.end(end), src.ID, name)
			if err != nil {
				t.Fatalf("insert %s: %v", name, err)
			}
		}
		order := func(query string, args ...any) []string {
			t.Helper()
			rows, err := s.db.QueryContext(ctx, query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := order(`SELECT source_incident_id FROM argus_incident_incident WHERE end_time IS NOT NULL ORDER BY end_time`)
		want := []string{"-infinity", "past", "micro", "far", "infinity"}
		if !equal(got, want) {
			t.Errorf("ORDER BY end_time = %v; want %v", got, want)
		}
		now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		got = order(`SELECT source_incident_id FROM argus_incident_incident WHERE end_time > $1 ORDER BY end_time`, s.dialect.t(now))
		if want := []string{"far", "infinity"}; !equal(got, want) {
			t.Errorf("end_time > now = %v; want %v", got, want)
		}
		got = order(`SELECT source_incident_id FROM argus_incident_incident WHERE end_time >= $1`, s.dialect.end(new(argus.Infinity)))
		if want := []string{"infinity"}; !equal(got, want) {
			t.Errorf("end_time >= infinity = %v; want %v", got, want)
		}
		for name, want := range ends {
			var end *time.Time
			err := s.db.QueryRowContext(ctx, `SELECT end_time FROM argus_incident_incident WHERE source_incident_id = $1`, name).
				Scan(scanNullTime(&end))
			if err != nil {
				t.Fatal(err)
			}
			if (end == nil) != (want == nil) || (end != nil && !end.Equal(*want)) {
				t.Errorf("%s read back as %v; want %v", name, end, want)
			}
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
