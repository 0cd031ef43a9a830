package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/argus-go/argus/internal/argus"
)

// PhoneNumbers returns the user's phone numbers, newest first as the
// original lists them.
func (s *Store) PhoneNumbers(ctx context.Context, userID int64) ([]argus.PhoneNumber, error) {
	return collect(ctx, s.db, "list phone numbers", scanPhoneNumber,
		`SELECT id, user_id, phone_number FROM argus_auth_phonenumber WHERE user_id = $1 ORDER BY id DESC`, userID)
}

func scanPhoneNumber(row *sql.Rows, p *argus.PhoneNumber) error {
	return row.Scan(&p.ID, &p.UserID, &p.Number)
}

// PhoneNumber returns one of the user's phone numbers; another user's
// number is not found.
func (s *Store) PhoneNumber(ctx context.Context, userID, id int64) (argus.PhoneNumber, error) {
	var p argus.PhoneNumber
	err := s.db.QueryRowContext(ctx,
		`SELECT id, user_id, phone_number FROM argus_auth_phonenumber WHERE id = $1 AND user_id = $2`, id, userID,
	).Scan(&p.ID, &p.UserID, &p.Number)
	if err != nil {
		return p, notFound(err, "PhoneNumber", id)
	}
	return p, nil
}

// CreatePhoneNumber stores a number (already validated, in E.164 form) for
// the user.
func (s *Store) CreatePhoneNumber(ctx context.Context, userID int64, number string) (argus.PhoneNumber, error) {
	p := argus.PhoneNumber{UserID: userID, Number: number}
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO argus_auth_phonenumber (user_id, phone_number) VALUES ($1, $2) RETURNING id`, userID, number,
	).Scan(&p.ID)
	if err != nil {
		return p, fmt.Errorf("store: create phone number: %w", err)
	}
	return p, nil
}

// UpdatePhoneNumber changes one of the user's numbers.
func (s *Store) UpdatePhoneNumber(ctx context.Context, userID, id int64, number string) (argus.PhoneNumber, error) {
	p := argus.PhoneNumber{ID: id, UserID: userID, Number: number}
	res, err := s.profileExec(ctx, userID,
		`UPDATE argus_auth_phonenumber SET phone_number = $3 WHERE id = $1 AND user_id = $2`, id, userID, number)
	if err != nil {
		return p, fmt.Errorf("store: update phone number %d: %w", id, err)
	}
	return p, mustAffect(res, "PhoneNumber", id)
}

// DeletePhoneNumber deletes one of the user's numbers; profiles that used
// it keep no number (ON DELETE SET NULL, D17).
func (s *Store) DeletePhoneNumber(ctx context.Context, userID, id int64) error {
	res, err := s.profileExec(ctx, userID, `DELETE FROM argus_auth_phonenumber WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete phone number %d: %w", id, err)
	}
	return mustAffect(res, "PhoneNumber", id)
}
