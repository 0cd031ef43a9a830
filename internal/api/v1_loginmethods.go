package api

import (
	"net/http"
)

// loginMethodJSON is one way to log in, as GET /login-methods/ lists
// them (api-v2.md §10.3: what the React frontend v1.x asks for).
type loginMethodJSON struct {
	Type string `json:"type"`
	URL  string `json:"url"`
	Name string `json:"name"`
}

// loginMethods answers GET /login-methods/, open to anyone: the password
// login of the API, then each configured provider's login.
func (s *Server) loginMethods(w http.ResponseWriter, r *http.Request) error {
	base := absoluteURL(r, "")
	out := []loginMethodJSON{{Type: "username_password", URL: base + "/api/v1/token-auth/", Name: "user_pw"}}
	for _, name := range s.providers {
		out = append(out, loginMethodJSON{Type: "OAuth2", URL: base + "/oidc/login/" + name + "/", Name: name})
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}
