package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// filterColumns are what scanFilter reads.
const filterColumns = `f.id, f.user_id, f.name, f.filter, f.public`

// scanFilter reads filterColumns, and extra after them. A stored value
// of the wrong type (possible only in imported data) is left out of the
// filter (argus.ParseStoredBlob).
func scanFilter(row interface{ Scan(...any) error }, f *argus.Filter, extra ...any) error {
	var blob json.RawMessage
	if err := row.Scan(append([]any{&f.ID, &f.UserID, &f.Name, scanJSON(&blob), &f.Public}, extra...)...); err != nil {
		return err
	}
	f.Blob = argus.ParseStoredBlob(blob)
	f.Spec = f.Blob.Spec()
	return nil
}

// Filters lists the user's filters by pk.
func (s *Store) Filters(ctx context.Context, userID int64) ([]argus.Filter, error) {
	return s.filters(ctx, s.db, userID)
}

func (s *Store) filters(ctx context.Context, q queryer, userID int64) ([]argus.Filter, error) {
	return collect(ctx, q, "list filters", func(rows *sql.Rows, f *argus.Filter) error {
		return scanFilter(rows, f)
	}, `SELECT `+filterColumns+` FROM argus_notificationprofile_filter f WHERE f.user_id = $1 ORDER BY f.id`, userID)
}

// Filter returns one of the user's filters; another user's is not found.
func (s *Store) Filter(ctx context.Context, userID, id int64) (argus.Filter, error) {
	var f argus.Filter
	err := scanFilter(s.db.QueryRowContext(ctx, `SELECT `+filterColumns+`
		FROM argus_notificationprofile_filter f WHERE f.id = $1 AND f.user_id = $2`, id, userID), &f)
	if err != nil {
		return f, notFound(err, "Filter", id)
	}
	return f, nil
}

// CreateFilter stores a filter of f.UserID: its name, blob and whether it
// is public; a filter without a blob (Blob.Stored == 0) is its Spec, as
// API v1 gives it. A name the user already has is CodeNameTaken
// (ErrConflict).
func (s *Store) CreateFilter(ctx context.Context, f argus.Filter) (argus.Filter, error) {
	f = withBlob(f)
	err := s.write(ctx, func(q queryer) error {
		return q.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_filter (user_id, name, filter, public)
			VALUES ($1, $2, $3, $4) RETURNING id`, f.UserID, f.Name, string(f.Blob.MarshalStored()), f.Public).Scan(&f.ID)
	})
	if isUniqueViolation(err) {
		return argus.Filter{}, argus.Conflict("Filter", "name", argus.CodeNameTaken, f.Name)
	}
	if err != nil {
		return argus.Filter{}, fmt.Errorf("store: create filter: %w", err)
	}
	return f, nil
}

// UpdateFilter replaces the name, blob and publicity of one of f.UserID's
// filters, the blob taken from the Spec as CreateFilter does.
func (s *Store) UpdateFilter(ctx context.Context, f argus.Filter) (argus.Filter, error) {
	f = withBlob(f)
	res, err := s.profileExec(ctx, f.UserID, `UPDATE argus_notificationprofile_filter SET name = $3, filter = $4, public = $5
		WHERE id = $1 AND user_id = $2`, f.ID, f.UserID, f.Name, string(f.Blob.MarshalStored()), f.Public)
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

// withBlob is f with its blob made from its Spec when it has none, and its
// Spec what v1 shows of its blob.
func withBlob(f argus.Filter) argus.Filter {
	f.Blob = f.TheBlob()
	f.Spec = f.Blob.Spec()
	return f
}

// FiltersVisible lists the user's filters and everyone's public ones, by
// pk (API v2).
func (s *Store) FiltersVisible(ctx context.Context, userID int64) ([]argus.Filter, error) {
	return collect(ctx, s.db, "list filters", func(rows *sql.Rows, f *argus.Filter) error {
		return scanFilter(rows, f)
	}, `SELECT `+filterColumns+` FROM argus_notificationprofile_filter f WHERE f.user_id = $1 OR f.public ORDER BY f.id`, userID)
}

// AnyFilter returns the filter with pk id, whoever's it is.
func (s *Store) AnyFilter(ctx context.Context, id int64) (argus.Filter, error) {
	var f argus.Filter
	err := scanFilter(s.db.QueryRowContext(ctx, `SELECT `+filterColumns+` FROM argus_notificationprofile_filter f WHERE f.id = $1`, id), &f)
	if err != nil {
		return f, notFound(err, "Filter", id)
	}
	return f, nil
}

// FilterUsers names the profiles that use the filter (a profile's name,
// or its timeslot's when it has none), in pk order.
func (s *Store) FilterUsers(ctx context.Context, id int64) ([]string, error) {
	return collect(ctx, s.db, "profiles of a filter", func(rows *sql.Rows, name *string) error {
		return rows.Scan(name)
	}, `SELECT COALESCE(p.name, t.name) FROM argus_notificationprofile_notificationprofile_filters pf
		JOIN argus_notificationprofile_notificationprofile p ON p.id = pf.notificationprofile_id
		JOIN argus_notificationprofile_timeslot t ON t.id = p.timeslot_id
		WHERE pf.filter_id = $1 ORDER BY p.id`, id)
}
