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
	"unicode/utf8"

	"github.com/argus-go/argus/internal/argus"
)

// maxBody is the largest request body accepted; more answers 413.
const maxBody = 1 << 20

// WriteJSON writes v as the JSON response body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
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

// Body is a decoded request Body: each top-level key with its raw JSON.
// Fields are read with the typed getters, which record DRF's messages in
// a FieldErrors.
type Body map[string]json.RawMessage

// ReadBody decodes a JSON, form or multipart request body into a body.
// An empty body is an empty object, as in DRF. Malformed JSON answers 400
// {"detail": "JSON parse error - …"}, a non-object
// {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}.
func ReadBody(w http.ResponseWriter, r *http.Request) (Body, error) {
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
		b := Body{}
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
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err // 413
		}
		// A body that cannot be read (a malformed chunked encoding, a
		// connection cut short) is the client's fault, not the server's.
		return nil, errBadRequest("JSON parse error - " + err.Error())
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Body{}, nil
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
		return nil, FieldErrors{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got " + pyTypeName(v) + "."}}
	}
	var b Body
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

// StrOpts says how a string field is read.
type StrOpts struct {
	Required   bool
	AllowBlank bool
	// NoTrim keeps surrounding whitespace (DRF trims by default).
	NoTrim bool
}

// Str reads a string field as DRF's CharField: numbers become their text,
// other non-strings, null, blank and missing values are errors per opts,
// and so is text (after trimming) longer than max characters. Every text
// field of every body is read here, so none goes without a limit.
// present reports whether the key was in the body.
func (b Body) Str(errs FieldErrors, key string, max int, o StrOpts) (v string, present bool) {
	raw, ok := b[key]
	if !ok {
		if o.Required {
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
	if !o.NoTrim {
		v = strings.TrimSpace(v)
	}
	switch {
	case v == "" && !o.AllowBlank:
		errs.Add(key, msgNotBlank)
	case utf8.RuneCountInString(v) > max:
		errs.Add(key, msgMaxLength(max))
	}
	return v, true
}

// Has reports whether the body Has the key.
func (b Body) Has(key string) bool { _, ok := b[key]; return ok }

// Object reads a field holding a JSON Object, as a nested body whose
// errors the caller nests under key. ok is false (and errs says why) for
// a missing, null or non-Object value.
func (b Body) Object(errs FieldErrors, key string) (nested Body, ok bool) {
	data, present := b[key]
	if !present {
		errs.Add(key, msgFieldRequired)
		return nil, false
	}
	x, err := raw(data)
	switch x.(type) {
	case map[string]any:
	case nil:
		errs.Add(key, msgNotNull)
		return nil, false
	default:
		errs.Nested(key, map[string][]string{"non_field_errors": {"Invalid data. Expected a dictionary, but got " + pyTypeName(x) + "."}})
		return nil, false
	}
	if err != nil || json.Unmarshal(data, &nested) != nil {
		// Unreachable: the whole body was valid JSON.
		errs.Add(key, msgNotNull)
		return nil, false
	}
	return nested, true
}

// Ref reads a reference to another object by pk outside a serializer
// field (the "source" of an incident): an integer or numeric text. text
// is the value as Python's str() shows it, cut short, for messages; ok is
// false when it is no integer at all.
func (b Body) Ref(key string) (id int64, text string, ok bool) {
	x, err := raw(b[key])
	if err != nil {
		return 0, "", false
	}
	text = choiceString(x)
	id, err = strconv.ParseInt(text, 10, 64)
	return id, argus.Shorten(text, 50), err == nil
}

// PathID reads a numeric path segment as Django's <int:pk> converter
// ([0-9]+). Anything else, and any number no row can have (0, or one
// beyond int64), is not found: 404 on both databases.
func PathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 || !allDigits(v) {
		return 0, fmt.Errorf("api: path %s %.40q: %w", name, v, argus.ErrNotFound)
	}
	return id, nil
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
