package argus

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Sentinel errors. Callers wrap them with context (fmt.Errorf("…: %w", err));
// the HTTP layer turns each into a status code and a DRF-shaped body in one
// place.
var (
	// ErrNotFound means the object does not exist or is not visible to the
	// caller. It becomes 404 {"detail": "Not found."}.
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the caller is known but may not do this. It becomes
	// 403 {"detail": "You do not have permission to perform this action."}.
	ErrForbidden = errors.New("permission denied")
	// ErrConflict means the object collides with an existing one (a
	// taken name). The HTTP layer words the 400 for the kind of object.
	ErrConflict = errors.New("conflict")
)

// FieldErrors is a validation failure per input field: DRF's shape (a)
// {"field": ["message", …]}. The key "non_field_errors" (or "__all__", where
// the original used a Django form) carries object-level messages. A value
// is a []string of messages, or a nested structure for a field that holds
// a list or an object (e.g. {"tags": [{"tag": ["…"]}, {}]}).
type FieldErrors map[string]any

// Error lists the fields and their messages in a stable order.
func (e FieldErrors) Error() string {
	keys := slices.Sorted(maps.Keys(e))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var msgs string
		if list, ok := e[k].([]string); ok {
			msgs = strings.Join(list, " ")
		} else {
			msgs = fmt.Sprint(e[k])
		}
		if k != "non_field_errors" && k != "__all__" {
			msgs = k + ": " + msgs
		}
		parts = append(parts, msgs)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add appends a message to a field.
func (e FieldErrors) Add(field, msg string) {
	list, _ := e[field].([]string)
	e[field] = append(list, msg)
}

// Nested sets a field's errors to a structure: a list parallel to a list
// input, or an object of the nested object's field errors.
func (e FieldErrors) Nested(field string, v any) { e[field] = v }

// Has reports whether the field has errors.
func (e FieldErrors) Has(field string) bool { _, ok := e[field]; return ok }

// Err returns e as an error, or nil when it holds nothing.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// ListError is a validation failure the original raised from a view with a
// bare message: DRF's shape (c), a JSON list ["message"].
type ListError []string

func (e ListError) Error() string { return "invalid request: " + strings.Join(e, "; ") }

// Invalid returns a ListError with one message.
func Invalid(msg string) error { return ListError{msg} }

// DetailError is a validation failure whose body maps a field to a single
// string rather than a list: DRF's shape (d), e.g.
// {"type": "A source system cannot post events of type 'CLO'."}. It answers
// 400.
type DetailError map[string]string

func (e DetailError) Error() string {
	keys := slices.Sorted(maps.Keys(e))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e[k])
	}
	return "invalid request: " + strings.Join(parts, "; ")
}
