package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/argus-go/argus/internal/argus"
)

// Timeslots returns the user's timeslots ordered by name, each with its
// recurrences, in one query.
func (s *Store) Timeslots(ctx context.Context, userID int64) ([]argus.Timeslot, error) {
	return s.timeslots(ctx, s.db, userID, 0)
}

// Timeslot returns one of the user's timeslots; another user's is not
// found.
func (s *Store) Timeslot(ctx context.Context, userID, id int64) (argus.Timeslot, error) {
	if id < 1 {
		// No row has it, and 0 would mean "all" to timeslots.
		return argus.Timeslot{}, fmt.Errorf("store: timeslot %d: %w", id, argus.NotFound("Timeslot", id))
	}
	list, err := s.timeslots(ctx, s.db, userID, id)
	if err != nil {
		return argus.Timeslot{}, err
	}
	if len(list) == 0 {
		return argus.Timeslot{}, fmt.Errorf("store: timeslot %d: %w", id, argus.NotFound("Timeslot", id))
	}
	return list[0], nil
}

// timeslots reads the user's timeslots, or only the one with pk id.
func (s *Store) timeslots(ctx context.Context, q queryer, userID, id int64) ([]argus.Timeslot, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT t.id, t.name, r.days, r.start, r."end"
		FROM argus_notificationprofile_timeslot t
		LEFT JOIN argus_notificationprofile_timerecurrence r ON r.timeslot_id = t.id
		WHERE t.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR t.id = $2)
		ORDER BY t.name, t.id, r.id`, userID, id)
	if err != nil {
		return nil, fmt.Errorf("store: list timeslots: %w", err)
	}
	defer rows.Close()
	list := []argus.Timeslot{}
	for rows.Next() {
		var (
			tsID             int64
			name             string
			days, start, end *string
		)
		if err := rows.Scan(&tsID, &name, &days, &start, &end); err != nil {
			return nil, fmt.Errorf("store: list timeslots: %w", err)
		}
		if len(list) == 0 || list[len(list)-1].ID != tsID {
			list = append(list, argus.Timeslot{ID: tsID, UserID: userID, Name: name, Recurrences: []argus.TimeRecurrence{}})
		}
		if days == nil {
			continue // a timeslot without recurrences
		}
		r, err := parseRecurrence(*days, *start, *end)
		if err != nil {
			return nil, fmt.Errorf("store: timeslot %d: %w", tsID, err)
		}
		ts := &list[len(list)-1]
		ts.Recurrences = append(ts.Recurrences, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list timeslots: %w", err)
	}
	return list, nil
}

func parseRecurrence(days, start, end string) (argus.TimeRecurrence, error) {
	var r argus.TimeRecurrence
	r.Days = []int{}
	for _, d := range strings.Split(days, ",") {
		if d == "" {
			continue
		}
		n, err := strconv.Atoi(d)
		if err != nil {
			return r, fmt.Errorf("bad days %q", days)
		}
		r.Days = append(r.Days, n)
	}
	var err error
	if r.Start, err = argus.ParseTimeOfDay(start); err != nil {
		return r, err
	}
	if r.End, err = argus.ParseTimeOfDay(end); err != nil {
		return r, err
	}
	return r, nil
}

// createTimeslot inserts a timeslot with its recurrences and returns its
// pk. A name the user already has is CodeNameTaken (ErrConflict).
func (s *Store) createTimeslot(ctx context.Context, tx *sql.Tx, ts argus.Timeslot) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO argus_notificationprofile_timeslot (user_id, name) VALUES ($1, $2) RETURNING id`,
		ts.UserID, ts.Name).Scan(&id)
	if isUniqueViolation(err) {
		return 0, argus.Conflict("Timeslot", "name", argus.CodeNameTaken, ts.Name)
	}
	if err != nil {
		return 0, fmt.Errorf("store: create timeslot: %w", err)
	}
	return id, s.insertRecurrences(ctx, tx, id, ts.Recurrences)
}

func (s *Store) insertRecurrences(ctx context.Context, tx *sql.Tx, timeslotID int64, recs []argus.TimeRecurrence) error {
	for _, r := range recs {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO argus_notificationprofile_timerecurrence (timeslot_id, days, start, "end")
			VALUES ($1, $2, $3, $4)`, timeslotID, joinDays(r.Days), r.Start.String(), r.End.String())
		if err != nil {
			return fmt.Errorf("store: create time recurrence: %w", err)
		}
	}
	return nil
}

// CreateTimeslot stores a timeslot of ts.UserID with its recurrences. A
// name the user already has is CodeNameTaken (ErrConflict).
func (s *Store) CreateTimeslot(ctx context.Context, ts argus.Timeslot) (argus.Timeslot, error) {
	err := s.profileTx(ctx, ts.UserID, func(tx *sql.Tx) error {
		var err error
		ts.ID, err = s.createTimeslot(ctx, tx, ts)
		return err
	})
	if err != nil {
		return argus.Timeslot{}, err
	}
	return s.Timeslot(ctx, ts.UserID, ts.ID)
}

// UpdateTimeslot renames one of the user's timeslots and, when recs is
// not nil, replaces all its recurrences.
func (s *Store) UpdateTimeslot(ctx context.Context, userID, id int64, name string, recs []argus.TimeRecurrence) (argus.Timeslot, error) {
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_timeslot SET name = $3 WHERE id = $1 AND user_id = $2`,
			id, userID, name)
		if isUniqueViolation(err) {
			return argus.Conflict("Timeslot", "name", argus.CodeNameTaken, name)
		}
		if err != nil {
			return fmt.Errorf("store: update timeslot %d: %w", id, err)
		}
		if err := mustAffect(res, "Timeslot", id); err != nil {
			return err
		}
		if recs == nil {
			return nil
		}
		// The same recurrences again change no row, so they record no
		// profile change for dispatch to reload (migration 00003).
		if old, err := s.timeslots(ctx, tx, userID, id); err != nil {
			return err
		} else if len(old) == 1 && sameRecurrences(old[0].Recurrences, recs) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_timerecurrence WHERE timeslot_id = $1`, id); err != nil {
			return fmt.Errorf("store: replace recurrences of timeslot %d: %w", id, err)
		}
		return s.insertRecurrences(ctx, tx, id, recs)
	})
	if err != nil {
		return argus.Timeslot{}, err
	}
	return s.Timeslot(ctx, userID, id)
}

// DeleteTimeslot deletes one of the user's timeslots and the profile on
// it (D17).
func (s *Store) DeleteTimeslot(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_timeslot WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete timeslot %d: %w", id, err)
	}
	return mustAffect(res, "Timeslot", id)
}

// sameRecurrences reports whether a and b store the same rows in the same
// order.
func sameRecurrences(a, b []argus.TimeRecurrence) bool {
	return slices.EqualFunc(a, b, func(x, y argus.TimeRecurrence) bool {
		return joinDays(x.Days) == joinDays(y.Days) && x.Start.String() == y.Start.String() && x.End.String() == y.End.String()
	})
}

func joinDays(days []int) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}
