package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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

// settingsOf is the canonical JSON of a destination's settings: keys
// sorted, no spaces, no HTML escapes — as the migrations write it.
func settingsOf(m argus.Medium, address string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{m.SettingKey(): address}) // a map of strings always encodes
	return strings.TrimSuffix(b.String(), "\n")
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
		WHERE user_id = $1 AND media_id = 'email' AND settings = $2 ORDER BY managed DESC, id LIMIT 1`,
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
		(user_id, media_id, settings, managed) VALUES ($1, 'email', $2, TRUE) RETURNING id`,
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

// Media lists the media by slug (api-v2.md §2.10).
func (s *Store) Media(ctx context.Context) ([]argus.Media, error) {
	return collect(ctx, s.db, "list media", func(rows *sql.Rows, m *argus.Media) error {
		return rows.Scan(&m.Slug, &m.Name, &m.Installed)
	}, `SELECT slug, name, installed FROM argus_notificationprofile_media ORDER BY slug`)
}

// Destination returns one of the user's destinations; another user's is
// not found.
func (s *Store) Destination(ctx context.Context, userID, id int64) (argus.Destination, error) {
	return s.destination(ctx, s.db, userID, id)
}

func (s *Store) destination(ctx context.Context, q queryer, userID, id int64) (argus.Destination, error) {
	var d argus.Destination
	err := scanDestination(q.QueryRowContext(ctx, `SELECT `+destinationColumns+` FROM argus_notificationprofile_destinationconfig d
		WHERE d.id = $1 AND d.user_id = $2`, id, userID), &d)
	if err != nil {
		return d, notFound(err, "DestinationConfig", id)
	}
	return d, nil
}

// checkAddress refuses an address the user has on another destination of
// the medium (api-v2.md §4.13), or, for email, their account email, which
// their managed destination has already. except is the destination being
// changed.
func (s *Store) checkAddress(ctx context.Context, tx *sql.Tx, userID int64, m argus.Medium, address string, except int64) error {
	if m == argus.MediumEmail {
		var account string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM argus_auth_user WHERE id = $1`, userID).Scan(&account); err != nil {
			return notFound(err, "User", userID)
		}
		if account != "" && strings.EqualFold(account, address) {
			return argus.Invalid("", argus.CodeAccountEmail)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_notificationprofile_destinationconfig
		WHERE user_id = $1 AND media_id = $2 AND settings = $3 AND id <> $4`,
		userID, m.Slug(), settingsOf(m, address), except).Scan(&n); err != nil {
		return fmt.Errorf("store: look up destinations of user %d: %w", userID, err)
	}
	if n > 0 {
		return argus.Invalid(m.SettingKey(), argus.CodeDuplicateAddress)
	}
	return nil
}

// labelTaken is the refusal of a label the user has on another
// destination of the medium.
func labelTaken(err error) error {
	if isUniqueViolation(err) {
		return argus.Invalid("label", argus.CodeLabelTaken)
	}
	return err
}

