package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// profileJSON is a notification profile with its timeslot, filters and
// phone number expanded (api-v1.md §4.4); pk is the timeslot's (D15).
type profileJSON struct {
	PK          int64            `json:"pk"`
	Timeslot    timeslotJSON     `json:"timeslot"`
	Filters     []filterJSON     `json:"filters"`
	Media       []argus.Medium   `json:"media"`
	PhoneNumber *phoneNumberJSON `json:"phone_number"`
	Active      bool             `json:"active"`
}

func renderProfile(p *argus.Profile) profileJSON {
	out := profileJSON{PK: p.Timeslot.ID, Timeslot: renderTimeslot(&p.Timeslot), Filters: make([]filterJSON, len(p.Filters)),
		Media: p.Media, Active: p.Active}
	for i := range p.Filters {
		out.Filters[i] = renderFilter(&p.Filters[i])
	}
	if p.PhoneNumber != nil {
		ph := renderPhoneNumber(*p.PhoneNumber)
		out.PhoneNumber = &ph
	}
	return out
}

// pkValue reads a primary key as DRF's PrimaryKeyRelatedField: an integer
// or numeric text.
func pkValue(x any) (int64, string) {
	switch x.(type) {
	case string, json.Number:
		if id, err := strconv.ParseInt(choiceString(x), 10, 64); err == nil {
			return id, ""
		}
	}
	return 0, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyTypeName(x))
}

// profileInput reads a profile body over cur (the profile as it is, or
// the defaults of a new one). With full (POST, PUT) timeslot, filters and
// media are required.
func (b Body) profileInput(errs FieldErrors, full bool, cur store.ProfileInput) store.ProfileInput {
	in := cur
	if data, ok := b["timeslot"]; ok {
		if x, err := raw(data); err != nil || x == nil {
			errs.Add("timeslot", msgNotNull)
		} else if id, msg := pkValue(x); msg != "" {
			errs.Add("timeslot", msg)
		} else {
			in.TimeslotID = id
		}
	} else if full {
		errs.Add("timeslot", msgFieldRequired)
	}
	if data, ok := b["filters"]; ok {
		x, err := raw(data)
		items, isList := x.([]any)
		switch {
		case err != nil || x == nil:
			errs.Add("filters", msgNotNull)
		case !isList:
			errs.Add("filters", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x)))
		default:
			in.FilterIDs = []int64{}
			for _, item := range items {
				id, msg := pkValue(item)
				if msg != "" {
					errs.Add("filters", msg)
					break
				}
				in.FilterIDs = append(in.FilterIDs, id)
			}
		}
	} else if full {
		errs.Add("filters", msgFieldRequired)
	}
	if data, ok := b["media"]; ok {
		x, err := raw(data)
		items, isList := x.([]any)
		switch {
		case err != nil || x == nil:
			errs.Add("media", msgNotNull)
		case !isList:
			errs.Add("media", fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x)))
		default:
			in.Media = []argus.Medium{}
			for _, item := range items {
				m, _ := item.(string)
				if !argus.Medium(m).Valid() {
					errs.Add("media", InvalidChoice(item))
					continue
				}
				in.Media = append(in.Media, argus.Medium(m))
			}
		}
	} else if full {
		errs.Add("media", msgFieldRequired)
	}
	// Optional fields left out keep their value, on PUT too (as DRF).
	if data, ok := b["phone_number"]; ok {
		x, _ := raw(data)
		if x == nil {
			in.PhoneNumberID = nil
		} else if id, msg := pkValue(x); msg != "" {
			errs.Add("phone_number", msg)
		} else {
			in.PhoneNumberID = &id
		}
	}
	if data, ok := b["active"]; ok {
		x, _ := raw(data)
		if x == nil {
			errs.Add("active", msgNotNull)
		} else if v, ok := BoolValue(x); ok {
			in.Active = v
		} else {
			errs.Add("active", msgNotBool)
		}
	}
	return in
}

