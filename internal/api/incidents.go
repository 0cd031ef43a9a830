package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// incidentJSON is an incident exactly as api-v1.md §2.5 shows it, plus
// level (D2); on v2 also its metadata (api-v2.md §2.4), which v1 never
// shows (D27).
type incidentJSON struct {
	PK               int64           `json:"pk"`
	StartTime        string          `json:"start_time"`
	EndTime          *string         `json:"end_time"`
	Source           sourceJSON      `json:"source"`
	SourceIncidentID string          `json:"source_incident_id"`
	DetailsURL       string          `json:"details_url"`
	Description      string          `json:"description"`
	TicketURL        string          `json:"ticket_url"`
	Tags             []tagRelJSON    `json:"tags"`
	Stateful         bool            `json:"stateful"`
	Open             bool            `json:"open"`
	Acked            bool            `json:"acked"`
	Level            int             `json:"level"`
	Metadata         json.RawMessage `json:"metadata,omitempty"`
}

type tagRelJSON struct {
	AddedBy   int64  `json:"added_by"`
	AddedTime string `json:"added_time"`
	Tag       string `json:"tag"`
}

func (s *Server) renderIncident(inc *argus.Incident, now time.Time) incidentJSON {
	out := incidentJSON{
		PK: inc.ID, StartTime: formatTime(inc.StartTime, s.loc), Source: renderSource(inc.Source),
		SourceIncidentID: inc.SourceIncidentID, DetailsURL: inc.FullDetailsURL(), Description: inc.Description,
		TicketURL: inc.TicketURL, Tags: make([]tagRelJSON, len(inc.Tags)),
		Stateful: inc.Stateful(), Open: inc.Open(now), Acked: inc.Acked, Level: inc.Level,
	}
	if inc.EndTime != nil {
		end := formatEndTime(*inc.EndTime, s.loc)
		out.EndTime = &end
	}
	for i, r := range inc.Tags {
		out.Tags[i] = tagRelJSON{AddedBy: r.AddedBy, AddedTime: formatTime(r.AddedTime, s.loc), Tag: r.Tag.String()}
	}
	return out
}

// renderIncidentAs renders an incident as the version shows it.
func (s *Server) renderIncidentAs(v version, inc *argus.Incident, now time.Time) incidentJSON {
	out := s.renderIncident(inc, now)
	if v == v2 {
		out.Metadata = inc.Metadata
		if len(out.Metadata) == 0 {
			out.Metadata = json.RawMessage("{}")
		}
	}
	return out
}

func (s *Server) renderIncidents(v version, list []argus.Incident, now time.Time) []incidentJSON {
	out := make([]incidentJSON, len(list))
	for i := range list {
		out[i] = s.renderIncidentAs(v, &list[i], now)
	}
	return out
}

// listIncidents answers GET /api/v1/incidents/ and, with mine, GET
// /api/v1/incidents/mine/ (where source filters are ignored); on v2 with
// its further filters and ?count (api-v2.md §4.4.1, §4.4.2).
func (s *Server) listIncidents(v version, mine bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f, err := ParseIncidentFilter(q, s.loc, !mine)
		if err == nil && v == v2 {
			err = s.parseV2Filter(r.Context(), q, &f, mine)
		}
		if err != nil {
			return err
		}
		if mine {
			f.SourceUserID = UserFrom(r.Context()).ID
		}
		if v == v2 && q.Has("count") {
			return s.countIncidents(w, r, f)
		}
		cursor, err := DecodeCursor(lastValue(q, "cursor"))
		if err != nil {
			return err
		}
		size := PageSize(lastValue(q, "page_size"))
		now := s.now()
		list, more, err := s.store.Incidents(r.Context(), f, cursor, size, now)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, Page{
			Next:     NextLink(r, list, cursor, more),
			Previous: PreviousLink(r, list, cursor, more),
			Results:  s.renderIncidents(v, list, now),
		})
		return nil
	}
}

// openIncidents answers GET /api/v1/incidents/open/ and, with unacked,
// /open+unacked/: plain arrays, not paginated.
func (s *Server) openIncidents(unacked bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := store.IncidentFilter{Open: new(true)}
		if unacked {
			f.Acked = new(false)
		}
		now := s.now()
		list, _, err := s.store.Incidents(r.Context(), f, nil, 0, now)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.renderIncidents(v1, list, now))
		return nil
	}
}

func (s *Server) getIncident(v version) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		now := s.now()
		inc, err := s.store.Incident(r.Context(), id, now)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.renderIncidentAs(v, &inc, now))
		return nil
	}
}

// msgInvalidURL is Django's refusal of a ticket_url (api-v1.md §5.1).
const msgInvalidURL = "Enter a valid URL."

