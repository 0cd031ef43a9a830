package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
)

// SessionCookie is the name of the web UI's session cookie.
const SessionCookie = "sessionid"

// Authenticate finds the caller: an "Authorization: Token <key>" header
// (keyword in any case), else a session cookie. A token header that is
// malformed, unknown, expired (the token is then deleted) or belongs to an
// inactive user answers 401 with DRF's message (api-v1.md §1); other
// schemes such as Bearer are ignored. Unsafe requests authenticated by the
// session cookie must come from the same origin (CSRF).
func (e *Endpoints) Authenticate(r *http.Request) (*http.Request, error) {
	ctx := r.Context()
	parts := strings.Fields(r.Header.Get("Authorization"))
	if len(parts) > 0 && strings.EqualFold(parts[0], "token") {
		switch {
		case len(parts) == 1:
			return r, errUnauthenticated("Invalid token header. No credentials provided.")
		case len(parts) > 2:
			return r, errUnauthenticated("Invalid token header. Token string should not contain spaces.")
		}
		u, knox, err := e.accounts.UserByAnyToken(ctx, parts[1])
		switch {
		case errors.Is(err, auth.ErrUnknownToken):
			return r, errUnauthenticated("Invalid token.")
		case errors.Is(err, auth.ErrInactive):
			return r, errUnauthenticated("User inactive or deleted.")
		case errors.Is(err, auth.ErrTokenExpired):
			return r, errUnauthenticated("Token has expired.")
		case err != nil:
			return r, err
		}
		httpserver.NoteUser(ctx, u.ID)
		ctx = context.WithValue(ctx, userKey{}, &u)
		if knox != "" {
			ctx = context.WithValue(ctx, knoxKey{}, knox)
		}
		return r.WithContext(ctx), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return r, nil
	}
	u, err := e.accounts.UserBySession(ctx, c.Value)
	switch {
	case errors.Is(err, argus.ErrNotFound):
		return r, nil
	case err != nil:
		return r, err
	}
	if err := e.csrf.Check(r); err != nil {
		return r, &httpError{status: http.StatusForbidden, detail: "CSRF Failed: " + err.Error()}
	}
	httpserver.NoteUser(ctx, u.ID)
	ctx = context.WithValue(ctx, userKey{}, &u)
	ctx = context.WithValue(ctx, sessionKey{}, c.Value)
	return r.WithContext(ctx), nil
}

// sessionKey is the context key of the session cookie value, set when the
// caller was authenticated by it.
type sessionKey struct{}

// knoxKey is the context key of the knox digest of the token the caller
// was authenticated by, when it was a knox token (D30).
type knoxKey struct{}
