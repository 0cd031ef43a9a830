package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// What API v2 serves around incidents beyond v1 (api-v2.md §4.3–§4.9).

// parseV2Filter adds v2's query filters to f (api-v2.md §4.4.2): on both
// lists duration__gte, hide_closed_acked and token_expiry; on the full
// list also id__in, level__lte and search.
func (s *Server) parseV2Filter(ctx context.Context, q url.Values, f *store.IncidentFilter, mine bool) error {
	errs := FieldErrors{}
	// ?filter_pk= and ?notificationprofile_pk= (api-v2.md §4.4.2): the
	// caller's own filter, or any of the caller's profile's filters, by
	// the one matcher with the fallback (D28); another's or none selects
	// nothing.
	for _, key := range []string{"filter_pk", "notificationprofile_pk"} {
		v := strings.TrimSpace(TextValue(q, key, MaxIDLength, errs))
		if v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs.Add(key, "Enter a whole number.")
			continue
		}
		blobs, err := s.blobsOf(ctx, key, id)
		if err != nil {
			return err
		}
		f.BlobSets = append(f.BlobSets, blobs)
	}
	if v := strings.TrimSpace(TextValue(q, "duration__gte", MaxIDLength, errs)); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			errs.Add("duration__gte", "Enter a number.")
		} else if n > 0 {
			f.MinDuration = time.Duration(min(n, 1e8) * float64(time.Minute))
		}
	}
	if b := queryBool(q, "hide_closed_acked"); b != nil && *b {
		f.HideClosedAcked = true
	}
	// Any boolean at all keeps the token warnings, false too (§4.4.2).
	f.TokenExpiry = queryBool(q, "token_expiry") != nil
	if !mine {
		for _, item := range ListValue(q, "id__in", maxListItems, MaxIDLength, errs) {
			id, err := strconv.ParseInt(item, 10, 64)
			if err != nil {
				errs.Add("id__in", "Enter a number.")
				break
			}
			f.IDs = append(f.IDs, id)
		}
		if v := strings.TrimSpace(TextValue(q, "level__lte", MaxIDLength, errs)); v != "" {
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				errs.Add("level__lte", "Enter a number.")
			case n < argus.MinLevel:
				f.None = true // no incident is more severe than level 1
			default:
				f.MaxLevel = min(n, argus.MaxLevel)
			}
		}
		f.Search = SearchValue(q, "search", errs)
	}
	return errs.Err()
}

// blobsOf are the blobs, with the fallback, of the caller's filter id
// (key filter_pk) or of the filters of the caller's profile id; none for
// another's or an unknown one.
func (s *Server) blobsOf(ctx context.Context, key string, id int64) ([]argus.FilterBlob, error) {
	u := UserFrom(ctx)
	var filters []argus.Filter
	if key == "filter_pk" {
		f, err := s.store.Filter(ctx, u.ID, id)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		if err == nil {
			filters = append(filters, f)
		}
	} else {
		p, err := s.store.ProfileByID(ctx, u.ID, id)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		filters = p.Filters
	}
	blobs := make([]argus.FilterBlob, len(filters))
	for i := range filters {
		blobs[i] = filters[i].TheBlob().WithFallback(s.fallback)
	}
	return blobs, nil
}

// countIncidents answers ?count (api-v2.md §4.4.1): how many incidents
// the filters keep, and the parameters as they were read.
func (s *Server) countIncidents(w http.ResponseWriter, r *http.Request, f store.IncidentFilter) error {
	n, err := s.store.CountIncidents(r.Context(), f, s.now())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	params := make(map[string]string, len(q))
	for k := range q {
		params[k] = lastValue(q, k)
	}
	WriteJSON(w, http.StatusOK, map[string]any{"count": n, "params": params})
	return nil
}

