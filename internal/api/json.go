package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/argus-go/argus/internal/argus"
)

// maxBody is the largest request body accepted; more answers 413.
const maxBody = 1 << 20

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		http.Error(w, `{"detail": "A server error occurred."}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

// body is a decoded request body: each top-level key with its raw JSON.
// Fields are read with the typed getters, which record DRF's messages in
// a FieldErrors.
type body map[string]json.RawMessage

// readBody decodes a JSON, form or multipart request body into a body.
// An empty body is an empty object, as in DRF. Malformed JSON answers 400
// {"detail": "JSON parse error - …"}, a non-object
// {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}.
func readBody(w http.ResponseWriter, r *http.Request) (body, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, err
			}
			return nil, errBadRequest("Multipart form parse error - " + err.Error())
		}
		b := body{}
		for k, v := range r.PostForm {
			if len(v) > 0 {
				raw, err := json.Marshal(v[len(v)-1])
				if err != nil {
					return nil, fmt.Errorf("api: encode form value: %w", err)
				}
				b[k] = raw
			}
		}
		return b, nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err // a *http.MaxBytesError answers 413
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return body{}, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, errBadRequest("JSON parse error - " + err.Error())
	}
	if dec.More() {
		return nil, errBadRequest("JSON parse error - extra data after the JSON value")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, argus.FieldErrors{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got " + pyTypeName(v) + "."}}
	}
	var b body
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, errBadRequest("JSON parse error - " + err.Error())
	}
	return b, nil
}

// pyTypeName names a JSON value's type as DRF's messages do.
func pyTypeName(v any) string {
	switch n := v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case json.Number:
		if strings.ContainsAny(n.String(), ".eE") {
			return "float"
		}
		return "int"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "dict"
}

// Field messages of DRF.
const (
	msgFieldRequired = "This field is required."
	msgNotNull       = "This field may not be null."
	msgNotBlank      = "This field may not be blank."
	msgNotString     = "Not a valid string."
)

// strOpts says how a string field is read.
type strOpts struct {
	required   bool
	allowBlank bool
	// noTrim keeps surrounding whitespace (DRF trims by default).
	noTrim bool
}

// str reads a string field as DRF's CharField: numbers become their text,
// other non-strings, null, blank and missing values are errors per opts.
// present reports whether the key was in the body.
func (b body) str(errs argus.FieldErrors, key string, o strOpts) (v string, present bool) {
	raw, ok := b[key]
	if !ok {
		if o.required {
			errs.Add(key, msgFieldRequired)
		}
		return "", false
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		errs.Add(key, msgNotString)
		return "", true
	}
	switch t := x.(type) {
	case nil:
		errs.Add(key, msgNotNull)
		return "", true
	case string:
		v = t
	case json.Number:
		v = t.String()
	default:
		errs.Add(key, msgNotString)
		return "", true
	}
	if strings.ContainsRune(v, 0) {
		errs.Add(key, msgNullCharacters)
		return "", true
	}
	if !o.noTrim {
		v = strings.TrimSpace(v)
	}
	if v == "" && !o.allowBlank {
		errs.Add(key, msgNotBlank)
	}
	return v, true
}

// pathID reads a numeric path segment; anything else is not found, as
// Django's <int:pk> converter.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("api: path %s %q: %w", name, r.PathValue(name), argus.ErrNotFound)
	}
	return id, nil
}

// jsonUnmarshal decodes a part of a body already known to be valid JSON.
func jsonUnmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return errBadRequest("JSON parse error - " + err.Error())
	}
	return nil
}
