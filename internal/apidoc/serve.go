package apidoc

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

//go:embed viewer
var viewer embed.FS

// Face serves the documents and the viewer (httpserver.Face):
//
//	GET /api/v1/schema/, /api/v2/schema/   a version's document: YAML, or
//	                                       JSON with ?format=json or
//	                                       Accept: application/json
//	GET /api/schema/                       the newest version's
//	GET /api/schema/swagger-ui/            the viewer (also under each
//	                                       version's schema path)
type Face struct{}

// Register adds the routes.
func (Face) Register(mux *http.ServeMux) {
	newest := Versions[len(Versions)-1]
	for _, v := range Versions {
		mux.HandleFunc("GET /api/"+v+"/schema/{$}", document(v))
		mux.HandleFunc("GET /api/"+v+"/schema/swagger-ui/{$}", page)
	}
	mux.HandleFunc("GET /api/schema/{$}", document(newest))
	mux.HandleFunc("GET /api/schema/swagger-ui/{$}", page)
	mux.Handle("GET /api/schema/viewer/", http.StripPrefix("/api/schema/", http.FileServerFS(viewer)))
}

// asJSON is each document as JSON, made once.
var asJSON = sync.OnceValues(func() (map[string][]byte, error) {
	docs, err := Load()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for v, doc := range docs {
		if out[v], err = json.Marshal(doc); err != nil {
			return nil, err
		}
	}
	return out, nil
})

func document(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Access-Control-Allow-Origin", "*") // a public document, for any tool to read
		if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "json") {
			docs, err := asJSON()
			if err != nil {
				http.Error(w, "the OpenAPI document cannot be read: "+err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.oai.openapi+json")
			_, _ = w.Write(docs[version])
			return
		}
		data, err := Source(version)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oai.openapi; charset=utf-8")
		_, _ = w.Write(data)
	}
}

// page is the viewer: a page of our own that reads a document as JSON
// and lists its operations (no CDN, no third-party script).
func page(w http.ResponseWriter, r *http.Request) {
	data, err := viewer.ReadFile("viewer/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}
