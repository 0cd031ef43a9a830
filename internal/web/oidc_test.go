package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/auth/oidctest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
	"github.com/argus-go/argus/internal/web"
)

// providers are a test OIDC provider and the same server speaking
// Dataporten's OAuth2, as Argus is configured for them.
func providers(idp *oidctest.Provider) []auth.Provider {
	return []auth.Provider{
		&auth.OIDC{Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
			BackendName: "test", DisplayName: "Test IdP"},
		&auth.Dataporten{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
			AuthURL: idp.Issuer + "/authorize", TokenURL: idp.Issuer + "/token", UserinfoURL: idp.Issuer + "/userinfo"},
	}
}

// startLogin follows a login with a provider from Argus to the provider
// and back, up to the callback URL the provider sends the browser to.
func (s *site) startLogin(c *http.Client, provider string) string {
	s.t.Helper()
	p := s.do(c, http.MethodGet, "/oidc/login/"+provider+"/?next=/wall/", nil, nil)
	if p.status != http.StatusFound {
		s.t.Fatalf("/oidc/login/%s/: %d\n%s", provider, p.status, p.body)
	}
	resp, err := c.Get(p.header.Get("Location"))
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		s.t.Fatalf("the provider answered %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// complete GETs the callback URL on the site, as the browser would: to
// the host the provider names, which may be another instance behind the
// same name.
func (s *site) complete(c *http.Client, callback string) page {
	s.t.Helper()
	u, err := url.Parse(callback)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(c, http.MethodGet, u.RequestURI(), nil, map[string]string{"Host": u.Host})
}

func TestOIDCLogin(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		idp := oidctest.Start(t, "argus", "s3cret")
		st := storetest.Open(t, b.DSN)
		s := newSiteWith(t, st, web.Options{Providers: providers(idp), SecretKey: "one secret"})
		ctx := context.Background()

		s.get("/login/").want(t, http.StatusOK, "Log in with Test IdP", `href="/oidc/login/test/?next=`,
			"Log in with Feide")

		t.Run("a new user", func(t *testing.T) {
			idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari", Email: "kari@example.org",
				GivenName: "Kari", FamilyName: "Nordmann"}
			b := newBrowser(t)
			p := s.complete(b, s.startLogin(b, "test"))
			if p.status != http.StatusSeeOther || p.header.Get("Location") != "/wall/" {
				t.Fatalf("callback: %d %q; want 303 to the page asked for\n%s", p.status, p.header.Get("Location"), p.body)
			}
			u, err := st.UserByUsername(ctx, "kari")
			if err != nil {
				t.Fatal(err)
			}
			if u.Email != "kari@example.org" || u.FirstName != "Kari" || u.LastName != "Nordmann" || !strings.HasPrefix(u.Password, "!") {
				t.Errorf("user = %+v; want kari's names and address, and no usable password", u)
			}
			s.do(b, http.MethodGet, "/incidents/", nil, nil).want(t, http.StatusOK, "kari")
		})
		t.Run("a returning user", func(t *testing.T) {
			idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari", Email: "kari@new.example.org",
				GivenName: "Other", FamilyName: "Name"}
			b := newBrowser(t)
			s.complete(b, s.startLogin(b, "test")).want(t, http.StatusSeeOther)
			u, err := st.UserByUsername(ctx, "kari")
			if err != nil {
				t.Fatal(err)
			}
			if u.Email != "kari@new.example.org" || u.FirstName != "Kari" {
				t.Errorf("user = %+v; want the new address and the names kept", u)
			}
		})
		t.Run("Feide through Dataporten", func(t *testing.T) {
			idp.User = oidctest.Claims{Subject: "f1", FeideID: "ola@uninett.no", Name: "Ola Jakob Nordmann", Email: "ola@uninett.no"}
			b := newBrowser(t)
			s.complete(b, s.startLogin(b, "dataporten_feide")).want(t, http.StatusSeeOther)
			u, err := st.UserByUsername(ctx, "ola@uninett.no")
			if err != nil {
				t.Fatal(err)
			}
			if u.FirstName != "Ola Jakob" || u.LastName != "Nordmann" {
				t.Errorf("user = %+v; want the name split as the original did", u)
			}
		})
		t.Run("wrong audience", func(t *testing.T) {
			for _, provider := range []string{"test", "dataporten_feide"} {
				idp.Audience = "someone-else"
				b := newBrowser(t)
				callback := s.startLogin(b, provider)
				s.complete(b, callback).want(t, http.StatusBadRequest, "Wrong audience")
				idp.Audience = ""
			}
		})
		t.Run("bad state", func(t *testing.T) {
			idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari"}
			b := newBrowser(t)
			callback := s.startLogin(b, "test")
			u, err := url.Parse(callback)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
			s.complete(b, u.String()).want(t, http.StatusBadRequest, "not started here")
			// No cookie at all: a login begun in another browser.
			s.complete(newBrowser(t), callback).want(t, http.StatusBadRequest, "not started here")
		})
		t.Run("a replayed code", func(t *testing.T) {
			idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari"}
			b := newBrowser(t)
			first := s.startLogin(b, "test")
			s.complete(b, first).want(t, http.StatusSeeOther)
			// A second login's state, with the first login's code.
			second, err := url.Parse(s.startLogin(b, "test"))
			if err != nil {
				t.Fatal(err)
			}
			old, err := url.Parse(first)
			if err != nil {
				t.Fatal(err)
			}
			q := second.Query()
			q.Set("code", old.Query().Get("code"))
			second.RawQuery = q.Encode()
			s.complete(b, second.String()).want(t, http.StatusBadRequest, "did not work")
		})
		t.Run("a login begun on one instance ends on another", func(t *testing.T) {
			other := newSiteWith(t, st, web.Options{Providers: providers(idp), SecretKey: "one secret"})
			idp.User = oidctest.Claims{Subject: "2", PreferredUsername: "per", Email: "per@example.org"}
			b := newBrowser(t)
			callback := s.startLogin(b, "test") // the cookie is for 127.0.0.1, any port
			other.complete(b, callback).want(t, http.StatusSeeOther)
			// An instance with another secret refuses the cookie.
			third := newSiteWith(t, st, web.Options{Providers: providers(idp), SecretKey: "another"})
			b = newBrowser(t)
			third.complete(b, s.startLogin(b, "test")).want(t, http.StatusBadRequest, "not started here")
		})
		t.Run("an inactive user", func(t *testing.T) {
			u, err := st.UserByUsername(ctx, "kari")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().ExecContext(ctx, `UPDATE argus_auth_user SET is_active = FALSE WHERE id = $1`, u.ID); err != nil {
				t.Fatal(err)
			}
			idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari"}
			b := newBrowser(t)
			s.complete(b, s.startLogin(b, "test")).want(t, http.StatusForbidden, "not active")
		})
		t.Run("no such provider", func(t *testing.T) {
			s.get("/oidc/login/nope/").want(t, http.StatusNotFound)
		})
	})
}

