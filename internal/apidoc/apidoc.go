// Package apidoc holds the OpenAPI 3.1 documents of API v1 and API v2,
// written by hand, and serves them with a viewer of our own: the
// contract as a machine reads it. The API tests validate every request
// and response they make against these documents (apidoc/apitest), so
// the documents and the handlers cannot drift apart.
package apidoc

import (
	"context"
	"embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed v1.yaml v2.yaml
var files embed.FS

// Versions are the API versions with a document, oldest first; the last
// is the newest, which /api/schema/ serves.
var Versions = []string{"v1", "v2"}

// Source is the document of version as written (YAML).
func Source(version string) ([]byte, error) {
	return files.ReadFile(version + ".yaml")
}

// Load parses and validates the documents once; they are shared and must
// not be changed.
var Load = sync.OnceValues(func() (map[string]*openapi3.T, error) {
	docs := map[string]*openapi3.T{}
	for _, v := range Versions {
		data, err := Source(v)
		if err != nil {
			return nil, err
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("apidoc: %s.yaml: %w", v, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("apidoc: %s.yaml is not a valid OpenAPI document: %w", v, err)
		}
		docs[v] = doc
	}
	return docs, nil
})