// createIncident answers POST /api/v1/incidents/ and /api/v2/incidents/
// (and /mine/): source systems post for themselves, superusers may name a
// "source". The incident, its tags and its first event are stored
// together; the store announces the event once committed (D10). v2
// requires tags (api-v2.md §4.4.4) and reads metadata.
func (s *Server) createIncident(v version) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.postIncident(v, w, r)
	}
}

func (s *Server) postIncident(v version, w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	ni := store.NewIncident{}
	start, _, startNull := b.DateTime(errs, "start_time", s.loc, TimeOpts{Required: true})
	if startNull {
		errs.Add("start_time", msgNotNull)
	}
	ni.StartTime = start
	end, endPresent, endNull := b.DateTime(errs, "end_time", s.loc, TimeOpts{EndTime: true})
	switch {
	case !endPresent:
		ni.EndTime = new(argus.Infinity) // D26: omitted means open
	case !endNull:
		ni.EndTime = &end
	}
	ni.SourceIncidentID, _ = b.Str(errs, "source_incident_id", MaxIdentifierLength, StrOpts{AllowBlank: true})
	ni.DetailsURL, _ = b.Str(errs, "details_url", MaxURLLength, StrOpts{AllowBlank: true})
	ni.Description, _ = b.Str(errs, "description", MaxDescriptionLength, StrOpts{AllowBlank: true})
	var ticketPresent bool
	ni.TicketURL, ticketPresent = b.Str(errs, "ticket_url", MaxURLLength, StrOpts{AllowBlank: true})
	if ticketPresent && !errs.Has("ticket_url") && !argus.ValidURL(ni.TicketURL) {
		errs.Add("ticket_url", msgInvalidURL)
	}
	ni.Level = b.Level(errs)
	switch {
	case b.Has("tags"):
		ni.Tags = b.tags(v, errs)
	case v == v2:
		errs.Add("tags", msgFieldRequired)
	}
	if v == v2 {
		if m, ok := b.metadata(errs); ok {
			ni.Metadata = m
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	// The source rules below are the store's too; asked here, they refuse
	// in the original's order.
	if err := argus.CheckIncidentTimes(ni.StartTime, ni.EndTime); err != nil {
		return err
	}
	u := UserFrom(r.Context())
	if b.Has("source") {
		if err := argus.CanNameSource(u); err != nil {
			return err
		}
		id, text, ok := b.Ref("source")
		if !ok || id < 1 {
			return argus.Invalid("source", argus.CodeNoSuchSource, text)
		}
		ni.SourceID = id
	} else if ni.SourceID, err = argus.OwnSource(u); err != nil {
		return err
	}
	now := s.now()
	inc, _, err := s.store.CreateIncident(r.Context(), ni, u.ID, now)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, s.renderIncidentAs(v, &inc, now))
	return nil
}

// metadata reads an incident's "metadata" (v2): a JSON object, never null
// (D31, v2-bug-14). ok is false when it is absent or refused.
func (b Body) metadata(errs FieldErrors) (json.RawMessage, bool) {
	data, present := b["metadata"]
	if !present {
		return nil, false
	}
	x, err := raw(data)
	switch x.(type) {
	case map[string]any:
	case nil:
		errs.Add("metadata", msgNotNull)
		return nil, false
	default:
		errs.Add("metadata", fmt.Sprintf("Expected a dictionary of items but got type %q.", pyTypeName(x)))
		return nil, false
	}
	if err != nil {
		errs.Add("metadata", msgNotNull) // unreachable: the body was valid JSON
		return nil, false
	}
	return bytes.TrimSpace(data), true
}

// tags reads an incident's "tags": a list of {"tag": "key=value"}, with
// errors as a list parallel to the input (api-v1.md §2.6), worded as the
// version words them; v2 trims the value too (api-v2.md §2.5).
func (b Body) tags(v version, errs FieldErrors) []argus.Tag {
	parse := func(s string) (argus.Tag, string) {
		t, err := argus.ParseTag(s)
		if err != nil {
			return t, wordsOf(v, err)[0]
		}
		if v == v2 {
			t.Value = strings.TrimSpace(t.Value)
		}
		return t, ""
	}
	x, err := raw(b["tags"])
	if err != nil || x == nil {
		errs.Add("tags", msgNotNull)
		return nil
	}
	items, ok := x.([]any)
	if !ok {
		errs.Nested("tags", map[string][]string{"non_field_errors": {
			fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x))}})
		return nil
	}
	if len(items) > maxListItems {
		errs.Nested("tags", map[string][]string{"non_field_errors": {
			fmt.Sprintf("Ensure this field has no more than %d elements.", maxListItems)}})
		return nil
	}
	tags := make([]argus.Tag, 0, len(items))
	itemErrs := make([]map[string][]string, len(items))
	failed := false
	for i, item := range items {
		itemErrs[i] = map[string][]string{}
		obj, ok := item.(map[string]any)
		if !ok {
			itemErrs[i]["non_field_errors"] = []string{"Invalid data. Expected a dictionary, but got " + pyTypeName(item) + "."}
			failed = true
			continue
		}
		v, present := obj["tag"]
		var msg string
		switch s := v.(type) {
		case string:
			var t argus.Tag
			if t, msg = parse(s); msg == "" {
				tags = append(tags, t)
			}
		case nil:
			msg = msgNotNull
			if !present {
				msg = msgFieldRequired
			}
		case json.Number:
			var t argus.Tag
			if t, msg = parse(s.String()); msg == "" {
				tags = append(tags, t)
			}
		default:
			msg = msgNotString
		}
		if msg != "" {
			itemErrs[i]["tag"] = []string{msg}
			failed = true
		}
	}
	if failed {
		errs.Nested("tags", itemErrs)
	}
	return tags
}

