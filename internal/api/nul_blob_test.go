package api_test

import (
	"net/http"
	"testing"
)

// A NUL in a filter's source type or tag is refused with 400, on both
// databases (PostgreSQL refuses NUL in a parameter: it was a 500).
func TestFilterBlobNUL(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		f.send(http.MethodPost, "/api/v2/notificationprofiles/preview/", key, map[string]any{"source_types": []string{"a\u0000"}}).
			want(t, http.StatusBadRequest, `{"source_types": {"0": ["Null characters are not allowed."]}}`)
		f.send(http.MethodPost, "/api/v2/notificationprofiles/preview/", key, map[string]any{"tags": []string{"a=b\u0000"}}).
			want(t, http.StatusBadRequest, `{"tags": {"0": ["Null characters are not allowed."]}}`)
		r := f.send(http.MethodPost, "/api/v1/notificationprofiles/filterpreview/", key, map[string]any{"sourceSystemIds": []int{}, "tags": []string{"a=b\u0000"}})
		r.want(t, http.StatusBadRequest, "")
	})
}
