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

// scanFilter reads filterColumns, and extra after them. A stored filter
// that does not parse (possible only from imported data) reads as an
// empty filter, which matches nothing (D8).
func scanFilter(row interface{ Scan(...any) error }, f *argus.Filter, extra ...any) error {
	var blob json.RawMessage
	if err := row.Scan(append([]any{&f.ID, &f.UserID, &f.Name, scanJSON(&blob), &f.Public}, extra...)...); err != nil {
		return err
	}
	f.Spec = specOfBlob(blob)
	return nil
}

// specOfBlob is the v1 filter of a stored filter blob: its sources and
// tags (D27).
func specOfBlob(blob json.RawMessage) argus.FilterSpec {
	var two struct {
		SourceSystemIDs json.RawMessage `json:"sourceSystemIds"`
		Tags            json.RawMessage `json:"tags"`
	}
	spec := argus.FilterSpec{SourceIDs: []int64{}, Tags: []argus.Tag{}}
	if json.Unmarshal(blob, &two) != nil {
		return spec
	}
	if two.SourceSystemIDs == nil {
		two.SourceSystemIDs = json.RawMessage("[]")
	}
	if two.Tags == nil {
		two.Tags = json.RawMessage("[]")
	}
	parsed, err := argus.ParseFilterObject(map[string]json.RawMessage{"sourceSystemIds": two.SourceSystemIDs, "tags": two.Tags})
	if err != nil {
		return spec
	}
	return parsed
}

// blobOfSpec is the stored filter blob of a v1 filter: its two keys, and
// hide_closed_acked as Argus 2.x stores it.
func blobOfSpec(spec argus.FilterSpec) string {
	tags := make([]string, len(spec.Tags))
	for i, t := range spec.Tags {
		tags[i] = t.String()
	}
	ids := spec.SourceIDs
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(map[string]any{"sourceSystemIds": ids, "tags": tags, "hide_closed_acked": false}) // always encodes
	return string(b)
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

// CreateFilter stores a filter of f.UserID, its spec in canonical form. A
// name the user already has is CodeNameTaken (ErrConflict).
func (s *Store) CreateFilter(ctx context.Context, f argus.Filter) (argus.Filter, error) {
	err := s.db.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_filter (user_id, name, filter, public)
		VALUES ($1, $2, $3, $4) RETURNING id`, f.UserID, f.Name, blobOfSpec(f.Spec), f.Public).Scan(&f.ID)
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
	res, err := s.profileExec(ctx, f.UserID, `UPDATE argus_notificationprofile_filter SET name = $3, filter = $4
		WHERE id = $1 AND user_id = $2`, f.ID, f.UserID, f.Name, blobOfSpec(f.Spec))
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
