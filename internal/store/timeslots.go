package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/argus-go/argus/internal/argus"
)

// Timeslots returns the user's timeslots ordered by name, each with its
// recurrences, in one query.
func (s *Store) Timeslots(ctx context.Context, userID int64) ([]argus.Timeslot, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT t.id, t.name, r.days, r.start, r."end"
		FROM argus_notificationprofile_timeslot t
		LEFT JOIN argus_notificationprofile_timerecurrence r ON r.timeslot_id = t.id
		WHERE t.user_id = $1
		ORDER BY t.name, t.id, r.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list timeslots: %w", err)
	}
	defer rows.Close()
	list := []argus.Timeslot{}
	for rows.Next() {
		var (
			id               int64
			name             string
			days, start, end *string
		)
		if err := rows.Scan(&id, &name, &days, &start, &end); err != nil {
			return nil, fmt.Errorf("store: list timeslots: %w", err)
		}
		if len(list) == 0 || list[len(list)-1].ID != id {
			list = append(list, argus.Timeslot{ID: id, UserID: userID, Name: name, Recurrences: []argus.TimeRecurrence{}})
		}
		if days == nil {
			continue // a timeslot without recurrences
		}
		r, err := parseRecurrence(*days, *start, *end)
		if err != nil {
			return nil, fmt.Errorf("store: timeslot %d: %w", id, err)
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
