package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/argus-go/argus/internal/argus"
)

// Messages of DRF that clients show verbatim (api-v1.md §1).
const (
	msgNotAuthenticated = "Authentication credentials were not provided."
	msgForbidden        = "You do not have permission to perform this action."
	msgNotFound         = "Not found."
	msgServerError      = "A server error occurred."
)

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

// writeError is the one place where an error becomes a status code and a
// DRF-shaped body (api-v1.md §1): field dicts, bare lists and
// {"type": "…"} answer 400, sentinel errors their own status with
// {"detail": "…"}. Anything unrecognised is a bug: it is logged and
// answers 500 without details.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		he     *httpError
		fields argus.FieldErrors
		list   argus.ListError
		detail argus.DetailError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &he):
		if he.challenge {
			w.Header().Set("WWW-Authenticate", "Token")
		}
		writeJSON(w, he.status, detailBody{he.detail})
	case errors.As(err, &fields):
		writeJSON(w, http.StatusBadRequest, fields)
	case errors.As(err, &list):
		writeJSON(w, http.StatusBadRequest, list)
	case errors.As(err, &detail):
		writeJSON(w, http.StatusBadRequest, detail)
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, detailBody{"Request body exceeds the limit of 1 MiB."})
	case errors.Is(err, argus.ErrNotFound):
		writeJSON(w, http.StatusNotFound, detailBody{msgNotFound})
	case errors.Is(err, argus.ErrForbidden):
		writeJSON(w, http.StatusForbidden, detailBody{msgForbidden})
	case r.Context().Err() != nil && errors.Is(err, r.Context().Err()):
		// The client went away (or the server is shutting down) while the
		// request ran: nobody reads this answer, and it is no server fault.
		writeJSON(w, statusClientClosed, detailBody{"The request was cancelled."})
	default:
		s.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		writeJSON(w, http.StatusInternalServerError, detailBody{msgServerError})
	}
}

// statusClientClosed is nginx's status for a request whose client closed
// the connection before the answer; it appears only in the request log.
const statusClientClosed = 499

// detailBody is {"detail": "…"}.
type detailBody struct {
	Detail string `json:"detail"`
}
