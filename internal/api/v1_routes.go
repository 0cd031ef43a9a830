package api

import "net/http"

// Register adds API v1 to mux: the one route table of the API, read top
// to bottom. Exact paths end in {$}, so /api/v1/auth/user/bogus/ is a
// 404, and every other path under /api/ answers v1's JSON 404.
func (s *Server) Register(mux *http.ServeMux) {
	get, post, put, patch := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch

	// Authentication (api-v1.md §3, D4).
	s.handle(mux, "/api/v1/token-auth/{$}", anyone, methods{post: s.obtainToken})
	s.handle(mux, "/oidc/api-token-auth/{$}", anyone, methods{post: s.obtainToken})
	s.handle(mux, "/api/v1/auth/logout/{$}", anyone, methods{post: s.logout})
	s.handle(mux, "/api/v1/auth/user/{$}", authenticated, methods{get: s.currentUser})
	s.handle(mux, "/api/v1/auth/users/{pk}/{$}", authenticated, methods{get: s.userDetail})
	phones := s.phoneNumbers()
	s.handle(mux, "/api/v1/auth/phone-number/{$}", authenticated, phones.collection())
	s.handle(mux, "/api/v1/auth/phone-number/{pk}/{$}", authenticated, phones.item())

	// Sources (api-v1.md §4.2).
	s.handle(mux, "/api/v1/incidents/source-types/{$}", authenticated, methods{get: s.listSourceTypes, post: s.createSourceType})
	s.handle(mux, "/api/v1/incidents/sources/{$}", anonRead, methods{get: s.listSources, post: s.createSource})
	s.handle(mux, "/api/v1/incidents/sources/{pk}/{$}", authenticated, methods{
		get: s.getSource, put: s.updateSource, patch: s.updateSource,
	})
	s.handle(mux, "/api/v1/incidents/metadata/{$}", authenticated, methods{get: s.metadata})

	// Incidents, events and acknowledgements (api-v1.md §4.3, §5).
	s.handle(mux, "/api/v1/incidents/{$}", authenticated, methods{get: s.listIncidents(false), post: s.createIncident})
	s.handle(mux, "/api/v1/incidents/mine/{$}", authenticated, methods{get: s.listIncidents(true), post: s.createIncident})
	s.handle(mux, "/api/v1/incidents/open/{$}", authenticated, methods{get: s.openIncidents(false)})
	s.handle(mux, "/api/v1/incidents/open+unacked/{$}", authenticated, methods{get: s.openIncidents(true)})
	s.handle(mux, "/api/v1/incidents/{pk}/{$}", authenticated, methods{get: s.getIncident, patch: s.patchIncident})
	// ServeMux cannot hold both sources/{pk}/ and {incident}/events/ (neither
	// is more specific), so an incident's sub-resources share one pattern.
	incidentSub := map[string]http.HandlerFunc{
		"ticket_url": s.endpoint(authenticated, methods{put: s.putTicketURL}),
		"events":     s.endpoint(authenticated, methods{get: s.listEvents, post: s.createEvent}),
		"acks":       s.endpoint(authenticated, methods{get: s.listAcks, post: s.createAck}),
	}
	mux.HandleFunc("/api/v1/incidents/{incident}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := incidentSub[r.PathValue("sub")]; ok {
			h(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.handle(mux, "/api/v1/incidents/{incident}/events/{pk}/{$}", authenticated, methods{get: s.getEvent})
	s.handle(mux, "/api/v1/incidents/{incident}/acks/{pk}/{$}", authenticated, methods{get: s.getAck})

	// Notification profiles (api-v1.md §4.4): every object is the caller's.
	timeslots, profiles, filters := s.timeslots(), s.profiles(), s.filters()
	s.handle(mux, "/api/v1/notificationprofiles/timeslots/{$}", authenticated, timeslots.collection())
	s.handle(mux, "/api/v1/notificationprofiles/timeslots/{pk}/{$}", authenticated, timeslots.item())
	s.handle(mux, "/api/v1/notificationprofiles/{$}", authenticated, profiles.collection())
	s.handle(mux, "/api/v1/notificationprofiles/{pk}/{$}", authenticated, profiles.item())
	// As for incidents: one pattern for a profile's sub-resources, which
	// timeslots/{pk}/ and filters/{pk}/ are more specific than.
	profileIncidents := s.endpoint(authenticated, methods{get: s.profileIncidents})
	mux.HandleFunc("/api/v1/notificationprofiles/{pk}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sub") == "incidents" {
			profileIncidents(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.handle(mux, "/api/v1/notificationprofiles/filterpreview/{$}", authenticated, methods{post: s.filterPreview})
	s.handle(mux, "/api/v1/notificationprofiles/filters/{$}", authenticated, filters.collection())
	s.handle(mux, "/api/v1/notificationprofiles/filters/{pk}/{$}", authenticated, filters.item())

	// Notification messages and their delivery (D12): superusers only.
	s.handle(mux, "/api/v1/notifications/{$}", authenticated, methods{get: s.listNotifications})

	mux.HandleFunc("/api/", s.notFound)
}