// patchable are the incident fields PATCH may change on v1, v2Patchable
// on v2 (api-v2.md §4.4.5); incidentFields are all the fields the
// original's model has, for the "not allowed" versus "does not exist"
// message (api-v1.md §5.1).
var (
	patchable      = []string{"details_url", "ticket_url", "tags"}
	v2Patchable    = []string{"details_url", "ticket_url", "tags", "level", "metadata", "description"}
	incidentFields = []string{"pk", "id", "start_time", "end_time", "source", "source_incident_id", "details_url",
		"description", "ticket_url", "level", "metadata", "search_text", "incident_tag_relations", "events"}
)

// patchIncident answers PATCH /api/v1/incidents/<pk>/ (details_url,
// ticket_url and tags, a full replacement set) and PATCH and PUT
// /api/v2/incidents/<pk>/ (those, level, metadata and description; PUT
// requires tags), for any user. The store records a CHI event per changed
// attribute (D31).
func (s *Server) patchIncident(v version, put bool) HandlerFunc {
	allowed := patchable
	if v == v2 {
		allowed = v2Patchable
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		ctx := r.Context()
		now := s.now()
		if _, err := s.store.Incident(ctx, id, now); err != nil {
			return err
		}
		b, err := ReadBody(w, r)
		if err != nil {
			return err
		}
		refused := DetailError{}
		for k := range b {
			switch {
			case slices.Contains(allowed, k):
			case slices.Contains(incidentFields, k):
				refused[k] = "The field is not allowed to be changed."
			default:
				refused[k] = "The field does not exist."
			}
		}
		if len(refused) > 0 {
			return refused
		}
		errs := FieldErrors{}
		var c store.IncidentChange
		if v, ok := b.Str(errs, "details_url", MaxURLLength, StrOpts{AllowBlank: true}); ok {
			c.DetailsURL = &v
		}
		if v, ok := b.Str(errs, "ticket_url", MaxURLLength, StrOpts{AllowBlank: true}); ok {
			if !errs.Has("ticket_url") && !argus.ValidURL(v) {
				errs.Add("ticket_url", msgInvalidURL)
			}
			c.TicketURL = &v
		}
		switch {
		case b.Has("tags"):
			tags := b.tags(v, errs)
			c.Tags = &tags
		case put:
			errs.Add("tags", msgFieldRequired)
		}
		if v == v2 {
			if b.Has("level") {
				c.Level = new(b.Level(errs))
			}
			if d, ok := b.Str(errs, "description", MaxDescriptionLength, StrOpts{AllowBlank: true}); ok {
				c.Description = &d
			}
			if m, ok := b.metadata(errs); ok {
				c.Metadata = m
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		inc, err := s.store.UpdateIncident(ctx, id, c, UserFrom(ctx), now)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.renderIncidentAs(v, &inc, now))
		return nil
	}
}

// putTicketURL answers PUT /api/v1/incidents/<pk>/ticket_url/ and its v2
// twin: any text, not validated as a URL (api-v1.md §4.3); a changed URL
// gets a CHI event (api-v2.md §4.4.7).
func (s *Server) putTicketURL(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "incident")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.store.Incident(ctx, id, s.now()); err != nil {
		return err
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	v, _ := b.Str(errs, "ticket_url", MaxURLLength, StrOpts{Required: true, AllowBlank: true})
	if err := errs.Err(); err != nil {
		return err
	}
	if err := s.store.SetTicketURL(ctx, id, v, UserFrom(ctx), s.now()); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"ticket_url": v})
	return nil
}
