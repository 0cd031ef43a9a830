package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Identity is who a login provider says logged in.
type Identity struct {
	Username  string
	Email     string
	FirstName string
	LastName  string
}

// ErrWrongAudience is a provider's answer meant for another client: the
// original's "Wrong audience".
var ErrWrongAudience = errors.New("auth: wrong audience")

// Provider is a way to log in somewhere else (api-v1.md §3.3): Feide
// through Dataporten, or any OpenID Connect provider.
type Provider interface {
	// Name is the backend's name in the login and callback URLs
	// (/oidc/login/<name>/).
	Name() string
	// Title is how the login page names it ("Feide").
	Title() string
	// AuthCodeURL is where the browser goes to log in; state, nonce and
	// the PKCE verifier come back to Identify.
	AuthCodeURL(state, nonce, verifier, redirectURL string) (string, error)
	// Identify redeems the code the provider sent back and says who
	// logged in. ErrWrongAudience: the answer was for another client.
	Identify(ctx context.Context, code, verifier, nonce, redirectURL string) (Identity, error)
}

// httpClient is the client of every call to a provider: never one without
// a timeout.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// Dataporten is Feide through Dataporten's OAuth2, as the original's
// python-social-auth backend "dataporten_feide": the username is the part
// after "feide:" of the user's Feide id.
type Dataporten struct {
	ClientID, ClientSecret string
	// AuthURL, TokenURL and UserinfoURL are Dataporten's; tests point them
	// elsewhere.
	AuthURL, TokenURL, UserinfoURL string
}

// NewDataporten is Feide through Dataporten with the client of
// ARGUS_DATAPORTEN_KEY and ARGUS_DATAPORTEN_SECRET.
func NewDataporten(clientID, clientSecret string) *Dataporten {
	return &Dataporten{
		ClientID: clientID, ClientSecret: clientSecret,
		AuthURL:     "https://auth.dataporten.no/oauth/authorization",
		TokenURL:    "https://auth.dataporten.no/oauth/token",
		UserinfoURL: "https://auth.dataporten.no/userinfo",
	}
}

// Name implements Provider.
func (d *Dataporten) Name() string { return "dataporten_feide" }

// Title implements Provider.
func (d *Dataporten) Title() string { return "Feide" }

func (d *Dataporten) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: d.ClientID, ClientSecret: d.ClientSecret, RedirectURL: redirectURL,
		Endpoint: oauth2.Endpoint{AuthURL: d.AuthURL, TokenURL: d.TokenURL},
		Scopes:   []string{"userid", "profile", "userid-feide", "email"},
	}
}

// AuthCodeURL implements Provider. Dataporten's OAuth2 has no nonce.
func (d *Dataporten) AuthCodeURL(state, _, verifier, redirectURL string) (string, error) {
	return d.config(redirectURL).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil
}

