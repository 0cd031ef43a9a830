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

	// Incidents, events and acknowledgements (api-v1.md §4.3, §5).
	s.handle("/api/v1/incidents/{$}", authenticated, methods{get: s.listIncidents(false), post: s.createIncident})
	s.handle("/api/v1/incidents/mine/{$}", authenticated, methods{get: s.listIncidents(true), post: s.createIncident})
	s.handle("/api/v1/incidents/open/{$}", authenticated, methods{get: s.openIncidents(false)})
	s.handle("/api/v1/incidents/open+unacked/{$}", authenticated, methods{get: s.openIncidents(true)})
	s.handle("/api/v1/incidents/{pk}/{$}", authenticated, methods{get: s.getIncident, patch: s.patchIncident})
	// ServeMux cannot hold both sources/{pk}/ and {incident}/events/ (neither
	// is more specific), so an incident's sub-resources share one pattern.
	incidentSub := map[string]http.HandlerFunc{
		"ticket_url": s.endpoint(authenticated, methods{put: s.putTicketURL}),
		"events":     s.endpoint(authenticated, methods{get: s.listEvents, post: s.createEvent}),
		"acks":       s.endpoint(authenticated, methods{get: s.listAcks, post: s.createAck}),
	}
	s.mux.HandleFunc("/api/v1/incidents/{incident}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := incidentSub[r.PathValue("sub")]; ok {
			h(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.handle("/api/v1/incidents/{incident}/events/{pk}/{$}", authenticated, methods{get: s.getEvent})
	s.handle("/api/v1/incidents/{incident}/acks/{pk}/{$}", authenticated, methods{get: s.getAck})

	// Notification profiles (api-v1.md §4.4): every object is the caller's.
	s.handle("/api/v1/notificationprofiles/timeslots/{$}", authenticated, methods{get: s.listTimeslots, post: s.createTimeslot})
	s.handle("/api/v1/notificationprofiles/timeslots/{pk}/{$}", authenticated, methods{
		get: s.getTimeslot, put: s.updateTimeslot, patch: s.updateTimeslot, del: s.deleteTimeslot,
	})
	s.handle("/api/v1/notificationprofiles/{$}", authenticated, methods{get: s.listProfiles, post: s.createProfile})
	s.handle("/api/v1/notificationprofiles/{pk}/{$}", authenticated, methods{
		get: s.getProfile, put: s.updateProfile, patch: s.updateProfile, del: s.deleteProfile,
	})
	// As for incidents: one pattern for a profile's sub-resources, which
	// timeslots/{pk}/ and filters/{pk}/ are more specific than.
	profileIncidents := s.endpoint(authenticated, methods{get: s.profileIncidents})
	s.mux.HandleFunc("/api/v1/notificationprofiles/{pk}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sub") == "incidents" {
			profileIncidents(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.handle("/api/v1/notificationprofiles/filterpreview/{$}", authenticated, methods{post: s.filterPreview})
	s.handle("/api/v1/notificationprofiles/filters/{$}", authenticated, methods{get: s.listFilters, post: s.createFilter})
	s.handle("/api/v1/notificationprofiles/filters/{pk}/{$}", authenticated, methods{
		get: s.getFilter, put: s.updateFilter, patch: s.updateFilter, del: s.deleteFilter,
	})

	// Notification messages and their delivery (D12): superusers only.
	s.handle("/api/v1/notifications/{$}", authenticated, methods{get: s.listNotifications})

	s.mux.HandleFunc("/", s.notFound)
	return s.mux
}
