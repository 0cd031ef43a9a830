package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/argus-go/argus/internal/argus"
)

// Destinations (api-v2.md §2.10, D29): a medium and its settings, of one
// user. Settings are kept as a JSON object in one canonical form (keys
// sorted, as encoding/json writes a map), so equal settings are equal text.

const destinationColumns = `d.id, d.user_id, d.media_id, d.label, d.settings, d.managed`

// scanDestination reads destinationColumns, and extra after them.
func scanDestination(row interface{ Scan(...any) error }, d *argus.Destination, extra ...any) error {
	var (
		slug     string
		settings json.RawMessage
	)
	if err := row.Scan(append([]any{&d.ID, &d.UserID, &slug, &d.Label, scanJSON(&settings), &d.Managed}, extra...)...); err != nil {
		return err
	}
	d.Medium, _ = argus.MediumOf(slug)
	var m map[string]any
	if err := json.Unmarshal(settings, &m); err != nil {
		return fmt.Errorf("store: settings of destination %d: %w", d.ID, err)
	}
	d.Address, _ = m[d.Medium.SettingKey()].(string)
	return nil
}

// settingsOf is the canonical JSON of a destination's settings.
func settingsOf(m argus.Medium, address string) string {
	b, _ := json.Marshal(map[string]string{m.SettingKey(): address}) // a map of strings always encodes
	return string(b)
}

// Destinations lists the user's destinations by pk.
func (s *Store) Destinations(ctx context.Context, userID int64) ([]argus.Destination, error) {
	return collect(ctx, s.db, "list destinations", func(rows *sql.Rows, d *argus.Destination) error {
		return scanDestination(rows, d)
	}, `SELECT `+destinationColumns+` FROM argus_notificationprofile_destinationconfig d WHERE d.user_id = $1 ORDER BY d.id`, userID)
}

// profileDestinations fills in the destinations of the profiles, in one
// query, by profile ID.
func (s *Store) profileDestinations(ctx context.Context, q queryer, profiles []argus.Profile) error {
	if len(profiles) == 0 {
		return nil
	}
	index := make(map[int64]int, len(profiles))
	ids := make([]int64, len(profiles))
	for i := range profiles {
		profiles[i].Destinations = []argus.Destination{}
		index[profiles[i].ID] = i
		ids[i] = profiles[i].ID
	}
	_, err := collect(ctx, q, "list profile destinations", func(rows *sql.Rows, _ *struct{}) error {
		var (
			d       argus.Destination
			profile int64
		)
		if err := scanDestination(rows, &d, &profile); err != nil {
			return err
		}
		p := &profiles[index[profile]]
		p.Destinations = append(p.Destinations, d)
		return nil
	}, `SELECT `+destinationColumns+`, pd.notificationprofile_id
		FROM argus_notificationprofile_notificationprofile_destinations pd
		JOIN argus_notificationprofile_destinationconfig d ON d.id = pd.destinationconfig_id
		WHERE pd.notificationprofile_id `+s.dialect.inIDs("$1")+` ORDER BY d.id`, s.dialect.ids(ids))
	return err
}

// setProfileDestinations makes ids the profile's destinations, writing
// only the links that change (as setProfileFilters).
func (s *Store) setProfileDestinations(ctx context.Context, tx *sql.Tx, profileID int64, ids []int64) error {
	keep := make([]int64, 0, len(ids)) // not nil: NULL would keep every link
	for _, id := range ids {
		if !slices.Contains(keep, id) {
			keep = append(keep, id)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_notificationprofile_destinations
		WHERE notificationprofile_id = $1 AND NOT (destinationconfig_id `+s.dialect.inIDs("$2")+`)`, profileID, s.dialect.ids(keep)); err != nil {
		return fmt.Errorf("store: set destinations of profile %d: %w", profileID, err)
	}
	for _, id := range keep {
		if _, err := tx.ExecContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile_destinations
			(notificationprofile_id, destinationconfig_id) VALUES ($1, $2)
			ON CONFLICT (notificationprofile_id, destinationconfig_id) DO NOTHING`, profileID, id); err != nil {
			return fmt.Errorf("store: set destinations of profile %d: %w", profileID, err)
		}
	}
	return nil
}

