package api

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/httpserver"
)

// Messages of DRF that clients show verbatim (api-v1.md §1).
const (
	msgNotAuthenticated = "Authentication credentials were not provided."
	msgForbidden        = "You do not have permission to perform this action."
	msgNotFound         = "Not found."
	msgServerError      = "A server error occurred."
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

// httpError is an error with its own status and body, such as a 401 or
// a 413.
type httpError struct {
	status int
	detail string
	// challenge sets WWW-Authenticate: Token on a 401.
	challenge bool
}

func (e *httpError) Error() string { return e.detail }

func errUnauthenticated(detail string) error {
	return &httpError{status: http.StatusUnauthorized, detail: detail, challenge: true}
}

func errBadRequest(detail string) error {
	return &httpError{status: http.StatusBadRequest, detail: detail}
}

// WriteError is the one place where an error becomes a status code and a
// DRF-shaped body (api-v1.md §1): field dicts, bare lists and
// {"type": "…"} answer 400, the domain's refusals (argus.Error) are worded
// by refusalBody, other kinds their own status with {"detail": "…"}.
// Anything unrecognised is a bug: it is logged and answers 500 without
// details.
func (e *Endpoints) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		he     *httpError
		fields FieldErrors
		list   ListError
		detail DetailError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &he):
		if he.challenge {
			w.Header().Set("WWW-Authenticate", "Token")
		}
		WriteJSON(w, he.status, detailBody{he.detail})
	case errors.As(err, &fields):
		WriteJSON(w, http.StatusBadRequest, fields)
	case errors.As(err, &list):
		WriteJSON(w, http.StatusBadRequest, list)
	case errors.As(err, &detail):
		WriteJSON(w, http.StatusBadRequest, detail)
	case errors.As(err, &tooBig):
		WriteJSON(w, http.StatusRequestEntityTooLarge, detailBody{"Request body exceeds the limit of 1 MiB."})
	case argus.Refusals(err) != nil:
		status, body := e.word(argus.Refusals(err), UserFrom(r.Context()))
		WriteJSON(w, status, body)
	case errors.Is(err, argus.ErrNotFound):
		WriteJSON(w, http.StatusNotFound, detailBody{msgNotFound})
	case errors.Is(err, argus.ErrForbidden):
		WriteJSON(w, http.StatusForbidden, detailBody{msgForbidden})
	case r.Context().Err() != nil && errors.Is(err, r.Context().Err()):
		// The client went away (or the server is shutting down) while the
		// request ran: nobody reads this answer, and it is no server fault.
		WriteJSON(w, httpserver.StatusClientClosed, detailBody{"The request was cancelled."})
	default:
		e.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", httpserver.RequestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		WriteJSON(w, http.StatusInternalServerError, detailBody{msgServerError})
	}
}

// detailBody is {"detail": "…"}.
type detailBody struct {
	Detail string `json:"detail"`
}
