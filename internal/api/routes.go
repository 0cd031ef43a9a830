package api

import "net/http"

// routes is the one route table of the API, read top to bottom. Exact
// paths end in {$}, so /api/v1/auth/user/bogus/ is a 404.
func (s *Server) routes() *http.ServeMux {
	s.mux = http.NewServeMux()
	get, post, put, patch, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

	// Authentication (api-v1.md §3, D4).
	s.handle("/api/v1/token-auth/{$}", anyone, methods{post: s.obtainToken})
	s.handle("/oidc/api-token-auth/{$}", anyone, methods{post: s.obtainToken})
	s.handle("/api/v1/auth/logout/{$}", anyone, methods{post: s.logout})
	s.handle("/api/v1/auth/user/{$}", authenticated, methods{get: s.currentUser})
	s.handle("/api/v1/auth/users/{pk}/{$}", authenticated, methods{get: s.userDetail})
	s.handle("/api/v1/auth/phone-number/{$}", authenticated, methods{get: s.listPhoneNumbers, post: s.createPhoneNumber})
	s.handle("/api/v1/auth/phone-number/{pk}/{$}", authenticated, methods{
		get: s.getPhoneNumber, put: s.updatePhoneNumber, patch: s.updatePhoneNumber, del: s.deletePhoneNumber,
	})

	// Sources (api-v1.md §4.2).
	s.handle("/api/v1/incidents/source-types/{$}", authenticated, methods{get: s.listSourceTypes, post: s.createSourceType})
	s.handle("/api/v1/incidents/sources/{$}", anonRead, methods{get: s.listSources, post: s.createSource})
	s.handle("/api/v1/incidents/sources/{pk}/{$}", authenticated, methods{
		get: s.getSource, put: s.updateSource, patch: s.updateSource,
	})
	s.handle("/api/v1/incidents/metadata/{$}", authenticated, methods{get: s.metadata})

	s.mux.HandleFunc("/", s.notFound)
	return s.mux
}
