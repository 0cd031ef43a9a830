package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// API v2's notification profiles (api-v2.md §4.10, D29): by their own
// ids, any number on a timeslot, with filters (own or public) and
// destinations (own).

// profileV2JSON is a profile as v2 shows it.
type profileV2JSON struct {
	PK           int64             `json:"pk"`
	Name         *string           `json:"name"`
	Timeslot     timeslotJSON      `json:"timeslot"`
	Filters      []filterV2JSON    `json:"filters"`
	Destinations []destinationJSON `json:"destinations"`
	Active       bool              `json:"active"`
}

func renderProfileV2(p *argus.Profile) profileV2JSON {
	out := profileV2JSON{PK: p.ID, Name: p.Name, Timeslot: renderTimeslot(&p.Timeslot),
		Filters: make([]filterV2JSON, len(p.Filters)), Destinations: make([]destinationJSON, len(p.Destinations)), Active: p.Active}
	for i := range p.Filters {
		out.Filters[i] = renderFilterV2(&p.Filters[i])
	}
	for i := range p.Destinations {
		out.Destinations[i] = renderDestination(&p.Destinations[i])
	}
	return out
}

// pkList reads a list of pks for key: ok false (and errs says why) when
// it is not a list of pks; null and an empty list are refused with
// DRF's messages when notNull or nonEmpty ask.
func (b Body) pkList(errs FieldErrors, key string, nonEmpty bool) ([]int64, bool) {
	x, err := raw(b[key])
	items, isList := x.([]any)
	switch {
	case err != nil || x == nil:
		errs.Add(key, msgNotNull)
		return nil, false
	case !isList:
		errs.Add(key, fmt.Sprintf("Expected a list of items but got type %q.", pyTypeName(x)))
		return nil, false
	case nonEmpty && len(items) == 0:
		errs.Add(key, "This list may not be empty.")
		return nil, false
	case len(items) > maxListItems:
		errs.Add(key, fmt.Sprintf("Ensure this field has no more than %d elements.", maxListItems))
		return nil, false
	}
	ids := make([]int64, 0, len(items))
	for _, item := range items {
		id, msg := pkValue(item)
		if msg != "" {
			errs.Add(key, msg)
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// profileV2Input reads a v2 profile body over cur. With full (POST, PUT)
// timeslot and filters are required; a PATCH without timeslot keeps it
// (v2-bug-3).
func (b Body) profileV2Input(errs FieldErrors, full bool, cur store.ProfileV2Input) store.ProfileV2Input {
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
	if b.Has("filters") {
		if ids, ok := b.pkList(errs, "filters", true); ok {
			in.FilterIDs = ids
		}
	} else if full {
		errs.Add("filters", msgFieldRequired)
	}
	if b.Has("destinations") {
		if ids, ok := b.pkList(errs, "destinations", false); ok {
			in.DestinationIDs = ids
		}
	}
	if data, ok := b["name"]; ok {
		if x, _ := raw(data); x == nil {
			in.Name = nil
		} else if v, _ := b.Str(errs, "name", MaxNameLength, StrOpts{AllowBlank: true}); v != "" {
			in.Name = &v
		} else {
			in.Name = nil // blank is no name, as null
		}
	}
	if data, ok := b["active"]; ok {
		x, _ := raw(data)
		if v, ok := BoolValue(x); ok && x != nil {
			in.Active = v
		} else if x == nil {
			errs.Add("active", msgNotNull)
		} else {
			errs.Add("active", msgNotBool)
		}
	}
	return in
}

// profilesV2 are the caller's profiles on v2.
func (s *Server) profilesV2() Owned[argus.Profile, profileV2JSON] {
	return Owned[argus.Profile, profileV2JSON]{
		List: s.store.ProfilesByID, Get: s.store.ProfileByID, Delete: s.store.DeleteProfileByID, Render: renderProfileV2,
		Create: func(r *http.Request, u *argus.User, b Body) (argus.Profile, error) {
			errs := FieldErrors{}
			in := b.profileV2Input(errs, true, store.ProfileV2Input{Active: true, DestinationIDs: []int64{}})
			if err := errs.Err(); err != nil {
				return argus.Profile{}, err
			}
			return s.store.CreateProfileByID(r.Context(), u.ID, in)
		},
		Update: func(r *http.Request, u *argus.User, cur argus.Profile, b Body, full bool) (argus.Profile, error) {
			start := store.ProfileV2Input{TimeslotID: cur.Timeslot.ID, Name: cur.Name, Active: cur.Active,
				FilterIDs: []int64{}, DestinationIDs: []int64{}}
			for _, f := range cur.Filters {
				start.FilterIDs = append(start.FilterIDs, f.ID)
			}
			for _, d := range cur.Destinations {
				start.DestinationIDs = append(start.DestinationIDs, d.ID)
			}
			errs := FieldErrors{}
			in := b.profileV2Input(errs, full, start)
			if err := errs.Err(); err != nil {
				return argus.Profile{}, err
			}
			return s.store.UpdateProfileByID(r.Context(), u.ID, cur.ID, in)
		},
	}
}

// filterV2JSON is a filter as v2 shows it (api-v2.md §4.12).
type filterV2JSON struct {
	PK     int64          `json:"pk"`
	Name   string         `json:"name"`
	Filter map[string]any `json:"filter"`
	Public bool           `json:"public"`
}

func renderFilterV2(f *argus.Filter) filterV2JSON {
	return filterV2JSON{PK: f.ID, Name: f.Name, Public: f.Public, Filter: f.TheBlob().Output()}
}

// filterV2Fields reads a v2 filter body over f: name (required with full),
// filter (required with full) and public.
func (b Body) filterV2Fields(errs FieldErrors, full bool, f argus.Filter) argus.Filter {
	if name, ok := b.name(errs, full); ok {
		f.Name = name
	}
	if blob, ok := b.filterBlob(errs, "filter", full); ok {
		f.Blob = blob
	}
	if data, ok := b["public"]; ok {
		x, _ := raw(data)
		if v, ok := BoolValue(x); ok && x != nil {
			f.Public = v
		} else {
			errs.Add("public", msgNotBool)
		}
	}
	return f
}

func (s *Server) listFiltersV2(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.FiltersVisible(r.Context(), UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	out := make([]filterV2JSON, len(list))
	for i := range list {
		out[i] = renderFilterV2(&list[i])
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createFilterV2(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	u := UserFrom(r.Context())
	f := b.filterV2Fields(errs, true, argus.Filter{UserID: u.ID})
	if err := errs.Err(); err != nil {
		return err
	}
	f, err = s.store.CreateFilter(r.Context(), f)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, renderFilterV2(&f))
	return nil
}

// getFilterV2 answers GET …/filters/<pk>/: the caller's own; another's
// public one is 403 but to superusers (argus.CanReadFilter).
func (s *Server) getFilterV2(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	f, err := s.store.AnyFilter(r.Context(), id)
	if err != nil {
		return err
	}
	if err := argus.CanReadFilter(UserFrom(r.Context()), &f); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, renderFilterV2(&f))
	return nil
}

func (s *Server) updateFilterV2(full bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "pk")
		if err != nil {
			return err
		}
		ctx := r.Context()
		u := UserFrom(ctx)
		f, err := s.store.Filter(ctx, u.ID, id)
		if err != nil {
			return err
		}
		b, err := ReadBody(w, r)
		if err != nil {
			return err
		}
		errs := FieldErrors{}
		f = b.filterV2Fields(errs, full, f)
		if err := errs.Err(); err != nil {
			return err
		}
		if f, err = s.store.UpdateFilter(ctx, f); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, renderFilterV2(&f))
		return nil
	}
}

// deleteFilterV2 answers DELETE …/filters/<pk>/: the caller's own, unless
// profiles use it — then 400 with a bare string naming them.
func (s *Server) deleteFilterV2(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := UserFrom(ctx)
	if _, err := s.store.Filter(ctx, u.ID, id); err != nil {
		return err
	}
	users, err := s.store.FilterUsers(ctx, id)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		WriteJSON(w, http.StatusBadRequest, "Cannot delete this filter since it is in use in the notification profile(s): "+
			strings.Join(users, ", ")+".")
		return nil
	}
	if err := s.store.DeleteFilter(ctx, u.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// preview answers POST …/preview/ and …/filterpreview/: the incidents the
// blob in the body selects, by the one matcher with the fallback (D28);
// {} selects nothing.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	blob, err := bodyBlob(b)
	if err != nil {
		return err
	}
	return s.writeMatchingAs(v2, w, r, []argus.FilterBlob{blob})
}
