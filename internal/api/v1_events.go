package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// eventJSON is an event (api-v1.md §2.7).
type eventJSON struct {
	PK          int64         `json:"pk"`
	Incident    int64         `json:"incident"`
	Actor       actorJSON     `json:"actor"`
	Timestamp   string        `json:"timestamp"`
	Received    string        `json:"received"`
	Type        eventTypeJSON `json:"type"`
	Description string        `json:"description"`
}

type actorJSON struct {
	PK       int64  `json:"pk"`
	Username string `json:"username"`
}

type eventTypeJSON struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

// ackJSON is an acknowledgement (api-v1.md §2.8): its pk is its event's.
type ackJSON struct {
	PK         int64     `json:"pk"`
	Event      eventJSON `json:"event"`
	Expiration *string   `json:"expiration"`
}

func (s *Server) renderEvent(ev *argus.Event) eventJSON {
	return eventJSON{
		PK: ev.ID, Incident: ev.IncidentID, Actor: actorJSON{ev.Actor.ID, ev.Actor.Username},
		Timestamp: formatTime(ev.Timestamp, s.loc), Received: formatTime(ev.Received, s.loc),
		Type:        eventTypeJSON{string(ev.Type), ev.Type.Display()},
		Description: ev.Description,
	}
}

func (s *Server) renderAck(a *argus.Ack) ackJSON {
	out := ackJSON{PK: a.Event.ID, Event: s.renderEvent(&a.Event)}
	if a.Expiration != nil {
		exp := formatTime(*a.Expiration, s.loc)
		out.Expiration = &exp
	}
	return out
}

// eventFields reads type, timestamp and description of a posted event.
// Without a timestamp, end users' events happen now; source systems must
// give one (api-v1.md §5.2).
func (s *Server) eventFields(v version, b Body, errs FieldErrors, timestampRequired bool, now time.Time) argus.Event {
	ev := argus.Event{Type: b.EventType(errs, v.rules())}
	ts, present, isNull := b.DateTime(errs, "timestamp", s.loc, TimeOpts{Required: timestampRequired})
	switch {
	case isNull:
		errs.Add("timestamp", msgNotNull)
	case present:
		ev.Timestamp = ts
	default:
		ev.Timestamp = now
	}
	ev.Description, _ = b.Str(errs, "description", MaxDescriptionLength, StrOpts{AllowBlank: true})
	return ev
}

// createEvent answers POST …/incidents/<id>/events/ on version v: it
// checks the body, then the store checks the actor's right to the type
// and applies the event by v's rules (state rules, D16), announcing it
// once committed (D10).
func (s *Server) createEvent(v version) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		incID, err := PathID(r, "incident")
		if err != nil {
			return err
		}
		b, err := ReadBody(w, r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		u := UserFrom(ctx)
		now := s.now()
		errs := FieldErrors{}
		ev := s.eventFields(v, b, errs, u.IsSourceSystem(), now)
		if err := errs.Err(); err != nil {
			return err
		}
		ev.IncidentID = incID
		ev, err = s.store.CreateEvent(ctx, v.rules(), ev, u, now)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, s.renderEvent(&ev))
		return nil
	}
}

// createAck answers POST /api/v1/incidents/<id>/acks/ (api-v1.md §5.3):
// {"event": {"timestamp"?, "description"?, "type"?: "ACK"}, "expiration"?}.
// The store refuses an ack that expires before it is made, and one by a
// source system.
func (s *Server) createAck(w http.ResponseWriter, r *http.Request) error {
	incID, err := PathID(r, "incident")
	if err != nil {
		return err
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	now := s.now()
	errs := FieldErrors{}
	var ack argus.Ack
	if eb, ok := b.Object(errs, "event"); ok {
		if !eb.Has("type") {
			eb["type"] = []byte(`"ACK"`)
		}
		eventErrs := FieldErrors{}
		ack.Event = s.eventFields(v1, eb, eventErrs, false, now)
		switch {
		case len(eventErrs) > 0:
			errs.Nested("event", eventErrs)
		case ack.Event.Type != argus.EventAcknowledge:
			errs.Add("event", fmt.Sprintf("'%s' is not a valid event type for acknowledgements. Use 'ACK' or omit 'type' completely.", ack.Event.Type))
		}
	}
	exp, present, isNull := b.DateTime(errs, "expiration", s.loc, TimeOpts{})
	if present && !isNull && !errs.Has("expiration") {
		ack.Expiration = &exp
	}
	if err := errs.Err(); err != nil {
		return err
	}
	ack.Event.IncidentID = incID
	ack, err = s.store.CreateAck(ctx, argus.RulesV1, ack, u, now) // v1: end users only
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, s.renderAck(&ack))
	return nil
}

// incidentList serves an incident's events or acks, newest first; an
// unknown incident is 404.
func incidentList[T, J any](list func(ctx context.Context, incidentID int64) ([]T, error), render func(*T) J) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "incident")
		if err != nil {
			return err
		}
		items, err := list(r.Context(), id)
		if err != nil {
			return err
		}
		out := make([]J, len(items))
		for i := range items {
			out[i] = render(&items[i])
		}
		WriteJSON(w, http.StatusOK, out)
		return nil
	}
}

// incidentItem serves one event or ack of an incident by its pk.
func incidentItem[T, J any](get func(ctx context.Context, incidentID, id int64) (T, error), render func(*T) J) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		incID, err := PathID(r, "incident")
		if err != nil {
			return err
		}
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		v, err := get(r.Context(), incID, id)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, render(&v))
		return nil
	}
}
