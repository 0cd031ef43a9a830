package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Failures of the account operations, for each face to word (on API v1:
// DRF's 400 and 401 messages).
var (
	// ErrBadCredentials: no active user has this username and password.
	// Which of the three it was is not said.
	ErrBadCredentials = errors.New("auth: unable to log in with provided credentials")
	// ErrUnknownToken: no token has this key.
	ErrUnknownToken = errors.New("auth: invalid token")
	// ErrTokenExpired: the token has outlived the token lifetime (D4); it
	// is deleted.
	ErrTokenExpired = errors.New("auth: token has expired")
	// ErrInactive: the token's user is inactive.
	ErrInactive = errors.New("auth: user inactive or deleted")
	// ErrNoToken: the user has no legacy token to refresh.
	ErrNoToken = errors.New("auth: no token to refresh")
)

// Accounts are the operations on users' credentials — logging in with a
// password, issuing and checking tokens, setting passwords, sessions —
// written once for every face: the APIs, the web UI and the command line.
type Accounts struct {
	// SessionLifetime is how long a web session lasts at most
	// (ARGUS_SESSION_EXPIRES_AFTER_DAYS), SessionIdle how long it lasts
	// unused (D35). Defaults 14 days and 3 days.
	SessionLifetime, SessionIdle time.Duration
	// KnoxTTL is how long knox tokens live (ARGUS_AUTH_TOKEN_TTL, D30);
	// 0: for ever. Default 10 hours.
	KnoxTTL time.Duration

	st       *store.Store
	now      func() time.Time
	tokenTTL time.Duration
	// dummy is a hash checked when the username is unknown, so that a
	// login takes as long whether or not the user exists. It is made on
	// first use: hashing costs tens of milliseconds and 19 MiB, which a
	// command that never logs anyone in should not pay.
	dummy func() (string, error)
}

// NewAccounts returns the account operations over st, on the clock now,
// with tokens living tokenTTL (D4).
func NewAccounts(st *store.Store, now func() time.Time, tokenTTL time.Duration) *Accounts {
	return &Accounts{
		SessionLifetime: 14 * 24 * time.Hour, SessionIdle: 3 * 24 * time.Hour, KnoxTTL: 10 * time.Hour,
		st: st, now: now, tokenTTL: tokenTTL,
		dummy: sync.OnceValues(func() (string, error) { return HashPassword("not a password") }),
	}
}

// Login checks a username and password. It answers ErrBadCredentials for
// an unknown user, a wrong password and an inactive user alike, taking
// the same time for each. A Django hash that matches is replaced with our
// own (D22), and the login time is recorded.
func (a *Accounts) Login(ctx context.Context, username, password string) (argus.User, error) {
	u, err := a.st.UserByUsername(ctx, username)
	if errors.Is(err, argus.ErrNotFound) {
		dummy, err := a.dummy()
		if err != nil {
			return argus.User{}, err
		}
		CheckPassword(dummy, password)
		return argus.User{}, ErrBadCredentials
	}
	if err != nil {
		return argus.User{}, err
	}
	ok, rehash := CheckPassword(u.Password, password)
	if !ok || !u.IsActive {
		return argus.User{}, ErrBadCredentials
	}
	if rehash {
		if err := a.setPassword(ctx, u.ID, password); err != nil {
			return argus.User{}, err
		}
	}
	now := a.now()
	if err := a.st.RecordLogin(ctx, u.ID, now); err != nil {
		return argus.User{}, err
	}
	u.LastLogin = &now
	return u, nil
}

// IssueToken gives the user a new API token, replacing the one it had
// (D4), and returns its key: the only time the key is known, as the store
// keeps its hash.
func (a *Accounts) IssueToken(ctx context.Context, userID int64) (string, error) {
	key := NewKey()
	if err := a.st.RotateToken(ctx, userID, HashKey(key), a.now()); err != nil {
		return "", err
	}
	return key, nil
}

// UserByToken returns the user whose token, legacy or knox, has this key:
// ErrUnknownToken, ErrInactive or ErrTokenExpired (the token is then
// deleted) when none may act.
func (a *Accounts) UserByToken(ctx context.Context, key string) (argus.User, error) {
	u, _, err := a.UserByAnyToken(ctx, key)
	return u, err
}

// UserByAnyToken is UserByToken, also saying which token it was: knox is
// the knox digest of a knox token (D30), "" for a legacy one. As in Argus
// 2.x, the legacy tokens are asked first; an expired legacy token answers
// ErrTokenExpired, an expired knox token ErrUnknownToken.
func (a *Accounts) UserByAnyToken(ctx context.Context, key string) (u argus.User, knox string, err error) {
	keyHash := HashKey(key)
	u, tok, err := a.st.UserByToken(ctx, keyHash)
	switch {
	case errors.Is(err, argus.ErrNotFound):
		return a.userByKnoxToken(ctx, key)
	case err != nil:
		return argus.User{}, "", err
	case !u.IsActive:
		return argus.User{}, "", ErrInactive
	case tok.Expired(a.now(), a.tokenTTL):
		if err := a.st.DeleteToken(ctx, keyHash); err != nil {
			return argus.User{}, "", err
		}
		return argus.User{}, "", ErrTokenExpired
	}
	return u, "", nil
}

func (a *Accounts) userByKnoxToken(ctx context.Context, key string) (argus.User, string, error) {
	if !isKnoxKey(key) {
		return argus.User{}, "", ErrUnknownToken
	}
	digest := KnoxDigest(key)
	u, _, err := a.st.UserByKnoxToken(ctx, digest, a.now())
	switch {
	case errors.Is(err, argus.ErrNotFound):
		return argus.User{}, "", ErrUnknownToken
	case err != nil:
		return argus.User{}, "", err
	case !u.IsActive:
		return argus.User{}, "", ErrInactive
	}
	return u, digest, nil
}

// IssueKnoxToken makes a new knox token for the user, beside any others
// (D30), living KnoxTTL (none when KnoxTTL is 0), and records the login.
// It returns the key, shown this once, and its expiry (nil: never).
func (a *Accounts) IssueKnoxToken(ctx context.Context, userID int64) (string, *time.Time, error) {
	key := NewKnoxKey()
	now := a.now()
	t := store.KnoxToken{Digest: KnoxDigest(key), TokenKey: key[:knoxTokenKeyLength], UserID: userID, Created: now}
	if a.KnoxTTL > 0 {
		t.Expiry = new(now.Add(a.KnoxTTL))
	}
	if err := a.st.CreateKnoxToken(ctx, t); err != nil {
		return "", nil, err
	}
	if err := a.st.RecordLogin(ctx, userID, now); err != nil {
		return "", nil, err
	}
	return key, t.Expiry, nil
}

// RevokeKnoxToken deletes the knox token with this digest
// (auth/token/logout/).
func (a *Accounts) RevokeKnoxToken(ctx context.Context, digest string) error {
	return a.st.DeleteKnoxToken(ctx, digest)
}

// RevokeKnoxTokens deletes every knox token of the user
// (auth/token/logoutall).
func (a *Accounts) RevokeKnoxTokens(ctx context.Context, userID int64) error {
	return a.st.DeleteKnoxTokens(ctx, userID)
}

// RefreshToken replaces the user's legacy token with a new one
// (auth/refresh-token/): ErrNoToken when the user has none to replace.
func (a *Accounts) RefreshToken(ctx context.Context, userID int64) (string, error) {
	has, err := a.st.HasToken(ctx, userID)
	if err != nil {
		return "", err
	}
	if !has {
		return "", ErrNoToken
	}
	return a.IssueToken(ctx, userID)
}

// RevokeToken deletes the user's token, if any.
func (a *Accounts) RevokeToken(ctx context.Context, userID int64) error {
	return a.st.DeleteUserToken(ctx, userID)
}

// SetPassword gives the user a new password, hashed (D22).
func (a *Accounts) SetPassword(ctx context.Context, userID int64, password string) error {
	if password == "" {
		return argus.Invalid("password", argus.CodeBlank)
	}
	return a.setPassword(ctx, userID, password)
}

func (a *Accounts) setPassword(ctx context.Context, userID int64, password string) error {
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return a.st.SetPassword(ctx, userID, h)
}

// CreateUser creates a user with the password, hashed; an empty password
// makes one that cannot log in with a password.
func (a *Accounts) CreateUser(ctx context.Context, nu store.NewUser, password string) (argus.User, error) {
	nu.Password = argus.UnusablePassword()
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return argus.User{}, err
		}
		nu.Password = h
	}
	return a.st.CreateUser(ctx, nu, a.now())
}

