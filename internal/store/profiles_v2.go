package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/argus-go/argus/internal/argus"
)

// Profiles as API v2 has them (api-v2.md §4.10, D29): by their own ids,
// any number on a timeslot, sending to destinations.

// ProfileV2Input is what API v2 names when it creates or replaces a
// profile.
type ProfileV2Input struct {
	TimeslotID     int64
	FilterIDs      []int64
	DestinationIDs []int64
	Name           *string
	Active         bool
}

// ProfilesByID returns every profile of the user by id, expanded.
func (s *Store) ProfilesByID(ctx context.Context, userID int64) ([]argus.Profile, error) {
	return s.profilesByID(ctx, s.db, userID, 0)
}

// ProfileByID returns one of the user's profiles by its own id; another
// user's is not found.
func (s *Store) ProfileByID(ctx context.Context, userID, id int64) (argus.Profile, error) {
	list, err := s.profilesByID(ctx, s.db, userID, id)
	if err != nil {
		return argus.Profile{}, err
	}
	if len(list) == 0 || id < 1 {
		return argus.Profile{}, fmt.Errorf("store: profile %d: %w", id, argus.NotFound("NotificationProfile", id))
	}
	return list[0], nil
}

func (s *Store) profilesByID(ctx context.Context, q queryer, userID, id int64) ([]argus.Profile, error) {
	list, err := collect(ctx, q, "list profiles", func(rows *sql.Rows, p *argus.Profile) error {
		var (
			media   string
			phoneID *int64
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &p.Timeslot.ID, &media, &p.Active, &phoneID); err != nil {
			return err
		}
		p.Media = splitMedia(media)
		if phoneID != nil {
			p.PhoneNumber = &argus.PhoneNumber{ID: *phoneID, UserID: p.UserID}
		}
		return nil
	}, `SELECT p.id, p.user_id, p.name, p.timeslot_id, p.media, p.active, p.phone_number_id
		FROM argus_notificationprofile_notificationprofile p
		WHERE p.user_id = $1 AND (CAST($2 AS BIGINT) = 0 OR p.id = $2) ORDER BY p.id`, userID, id)
	if err != nil || len(list) == 0 {
		return list, err
	}
	return list, s.expandProfiles(ctx, q, userID, 0, list)
}

// checkV2References refuses what a v2 profile may not name: a timeslot
// that does not exist (CodeUnknownReference) or is another user's
// (CodeTimeslotNotYours), filters that are neither the user's nor public,
// destinations that are not the user's (v2-bug-6).
func (s *Store) checkV2References(ctx context.Context, q queryer, userID int64, in ProfileV2Input) error {
	var errs argus.Errors
	var owner int64
	err := q.QueryRowContext(ctx, `SELECT user_id FROM argus_notificationprofile_timeslot WHERE id = $1`, in.TimeslotID).Scan(&owner)
	switch {
	case err == sql.ErrNoRows:
		errs.Add(argus.Invalid("timeslot", argus.CodeUnknownReference, in.TimeslotID))
	case err != nil:
		return fmt.Errorf("store: look up timeslot %d: %w", in.TimeslotID, err)
	case owner != userID:
		errs.Add(argus.Invalid("", argus.CodeTimeslotNotYours))
	}
	err = s.unknownReferences(ctx, q, userID, &errs, []reference{
		{"filters", "argus_notificationprofile_filter", "(user_id = $2 OR public)", in.FilterIDs},
		{"destinations", "argus_notificationprofile_destinationconfig", "user_id = $2", in.DestinationIDs},
	})
	if err != nil {
		return err
	}
	return errs.Err()
}

// profileNameTaken is the refusal of a name another profile of the user
// has (v2-bug-5: per user).
func profileNameTaken(err error) error {
	if isUniqueViolation(err) {
		return argus.Invalid("", argus.CodeProfileNameTaken)
	}
	return err
}

// v1View is what API v1 shows of a profile that v2 wrote (D29): "EM" when
// it sends to the managed email destination, "SM" and the phone number
// when it sends to an sms destination (the one with the lowest pk).
func (s *Store) v1View(ctx context.Context, tx *sql.Tx, userID int64, destinations []int64) (string, *int64, error) {
	var media []argus.Medium
	var phone *int64
	ds, err := collect(ctx, tx, "destinations of a profile", func(rows *sql.Rows, d *argus.Destination) error {
		return scanDestination(rows, d)
	}, `SELECT `+destinationColumns+` FROM argus_notificationprofile_destinationconfig d
		WHERE d.user_id = $1 AND d.id `+s.dialect.inIDs("$2")+` ORDER BY d.id`, userID, s.dialect.ids(append([]int64{}, destinations...)))
	if err != nil {
		return "", nil, err
	}
	for _, d := range ds {
		switch {
		case d.Medium == argus.MediumEmail && d.Managed:
			media = append(media, argus.MediumEmail)
		case d.Medium == argus.MediumSMS && phone == nil:
			media = append(media, argus.MediumSMS)
			phone = new(d.ID)
		}
	}
	return joinMedia(media), phone, nil
}

// CreateProfileByID stores a profile of the user through API v2.
func (s *Store) CreateProfileByID(ctx context.Context, userID int64, in ProfileV2Input) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		if err := s.checkV2References(ctx, tx, userID, in); err != nil {
			return err
		}
		media, phone, err := s.v1View(ctx, tx, userID, in.DestinationIDs)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_notificationprofile
			(timeslot_id, user_id, name, media, active, phone_number_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.TimeslotID, userID, in.Name, media, in.Active, phone).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: create profile: %w", profileNameTaken(err))
		}
		if err := s.setV2Links(ctx, tx, id, in); err != nil {
			return err
		}
		list, err := s.profilesByID(ctx, tx, userID, id)
		if err == nil {
			p = list[0]
		}
		return err
	})
	return p, err
}

func (s *Store) setV2Links(ctx context.Context, tx *sql.Tx, id int64, in ProfileV2Input) error {
	if err := s.setProfileFilters(ctx, tx, id, in.FilterIDs); err != nil {
		return err
	}
	return s.setProfileDestinations(ctx, tx, id, slices.Clone(in.DestinationIDs))
}

// UpdateProfileByID replaces one of the user's profiles through API v2;
// its id never changes, a new timeslot just moves it.
func (s *Store) UpdateProfileByID(ctx context.Context, userID, id int64, in ProfileV2Input) (argus.Profile, error) {
	var p argus.Profile
	err := s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		if list, err := s.profilesByID(ctx, tx, userID, id); err != nil {
			return err
		} else if len(list) == 0 {
			return fmt.Errorf("store: profile %d: %w", id, argus.NotFound("NotificationProfile", id))
		}
		if err := s.checkV2References(ctx, tx, userID, in); err != nil {
			return err
		}
		media, phone, err := s.v1View(ctx, tx, userID, in.DestinationIDs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_notificationprofile
			SET timeslot_id = $2, name = $3, media = $4, active = $5, phone_number_id = $6 WHERE id = $1`,
			id, in.TimeslotID, in.Name, media, in.Active, phone); err != nil {
			return fmt.Errorf("store: update profile %d: %w", id, profileNameTaken(err))
		}
		if err := s.setV2Links(ctx, tx, id, in); err != nil {
			return err
		}
		list, err := s.profilesByID(ctx, tx, userID, id)
		if err == nil {
			p = list[0]
		}
		return err
	})
	return p, err
}

// DeleteProfileByID deletes one of the user's profiles by its own id.
func (s *Store) DeleteProfileByID(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_notificationprofile
		WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete profile %d: %w", id, err)
	}
	return mustAffect(res, "NotificationProfile", id)
}