// allEvents answers GET /api/v2/incidents/events/: every event of every
// incident, newest first, by cursor.
func (s *Server) allEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	cursor, err := DecodeCursor(lastValue(q, "cursor"))
	if err != nil {
		return err
	}
	list, more, err := s.store.AllEvents(r.Context(), cursor, PageSize(lastValue(q, "page_size")))
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(list))
	for i := range list {
		out[i] = s.renderEvent(&list[i])
	}
	WriteJSON(w, http.StatusOK, Page{
		Next:     nextLink(r, list, eventPosition, cursor, more),
		Previous: previousLink(r, list, eventPosition, cursor, more),
		Results:  out,
	})
	return nil
}

// ackFields reads v2's flat acknowledgement: {"timestamp", "description"?,
// "expiration"?}, the timestamp required (api-v2.md §4.6).
func (s *Server) ackFields(b Body, errs FieldErrors) argus.Ack {
	var ack argus.Ack
	ts, present, isNull := b.DateTime(errs, "timestamp", s.loc, TimeOpts{Required: true})
	if present && isNull {
		errs.Add("timestamp", msgNotNull)
	}
	ack.Event.Timestamp = ts
	ack.Event.Description, _ = b.Str(errs, "description", MaxDescriptionLength, StrOpts{AllowBlank: true})
	exp, present, isNull := b.DateTime(errs, "expiration", s.loc, TimeOpts{})
	if present && !isNull && !errs.Has("expiration") {
		ack.Expiration = &exp
	}
	return ack
}

// createAckV2 answers POST /api/v2/incidents/<pk>/acks/: a flat body, and
// source systems may acknowledge too (api-v2.md §4.6).
func (s *Server) createAckV2(w http.ResponseWriter, r *http.Request) error {
	incID, err := PathID(r, "incident")
	if err != nil {
		return err
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	ack := s.ackFields(b, errs)
	if err := errs.Err(); err != nil {
		return err
	}
	ack.Event.IncidentID = incID
	ctx := r.Context()
	ack, err = s.store.CreateAck(ctx, argus.RulesV2, ack, UserFrom(ctx), s.now())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, s.renderAck(&ack))
	return nil
}

// changeAck answers PUT and PATCH /api/v2/incidents/<pk>/acks/<id>/: a
// new expiration, or null for never. PUT requires it; a PATCH without it
// changes nothing (v2-bug-8: the original cleared it).
func (s *Server) changeAck(put bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		incID, err := PathID(r, "incident")
		if err != nil {
			return err
		}
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		ctx := r.Context()
		ack, err := s.store.Ack(ctx, incID, id)
		if err != nil {
			return err
		}
		b, err := ReadBody(w, r)
		if err != nil {
			return err
		}
		errs := FieldErrors{}
		exp, present, isNull := b.DateTime(errs, "expiration", s.loc, TimeOpts{Required: put})
		if err := errs.Err(); err != nil {
			return err
		}
		if present {
			var e *time.Time
			if !isNull {
				e = &exp
			}
			if ack, err = s.store.SetAckExpiration(ctx, incID, id, e, s.now()); err != nil {
				return err
			}
		}
		WriteJSON(w, http.StatusOK, s.renderAck(&ack))
		return nil
	}
}

// tagJSON is a tag as the tags sub-resource shows it: {"tag": "k=v"}.
type tagJSON struct {
	Tag string `json:"tag"`
}

