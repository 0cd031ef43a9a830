package api

import (
	"errors"
	"net/http"

	"github.com/argus-go/argus/internal/auth"
)

// obtainToken answers POST /api/v1/token-auth/ and /oidc/api-token-auth/
// (D4): the user's old token is replaced by a new one on every call. A
// Django password hash is replaced on the way (D22).
func (s *Server) obtainToken(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	username, _ := b.Str(errs, "username", MaxUsernameLength, StrOpts{Required: true})
	password, _ := b.Str(errs, "password", MaxPasswordLength, StrOpts{Required: true, NoTrim: true})
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
	WriteJSON(w, http.StatusOK, map[string]string{"token": key})
	return nil
}

// logout answers POST /api/v1/auth/logout/: it deletes the caller's token
// and ends the session, and answers 200 with an empty body even when
// nobody is logged in.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if u := UserFrom(ctx); u != nil {
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
	u := UserFrom(r.Context())
	phones, err := s.store.PhoneNumbers(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := userJSON{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		PhoneNumbers: make([]phoneNumberJSON, len(phones))}
	for i, p := range phones {
		out.PhoneNumbers[i] = renderPhoneNumber(p)
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, basicUserJSON{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	return nil
}