// Identify implements Provider: the code for a token, the token for the
// userinfo, whose audience must be this client.
func (d *Dataporten) Identify(ctx context.Context, code, verifier, _, redirectURL string) (Identity, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, httpClient)
	tok, err := d.config(redirectURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("auth: dataporten token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.UserinfoURL, nil)
	if err != nil {
		return Identity{}, fmt.Errorf("auth: dataporten userinfo: %w", err)
	}
	tok.SetAuthHeader(req)
	resp, err := httpClient.Do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("auth: dataporten userinfo: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Identity{}, fmt.Errorf("auth: dataporten userinfo: %s", resp.Status)
	}
	var info struct {
		Audience string `json:"audience"`
		User     struct {
			UserIDSec []string `json:"userid_sec"`
			Name      string   `json:"name"`
			Email     string   `json:"email"`
		} `json:"user"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return Identity{}, fmt.Errorf("auth: dataporten userinfo: %w", err)
	}
	if info.Audience != d.ClientID {
		return Identity{}, ErrWrongAudience
	}
	id := Identity{Email: info.User.Email}
	for _, s := range info.User.UserIDSec {
		if rest, ok := strings.CutPrefix(s, "feide:"); ok {
			id.Username = rest
			break
		}
	}
	if id.Username == "" {
		return Identity{}, errors.New("auth: dataporten: the user has no Feide id")
	}
	id.FirstName, id.LastName = splitName(info.User.Name)
	return id, nil
}

// splitName splits a full name as the original did: the last word is the
// last name, the rest the first name.
func splitName(full string) (first, last string) {
	words := strings.Fields(full)
	if len(words) == 0 {
		return "", ""
	}
	return strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}

// OIDC is any OpenID Connect provider found through discovery (Keycloak,
// Entra ID, Feide's own OIDC…): ARGUS_OIDC_ISSUER, ARGUS_OIDC_CLIENT_ID,
// ARGUS_OIDC_CLIENT_SECRET and ARGUS_OIDC_NAME.
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	// BackendName is the name in the URLs; DisplayName the login page's.
	BackendName, DisplayName string

	mu       sync.Mutex
	provider *oidc.Provider
}

// Name implements Provider.
func (o *OIDC) Name() string { return o.BackendName }

// Title implements Provider.
func (o *OIDC) Title() string { return o.DisplayName }

// discover reads the provider's configuration once, on first use, so
// that Argus starts even while the provider is down.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, httpClient), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover %s: %w", o.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) config(p *oidc.Provider, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: redirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}
}

// AuthCodeURL implements Provider.
func (o *OIDC) AuthCodeURL(state, nonce, verifier, redirectURL string) (string, error) {
	p, err := o.discover(context.Background())
	if err != nil {
		return "", err
	}
	return o.config(p, redirectURL).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Identify implements Provider: the code for tokens, the ID token
// verified (signature, issuer, audience, expiry, nonce), and the user
// from its claims: preferred_username, else the email address.
func (o *OIDC) Identify(ctx context.Context, code, verifier, nonce, redirectURL string) (Identity, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	ctx = oidc.ClientContext(ctx, httpClient)
	tok, err := o.config(p, redirectURL).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("auth: oidc token: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Identity{}, errors.New("auth: oidc: no id_token in the token response")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.ClientID}).Verify(ctx, raw)
	if err != nil {
		if strings.Contains(err.Error(), "audience") {
			return Identity{}, fmt.Errorf("%w: %w", ErrWrongAudience, err)
		}
		return Identity{}, fmt.Errorf("auth: oidc id token: %w", err)
	}
	if idt.Nonce != nonce {
		return Identity{}, errors.New("auth: oidc: the id token's nonce is not this login's")
	}
	var c struct {
		PreferredUsername string `json:"preferred_username"`
		Email             string `json:"email"`
		Name              string `json:"name"`
		GivenName         string `json:"given_name"`
		FamilyName        string `json:"family_name"`
	}
	if err := idt.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("auth: oidc claims: %w", err)
	}
	id := Identity{Username: c.PreferredUsername, Email: c.Email, FirstName: c.GivenName, LastName: c.FamilyName}
	if id.Username == "" {
		id.Username = c.Email
	}
	if id.FirstName == "" && id.LastName == "" {
		id.FirstName, id.LastName = splitName(c.Name)
	}
	if id.Username == "" {
		return Identity{}, errors.New("auth: oidc: the id token names no user (preferred_username or email)")
	}
	return id, nil
}

// LoginWith logs in the user a provider identified: made on the first
// login (with no usable password), its email address and (when it has
// none) its names taken from the provider every time. An inactive user
// is ErrBadCredentials; a username Django would refuse is an
// argus.Error.
func (a *Accounts) LoginWith(ctx context.Context, id Identity) (argus.User, error) {
	if err := argus.ValidateUsername(id.Username); err != nil {
		return argus.User{}, err
	}
	// What Django's columns hold: names of 150 characters, an address of
	// 254 (a longer one is no address), and no NUL, which PostgreSQL's
	// text refuses.
	clean := func(s string) string { return strings.ReplaceAll(s, "\x00", "") }
	id.FirstName, id.LastName, id.Email = clean(id.FirstName), clean(id.LastName), clean(id.Email)
	id.FirstName, id.LastName = cut(id.FirstName, 150), cut(id.LastName, 150)
	if utf8.RuneCountInString(id.Email) > 254 {
		id.Email = ""
	}
	u, err := a.st.UserByUsername(ctx, id.Username)
	switch {
	case errors.Is(err, argus.ErrNotFound):
		nu := store.NewUser{Username: id.Username, Email: id.Email, FirstName: id.FirstName, LastName: id.LastName}
		if u, err = a.CreateUser(ctx, nu, ""); err != nil {
			return argus.User{}, err
		}
	case err != nil:
		return argus.User{}, err
	case !u.IsActive:
		return argus.User{}, ErrBadCredentials
	default:
		first, last := u.FirstName, u.LastName
		if first == "" && last == "" {
			first, last = id.FirstName, id.LastName
		}
		if err := a.st.SetUserDetails(ctx, u.ID, first, last, id.Email); err != nil {
			return argus.User{}, err
		}
		u.FirstName, u.LastName, u.Email = first, last, id.Email
	}
	now := a.now()
	if err := a.st.RecordLogin(ctx, u.ID, now); err != nil {
		return argus.User{}, err
	}
	u.LastLogin = &now
	return u, nil
}

// cut keeps the first n characters of s.
func cut(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
