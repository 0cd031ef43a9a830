package api

import "net/http"

// registerV2 adds API v2 (api-v2.md §3–§4) to mux, beside v1: the same
// handlers where the versions agree, worded by v2's Endpoints. Planned
// maintenance (Argus main) is not served.
func (s *Server) registerV2(mux *http.ServeMux) {
	v := s.v2
	get, post, put, patch, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

	// Authentication and tokens (§3, D30).
	v.Handle(mux, "/api/v2/token-auth/{$}", Anyone, Methods{post: s.obtainToken})
	v.Handle(mux, "/api/v2/auth/refresh-token/{$}", Authenticated, Methods{post: s.refreshToken})
	mux.HandleFunc("/api/v2/auth/token/login/{$}", s.knoxLogin)
	v.Handle(mux, "/api/v2/auth/token/logout/{$}", Anyone, Methods{post: s.knoxLogout(false)})
	// The original's path has no trailing slash (§1).
	v.Handle(mux, "/api/v2/auth/token/logoutall", Anyone, Methods{post: s.knoxLogout(true)})
	v.Handle(mux, "/api/v2/auth/user/{$}", Authenticated, Methods{get: s.currentUserV2})
	v.Handle(mux, "/api/v2/auth/users/{pk}/{$}", Authenticated, Methods{get: s.userDetail})

	// Every path under incidents/ tells that a source is alive (D34).
	seen := func(ms Methods) Methods {
		out := make(Methods, len(ms))
		for m, h := range ms {
			out[m] = s.seen(h)
		}
		return out
	}
	incidents := func(pattern string, ms Methods) {
		v.Handle(mux, "/api/v2/incidents/"+pattern, Authenticated, seen(ms))
	}

	// Sources and their types (§4.3), heartbeats (§4.9).
	incidents("source-types/{$}", Methods{get: s.listSourceTypes, post: s.createSourceType})
	incidents("source-types/{name}/{$}", Methods{get: s.getSourceType})
	incidents("sources/{$}", Methods{get: s.listSources, post: s.createSource})
	incidents("sources/{pk}/{$}", Methods{get: s.getSource, put: s.superuserOnly(s.updateSource), patch: s.superuserOnly(s.updateSource)})
	v.Handle(mux, "/api/v2/incidents/sources/heartbeat/{$}", Authenticated, Methods{post: s.heartbeat})

	// Incidents, events, acknowledgements and tags (§4.4–§4.8).
	incidents("{$}", Methods{get: s.listIncidents(v2, false), post: s.createIncident(v2)})
	incidents("mine/{$}", Methods{get: s.listIncidents(v2, true), post: s.createIncident(v2)})
	incidents("{pk}/{$}", Methods{
		get: s.getIncident(v2), patch: s.patchIncident(v2, false), put: s.patchIncident(v2, true), del: s.deleteIncident,
	})
	incidents("events/{$}", Methods{get: s.allEvents})
	incidents("acks/bulk/{$}", Methods{post: s.bulk(bulkAcks)})
	incidents("events/bulk/{$}", Methods{post: s.bulk(bulkEvents)})
	incidents("ticket_url/bulk/{$}", Methods{post: s.bulk(bulkTicketURLs)})
	// As on v1, an incident's sub-resources share one pattern, which
	// sources/{pk}/ and the bulk paths are more specific than.
	incidentSub := map[string]http.HandlerFunc{
		"ticket_url":       v.Endpoint(Authenticated, seen(Methods{put: s.putTicketURL})),
		"automatic-ticket": v.Endpoint(Authenticated, seen(Methods{put: s.automaticTicket})),
		"events":           v.Endpoint(Authenticated, seen(Methods{get: incidentList(s.store.Events, s.renderEvent), post: s.createEvent(v2)})),
		"acks":             v.Endpoint(Authenticated, seen(Methods{get: incidentList(s.store.Acks, s.renderAck), post: s.createAckV2})),
		"tags":             v.Endpoint(Authenticated, seen(Methods{get: s.listTags, post: s.addTag})),
	}
	mux.HandleFunc("/api/v2/incidents/{incident}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := incidentSub[r.PathValue("sub")]; ok {
			h(w, r)
			return
		}
		v.notFound(w, r)
	})
	incidents("{incident}/events/{pk}/{$}", Methods{get: incidentItem(s.store.Event, s.renderEvent)})
	incidents("{incident}/acks/{pk}/{$}", Methods{
		get: incidentItem(s.store.Ack, s.renderAck), put: s.changeAck(true), patch: s.changeAck(false),
	})
	incidents("{incident}/tags/{tag}/{$}", Methods{get: s.getTag, del: s.removeTag})

	// What notification profiles are made of (§4.11, §4.13, §4.14).
	// DELETE of a destination without the trailing slash, as the React
	// frontend sends it, is redirected with 308 (D1).
	timeslots, destinations := s.timeslots(), s.destinations()
	v.Handle(mux, "/api/v2/notificationprofiles/timeslots/{$}", Authenticated, timeslots.Collection())
	v.Handle(mux, "/api/v2/notificationprofiles/timeslots/{pk}/{$}", Authenticated, timeslots.Item())
	v.Handle(mux, "/api/v2/notificationprofiles/destinations/{$}", Authenticated, destinations.Collection())
	destination := destinations.Item()
	delete(destination, put) // v2-bug-17
	v.Handle(mux, "/api/v2/notificationprofiles/destinations/{pk}/{$}", Authenticated, destination)
	v.Handle(mux, "/api/v2/notificationprofiles/destinations/{pk}/duplicate/{$}", Authenticated, Methods{get: s.destinationDuplicate})
	v.Handle(mux, "/api/v2/notificationprofiles/media/{$}", Authenticated, Methods{get: s.listMedia})
	v.Handle(mux, "/api/v2/notificationprofiles/media/{slug}/{$}", Authenticated, Methods{get: s.getMedia})
	v.Handle(mux, "/api/v2/notificationprofiles/media/{slug}/json_schema/{$}", Authenticated, Methods{get: s.mediaSchema})

	// Filters (§4.12) and profiles (§4.10). As on v1, a profile's
	// sub-resources share one pattern.
	v.Handle(mux, "/api/v2/notificationprofiles/filters/{$}", Authenticated, Methods{get: s.listFiltersV2, post: s.createFilterV2})
	v.Handle(mux, "/api/v2/notificationprofiles/filters/{pk}/{$}", Authenticated, Methods{
		get: s.getFilterV2, put: s.updateFilterV2(true), patch: s.updateFilterV2(false), del: s.deleteFilterV2,
	})
	v.Handle(mux, "/api/v2/notificationprofiles/preview/{$}", Authenticated, Methods{post: s.preview})
	v.Handle(mux, "/api/v2/notificationprofiles/filterpreview/{$}", Authenticated, Methods{post: s.preview})
	profiles := s.profilesV2()
	v.Handle(mux, "/api/v2/notificationprofiles/{$}", Authenticated, profiles.Collection())
	v.Handle(mux, "/api/v2/notificationprofiles/{pk}/{$}", Authenticated, profiles.Item())
	profileIncidents := v.Endpoint(Authenticated, Methods{get: s.profileIncidents(v2, s.store.ProfileByID)})
	mux.HandleFunc("/api/v2/notificationprofiles/{pk}/{sub}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sub") == "incidents" {
			profileIncidents(w, r)
			return
		}
		v.notFound(w, r)
	})
}