// incidentForTags is the incident of a tags sub-resource path, whose
// absence the original answered 400 with a list (api-v2.md §4.7).
func (s *Server) incidentForTags(r *http.Request) (int64, error) {
	id, err := PathID(r, "incident")
	if err != nil {
		return 0, err
	}
	if _, err := s.store.Incident(r.Context(), id, s.now()); isNotFound(err) {
		return 0, ListError{fmt.Sprintf("An incident with pk=%d does not exist", id)}
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// pathTag reads the tag of a tags sub-resource path; a malformed one is a
// 400 with the reason as a list.
func pathTag(r *http.Request) (argus.Tag, error) {
	t, err := argus.ParseTag(r.PathValue("tag"))
	if err != nil {
		return t, ListError(wordsOf(v2, err))
	}
	t.Value = strings.TrimSpace(t.Value)
	return t, nil
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	id, err := s.incidentForTags(r)
	if err != nil {
		return err
	}
	rels, err := s.store.IncidentTags(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]tagJSON, len(rels))
	for i, rel := range rels {
		out[i] = tagJSON{rel.Tag.String()}
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// addTag answers POST /api/v2/incidents/<pk>/tags/: {"tag": "k=v"} is
// put on the incident unless it is there already; 201 either way.
func (s *Server) addTag(w http.ResponseWriter, r *http.Request) error {
	id, err := s.incidentForTags(r)
	if err != nil {
		return err
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	if !b.Has("tag") {
		return FieldErrors{"non_field_errors": []string{`Tags need to follow the format {"tag": key=value}`}}
	}
	errs := FieldErrors{}
	text, _ := b.Str(errs, "tag", math.MaxInt, StrOpts{Required: true})
	if err := errs.Err(); err != nil {
		return err
	}
	t, err := argus.ParseTag(text)
	if err != nil {
		return FieldErrors{"tag": wordsOf(v2, err)}
	}
	t.Value = strings.TrimSpace(t.Value)
	ctx := r.Context()
	if err := s.store.AddTag(ctx, id, t, UserFrom(ctx).ID, s.now()); err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, tagJSON{t.String()})
	return nil
}

// incidentTag is the tag of the path if the incident has it.
func (s *Server) incidentTag(r *http.Request) (int64, argus.Tag, error) {
	id, err := s.incidentForTags(r)
	if err != nil {
		return 0, argus.Tag{}, err
	}
	t, err := pathTag(r)
	if err != nil {
		return 0, t, err
	}
	return id, t, nil
}

func (s *Server) getTag(w http.ResponseWriter, r *http.Request) error {
	id, t, err := s.incidentTag(r)
	if err != nil {
		return err
	}
	rels, err := s.store.IncidentTags(r.Context(), id)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		if rel.Tag == t {
			WriteJSON(w, http.StatusOK, tagJSON{t.String()})
			return nil
		}
	}
	return argus.NotFound("Tag", t.String())
}

// removeTag answers DELETE /api/v2/incidents/<pk>/tags/<k=v>/: whoever
// added it (api-v2.md §4.7).
func (s *Server) removeTag(w http.ResponseWriter, r *http.Request) error {
	id, t, err := s.incidentTag(r)
	if err != nil {
		return err
	}
	if err := s.store.RemoveTag(r.Context(), id, t); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// msgIndelible is the refusal of DELETE while incidents are indelible.
const msgIndelible = "Deletion of incidents is turned off, see setting INDELIBLE_INCIDENTS"

// deleteIncident answers DELETE /api/v2/incidents/<pk>/ (api-v2.md
// §4.4.6): 405 unless ARGUS_INDELIBLE_INCIDENTS is false; then its
// source's user or a superuser deletes it with its events, acks and tags.
func (s *Server) deleteIncident(w http.ResponseWriter, r *http.Request) error {
	if s.indelible {
		// RFC 9110 §15.5.6: a 405 names the methods that are allowed.
		w.Header().Set("Allow", "GET, HEAD, OPTIONS, PATCH, PUT")
		WriteJSON(w, http.StatusMethodNotAllowed, detailBody{msgIndelible})
		return nil
	}
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	inc, err := s.store.Incident(ctx, id, s.now())
	if err != nil {
		return err
	}
	if u := UserFrom(ctx); !u.IsSuperuser && u.ID != inc.Source.UserID {
		// v2-bug-12: the original left its placeholders unfilled.
		return &httpError{status: http.StatusForbidden,
			detail: fmt.Sprintf("%s is not originating source, may not delete incident #%d", inc.Source.Name, inc.ID)}
	}
	if err := s.store.DeleteIncident(ctx, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// seen records that a source system was heard from before h runs, at
// most once per store.SourceSeenEvery per source from this process
// (D34).
func (s *Server) seen(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if u := UserFrom(r.Context()); u != nil && u.IsSourceSystem() {
			now := s.now()
			if last, ok := s.sourcesSeen.Load(u.SourceID); !ok || now.Sub(last.(time.Time)) >= store.SourceSeenEvery {
				if err := s.store.SourceSeen(r.Context(), u.SourceID, now, store.SourceSeenEvery); err != nil {
					return err
				}
				s.sourcesSeen.Store(u.SourceID, now)
			}
		}
		return h(w, r)
	}
}

// heartbeat answers POST /api/v2/incidents/sources/heartbeat/ (Argus
// main, D34): a source system is alive, 204; anyone else 403 with an
// empty body.
func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) error {
	u := UserFrom(r.Context())
	if !u.IsSourceSystem() {
		w.WriteHeader(http.StatusForbidden)
		return nil
	}
	now := s.now()
	if err := s.store.SourceSeen(r.Context(), u.SourceID, now, 0); err != nil {
		return err
	}
	s.sourcesSeen.Store(u.SourceID, now)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getSourceType answers GET /api/v2/incidents/source-types/<name>/.
func (s *Server) getSourceType(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	types, err := s.store.SourceTypes(r.Context())
	if err != nil {
		return err
	}
	for _, t := range types {
		if t.Name == name {
			WriteJSON(w, http.StatusOK, sourceTypeJSON{t.Name})
			return nil
		}
	}
	return argus.NotFound("SourceSystemType", name)
}

// superuserOnly lets only superusers call h: on v2 only they change
// sources (api-v2.md §4.3).
func (s *Server) superuserOnly(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := argus.CanCreateSource(UserFrom(r.Context())); err != nil {
			return err
		}
		return h(w, r)
	}
}

// msgNoTicketPlugin is the answer when no ticket plugin is configured;
// the React frontend looks for "No path to" in it.
const msgNoTicketPlugin = `No path to ticket plugin can be found in the settings. Please update the setting "TICKET_PLUGIN".`

// automaticTicket answers PUT /api/v2/incidents/<pk>/automatic-ticket/
// (api-v2.md §4.4.8): an incident with a ticket keeps it; otherwise the
// ticket plugin makes one and its URL is set, with a CHI event. Failures
// are bare JSON strings.
func (s *Server) automaticTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "incident")
	if err != nil {
		return err
	}
	ctx := r.Context()
	now := s.now()
	inc, err := s.store.Incident(ctx, id, now)
	if err != nil {
		return err
	}
	if inc.TicketURL != "" {
		WriteJSON(w, http.StatusOK, map[string]string{"ticket_url": inc.TicketURL})
		return nil
	}
	if s.tickets == nil {
		WriteJSON(w, http.StatusBadRequest, msgNoTicketPlugin)
		return nil
	}
	data, err := json.Marshal(s.renderIncidentAs(v2, &inc, now))
	if err != nil {
		return err
	}
	var payload map[string]any
	if err := json.Unmarshal(data, &payload); err != nil {
		return err
	}
	u := UserFrom(ctx)
	payload["argus_url"] = absoluteURL(r, "/incidents/"+strconv.FormatInt(id, 10)+"/")
	payload["user"] = strings.TrimSpace(u.FirstName + " " + u.LastName)
	ticket, err := s.tickets.CreateTicket(ctx, payload)
	switch {
	case errors.Is(err, ErrTicketUnreachable):
		WriteJSON(w, http.StatusServiceUnavailable, "Client error: "+err.Error())
		return nil
	case errors.Is(err, ErrTicketRefused):
		WriteJSON(w, http.StatusForbidden, "Ticket creation error: "+err.Error())
		return nil
	case err != nil:
		s.v2.log.ErrorContext(ctx, "ticket plugin failed", "incident", id, "err", err)
		WriteJSON(w, http.StatusInternalServerError, "Ticket plugin error: the ticket could not be created.")
		return nil
	case ticket == "":
		WriteJSON(w, http.StatusBadRequest,
			"No url could be generated. Please check that the ticket plugin provides a function to create tickets.")
		return nil
	}
	if err := s.store.SetTicketURL(ctx, id, ticket, u, now); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"ticket_url": ticket})
	return nil
}