// managedEmail is the user's managed email destination's pk, 0 for none.
func (s *Store) managedEmail(ctx context.Context, q queryer, userID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM argus_notificationprofile_destinationconfig
		WHERE user_id = $1 AND media_id = 'email' AND managed`, userID).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: managed email of user %d: %w", userID, err)
	}
	return id, nil
}

// syncManagedEmail keeps the user's managed email destination in step
// with their account email (api-v2.md §2.10): none without an email; an
// email destination of theirs with the address becomes the managed one;
// otherwise a new managed one is made and the old one, if any, kept
// unmanaged. Profiles to which API v1 gave "EM" and that have no email
// destination but the old managed one (made while the user had no email,
// or sending to the old address) send to it from then on.
func (s *Store) syncManagedEmail(ctx context.Context, tx *sql.Tx, userID int64, email string) error {
	if email == "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_destinationconfig
			WHERE user_id = $1 AND media_id = 'email' AND managed`, userID); err != nil {
			return fmt.Errorf("store: remove managed email of user %d: %w", userID, err)
		}
		return nil
	}
	old, err := s.managedEmail(ctx, tx, userID)
	if err != nil {
		return err
	}
	settings := settingsOf(argus.MediumEmail, email)
	var same int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM argus_notificationprofile_destinationconfig
		WHERE user_id = $1 AND media_id = 'email' AND settings = `+s.dialect.jsonValue("$2")+` ORDER BY managed DESC, id LIMIT 1`,
		userID, settings).Scan(&same)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("store: email destinations of user %d: %w", userID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_destinationconfig SET managed = FALSE
		WHERE user_id = $1 AND media_id = 'email' AND managed AND id <> $2`, userID, same); err != nil {
		return fmt.Errorf("store: demote managed email of user %d: %w", userID, err)
	}
	if same != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_destinationconfig SET managed = TRUE
			WHERE id = $1 AND NOT managed`, same); err != nil {
			return fmt.Errorf("store: managed email of user %d: %w", userID, err)
		}
	} else if err := tx.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_destinationconfig
		(user_id, media_id, settings, managed) VALUES ($1, 'email', `+s.dialect.jsonValue("$2")+`, TRUE) RETURNING id`,
		userID, settings).Scan(&same); err != nil {
		return fmt.Errorf("store: managed email of user %d: %w", userID, err)
	}
	// API v1's "EM" is the account email (D29): profiles to which v1
	// gave it leave the old managed destination for the new one.
	_, err = tx.ExecContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile_destinations
		(notificationprofile_id, destinationconfig_id)
		SELECT p.id, $2 FROM argus_notificationprofile_notificationprofile p
		WHERE p.user_id = $1 AND p.media LIKE '%EM%' AND NOT EXISTS (
			SELECT 1 FROM argus_notificationprofile_notificationprofile_destinations pd
			JOIN argus_notificationprofile_destinationconfig d ON d.id = pd.destinationconfig_id
			WHERE pd.notificationprofile_id = p.id AND d.media_id = 'email' AND d.id <> $3)`, userID, same, old)
	if err != nil {
		return fmt.Errorf("store: profiles of user %d to their email: %w", userID, err)
	}
	if old != 0 && old != same {
		_, err = tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_notificationprofile_destinations
			WHERE destinationconfig_id = $2 AND notificationprofile_id IN (
				SELECT id FROM argus_notificationprofile_notificationprofile WHERE user_id = $1 AND media LIKE '%EM%')`, userID, old)
		if err != nil {
			return fmt.Errorf("store: profiles of user %d off their old email: %w", userID, err)
		}
	}
	return nil
}
