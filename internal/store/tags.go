package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// The tags of one incident as a resource of their own (api-v2.md §4.7).

// IncidentTags lists the incident's tags, in the order they were added;
// an unknown incident is ErrNotFound.
func (s *Store) IncidentTags(ctx context.Context, incidentID int64) ([]argus.TagRelation, error) {
	if err := s.incidentExists(ctx, incidentID); err != nil {
		return nil, err
	}
	return collect(ctx, s.db, "list tags", func(rows *sql.Rows, r *argus.TagRelation) error {
		return rows.Scan(&r.Tag.Key, &r.Tag.Value, &r.AddedBy, scanTime(&r.AddedTime))
	}, `SELECT tag_key, tag_value, added_by_id, added_time FROM argus_incident_incidenttagrelation
		WHERE incident_id = $1 ORDER BY id`, incidentID)
}

// AddTag puts the tag on the incident, added by the user at now, unless it
// is there already (then nothing changes). No CHI event is made, as in
// Argus 2.x.
func (s *Store) AddTag(ctx context.Context, incidentID int64, tag argus.Tag, by int64, now time.Time) error {
	return s.eventTx(ctx, func(tx *eventTx) error {
		if _, err := s.lockIncident(ctx, tx.Tx, incidentID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_incident_incidenttagrelation
			WHERE incident_id = $1 AND tag_key = $2 AND tag_value = $3`, incidentID, tag.Key, tag.Value).Scan(&n); err != nil {
			return fmt.Errorf("store: look up tag of incident %d: %w", incidentID, err)
		}
		if n > 0 {
			return nil
		}
		if _, err := s.addTags(ctx, tx.Tx, incidentID, []argus.Tag{tag}, by, now.UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		tx.changed(ChangeTags, incidentID, nil)
		return nil
	})
}

// RemoveTag takes the tag off the incident, whoever added it, and deletes
// the tag itself when no incident has it any more; a tag the incident
// does not have is ErrNotFound.
func (s *Store) RemoveTag(ctx context.Context, incidentID int64, tag argus.Tag) error {
	return s.eventTx(ctx, func(tx *eventTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM argus_incident_incidenttagrelation
			WHERE incident_id = $1 AND tag_key = $2 AND tag_value = $3`, incidentID, tag.Key, tag.Value)
		if err != nil {
			return fmt.Errorf("store: remove tag of incident %d: %w", incidentID, err)
		}
		if err := mustAffect(res, "Tag", tag.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_incident_tag WHERE key = $1 AND value = $2
			AND NOT EXISTS (SELECT 1 FROM argus_incident_incidenttagrelation r WHERE r.tag_id = argus_incident_tag.id)`,
			tag.Key, tag.Value); err != nil {
			return fmt.Errorf("store: delete unused tag: %w", err)
		}
		tx.changed(ChangeTags, incidentID, nil)
		return nil
	})
}
