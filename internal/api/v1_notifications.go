package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// messageJSON is one notification message and its delivery record (D12).
type messageJSON struct {
	PK        int64   `json:"pk"`
	Incident  int64   `json:"incident"`
	Event     int64   `json:"event"`
	Medium    string  `json:"medium"`
	Recipient string  `json:"recipient"`
	User      *string `json:"user"` // username; null when the user is gone
	Status    string  `json:"status"`
	Attempts  int     `json:"attempts"`
	LastError string  `json:"last_error"`
	Created   string  `json:"created"`
	Updated   string  `json:"updated"`
	// NextAttempt is when a queued message is tried next.
	NextAttempt *string `json:"next_attempt"`
	// Deadline is when transient failures stop being retried.
	Deadline string  `json:"deadline"`
	Sent     *string `json:"sent"`
}

type messagePageJSON struct {
	Next     *string       `json:"next"`
	Previous *string       `json:"previous"`
	Results  []messageJSON `json:"results"`
}

func (s *Server) renderMessage(m store.Message) messageJSON {
	j := messageJSON{
		PK: m.ID, Incident: m.IncidentID, Event: m.EventID, Medium: string(m.Medium), Recipient: m.Recipient,
		Status: m.Status, Attempts: m.Attempts, LastError: m.LastError,
		Created: formatTime(m.Created, s.loc), Updated: formatTime(m.Updated, s.loc), Deadline: formatTime(m.Deadline, s.loc),
	}
	if m.Username != "" {
		j.User = &m.Username
	}
	if m.Status == store.StatusQueued {
		t := formatTime(m.Due, s.loc)
		j.NextAttempt = &t
	}
	if m.Sent != nil {
		t := formatTime(*m.Sent, s.loc)
		j.Sent = &t
	}
	return j
}

// listNotifications answers GET /api/v1/notifications/: every message,
// newest first, for superusers only, filtered by ?status= and ?incident=,
// cursor-paginated like the incident list.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	u := UserFrom(r.Context())
	if err := argus.CanReadNotifications(u); err != nil {
		return err // before the parameters, as DRF checks permissions first
	}
	q := r.URL.Query()
	errs := FieldErrors{}
	f := store.MessageFilter{By: u}
	if v := TextValue(q, "status", MaxStatusLength, errs); v != "" {
		if store.ValidStatus(v) {
			f.Status = v
		} else {
			errs.Add("status", fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", v))
		}
	}
	if v := strings.TrimSpace(TextValue(q, "incident", MaxIDLength, errs)); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs.Add("incident", "Enter a number.")
		}
		if id < 1 {
			id = -1 // no incident has it; 0 would mean "any" to the store
		}
		f.IncidentID = id
	}
	if err := errs.Err(); err != nil {
		return err
	}
	var err error
	if f.Before, f.After, err = decodeMessageCursor(lastValue(q, "cursor")); err != nil {
		return err
	}
	size := PageSize(lastValue(q, "page_size"))
	list, more, err := s.store.Messages(r.Context(), f, size)
	if err != nil {
		return err
	}
	page := messagePageJSON{Results: make([]messageJSON, len(list))}
	for i, m := range list {
		page.Results[i] = s.renderMessage(m)
	}
	backward := f.After != 0
	switch {
	case len(list) > 0:
		if more || backward {
			page.Next = messageLink(r, "n", list[len(list)-1].ID)
		}
		if (f.Before != 0 || backward) && (!backward || more) {
			page.Previous = messageLink(r, "p", list[0].ID)
		}
	case f.Before > 1:
		page.Previous = messageLink(r, "p", f.Before-1)
	case backward && f.After < math.MaxInt64:
		page.Next = messageLink(r, "n", f.After+1)
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

// Message cursors are URL-safe base64 of "n.<id>" (older than id) or
// "p.<id>" (newer than id).
func messageLink(r *http.Request, dir string, id int64) *string {
	return cursorLink(r, base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s.%d", dir, id)))
}

func decodeMessageCursor(v string) (before, after int64, err error) {
	switch {
	case v == "":
		return 0, 0, nil
	case len(v) > MaxCursorLength:
		return 0, 0, errInvalidCursor
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return 0, 0, errInvalidCursor
	}
	dir, num, ok := strings.Cut(string(data), ".")
	id, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || id < 1 {
		return 0, 0, errInvalidCursor
	}
	switch dir {
	case "n":
		return id, 0, nil
	case "p":
		return 0, id, nil
	}
	return 0, 0, errInvalidCursor
}