// StartSession starts a web login session of the user and returns its
// key, for the session cookie (D35): 256 random bits, of which the store
// keeps a hash. It ends after SessionIdle unused, and after
// SessionLifetime in any case.
func (a *Accounts) StartSession(ctx context.Context, userID int64) (string, error) {
	key := NewSessionKey()
	now := a.now()
	if err := a.st.CreateSession(ctx, userID, HashKey(key), now, now.Add(min(a.SessionIdle, a.SessionLifetime))); err != nil {
		return "", fmt.Errorf("auth: start session: %w", err)
	}
	return key, nil
}

// UserBySession returns the active user of an unexpired session, or
// ErrNotFound, and moves the session's idle expiry on (at most once a
// minute, so that a busy page does not write on every request).
func (a *Accounts) UserBySession(ctx context.Context, key string) (argus.User, error) {
	now := a.now()
	u, ss, err := a.st.UserBySession(ctx, HashKey(key), now)
	if err != nil {
		return argus.User{}, err
	}
	if !u.IsActive {
		return argus.User{}, fmt.Errorf("auth: session of inactive user %d: %w", u.ID, argus.ErrNotFound)
	}
	expires := now.Add(a.SessionIdle)
	if end := ss.Created.Add(a.SessionLifetime); end.Before(expires) {
		expires = end
	}
	if expires.Sub(ss.Expires) > time.Minute {
		if err := a.st.ExtendSession(ctx, HashKey(key), expires); err != nil {
			return argus.User{}, err
		}
	}
	return u, nil
}

// EndSession ends the session with this key, if it exists.
func (a *Accounts) EndSession(ctx context.Context, key string) error {
	return a.st.DeleteSession(ctx, HashKey(key))
}
