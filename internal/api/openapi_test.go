package api_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/apidoc/apitest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Every operation the OpenAPI documents name is served: asked without a
// token, with "1" for every path parameter, none answers 404 or 405 (it
// answers 401, or serves anyone). With apitest checking every other
// exchange against the documents, neither side can have what the other
// lacks.
func TestDocumentedOperationsExist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := httptest.NewServer(api.New(st, api.Options{}))
		defer srv.Close()
		n := 0
		for version, doc := range apitest.Documents(t) {
			for _, path := range slices.Sorted(func(yield func(string) bool) {
				for p := range doc.Paths.Map() {
					if !yield(p) {
						return
					}
				}
			}) {
				for method := range doc.Paths.Value(path).Operations() {
					n++
					url := srv.URL + pathParam.ReplaceAllString(path, "1")
					req, err := http.NewRequest(method, url, strings.NewReader("{}"))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/json")
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
						t.Errorf("%s: %s %s answers %d: documented, not served", version, method, path, resp.StatusCode)
					}
				}
			}
		}
		if n < 100 {
			t.Errorf("the documents name %d operations; want the whole of both APIs", n)
		}
	})
}
