package api

import (
	"net/http"
	"runtime/debug"
	"sync"
)

// serverVersion is the module version the binary was built as, or
// "(devel)".
var serverVersion = sync.OnceValue(func() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
})

// apiRoot answers GET /api/ (api-v2.md §4.1, late v1 §8): what is served
// and where its schemas are. No authentication.
func (s *Server) apiRoot(w http.ResponseWriter, _ *http.Request) error {
	var ticket any
	if s.tickets != nil {
		ticket = "argus-go.TicketPlugin"
	}
	WriteJSON(w, http.StatusOK, map[string]any{
		"server-version": serverVersion(),
		"api-version":    map[string]string{"stable": "v2"},
		"jsonapi-schema": map[string]string{"stable": "/api/schema/", "v2": "/api/v2/schema/", "v1": "/api/v1/schema/"},
		"ticket_plugin":  ticket,
		"destination_plugins": []string{
			"argus.notificationprofile.media.email.EmailNotification",
			"argus.notificationprofile.media.sms_as_email.SMSNotification",
		},
	})
	return nil
}
