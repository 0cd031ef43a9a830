package api

import "net/http"

// Register adds API v1 to mux: the one route table of the API, read top
// to bottom. Exact paths end in {$}, so /api/v1/auth/user/bogus/ is a
// 404, and every other path under /api/ answers v1's JSON 404.
func (s *Server) Register(mux *http.ServeMux) {
	get, post, put, patch := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch

	// Authentication (api-v1.md §3, D4).
	s.Handle(mux, "/api/v1/token-auth/{$}", Anyone, Methods{post: s.obtainToken})
	s.Handle(mux, "/oidc/api-token-auth/{$}", Anyone, Methods{post: s.obtainToken})
	s.Handle(mux, "/api/v1/auth/logout/{$}", Anyone, Methods{post: s.logout})
	s.Handle(mux, "/login-methods/{$}", Anyone, Methods{get: s.loginMethods})
	s.Handle(mux, "/api/{$}", Anyone, Methods{get: s.apiRoot})
	s.Handle(mux, "/api/v1/auth/user/{$}", Authenticated, Methods{get: s.currentUser})
	s.Handle(mux, "/api/v1/auth/users/{pk}/{$}", Authenticated, Methods{get: s.userDetail})
	phones := s.phoneNumbers()
	s.Handle(mux, "/api/v1/auth/phone-number/{$}", Authenticated, phones.Collection())
	s.Handle(mux, "/api/v1/auth/phone-number/{pk}/{$}", Authenticated, phones.Item())

	// Sources (api-v1.md §4.2).
	s.Handle(mux, "/api/v1/incidents/source-types/{$}", Authenticated, Methods{get: s.listSourceTypes, post: s.createSourceType})
	s.Handle(mux, "/api/v1/incidents/sources/{$}", AnonRead, Methods{get: s.listSources, post: s.createSource})
	s.Handle(mux, "/api/v1/incidents/sources/{pk}/{$}", Authenticated, Methods{
		get: s.getSource, put: s.updateSource, patch: s.updateSource,
	})
	s.Handle(mux, "/api/v1/incidents/metadata/{$}", Authenticated, Methods{get: s.metadata})

	// Incidents, events and acknowledgements (api-v1.md §4.3, §5).
	s.Handle(mux, "/api/v1/incidents/{$}", Authenticated, Methods{get: s.listIncidents(v1, false), post: s.createIncident(v1)})
	s.Handle(mux, "/api/v1/incidents/mine/{$}", Authenticated, Methods{get: s.listIncidents(v1, true), post: s.createIncident(v1)})
	s.Handle(mux, "/api/v1/incidents/open/{$}", Authenticated, Methods{get: s.openIncidents(false)})
	s.Handle(mux, "/api/v1/incidents/open+unacked/{$}", Authenticated, Methods{get: s.openIncidents(true)})
	s.Handle(mux, "/api/v1/incidents/{pk}/{$}", Authenticated, Methods{get: s.getIncident(v1), patch: s.patchIncident(v1, false)})
	// ServeMux cannot hold both sources/{pk}/ and {incident}/events/ (neither
	// is more specific), so an incident's sub-resources share one pattern.
	incidentSub := map[string]http.HandlerFunc{
		"ticket_url": s.Endpoint(Authenticated, Methods{put: s.putTicketURL}),
		"events":     s.Endpoint(Authenticated, Methods{get: incidentList(s.store.Events, s.renderEvent), post: s.createEvent(v1)}),
		"acks":       s.Endpoint(Authenticated, Methods{get: incidentList(s.store.Acks, s.renderAck), post: s.createAck}),
	}
	mux.HandleFunc("/api/v1/incidents/{incident}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := incidentSub[r.PathValue("sub")]; ok {
			h(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.Handle(mux, "/api/v1/incidents/{incident}/events/{pk}/{$}", Authenticated, Methods{get: incidentItem(s.store.Event, s.renderEvent)})
	s.Handle(mux, "/api/v1/incidents/{incident}/acks/{pk}/{$}", Authenticated, Methods{get: incidentItem(s.store.Ack, s.renderAck)})

	// Notification profiles (api-v1.md §4.4): every object is the caller's.
	timeslots, profiles, filters := s.timeslots(), s.profiles(), s.filters()
	s.Handle(mux, "/api/v1/notificationprofiles/timeslots/{$}", Authenticated, timeslots.Collection())
	s.Handle(mux, "/api/v1/notificationprofiles/timeslots/{pk}/{$}", Authenticated, timeslots.Item())
	s.Handle(mux, "/api/v1/notificationprofiles/{$}", Authenticated, profiles.Collection())
	s.Handle(mux, "/api/v1/notificationprofiles/{pk}/{$}", Authenticated, profiles.Item())
	// As for incidents: one pattern for a profile's sub-resources, which
	// timeslots/{pk}/ and filters/{pk}/ are more specific than.
	profileIncidents := s.Endpoint(Authenticated, Methods{get: s.profileIncidents(v1, s.store.Profile)})
	mux.HandleFunc("/api/v1/notificationprofiles/{pk}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sub") == "incidents" {
			profileIncidents(w, r)
			return
		}
		s.notFound(w, r)
	})
	s.Handle(mux, "/api/v1/notificationprofiles/filterpreview/{$}", Authenticated, Methods{post: s.filterPreview})
	s.Handle(mux, "/api/v1/notificationprofiles/filters/{$}", Authenticated, filters.Collection())
	s.Handle(mux, "/api/v1/notificationprofiles/filters/{pk}/{$}", Authenticated, filters.Item())

	// Notification messages and their delivery (D12): superusers only.
	s.Handle(mux, "/api/v1/notifications/{$}", Authenticated, Methods{get: s.listNotifications})

	// The realtime socket of the React frontend (api-v1.md §7); sockets
	// follow no redirects, so both spellings are served.
	if s.hub != nil {
		mux.HandleFunc("GET /ws/open/{$}", s.wsOpen)
		mux.HandleFunc("GET /ws/open", s.wsOpen)
	}

	s.registerV2(mux)
	mux.HandleFunc("/api/", s.notFound)
}
