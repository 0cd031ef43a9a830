package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// The bulk endpoints of API v2 (api-v2.md §4.8): one payload applied to
// many incidents, each by the rules a single request would meet (D32),
// and each id's outcome reported.

// bulkKind is what one bulk endpoint does: its payload's key, how the
// payload is read, and how it is applied to one incident.
type bulkKind struct {
	key string
	// read reads the payload from the body; errs are nested under key.
	read func(s *Server, b Body, errs FieldErrors, u *argus.User, now time.Time) any
	// apply applies the payload to the incident and renders the result.
	apply func(s *Server, ctx context.Context, incidentID int64, payload any, u *argus.User, now time.Time) (any, error)
}

var (
	bulkAcks = bulkKind{
		key: "ack",
		read: func(s *Server, b Body, errs FieldErrors, _ *argus.User, _ time.Time) any {
			return s.ackFields(b, errs)
		},
		apply: func(s *Server, ctx context.Context, id int64, p any, u *argus.User, now time.Time) (any, error) {
			ack := p.(argus.Ack)
			ack.Event.IncidentID = id
			ack, err := s.store.CreateAck(ctx, argus.RulesV2, ack, u, now)
			if err != nil {
				return nil, err
			}
			return s.renderAck(&ack), nil
		},
	}
	bulkEvents = bulkKind{
		key: "event",
		read: func(s *Server, b Body, errs FieldErrors, u *argus.User, now time.Time) any {
			return s.eventFields(v2, b, errs, u.IsSourceSystem(), now)
		},
		apply: func(s *Server, ctx context.Context, id int64, p any, u *argus.User, now time.Time) (any, error) {
			ev := p.(argus.Event)
			ev.IncidentID = id
			ev, err := s.store.CreateEvent(ctx, argus.RulesV2, ev, u, now)
			if err != nil {
				return nil, err
			}
			return s.renderEvent(&ev), nil
		},
	}
	bulkTicketURLs = bulkKind{
		key: "ticket_url",
		apply: func(s *Server, ctx context.Context, id int64, p any, u *argus.User, now time.Time) (any, error) {
			url := p.(string)
			if err := s.store.SetTicketURL(ctx, id, url, u, now); err != nil {
				return nil, err
			}
			return url, nil
		},
	}
)

// bulkChange is one id's outcome.
type bulkChange map[string]any

// bulk answers POST /api/v2/incidents/{acks,events,ticket_url}/bulk/:
// {"ids": [...], "<key>": payload} → {"changes": {"<id>": {"<key>": …,
// "status": 201|400, "errors": …}}}, 400 when no id was found, else 201.
func (s *Server) bulk(k bulkKind) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, err := ReadBody(w, r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		u := UserFrom(ctx)
		now := s.now()
		errs := FieldErrors{}
		ids := b.ids(errs)
		var payload any
		if k.read == nil {
			// ticket_url: any text, required (v2-bug-2: the original's 500).
			payload, _ = b.Str(errs, k.key, MaxURLLength, StrOpts{Required: true, AllowBlank: true})
		} else if nested, ok := b.Object(errs, k.key); ok {
			payloadErrs := FieldErrors{}
			payload = k.read(s, nested, payloadErrs, u, now)
			if len(payloadErrs) > 0 {
				errs.Nested(k.key, payloadErrs)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		changes := make(map[string]bulkChange, len(ids))
		found := 0
		for _, id := range ids {
			key := strconv.FormatInt(id, 10)
			out, err := k.apply(s, ctx, id, payload, u, now)
			switch {
			case err == nil:
				found++
				changes[key] = bulkChange{k.key: out, "status": http.StatusCreated, "errors": nil}
			case argus.Refusals(err) == nil:
				return err
			case isNotFound(err) && incidentMissing(err):
				changes[key] = bulkChange{k.key: nil, "status": http.StatusBadRequest,
					"errors": map[string]string{"ids": fmt.Sprintf("Incident with id %d could not be found.", id)}}
			default:
				found++
				status, body := s.v2.word(argus.Refusals(err), u)
				changes[key] = bulkChange{k.key: nil, "status": status, "errors": body}
			}
		}
		status := http.StatusCreated
		if found == 0 {
			status = http.StatusBadRequest
		}
		WriteJSON(w, status, map[string]any{"changes": changes})
		return nil
	}
}

// incidentMissing reports whether err says the incident is not found.
func incidentMissing(err error) bool {
	es := argus.Refusals(err)
	return len(es) > 0 && es[0].Kind == argus.ErrNotFound && es[0].Model == "Incident"
}

// ids reads a bulk body's "ids": a non-empty list of incident pks,
// duplicates collapsed, in the order given.
func (b Body) ids(errs FieldErrors) []int64 {
	data, present := b["ids"]
	if !present {
		errs.Add("ids", msgFieldRequired)
		return nil
	}
	x, err := raw(data)
	items, ok := x.([]any)
	switch {
	case err != nil || x == nil:
		errs.Add("ids", msgNotNull)
		return nil
	case !ok:
		errs.Add("ids", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x)))
		return nil
	case len(items) == 0:
		errs.Add("ids", "This list may not be empty.")
		return nil
	case len(items) > maxListItems:
		errs.Add("ids", fmt.Sprintf("Ensure this field has no more than %d elements.", maxListItems))
		return nil
	}
	ids := make([]int64, 0, len(items))
	for _, item := range items {
		id, err := strconv.ParseInt(choiceString(item), 10, 64)
		if err != nil {
			errs.Add("ids", "A valid integer is required.")
			return nil
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}
