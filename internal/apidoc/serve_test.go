package apidoc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/apidoc"
)

// The documents are served as YAML and as JSON, the newest at
// /api/schema/, with the viewer and its own files beside them.
func TestServe(t *testing.T) {
	mux := http.NewServeMux()
	apidoc.Face{}.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path, accept string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	for _, v := range apidoc.Versions {
		src, err := apidoc.Source(v)
		if err != nil {
			t.Fatal(err)
		}
		status, ctype, body := get("/api/"+v+"/schema/", "")
		if status != 200 || !strings.HasPrefix(ctype, "application/vnd.oai.openapi") || body != string(src) {
			t.Errorf("GET /api/%s/schema/: %d %q; want 200 and the YAML document", v, status, ctype)
		}
		for _, how := range [][2]string{{"/api/" + v + "/schema/?format=json", ""}, {"/api/" + v + "/schema/", "application/json"}} {
			status, ctype, body = get(how[0], how[1])
			var doc struct {
				OpenAPI string `json:"openapi"`
				Info    struct{ Title string }
			}
			if err := json.Unmarshal([]byte(body), &doc); status != 200 || ctype != "application/vnd.oai.openapi+json" ||
				err != nil || doc.OpenAPI != "3.1.0" || !strings.Contains(doc.Info.Title, v) {
				t.Errorf("GET %s (Accept %q): %d %q %v %+v; want the JSON document of %s", how[0], how[1], status, ctype, err, doc, v)
			}
		}
	}
	newest := apidoc.Versions[len(apidoc.Versions)-1]
	_, _, a := get("/api/schema/", "")
	_, _, b := get("/api/"+newest+"/schema/", "")
	if a != b {
		t.Errorf("/api/schema/ is not the %s document", newest)
	}
	for _, path := range []string{"/api/schema/swagger-ui/", "/api/v1/schema/swagger-ui/", "/api/v2/schema/swagger-ui/"} {
		status, ctype, body := get(path, "")
		if status != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, `src="/api/schema/viewer/viewer.js"`) {
			t.Errorf("GET %s: %d %q; want the viewer page", path, status, ctype)
		}
	}
	for path, want := range map[string]string{"/api/schema/viewer/viewer.js": "javascript", "/api/schema/viewer/viewer.css": "text/css"} {
		if status, ctype, _ := get(path, ""); status != 200 || !strings.Contains(ctype, want) {
			t.Errorf("GET %s: %d %q; want 200 %s", path, status, ctype, want)
		}
	}
}
