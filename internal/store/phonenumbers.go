package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// API v1's phone numbers are the user's sms destinations, by the same pk
// (D29).

// phoneOf is the v1 view of an sms destination.
func phoneOf(d argus.Destination) argus.PhoneNumber {
	return argus.PhoneNumber{ID: d.ID, UserID: d.UserID, Number: d.Address}
}

// PhoneNumbers returns the user's phone numbers, newest first as the
// original lists them.
func (s *Store) PhoneNumbers(ctx context.Context, userID int64) ([]argus.PhoneNumber, error) {
	return collect(ctx, s.db, "list phone numbers", func(rows *sql.Rows, p *argus.PhoneNumber) error {
		var d argus.Destination
		if err := scanDestination(rows, &d); err != nil {
			return err
		}
		*p = phoneOf(d)
		return nil
	}, `SELECT `+destinationColumns+` FROM argus_notificationprofile_destinationconfig d
		WHERE d.user_id = $1 AND d.media_id = 'sms' ORDER BY d.id DESC`, userID)
}

// PhoneNumber returns one of the user's phone numbers; another user's
// number is not found.
func (s *Store) PhoneNumber(ctx context.Context, userID, id int64) (argus.PhoneNumber, error) {
	var d argus.Destination
	err := scanDestination(s.db.QueryRowContext(ctx, `SELECT `+destinationColumns+` FROM argus_notificationprofile_destinationconfig d
		WHERE d.id = $1 AND d.user_id = $2 AND d.media_id = 'sms'`, id, userID), &d)
	if err != nil {
		return argus.PhoneNumber{}, notFound(err, "PhoneNumber", id)
	}
	return phoneOf(d), nil
}

// CreatePhoneNumber stores a number (already validated, in E.164 form) for
// the user: an sms destination.
func (s *Store) CreatePhoneNumber(ctx context.Context, userID int64, number string) (argus.PhoneNumber, error) {
	p := argus.PhoneNumber{UserID: userID, Number: number}
	err := s.write(ctx, func(q queryer) error {
		return q.QueryRowContext(ctx, `INSERT INTO argus_notificationprofile_destinationconfig (user_id, media_id, settings)
			VALUES ($1, 'sms', $2) RETURNING id`, userID, settingsOf(argus.MediumSMS, number)).Scan(&p.ID)
	})
	if err != nil {
		return p, fmt.Errorf("store: create phone number: %w", err)
	}
	return p, nil
}

// UpdatePhoneNumber changes one of the user's numbers.
func (s *Store) UpdatePhoneNumber(ctx context.Context, userID, id int64, number string) (argus.PhoneNumber, error) {
	p := argus.PhoneNumber{ID: id, UserID: userID, Number: number}
	res, err := s.profileExec(ctx, userID, `UPDATE argus_notificationprofile_destinationconfig SET settings = $3
		WHERE id = $1 AND user_id = $2 AND media_id = 'sms'`, id, userID, settingsOf(argus.MediumSMS, number))
	if err != nil {
		return p, fmt.Errorf("store: update phone number %d: %w", id, err)
	}
	return p, mustAffect(res, "PhoneNumber", id)
}

// DeletePhoneNumber deletes one of the user's numbers; profiles that used
// it keep no number (D17).
func (s *Store) DeletePhoneNumber(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_notificationprofile_destinationconfig
		WHERE id = $1 AND user_id = $2 AND media_id = 'sms'`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete phone number %d: %w", id, err)
	}
	return mustAffect(res, "PhoneNumber", id)
}