// referenceErrors returns the body's errors, if any, together with the
// "Invalid pk" errors of the references that parsed, so that every field's
// problem is reported at once (api-v1.md §4.4).
func (s *Server) referenceErrors(r *http.Request, userID int64, in store.ProfileInput, errs FieldErrors) error {
	if len(errs) == 0 {
		return nil // the store checks the references in its transaction
	}
	refs, err := s.store.ProfileReferenceErrors(r.Context(), userID, in)
	if err != nil {
		return err
	}
	for field, msgs := range refusalFields(refs, nil) {
		if !errs.Has(field) {
			errs.Nested(field, msgs)
		}
	}
	return errs
}

// profiles are the caller's notification profiles (api-v1.md §4.4). PUT
// needs everything (a new timeslot moves the profile to its pk, D15),
// PATCH any subset, timeslot included.
func (s *Server) profiles() Owned[argus.Profile, profileJSON] {
	return Owned[argus.Profile, profileJSON]{
		List: s.store.Profiles, Get: s.store.Profile, Delete: s.store.DeleteProfile, Render: renderProfile,
		Create: func(r *http.Request, u *argus.User, b Body) (argus.Profile, error) {
			errs := FieldErrors{}
			in := b.profileInput(errs, true, store.ProfileInput{Active: true})
			if err := s.referenceErrors(r, u.ID, in, errs); err != nil {
				return argus.Profile{}, err
			}
			return s.store.CreateProfile(r.Context(), u.ID, in)
		},
		Update: func(r *http.Request, u *argus.User, cur argus.Profile, b Body, full bool) (argus.Profile, error) {
			start := store.ProfileInput{TimeslotID: cur.Timeslot.ID, Media: cur.Media, Active: cur.Active, FilterIDs: []int64{}}
			for _, f := range cur.Filters {
				start.FilterIDs = append(start.FilterIDs, f.ID)
			}
			if cur.PhoneNumber != nil {
				start.PhoneNumberID = &cur.PhoneNumber.ID
			}
			errs := FieldErrors{}
			in := b.profileInput(errs, full, start)
			if err := s.referenceErrors(r, u.ID, in, errs); err != nil {
				return argus.Profile{}, err
			}
			return s.store.UpdateProfile(r.Context(), u.ID, cur.Timeslot.ID, in)
		},
	}
}

// profileIncidents answers GET …/notificationprofiles/<pk>/incidents/ on
// version v, the profile looked up as v addresses it: the incidents any
// of its filters selects by the one matcher (D8, D28), as a plain array.
// An unknown or another's profile is 400, as in the original.
func (s *Server) profileIncidents(v version, lookup func(ctx context.Context, userID, id int64) (argus.Profile, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		ctx := r.Context()
		p, err := lookup(ctx, UserFrom(ctx).ID, id)
		if isNotFound(err) {
			return ListError{fmt.Sprintf("Notification profile with pk=%d does not exist.", id)}
		}
		if err != nil {
			return err
		}
		blobs := make([]argus.FilterBlob, len(p.Filters))
		for i := range p.Filters {
			blobs[i] = p.Filters[i].TheBlob()
		}
		return s.writeMatchingAs(v, w, r, blobs)
	}
}

// filterPreview answers POST /api/v1/notificationprofiles/filterpreview/:
// the body is a filter object (not a string); a bad one is 400 with the
// list of messages (the v1.0.4 behaviour, api-v1.md §11).
func (s *Server) filterPreview(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	spec, err := argus.ParseFilterObject(b)
	var msgs []string
	if err != nil {
		msgs = messages(err)
	}
	msgs = append(msgs, specLimits(spec)...)
	if len(msgs) > 0 {
		return ListError(msgs)
	}
	return s.writeMatchingAs(v1, w, r, []argus.FilterBlob{spec.Blob()})
}

// writeMatchingAs answers the incidents that any of the blobs, with the
// fallback filled in, selects (D28), as a plain array.
func (s *Server) writeMatchingAs(v version, w http.ResponseWriter, r *http.Request, blobs []argus.FilterBlob) error {
	for i := range blobs {
		blobs[i] = blobs[i].WithFallback(s.fallback)
	}
	now := s.now()
	list, err := s.store.MatchingIncidents(r.Context(), blobs, now)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, s.renderIncidents(v, list, now))
	return nil
}
