package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/httpserver"
)

// loginCookie carries a login with a provider from its start to its
// callback (D35): state, nonce and PKCE verifier, signed with SECRET_KEY
// and short-lived, so that any instance finishes a login another began
// and nothing is kept in memory.
const loginCookie = "argus_oidc"

// loginTTL is how long a login at a provider may take.
const loginTTL = 10 * time.Minute

// pendingLogin is what the cookie holds.
type pendingLogin struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

func (s *Server) sign(payload string) string {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *Server) sealLogin(p pendingLogin) (string, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(data)
	return payload + "." + s.sign(payload), nil
}

// openLogin reads and checks the login cookie: signed by us, for this
// provider, not expired.
func (s *Server) openLogin(r *http.Request, provider string) (pendingLogin, bool) {
	var p pendingLogin
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return p, false
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return p, false
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(data, &p) != nil {
		return p, false
	}
	return p, p.Provider == provider && s.now().Unix() < p.Expires
}

func (s *Server) provider(name string) auth.Provider {
	for _, p := range s.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// callbackURL is where the provider sends the browser back: on this
// server, as the browser reached it.
func callbackURL(r *http.Request, provider string) string {
	return httpserver.PeerFrom(r).Scheme + "://" + r.Host + "/oidc/complete/" + provider + "/"
}

// oidcLogin answers GET /oidc/login/<provider>/: a new login's state,
// nonce and PKCE verifier go into the signed cookie, and the browser to
// the provider.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	p := s.provider(r.PathValue("provider"))
	if p == nil {
		s.fail(w, r, errNoProvider)
		return
	}
	pl := pendingLogin{
		Provider: p.Name(), State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next")), Expires: s.now().Add(loginTTL).Unix(),
	}
	target, err := p.AuthCodeURL(pl.State, pl.Nonce, pl.Verifier, callbackURL(r, p.Name()))
	if err != nil {
		s.log.ErrorContext(r.Context(), "login provider", slog.String("provider", p.Name()), slog.Any("error", err))
		s.render(w, r, http.StatusBadGateway, "problem", problem{page: s.pageOf(r, "Login failed"), Status: 502,
			Message: p.Title() + " cannot be reached now. Try again later, or log in with a password."})
		return
	}
	sealed, err := s.sealLogin(pl)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: sealed, Path: "/oidc/", MaxAge: int(loginTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: httpserver.PeerFrom(r).Scheme == "https",
	})
	http.Redirect(w, r, target, http.StatusFound)
}

var errNoProvider = fmt.Errorf("web: no such login provider: %w", argus.ErrNotFound)

// oidcComplete answers GET /oidc/complete/<provider>/ (api-v1.md §3.3):
// the provider's code is redeemed, the user made or updated, a session
// started; with a frontend configured (ARGUS_FRONTEND_URL) the browser
// goes there with a "token" cookie for the API, as the original did,
// else back into the web UI.
func (s *Server) oidcComplete(w http.ResponseWriter, r *http.Request) {
	p := s.provider(r.PathValue("provider"))
	if p == nil {
		s.fail(w, r, errNoProvider)
		return
	}
	pl, ok := s.openLogin(r, p.Name())
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/oidc/", MaxAge: -1, HttpOnly: true})
	q := r.URL.Query()
	fail := func(status int, msg string) {
		s.render(w, r, status, "problem", problem{page: s.pageOf(r, "Login failed"), Status: status, Message: msg})
	}
	switch {
	case !ok || q.Get("state") == "" || !hmac.Equal([]byte(q.Get("state")), []byte(pl.State)):
		fail(http.StatusBadRequest, "This login was not started here, or took too long. Start again.")
		return
	case q.Get("error") != "":
		fail(http.StatusBadRequest, p.Title()+" did not log you in ("+q.Get("error")+").")
		return
	case q.Get("code") == "":
		fail(http.StatusBadRequest, p.Title()+" sent no code.")
		return
	}
	id, err := p.Identify(r.Context(), q.Get("code"), pl.Verifier, pl.Nonce, callbackURL(r, p.Name()))
	if errors.Is(err, auth.ErrWrongAudience) {
		fail(http.StatusBadRequest, "Wrong audience: "+p.Title()+"'s answer was meant for another service.")
		return
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "login provider", slog.String("provider", p.Name()), slog.Any("error", err),
			slog.String("request_id", httpserver.RequestID(r.Context())))
		fail(http.StatusBadRequest, "The login at "+p.Title()+" did not work. Start again.")
		return
	}
	u, err := s.accounts.LoginWith(r.Context(), id)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		fail(http.StatusForbidden, "Your account here is not active.")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	key, err := s.accounts.StartSession(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setSession(w, r, key, s.accounts.SessionLifetime)
	if s.frontendURL == "" {
		http.Redirect(w, r, pl.Next, http.StatusSeeOther)
		return
	}
	token, err := s.accounts.IssueToken(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Read by the frontend's script, as the original's was: not HttpOnly.
	http.SetCookie(w, &http.Cookie{
		Name: "token", Value: token, Path: "/", Domain: s.cookieDomain, SameSite: http.SameSiteLaxMode,
		Secure: httpserver.PeerFrom(r).Scheme == "https",
	})
	http.Redirect(w, r, s.frontendURL, http.StatusMovedPermanently)
}