// TestOIDCLoginForTheFrontend checks the React frontend's way (api-v1.md
// §3.3): after the login, a "token" cookie on ARGUS_COOKIE_DOMAIN and a
// 301 to ARGUS_FRONTEND_URL; the token works on the API.
func TestOIDCLoginForTheFrontend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		idp := oidctest.Start(t, "argus", "s3cret")
		s := newSiteWith(t, st, web.Options{Providers: providers(idp), FrontendURL: "https://argus-frontend.example.org/",
			CookieDomain: "example.org"})
		idp.User = oidctest.Claims{Subject: "1", PreferredUsername: "kari", Email: "kari@example.org"}
		b := newBrowser(t)
		p := s.complete(b, s.startLogin(b, "test"))
		if p.status != http.StatusMovedPermanently || p.header.Get("Location") != "https://argus-frontend.example.org/" {
			t.Fatalf("callback: %d %q; want 301 to the frontend", p.status, p.header.Get("Location"))
		}
		var token *http.Cookie
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			if c.Name == "token" {
				token = c
			}
		}
		if token == nil || len(token.Value) != 40 || token.Domain != "example.org" || token.HttpOnly {
			t.Fatalf("token cookie = %+v; want a 40-hex token on example.org that the frontend can read", token)
		}
		r := s.do(newBrowser(t), http.MethodGet, "/api/v1/auth/user/", nil, map[string]string{"Authorization": "Token " + token.Value})
		r.want(t, http.StatusOK, `"username":"kari"`)
	})
}
