// Package oidctest is a small in-process OpenID Connect and OAuth2 issuer
// for tests of a login flow: it serves discovery, a JWKS, an authorization
// endpoint that approves at once, a token endpoint and a userinfo endpoint
// that answers in both Dataporten's and the standard OpenID Connect format.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokenLifetime is how long ID and access tokens are valid.
const tokenLifetime = time.Hour

// Provider is a running test issuer. Its exported fields may be changed
// between requests, not while one is in flight.
type Provider struct {
	// Issuer is the base URL (the httptest server's URL), also the "iss"
	// claim of the ID tokens.
	Issuer string
	// ClientID and ClientSecret are the only client the provider knows.
	ClientID, ClientSecret string
	// User is who logs in next: the claims the next authorization grants.
	User Claims
	// Audience, when not "", overrides the "aud" of the ID token and the
	// "audience" of the Dataporten userinfo (to test a wrong audience).
	Audience string

	key *rsa.PrivateKey
	kid string

	mu       sync.Mutex
	codes    map[string]grant  // unredeemed authorization codes
	tokens   map[string]Claims // access tokens issued, for /userinfo
	redeemed int               // codes redeemed successfully
}

// Claims describe the user who logs in.
type Claims struct {
	// Subject is the "sub" claim.
	Subject string
	// PreferredUsername is the "preferred_username" claim.
	PreferredUsername string
	// Email is the "email" claim.
	Email string
	// Name is the "name" claim.
	Name string
	// GivenName and FamilyName are the "given_name" and "family_name"
	// claims.
	GivenName, FamilyName string
	// FeideID is the user's Feide id, e.g. "kari@uninett.no": Dataporten's
	// userinfo lists "feide:kari@uninett.no" in "userid_sec".
	FeideID string
}

// grant is what an authorization code stands for.
type grant struct {
	user          Claims
	nonce         string
	codeChallenge string
	redirectURI   string
	clientID      string
}

// Start starts a provider on 127.0.0.1 with a fresh 2048-bit RSA key and
// the client clientID with the secret clientSecret; it is closed when the
// test ends.
func Start(t testing.TB, clientID, clientSecret string) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidctest: generate key: %v", err)
	}
	sum := sha256.Sum256(key.N.Bytes())
	p := &Provider{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		key:          key,
		kid:          base64.RawURLEncoding.EncodeToString(sum[:8]),
		codes:        make(map[string]grant),
		tokens:       make(map[string]Claims),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	mux.HandleFunc("POST /userinfo", p.userinfo)
	srv := httptest.NewUnstartedServer(mux)
	p.Issuer = "http://" + srv.Listener.Addr().String()
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// Codes returns how many authorization codes were redeemed successfully.
func (p *Provider) Codes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.redeemed
}

