package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// NewUser is what CreateUser needs. Password is an encoded hash (package
// auth), or an unusable one.
type NewUser struct {
	Username    string
	Password    string
	Email       string
	FirstName   string
	LastName    string
	IsStaff     bool
	IsSuperuser bool
}

// userColumns selects a user with the pk of its source system (0 for end
// users); scanUser reads them.
const userColumns = `u.id, u.username, u.password, u.first_name, u.last_name, u.email,
	u.is_staff, u.is_superuser, u.is_active, u.last_login, u.date_joined, COALESCE(s.id, 0)`

const userFrom = `argus_auth_user u` + userSourceJoin

// userSourceJoin adds a user's source system to a query that joined u.
const userSourceJoin = ` LEFT JOIN argus_incident_sourcesystem s ON s.user_id = u.id`

// scanUser reads userColumns, then any extra columns into extra.
func scanUser(row interface{ Scan(...any) error }, u *argus.User, extra ...any) error {
	dest := []any{&u.ID, &u.Username, &u.Password, &u.FirstName, &u.LastName, &u.Email,
		&u.IsStaff, &u.IsSuperuser, &u.IsActive, scanNullTime(&u.LastLogin), scanTime(&u.DateJoined), &u.SourceID}
	return row.Scan(append(dest, extra...)...)
}

// CreateUser creates a user and, in the same transaction, its "All the
// time" timeslot (api-v1.md §2.1). A taken username is
// CodeUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, nu NewUser, now time.Time) (argus.User, error) {
	var u argus.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.createUser(ctx, tx, nu, now)
		return err
	})
	return u, err
}

func (s *Store) createUser(ctx context.Context, tx *sql.Tx, nu NewUser, now time.Time) (argus.User, error) {
	if err := argus.ValidateUsername(nu.Username); err != nil {
		return argus.User{}, err
	}
	taken, err := s.usernameTaken(ctx, tx, nu.Username)
	if err != nil {
		return argus.User{}, err
	}
	if taken {
		return argus.User{}, argus.Conflict("User", "username", argus.CodeUsernameTaken)
	}
	u := argus.User{
		Username: nu.Username, Password: nu.Password, Email: nu.Email,
		FirstName: nu.FirstName, LastName: nu.LastName,
		IsStaff: nu.IsStaff, IsSuperuser: nu.IsSuperuser, IsActive: true,
		DateJoined: now.UTC().Truncate(time.Microsecond),
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO argus_auth_user (username, password, email, first_name, last_name,
			is_staff, is_superuser, is_active, date_joined)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.Username, u.Password, u.Email, u.FirstName, u.LastName,
		u.IsStaff, u.IsSuperuser, u.IsActive, s.dialect.t(u.DateJoined),
	).Scan(&u.ID)
	if isUniqueViolation(err) {
		return argus.User{}, argus.Conflict("User", "username", argus.CodeUsernameTaken)
	}
	if err != nil {
		return argus.User{}, fmt.Errorf("store: create user %q: %w", nu.Username, err)
	}
	if _, err := s.createTimeslot(ctx, tx, argus.DefaultTimeslot(u.ID)); err != nil {
		return argus.User{}, err
	}
	if err := s.syncManagedEmail(ctx, tx, u.ID, u.Email); err != nil {
		return argus.User{}, err
	}
	return u, nil
}

func (s *Store) usernameTaken(ctx context.Context, q queryer, username string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_auth_user WHERE username = $1`, username).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: look up username: %w", err)
	}
	return n > 0, nil
}

// User returns the user with the given pk.
func (s *Store) User(ctx context.Context, id int64) (argus.User, error) {
	var u argus.User
	err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM `+userFrom+` WHERE u.id = $1`, id), &u)
	if err != nil {
		return u, notFound(err, "User", id)
	}
	return u, nil
}

// UserByUsername returns the user with the given username.
func (s *Store) UserByUsername(ctx context.Context, username string) (argus.User, error) {
	var u argus.User
	err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM `+userFrom+` WHERE u.username = $1`, username), &u)
	if err != nil {
		return u, notFound(err, "User", username)
	}
	return u, nil
}

// CountUsers returns how many users exist; serve runs initial setup when
// there are none.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM argus_auth_user`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// SetPassword stores a new password hash for the user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.updateUser(ctx, userID, `UPDATE argus_auth_user SET password = $2 WHERE id = $1`, hash)
}

// SetUserDetails replaces the user's names and email address, as a login
// provider tells them; the managed email destination follows the address
// (api-v2.md §2.10).
func (s *Store) SetUserDetails(ctx context.Context, userID int64, first, last, email string) error {
	return s.profileTx(ctx, userID, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM argus_auth_user WHERE id = $1`, userID).Scan(&old); err != nil {
			return notFound(err, "User", userID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE argus_auth_user SET first_name = $2, last_name = $3, email = $4 WHERE id = $1`,
			userID, first, last, email); err != nil {
			return fmt.Errorf("store: update user %d: %w", userID, err)
		}
		if email == old {
			return nil
		}
		return s.syncManagedEmail(ctx, tx, userID, email)
	})
}

