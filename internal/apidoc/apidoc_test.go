package apidoc_test

import (
	"testing"

	"github.com/argus-go/argus/internal/apidoc"
)

// The documents are valid OpenAPI 3.1.
func TestDocumentsAreValid(t *testing.T) {
	docs, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range apidoc.Versions {
		if docs[v].OpenAPI != "3.1.0" {
			t.Errorf("%s: openapi %q; want 3.1.0", v, docs[v].OpenAPI)
		}
	}
}
