package store

import (
	"context"
	"fmt"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// KnoxToken is a knox-style API token as stored (D30): knox's digest of
// the key (SHA-512, hex), its first characters, and when it expires (nil:
// never).
type KnoxToken struct {
	Digest   string
	TokenKey string
	UserID   int64
	Created  time.Time
	Expiry   *time.Time
}

// CreateKnoxToken stores a knox token.
func (s *Store) CreateKnoxToken(ctx context.Context, t KnoxToken) error {
	var expiry any
	if t.Expiry != nil {
		expiry = s.dialect.t(*t.Expiry)
	}
	_, err := s.exec(ctx, `INSERT INTO argus_auth_knoxtoken (digest, token_key, user_id, created, expiry)
		VALUES ($1, $2, $3, $4, $5)`, t.Digest, t.TokenKey, t.UserID, s.dialect.t(t.Created), expiry)
	if err != nil {
		return fmt.Errorf("store: create knox token for user %d: %w", t.UserID, err)
	}
	return nil
}

// UserByKnoxToken returns the token with this digest and its user. As
// knox does on every check, the user's tokens that expired before now are
// deleted, this one included (then it is not found); a check that finds
// none expired only reads.
func (s *Store) UserByKnoxToken(ctx context.Context, digest string, now time.Time) (argus.User, KnoxToken, error) {
	var (
		u       argus.User
		t       = KnoxToken{Digest: digest}
		expired int
	)
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+`, t.token_key, t.created, t.expiry,
			(SELECT COUNT(*) FROM argus_auth_knoxtoken x WHERE x.user_id = t.user_id AND x.expiry < $2)
		FROM argus_auth_knoxtoken t JOIN argus_auth_user u ON u.id = t.user_id`+userSourceJoin+` WHERE t.digest = $1`,
		digest, s.dialect.t(now))
	if err := scanUser(row, &u, &t.TokenKey, scanTime(&t.Created), scanNullTime(&t.Expiry), &expired); err != nil {
		return u, t, notFound(err, "Token", "")
	}
	t.UserID = u.ID
	if expired > 0 {
		if _, err := s.exec(ctx, `DELETE FROM argus_auth_knoxtoken WHERE user_id = $1 AND expiry < $2`,
			u.ID, s.dialect.t(now)); err != nil {
			return u, t, fmt.Errorf("store: delete expired knox tokens of user %d: %w", u.ID, err)
		}
		if t.Expiry != nil && t.Expiry.Before(now) {
			return argus.User{}, KnoxToken{}, fmt.Errorf("store: knox token: %w", argus.NotFound("Token"))
		}
	}
	return u, t, nil
}

// DeleteKnoxToken deletes the knox token with this digest, if any.
func (s *Store) DeleteKnoxToken(ctx context.Context, digest string) error {
	if _, err := s.exec(ctx, `DELETE FROM argus_auth_knoxtoken WHERE digest = $1`, digest); err != nil {
		return fmt.Errorf("store: delete knox token: %w", err)
	}
	return nil
}

// DeleteKnoxTokens deletes every knox token of the user.
func (s *Store) DeleteKnoxTokens(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, `DELETE FROM argus_auth_knoxtoken WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: delete knox tokens of user %d: %w", userID, err)
	}
	return nil
}

// HasToken reports whether the user has a legacy API token (D4).
func (s *Store) HasToken(ctx context.Context, userID int64) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_auth_token WHERE user_id = $1`, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: look up token of user %d: %w", userID, err)
	}
	return n > 0, nil
}