// CreateDestination stores a destination of d.UserID (never a managed
// one), refusing an address they have already (checkAddress) and a label
// they use for the medium already (CodeLabelTaken).
func (s *Store) CreateDestination(ctx context.Context, d argus.Destination) (argus.Destination, error) {
	d.Managed = false
	err := s.profileTx(ctx, d.UserID, func(tx *sql.Tx) error {
		if err := s.checkAddress(ctx, tx, d.UserID, d.Medium, d.Address, 0); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_destinationconfig (user_id, media_id, label, settings)
			VALUES ($1, $2, $3, $4) RETURNING id`,
			d.UserID, d.Medium.Slug(), d.Label, settingsOf(d.Medium, d.Address)).Scan(&d.ID)
		if err != nil {
			return fmt.Errorf("store: create destination: %w", labelTaken(err))
		}
		return nil
	})
	return d, err
}

// DestinationChange is a PATCH of a destination: nil fields stay;
// SetLabel with Label nil clears the label.
type DestinationChange struct {
	SetLabel bool
	Label    *string
	Address  *string
}

// UpdateDestination changes one of the user's destinations (api-v2.md
// §4.13). A new address of the managed email destination makes it an
// ordinary one and a new managed destination keeps the account email —
// and the profiles to which API v1 gave "EM" follow the account email
// there (D29).
func (s *Store) UpdateDestination(ctx context.Context, userID, id int64, c DestinationChange) (argus.Destination, error) {
	var d argus.Destination
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		cur, err := s.destination(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if c.SetLabel {
			if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_destinationconfig SET label = $2 WHERE id = $1`,
				id, c.Label); err != nil {
				return fmt.Errorf("store: update destination %d: %w", id, labelTaken(err))
			}
		}
		if c.Address != nil && *c.Address != cur.Address {
			if err := s.checkAddress(ctx, tx, userID, cur.Medium, *c.Address, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_destinationconfig
				SET settings = $2, managed = FALSE WHERE id = $1`, id, settingsOf(cur.Medium, *c.Address)); err != nil {
				return fmt.Errorf("store: update destination %d: %w", id, err)
			}
			if cur.Managed {
				if err := s.keepManagedEmail(ctx, tx, userID, cur); err != nil {
					return err
				}
			}
		}
		d, err = s.destination(ctx, tx, userID, id)
		return err
	})
	return d, err
}

// keepManagedEmail makes a new managed destination of old's address,
// when old, the managed one, took another, and moves the profiles to
// which API v1 gave "EM" to it.
func (s *Store) keepManagedEmail(ctx context.Context, tx *sql.Tx, userID int64, old argus.Destination) error {
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_destinationconfig (user_id, media_id, settings, managed)
		VALUES ($1, 'email', $2, TRUE) RETURNING id`, userID, settingsOf(argus.MediumEmail, old.Address)).Scan(&id); err != nil {
		return fmt.Errorf("store: managed email of user %d: %w", userID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_notificationprofile_destinations SET destinationconfig_id = $2
		WHERE destinationconfig_id = $1 AND notificationprofile_id IN (
			SELECT id FROM argus_notificationprofile_notificationprofile WHERE user_id = $3 AND media LIKE '%EM%')`,
		old.ID, id, userID); err != nil {
		return fmt.Errorf("store: profiles of user %d to their email: %w", userID, err)
	}
	return nil
}

// DeleteDestination deletes one of the user's destinations through API
// v2, which refuses to delete the managed one (CodeDestinationManaged) or
// one that profiles send to (CodeDestinationInUse, naming them).
func (s *Store) DeleteDestination(ctx context.Context, userID, id int64) error {
	return s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		d, err := s.destination(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if d.Managed {
			return argus.Invalid("", argus.CodeDestinationManaged)
		}
		names, err := collect(ctx, tx, "profiles of a destination", func(rows *sql.Rows, name *string) error {
			return rows.Scan(name)
		}, `SELECT COALESCE(p.name, t.name) FROM argus_notificationprofile_notificationprofile_destinations pd
			JOIN argus_notificationprofile_notificationprofile p ON p.id = pd.notificationprofile_id
			JOIN argus_notificationprofile_timeslot t ON t.id = p.timeslot_id
			WHERE pd.destinationconfig_id = $1 ORDER BY p.id`, id)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return argus.Invalid("", argus.CodeDestinationInUse, names)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_notificationprofile_destinationconfig WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: delete destination %d: %w", id, err)
		}
		return nil
	})
}

// DestinationIsDuplicate reports whether another user has a destination
// of the medium with the address of the user's destination id.
func (s *Store) DestinationIsDuplicate(ctx context.Context, userID, id int64) (bool, error) {
	d, err := s.Destination(ctx, userID, id)
	if err != nil {
		return false, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_notificationprofile_destinationconfig
		WHERE user_id <> $1 AND media_id = $2 AND settings = $3`,
		userID, d.Medium.Slug(), settingsOf(d.Medium, d.Address)).Scan(&n); err != nil {
		return false, fmt.Errorf("store: look up destinations: %w", err)
	}
	return n > 0, nil
}
