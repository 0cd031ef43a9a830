package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// scanFilter reads id, user_id, name and filter_string. A stored
// filter_string that does not parse (possible only from imported data)
// reads as an empty filter, which matches nothing (D8).
func scanFilter(row interface{ Scan(...any) error }, f *argus.Filter) error {
	var raw string
	if err := row.Scan(&f.ID, &f.UserID, &f.Name, &raw); err != nil {
		return err
	}
	f.Spec, _ = argus.ParseFilterSpec([]byte(raw))
	return nil
}

// Filters lists the user's filters by pk.
func (s *Store) Filters(ctx context.Context, userID int64) ([]argus.Filter, error) {
	return s.filters(ctx, s.db, userID)
}

func (s *Store) filters(ctx context.Context, q queryer, userID int64) ([]argus.Filter, error) {
	return collect(ctx, q, "list filters", func(rows *sql.Rows, f *argus.Filter) error {
		return scanFilter(rows, f)
	}, `SELECT id, user_id, name, filter_string FROM argus_notificationprofile_filter WHERE user_id = $1 ORDER BY id`, userID)
}

// Filter returns one of the user's filters; another user's is not found.
func (s *Store) Filter(ctx context.Context, userID, id int64) (argus.Filter, error) {
	var f argus.Filter
	err := scanFilter(s.db.QueryRowContext(ctx, `SELECT id, user_id, name, filter_string
		FROM argus_notificationprofile_filter WHERE id = $1 AND user_id = $2`, id, userID), &f)
	if err != nil {
		return f, notFound(err, "Filter", id)
	}
	return f, nil
}

// CreateFilter stores a filter of f.UserID, its spec in canonical form. A
// name the user already has is CodeNameTaken (ErrConflict).
func (s *Store) CreateFilter(ctx context.Context, f argus.Filter) (argus.Filter, error) {
	err := s.db.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_filter (user_id, name, filter_string)
		VALUES ($1, $2, $3) RETURNING id`, f.UserID, f.Name, f.Spec.String()).Scan(&f.ID)
	if isUniqueViolation(err) {
		return argus.Filter{}, argus.Conflict("Filter", "name", argus.CodeNameTaken, f.Name)
	}
	if err != nil {
		return argus.Filter{}, fmt.Errorf("store: create filter: %w", err)
	}
	return f, nil
}

// UpdateFilter replaces the name and spec of one of f.UserID's filters.
func (s *Store) UpdateFilter(ctx context.Context, f argus.Filter) (argus.Filter, error) {
	res, err := s.profileExec(ctx, f.UserID, `UPDATE argus_notificationprofile_filter SET name = $3, filter_string = $4
		WHERE id = $1 AND user_id = $2`, f.ID, f.UserID, f.Name, f.Spec.String())
	if isUniqueViolation(err) {
		return argus.Filter{}, argus.Conflict("Filter", "name", argus.CodeNameTaken, f.Name)
	}
	if err != nil {
		return argus.Filter{}, fmt.Errorf("store: update filter %d: %w", f.ID, err)
	}
	return f, mustAffect(res, "Filter", f.ID)
}

// DeleteFilter deletes one of the user's filters; profiles that used it
// keep their other filters (D17).
func (s *Store) DeleteFilter(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_filter WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete filter %d: %w", id, err)
	}
	return mustAffect(res, "Filter", id)
}