// SetSuperuser sets or clears both is_superuser and is_staff, as
// grantsuperuser and revokesuperuser do.
func (s *Store) SetSuperuser(ctx context.Context, userID int64, on bool) error {
	return s.updateUser(ctx, userID, `UPDATE argus_auth_user SET is_superuser = $2, is_staff = $2 WHERE id = $1`, on)
}

// RecordLogin sets the user's last_login.
func (s *Store) RecordLogin(ctx context.Context, userID int64, now time.Time) error {
	return s.updateUser(ctx, userID, `UPDATE argus_auth_user SET last_login = $2 WHERE id = $1`, s.dialect.t(now))
}

func (s *Store) updateUser(ctx context.Context, userID int64, query string, arg any) error {
	res, err := s.exec(ctx, query, userID, arg)
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", userID, err)
	}
	return mustAffect(res, "User", userID)
}

// RotateToken replaces the user's API token with one whose key hashes to
// keyHash (D4: every issue rotates).
func (s *Store) RotateToken(ctx context.Context, userID int64, keyHash string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM argus_auth_token WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: delete token: %w", err)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO argus_auth_token (key_hash, user_id, created) VALUES ($1, $2, $3)`,
			keyHash, userID, s.dialect.t(now))
		if err != nil {
			return fmt.Errorf("store: create token for user %d: %w", userID, err)
		}
		return nil
	})
}

// UserByToken returns the user owning the token whose key hashes to
// keyHash, and the token.
func (s *Store) UserByToken(ctx context.Context, keyHash string) (argus.User, argus.Token, error) {
	var (
		u argus.User
		t argus.Token
	)
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+`, t.created
		FROM argus_auth_token t JOIN argus_auth_user u ON u.id = t.user_id`+userSourceJoin+` WHERE t.key_hash = $1`, keyHash)
	err := scanUser(row, &u, scanTime(&t.Created))
	if err != nil {
		return u, t, notFound(err, "Token", "")
	}
	t.UserID = u.ID
	return u, t, nil
}

// DeleteToken deletes the token whose key hashes to keyHash, if any.
func (s *Store) DeleteToken(ctx context.Context, keyHash string) error {
	if _, err := s.exec(ctx, `DELETE FROM argus_auth_token WHERE key_hash = $1`, keyHash); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	return nil
}

// DeleteUserToken deletes the user's token, if any.
func (s *Store) DeleteUserToken(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, `DELETE FROM argus_auth_token WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: delete token of user %d: %w", userID, err)
	}
	return nil
}

// CreateSession stores a web login session whose cookie value hashes to
// keyHash.
func (s *Store) CreateSession(ctx context.Context, userID int64, keyHash string, now, expires time.Time) error {
	_, err := s.exec(ctx,
		`INSERT INTO argus_auth_session (key_hash, user_id, created, expires) VALUES ($1, $2, $3, $4)`,
		keyHash, userID, s.dialect.t(now), s.dialect.t(expires))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session is a web login session as stored: the cookie's key is known
// only by its hash.
type Session struct {
	UserID  int64
	Created time.Time
	// Expires is when the session ends unless it is used again (idle
	// expiry); it never passes the absolute end the caller keeps.
	Expires time.Time
}

// UserBySession returns the user of an unexpired session, and the
// session. An expired session is deleted and reads as not found.
func (s *Store) UserBySession(ctx context.Context, keyHash string, now time.Time) (argus.User, Session, error) {
	var (
		u  argus.User
		ss Session
	)
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+`, ss.created, ss.expires
		FROM argus_auth_session ss JOIN argus_auth_user u ON u.id = ss.user_id`+userSourceJoin+` WHERE ss.key_hash = $1`, keyHash)
	err := scanUser(row, &u, scanTime(&ss.Created), scanTime(&ss.Expires))
	if err != nil {
		return u, ss, notFound(err, "Session", "")
	}
	ss.UserID = u.ID
	if !now.Before(ss.Expires) {
		if err := s.DeleteSession(ctx, keyHash); err != nil {
			return u, ss, err
		}
		return u, ss, fmt.Errorf("store: session expired: %w", argus.NotFound("Session"))
	}
	return u, ss, nil
}

// ExtendSession moves a session's expiry to expires.
func (s *Store) ExtendSession(ctx context.Context, keyHash string, expires time.Time) error {
	_, err := s.exec(ctx, `UPDATE argus_auth_session SET expires = $2 WHERE key_hash = $1`, keyHash, s.dialect.t(expires))
	if err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	return nil
}

// DeleteSession ends a session, if it exists.
func (s *Store) DeleteSession(ctx context.Context, keyHash string) error {
	if _, err := s.exec(ctx, `DELETE FROM argus_auth_session WHERE key_hash = $1`, keyHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