// settings returns the exported fields the handlers read, under the lock.
func (p *Provider) settings() (issuer, clientID, clientSecret, audience string, user Claims) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Issuer, p.ClientID, p.ClientSecret, p.Audience, p.User
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	issuer, _, _, _, _ := p.settings()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                issuer + "/authorize",
		"token_endpoint":                        issuer + "/token",
		"jwks_uri":                              issuer + "/jwks",
		"userinfo_endpoint":                     issuer + "/userinfo",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"grant_types_supported":                 []string{"authorization_code"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// authorize approves every valid authorization request at once for User
// and sends the browser back to redirect_uri with a one-time code.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	_, clientID, _, _, user := p.settings()
	if q.Get("client_id") != clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	redirectURI := q.Get("redirect_uri")
	target, err := url.Parse(redirectURI)
	if err != nil || !target.IsAbs() {
		http.Error(w, "redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	challenge := q.Get("code_challenge")
	if challenge != "" && q.Get("code_challenge_method") != "S256" {
		http.Error(w, "code_challenge_method must be S256", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.codes[code] = grant{
		user:          user,
		nonce:         q.Get("nonce"),
		codeChallenge: challenge,
		redirectURI:   redirectURI,
		clientID:      clientID,
	}
	p.mu.Unlock()
	back := target.Query()
	back.Set("code", code)
	if state := q.Get("state"); state != "" {
		back.Set("state", state)
	}
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// token redeems an authorization code for an access token and an ID
// token. A code is spent only when it is redeemed successfully.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	issuer, clientID, clientSecret, audience, _ := p.settings()
	if !clientAuthenticated(r, clientID, clientSecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	code := r.PostForm.Get("code")

	p.mu.Lock()
	g, ok := p.codes[code]
	if !ok || g.clientID != clientID || g.redirectURI != r.PostForm.Get("redirect_uri") ||
		(g.codeChallenge != "" && challengeS256(r.PostForm.Get("code_verifier")) != g.codeChallenge) {
		p.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	delete(p.codes, code)
	p.mu.Unlock()

	aud := clientID
	if audience != "" {
		aud = audience
	}
	now := time.Now()
	claims := map[string]any{
		"iss": issuer,
		"sub": g.user.Subject,
		"aud": aud,
		"exp": now.Add(tokenLifetime).Unix(),
		"iat": now.Unix(),
	}
	putNonEmpty(claims, "nonce", g.nonce)
	putNonEmpty(claims, "preferred_username", g.user.PreferredUsername)
	putNonEmpty(claims, "email", g.user.Email)
	if g.user.Email != "" {
		claims["email_verified"] = true
	}
	putNonEmpty(claims, "name", g.user.Name)
	putNonEmpty(claims, "given_name", g.user.GivenName)
	putNonEmpty(claims, "family_name", g.user.FamilyName)
	idToken, err := p.sign(claims)
	if err != nil {
		http.Error(w, "sign ID token: "+err.Error(), http.StatusInternalServerError)
		return
	}

	accessToken := rand.Text()
	p.mu.Lock()
	p.tokens[accessToken] = g.user
	p.redeemed++
	p.mu.Unlock()

	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLifetime / time.Second),
		"id_token":     idToken,
	})
}

// clientAuthenticated says whether the request authenticates the client,
// by HTTP Basic authentication (with the id and secret URL-encoded as RFC
// 6749 §2.3.1 says, or not) or else by client_id and client_secret form
// fields.
func clientAuthenticated(r *http.Request, clientID, clientSecret string) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		if formID := r.PostForm.Get("client_id"); formID != "" && formID != clientID {
			return false
		}
		if equal(id, clientID) && equal(secret, clientSecret) {
			return true
		}
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		return err1 == nil && err2 == nil && equal(uid, clientID) && equal(usecret, clientSecret)
	}
	return equal(r.PostForm.Get("client_id"), clientID) &&
		equal(r.PostForm.Get("client_secret"), clientSecret)
}

// equal compares two secrets in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// challengeS256 is the S256 PKCE code challenge of verifier (RFC 7636 §4.2).
func challengeS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sign makes an RS256 JWT of claims with the provider's key.
func (p *Provider) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": p.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := base64.RawURLEncoding.EncodeToString(header) + "." +
		base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"keys": []map[string]string{{
			"kty": "RSA",
			"kid": p.kid,
			"use": "sig",
			"alg": "RS256",
			"n":   base64.RawURLEncoding.EncodeToString(p.key.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(p.key.E)).Bytes()),
		}},
	})
}

// userinfo answers for a bearer access token in Dataporten's format, with
// the standard OpenID Connect claims at the top level as well.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	p.mu.Lock()
	user, known := p.tokens[token]
	p.mu.Unlock()
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || !known {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	_, clientID, _, audience, _ := p.settings()
	if audience == "" {
		audience = clientID
	}
	sec := []string{}
	if user.FeideID != "" {
		sec = append(sec, "feide:"+user.FeideID)
	}
	info := map[string]any{
		"audience": audience,
		"user": map[string]any{
			"userid":       user.Subject,
			"userid_sec":   sec,
			"name":         user.Name,
			"email":        user.Email,
			"profilephoto": "",
		},
		"sub": user.Subject,
	}
	putNonEmpty(info, "preferred_username", user.PreferredUsername)
	putNonEmpty(info, "email", user.Email)
	putNonEmpty(info, "name", user.Name)
	putNonEmpty(info, "given_name", user.GivenName)
	putNonEmpty(info, "family_name", user.FamilyName)
	writeJSON(w, http.StatusOK, info)
}

// putNonEmpty sets m[key] to value unless value is "".
func putNonEmpty(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// oauthError answers an OAuth2 error (RFC 6749 §5.2).
func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
