package api_test

import (
	"net/http"
	"testing"

	"github.com/argus-go/argus/internal/api"
)

// TestLoginMethods checks GET /login-methods/, which the React frontend
// v1.x asks for before anything else (api-v2.md §10.3): no login needed,
// the password login first, then each provider.
func TestLoginMethods(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		host := f.srv.Listener.Addr().String()
		f.get("/login-methods/", "").want(t, http.StatusOK,
			`[{"type": "username_password", "url": "http://`+host+`/api/v1/token-auth/", "name": "user_pw"}]`)
	})
	eachFixtureWith(t, api.Options{LoginProviders: []string{"dataporten_feide", "keycloak"}}, func(t *testing.T, f *fixture) {
		host := f.srv.Listener.Addr().String()
		f.get("/login-methods/", "").want(t, http.StatusOK, `[
			{"type": "username_password", "url": "http://`+host+`/api/v1/token-auth/", "name": "user_pw"},
			{"type": "OAuth2", "url": "http://`+host+`/oidc/login/dataporten_feide/", "name": "dataporten_feide"},
			{"type": "OAuth2", "url": "http://`+host+`/oidc/login/keycloak/", "name": "keycloak"}]`)
		f.send(http.MethodPost, "/login-methods/", "", nil).want(t, http.StatusMethodNotAllowed, "")
	})
}
