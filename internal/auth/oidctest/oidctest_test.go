package oidctest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/auth/oidctest"
)

const (
	clientID = "argus-client"
	// secret has characters RFC 6749 §2.3.1 URL-encodes in Basic auth.
	secret      = "s3cr:t +/=&"
	redirectURI = "http://app.example/oidc/callback/test/?keep=1"
	verifier    = "a-verifier-of-at-least-forty-three-characters-0123456789"
)

// client does not follow redirects, as a browser driven by hand.
var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func kari() oidctest.Claims {
	return oidctest.Claims{
		Subject: "sub-kari", PreferredUsername: "kari", Email: "kari@example.org",
		Name: "Kari Nordmann", GivenName: "Kari", FamilyName: "Nordmann", FeideID: "kari@uninett.no",
	}
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// getJSON GETs u and decodes its JSON answer, which must be 200.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// authorize logs in with nonce and challenge ("" for none) and returns the
// code, checking the redirect.
func authorize(t *testing.T, p *oidctest.Provider, nonce, challenge string) string {
	t.Helper()
	q := url.Values{
		"client_id":     {p.ClientID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {"openid profile email"},
		"state":         {"the-state"},
	}
	if nonce != "" {
		q.Set("nonce", nonce)
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	resp, err := client.Get(p.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s, want 302", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	back := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://app.example/oidc/callback/test/" {
		t.Errorf("redirected to %s", got)
	}
	if back.Get("keep") != "1" || back.Get("state") != "the-state" || back.Get("code") == "" {
		t.Fatalf("redirect query %v: want keep=1, state and a code", back)
	}
	return back.Get("code")
}

// tokenResponse posts form to the token endpoint, authenticated as id and
// sec by Basic auth (URL-encoded like golang.org/x/oauth2) when basic, else
// by form fields, and returns the status and the decoded answer.
func tokenResponse(t *testing.T, p *oidctest.Provider, form url.Values, id, sec string, basic bool) (int, map[string]any) {
	t.Helper()
	if !basic {
		form.Set("client_id", id)
		form.Set("client_secret", sec)
	}
	req, err := http.NewRequest(http.MethodPost, p.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("token Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func exchange(code, codeVerifier string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if codeVerifier != "" {
		f.Set("code_verifier", codeVerifier)
	}
	return f
}

// verifyJWT checks the RS256 signature of token against the provider's
// JWKS and returns its header and claims.
func verifyJWT(t *testing.T, p *oidctest.Provider, token string) (header, claims map[string]any) {
	t.Helper()
	var set struct {
		Keys []struct{ Kty, Kid, Use, Alg, N, E string }
	}
	getJSON(t, p.Issuer+"/jwks", &set)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token has %d parts", len(parts))
	}
	decode := func(s string, v any) {
		t.Helper()
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	decode(parts[0], &header)
	decode(parts[1], &claims)
	if header["alg"] != "RS256" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	var pub *rsa.PublicKey
	for _, k := range set.Keys {
		if k.Kid != header["kid"] {
			continue
		}
		if k.Kty != "RSA" || k.Use != "sig" || k.Alg != "RS256" {
			t.Errorf("JWK %+v", k)
		}
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			t.Fatal(err)
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil {
			t.Fatal(err)
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	if pub == nil {
		t.Fatalf("no JWK with kid %v in %+v", header["kid"], set)
	}
	if pub.N.BitLen() != 2048 {
		t.Errorf("key of %d bits", pub.N.BitLen())
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("ID token signature: %v", err)
	}
	// The check can fail: a tampered payload must not verify.
	forged := sha256.Sum256([]byte(parts[0] + "." + parts[1] + "x"))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, forged[:], sig) == nil {
		t.Fatal("a tampered ID token verifies")
	}
	return header, claims
}

func TestDiscovery(t *testing.T) {
	p := oidctest.Start(t, clientID, secret)
	if !strings.HasPrefix(p.Issuer, "http://127.0.0.1:") {
		t.Errorf("Issuer %q", p.Issuer)
	}
	var d map[string]any
	getJSON(t, p.Issuer+"/.well-known/openid-configuration", &d)
	for k, want := range map[string]string{
		"issuer":                 p.Issuer,
		"authorization_endpoint": p.Issuer + "/authorize",
		"token_endpoint":         p.Issuer + "/token",
		"jwks_uri":               p.Issuer + "/jwks",
		"userinfo_endpoint":      p.Issuer + "/userinfo",
	} {
		if d[k] != want {
			t.Errorf("%s = %v, want %s", k, d[k], want)
		}
	}
	for k, want := range map[string]string{
		"response_types_supported":              `["code"]`,
		"subject_types_supported":               `["public"]`,
		"id_token_signing_alg_values_supported": `["RS256"]`,
		"code_challenge_methods_supported":      `["S256"]`,
		"scopes_supported":                      `["openid","profile","email"]`,
	} {
		got, err := json.Marshal(d[k])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
}

func TestCodeFlow(t *testing.T) {
	p := oidctest.Start(t, clientID, secret)
	p.User = kari()
	code := authorize(t, p, "the-nonce", s256(verifier))
	p.User = oidctest.Claims{Subject: "someone-else"} // the code keeps Kari

	status, tok := tokenResponse(t, p, exchange(code, verifier), clientID, secret, true)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != 3600.0 || tok["access_token"] == "" {
		t.Errorf("token answer %v", tok)
	}
	idToken, _ := tok["id_token"].(string)
	_, claims := verifyJWT(t, p, idToken)
	now := float64(time.Now().Unix())
	exp, _ := claims["exp"].(float64)
	iat, _ := claims["iat"].(float64)
	if exp < now+3500 || exp > now+3700 || iat < now-60 || iat > now+1 {
		t.Errorf("exp %v, iat %v, now %v", exp, iat, now)
	}
	for k, want := range map[string]any{
		"iss": p.Issuer, "aud": clientID, "nonce": "the-nonce", "sub": "sub-kari",
		"preferred_username": "kari", "email": "kari@example.org", "email_verified": true,
		"name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann",
	} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	if p.Codes() != 1 {
		t.Errorf("Codes() = %d, want 1", p.Codes())
	}

	// Userinfo, in Dataporten's format and OIDC's.
	req, err := http.NewRequest(http.MethodGet, p.Issuer+"/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Audience string
		User     struct {
			UserID       string   `json:"userid"`
			UserIDSec    []string `json:"userid_sec"`
			Name, Email  string
			ProfilePhoto *string `json:"profilephoto"`
		}
		Sub               string
		PreferredUsername string `json:"preferred_username"`
		Email             string
		GivenName         string `json:"given_name"`
		FamilyName        string `json:"family_name"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	u := info.User
	if info.Audience != clientID || u.UserID != "sub-kari" || len(u.UserIDSec) != 1 ||
		u.UserIDSec[0] != "feide:kari@uninett.no" || u.Name != "Kari Nordmann" ||
		u.Email != "kari@example.org" || u.ProfilePhoto == nil {
		t.Errorf("userinfo %+v", info)
	}
	if info.Sub != "sub-kari" || info.PreferredUsername != "kari" || info.Email != "kari@example.org" ||
		info.GivenName != "Kari" || info.FamilyName != "Nordmann" {
		t.Errorf("userinfo OIDC claims %+v", info)
	}

	// A code is usable once.
	if status, body := tokenResponse(t, p, exchange(code, verifier), clientID, secret, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("replay: %d %v, want 400 invalid_grant", status, body)
	}
	if p.Codes() != 1 {
		t.Errorf("Codes() = %d after a replay, want 1", p.Codes())
	}
}

func TestTokenErrors(t *testing.T) {
	p := oidctest.Start(t, clientID, secret)
	p.User = kari()
	code := authorize(t, p, "n", s256(verifier))

	if status, body := tokenResponse(t, p, exchange(code, verifier), clientID, "wrong", true); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("wrong secret (Basic): %d %v, want 401 invalid_client", status, body)
	}
	if status, body := tokenResponse(t, p, exchange(code, verifier), clientID, "wrong", false); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("wrong secret (form): %d %v, want 401 invalid_client", status, body)
	}
	if status, body := tokenResponse(t, p, exchange(code, "wrong-verifier"), clientID, secret, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v, want 400 invalid_grant", status, body)
	}
	if status, body := tokenResponse(t, p, exchange(code, ""), clientID, secret, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("no verifier: %d %v, want 400 invalid_grant", status, body)
	}
	wrongRedirect := exchange(code, verifier)
	wrongRedirect.Set("redirect_uri", "http://evil.example/")
	if status, body := tokenResponse(t, p, wrongRedirect, clientID, secret, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong redirect_uri: %d %v, want 400 invalid_grant", status, body)
	}
	if status, body := tokenResponse(t, p, exchange("no-such-code", verifier), clientID, secret, true); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("unknown code: %d %v, want 400 invalid_grant", status, body)
	}
	if p.Codes() != 0 {
		t.Errorf("Codes() = %d, want 0", p.Codes())
	}
	// Failures do not spend the code; form authentication works too.
	if status, body := tokenResponse(t, p, exchange(code, verifier), clientID, secret, false); status != http.StatusOK {
		t.Errorf("right verifier after failures: %d %v", status, body)
	}
}

func TestDataportenStyle(t *testing.T) {
	// No PKCE and no nonce, and a wrong audience.
	p := oidctest.Start(t, clientID, secret)
	p.User = oidctest.Claims{Subject: "u1"}
	p.Audience = "another-client"
	code := authorize(t, p, "", "")
	status, tok := tokenResponse(t, p, exchange(code, ""), clientID, secret, true)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	_, claims := verifyJWT(t, p, tok["id_token"].(string))
	if claims["aud"] != "another-client" || claims["nonce"] != nil || claims["email"] != nil {
		t.Errorf("claims %v", claims)
	}
	req, err := http.NewRequest(http.MethodGet, p.Issuer+"/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	var info struct {
		Audience string
		User     struct {
			UserIDSec []string `json:"userid_sec"`
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatalf("userinfo %s: %v", raw, err)
	}
	if info.Audience != "another-client" || info.User.UserIDSec == nil || len(info.User.UserIDSec) != 0 {
		t.Errorf("userinfo %s", raw)
	}

	req.Header.Set("Authorization", "Bearer not-a-token")
	resp2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown token: %s, want 401", resp2.Status)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	p := oidctest.Start(t, clientID, secret)
	for name, q := range map[string]url.Values{
		"wrong client": {"client_id": {"other"}, "redirect_uri": {redirectURI}, "response_type": {"code"}},
		"token flow":   {"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"token"}},
		"plain PKCE": {"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
			"code_challenge": {verifier}, "code_challenge_method": {"plain"}},
	} {
		resp, err := client.Get(p.Issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", name, resp.Status)
		}
	}
}
