package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
)

// SessionCookie is the name of the web UI's session cookie.
const SessionCookie = "sessionid"

// authenticate finds the caller: an "Authorization: Token <key>" header
// (keyword in any case), else a session cookie. A token header that is
// malformed, unknown, expired (the token is then deleted) or belongs to an
// inactive user answers 401 with DRF's message (api-v1.md §1); other
// schemes such as Bearer are ignored. Unsafe requests authenticated by the
// session cookie must come from the same origin (CSRF).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	ctx := r.Context()
	parts := strings.Fields(r.Header.Get("Authorization"))
	if len(parts) > 0 && strings.EqualFold(parts[0], "token") {
		switch {
		case len(parts) == 1:
			return r, errUnauthenticated("Invalid token header. No credentials provided.")
		case len(parts) > 2:
			return r, errUnauthenticated("Invalid token header. Token string should not contain spaces.")
		}
		u, err := s.accounts.UserByToken(ctx, parts[1])
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
		return r.WithContext(context.WithValue(ctx, userKey{}, &u)), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return r, nil
	}
	u, err := s.accounts.UserBySession(ctx, c.Value)
	switch {
	case errors.Is(err, argus.ErrNotFound):
		return r, nil
	case err != nil:
		return r, err
	}
	if err := s.csrf.Check(r); err != nil {
		return r, &httpError{status: http.StatusForbidden, detail: "CSRF Failed: " + err.Error()}
	}
	ctx = context.WithValue(ctx, userKey{}, &u)
	ctx = context.WithValue(ctx, sessionKey{}, c.Value)
	return r.WithContext(ctx), nil
}

// sessionKey is the context key of the session cookie value, set when the
// caller was authenticated by it.
type sessionKey struct{}

// obtainToken answers POST /api/v1/token-auth/ and /oidc/api-token-auth/
// (D4): the user's old token is replaced by a new one on every call. A
// Django password hash is replaced on the way (D22).
func (s *Server) obtainToken(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	username, _ := b.str(errs, "username", maxUsernameLength, strOpts{required: true})
	password, _ := b.str(errs, "password", maxPasswordLength, strOpts{required: true, noTrim: true})
	if err := errs.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.accounts.Login(ctx, username, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		return FieldErrors{"non_field_errors": []string{"Unable to log in with provided credentials."}}
	}
	if err != nil {
		return err
	}
	key, err := s.accounts.IssueToken(ctx, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": key})
	return nil
}

// logout answers POST /api/v1/auth/logout/: it deletes the caller's token
// and ends the session, and answers 200 with an empty body even when
// nobody is logged in.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if u := userFrom(ctx); u != nil {
		if err := s.accounts.RevokeToken(ctx, u.ID); err != nil {
			return err
		}
	}
	if key, ok := ctx.Value(sessionKey{}).(string); ok {
		if err := s.accounts.EndSession(ctx, key); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// userJSON is GET /api/v1/auth/user/: no pk (api-v1.md §4.1).
type userJSON struct {
	Username     string            `json:"username"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	Email        string            `json:"email"`
	PhoneNumbers []phoneNumberJSON `json:"phone_numbers"`
}

// basicUserJSON is GET /api/v1/auth/users/<pk>/: exactly four keys.
type basicUserJSON struct {
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	phones, err := s.store.PhoneNumbers(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := userJSON{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		PhoneNumbers: make([]phoneNumberJSON, len(phones))}
	for i, p := range phones {
		out.PhoneNumbers[i] = renderPhoneNumber(p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, basicUserJSON{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	return nil
}
