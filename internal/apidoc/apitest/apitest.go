// Package apitest checks API tests' traffic against the OpenAPI documents
// of package apidoc: wrapped in Handler, a server reports through the
// test every request and response that the documents do not describe.
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/argus-go/argus/internal/apidoc"
	"github.com/argus-go/argus/internal/httpserver"
)

// load makes a router of each document, once.
var load = sync.OnceValues(func() (map[string]routers.Router, error) {
	docs, err := apidoc.Load()
	if err != nil {
		return nil, err
	}
	byVersion := map[string]routers.Router{}
	for v, doc := range docs {
		r, err := legacy.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("apitest: router of %s: %w", v, err)
		}
		byVersion[v] = r
	}
	return byVersion, nil
})

// versionOf is the document that describes path: v2 for /api/v2/, v1 for
// the rest of the API; "" for what no document covers (the web UI,
// websockets, probes, metrics).
func versionOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/v2/"):
		return "v2"
	case path == "/api/", strings.HasPrefix(path, "/api/v1/"), path == "/login-methods/",
		path == "/oidc/api-token-auth/":
		return "v1"
	}
	return ""
}

// Handler serves h and checks each exchange against the documents:
//
//   - a request for a path and method no document has must be answered
//     404, 405 (with Allow) or 401;
//   - a request the document refuses (a missing required field, a wrong
//     type, a text over its maxLength) must be answered 4xx;
//   - every response must be one the document lists for its operation:
//     its status, and a body that fits the schema given for it.
//
// OPTIONS and HEAD are left alone (the endpoint machinery answers them
// the same way everywhere). Problems are reported with t.Errorf, so the
// test that made the request fails.
//
// With -short (CI's race-detector pass, which repeats the suites the full
// run has checked) the exchanges are not checked again.
func Handler(t testing.TB, h http.Handler) http.Handler {
	if testing.Short() {
		return h
	}
	rs, err := load()
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := versionOf(r.URL.Path)
		if v == "" || r.Method == http.MethodOptions || r.Method == http.MethodHead ||
			strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			h.ServeHTTP(w, r)
			return
		}
		// The handler reads the body as it comes (a broken one included);
		// what it read is kept for the check.
		tee := &teeBody{ReadCloser: r.Body}
		r.Body = tee
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())

		what := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), rec.Code)
		body := tee.buf.Bytes()
		switch {
		case tee.err != nil:
			// A body cut short or malformed on the wire: nothing to
			// check it against.
			return
		case rec.Code >= 500 || rec.Code == httpserver.StatusClientClosed:
			return // a fault, or an answer nobody reads: no contract
		case rec.Code == http.StatusMethodNotAllowed:
			// Any path answers a method it lacks so (DRF's 405).
			if rec.Header().Get("Allow") == "" {
				t.Errorf("apitest: %s: 405 without Allow", what)
			}
			return
		}
		probe := r.Clone(context.Background())
		probe.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := rs[v].FindRoute(probe)
		if err != nil {
			// 401: the token is checked before the method or the path.
			if rec.Code != http.StatusNotFound && rec.Code != http.StatusUnauthorized {
				t.Errorf("apitest: %s: not in the %s document (%v)", what, v, err)
			}
			return
		}
		opts := &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus: true,
			MultiError:            true,
			// A form is read as DRF reads it (the documents say so),
			// its values all text; the documents give JSON's types.
			// A body the handler did not read to its end (it answered
			// first: 401, 404, …) is not checked either.
			ExcludeRequestBody: isForm(r) || !tee.eof,
		}
		in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: opts}
		// Only a request the server accepted needs the document's
		// verdict (a refused one may be anything; hostile tests send
		// megabytes of it).
		var reqErr error
		if rec.Code < 400 {
			reqErr = openapi3filter.ValidateRequest(context.Background(), in)
		}
		if reqErr != nil && strings.Contains(reqErr.Error(), "strconv.ParseFloat") {
			// kin-openapi cannot read a JSON number beyond float64
			// (1e400), which the API reads as text: not a refusal.
			reqErr = nil
		}
		if reqErr != nil && rec.Code < 400 {
			t.Errorf("apitest: %s: the %s document refuses this request, the server did not:\n%v\nbody: %s",
				what, v, reqErr, clip(body))
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts,
		}
		out.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("apitest: %s: the response is not as the %s document says:\n%v\nresponse: %s",
				what, v, err, clip(rec.Body.Bytes()))
		}
	})
}

// teeBody keeps what the handler reads of a request body, and how the
// reading ended.
type teeBody struct {
	io.ReadCloser
	buf bytes.Buffer
	eof bool  // read to its end
	err error // reading failed
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.buf.Write(p[:n])
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

// isForm reports whether r's body is a form.
func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// clip shortens a body for a message.
func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// Documents are the loaded documents, for tests of the documents
// themselves.
func Documents(t testing.TB) map[string]*openapi3.T {
	docs, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}
