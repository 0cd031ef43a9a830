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

var (
	loadOnce sync.Once
	docs     map[string]*openapi3.T
	loadErr  error
)

// Load parses and validates the documents once; they are shared and must
// not be changed.
func Load() (map[string]*openapi3.T, error) {
	loadOnce.Do(func() {
		docs = map[string]*openapi3.T{}
		for _, v := range Versions {
			data, err := Source(v)
			if err != nil {
				loadErr = err
				return
			}
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData(data)
			if err != nil {
				loadErr = fmt.Errorf("apidoc: %s.yaml: %w", v, err)
				return
			}
			if err := doc.Validate(context.Background()); err != nil {
				loadErr = fmt.Errorf("apidoc: %s.yaml is not a valid OpenAPI document: %w", v, err)
				return
			}
			docs[v] = doc
		}
	})
	return docs, loadErr
}
