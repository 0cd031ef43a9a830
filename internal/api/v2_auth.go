package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/argus-go/argus/internal/auth"
)

// API v2's token endpoints (api-v2.md §3, D30) and its user objects
// (§4.2).

// refreshToken answers POST /api/v2/auth/refresh-token/: the caller's
// legacy token is replaced by a new one; without one to replace, 400.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := UserFrom(ctx)
	key, err := s.accounts.RefreshToken(ctx, u.ID)
	if errors.Is(err, auth.ErrNoToken) {
		return ListError{fmt.Sprintf("No token for the user '%s' exists, one needs to be created in the admin interface.", u.Username)}
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"token": key})
	return nil
}

// knoxLogin answers POST /api/v2/auth/token/login/ (§3.3): the caller,
// known by a JSON body with username and password or else by any other
// authentication, gets a new knox token. Every refusal is 403, as the
// original's (its first authenticator sends no challenge), with a plain
// message rather than its Python repr (D30, v2-bug-11).
func (s *Server) knoxLogin(w http.ResponseWriter, r *http.Request) {
	refuse := func(detail string) { WriteJSON(w, http.StatusForbidden, detailBody{detail}) }
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		w.Header().Set("Allow", "OPTIONS, POST")
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "OPTIONS, POST")
		WriteJSON(w, http.StatusMethodNotAllowed, detailBody{`Method "` + r.Method + `" not allowed.`})
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			// A body cut short or malformed on the wire is the client's
			// fault, as ReadBody says for every other endpoint.
			err = errBadRequest("JSON parse error - " + err.Error())
		}
		s.v2.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	var userID int64
	if len(bytes.TrimSpace(data)) > 0 {
		var b Body
		if err := json.Unmarshal(data, &b); err != nil {
			refuse("JSON parse error - " + err.Error())
			return
		}
		errs := FieldErrors{}
		username, _ := b.Str(errs, "username", MaxUsernameLength, StrOpts{Required: true})
		password, _ := b.Str(errs, "password", MaxPasswordLength, StrOpts{Required: true, NoTrim: true})
		if len(errs) > 0 {
			refuse(errs.Error())
			return
		}
		u, err := s.accounts.Login(ctx, username, password)
		if errors.Is(err, auth.ErrBadCredentials) {
			refuse("Unable to log in with provided credentials.")
			return
		}
		if err != nil {
			s.v2.WriteError(w, r, err)
			return
		}
		userID = u.ID
	} else {
		r2, err := s.v2.Authenticate(r)
		var he *httpError
		switch {
		case errors.As(err, &he):
			refuse(he.detail)
			return
		case err != nil:
			s.v2.WriteError(w, r, err)
			return
		case UserFrom(r2.Context()) == nil:
			refuse(msgNotAuthenticated)
			return
		}
		userID = UserFrom(r2.Context()).ID
	}
	key, expiry, err := s.accounts.IssueKnoxToken(ctx, userID)
	if err != nil {
		s.v2.WriteError(w, r, err)
		return
	}
	out := struct {
		Expiry *string `json:"expiry"`
		Token  string  `json:"token"`
	}{Token: key}
	if expiry != nil {
		out.Expiry = new(formatTime(*expiry, s.loc))
	}
	WriteJSON(w, http.StatusOK, out)
}

// knoxLogout answers POST /api/v2/auth/token/logout/ (the knox token of
// the request) and, with all, /api/v2/auth/token/logoutall (every knox
// token of the caller): knox tokens only (§3.4).
func (s *Server) knoxLogout(all bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		u := UserFrom(ctx)
		digest, _ := ctx.Value(knoxKey{}).(string)
		switch {
		case u == nil || ctx.Value(sessionKey{}) != nil:
			return errUnauthenticated(msgNotAuthenticated)
		case digest == "":
			return errUnauthenticated("Invalid token.")
		}
		var err error
		if all {
			err = s.accounts.RevokeKnoxTokens(ctx, u.ID)
		} else {
			err = s.accounts.RevokeKnoxToken(ctx, digest)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// currentUserV2JSON is GET /api/v2/auth/user/ (§4.2): no pk, no phone
// numbers, and where staff administer: null for everyone, as we serve no
// Django admin (a link to /admin/ would be a dead one; clients show an
// admin link only when it is set).
type currentUserV2JSON struct {
	Username  string  `json:"username"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Email     string  `json:"email"`
	AdminURL  *string `json:"admin_url"`
}

func (s *Server) currentUserV2(w http.ResponseWriter, r *http.Request) error {
	u := UserFrom(r.Context())
	out := currentUserV2JSON{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
	WriteJSON(w, http.StatusOK, out)
	return nil
}
