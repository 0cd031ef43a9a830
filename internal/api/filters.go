package api

import (
	"fmt"
	"net/http"

	"github.com/argus-go/argus/internal/argus"
)

// filterJSON is a filter (api-v1.md §2.11): filter_string is the JSON
// document as a string, in canonical form.
type filterJSON struct {
	PK           int64  `json:"pk"`
	Name         string `json:"name"`
	FilterString string `json:"filter_string"`
}

func renderFilter(f *argus.Filter) filterJSON {
	return filterJSON{PK: f.ID, Name: f.Name, FilterString: f.Spec.String()}
}

// filterString reads "filter_string": a string holding the filter's JSON,
// validated (api-v1.md §5.4, with value types checked too).
func (b body) filterString(errs FieldErrors, required bool) (argus.FilterSpec, bool) {
	v, present := b.str(errs, "filter_string", maxFilterStringLength, strOpts{required: required})
	if !present || errs.Has("filter_string") {
		return argus.FilterSpec{}, present
	}
	spec, err := argus.ParseFilterSpec([]byte(v))
	if err != nil {
		for _, m := range messages(err) {
			errs.Add("filter_string", m)
		}
	}
	for _, m := range specLimits(spec) {
		errs.Add("filter_string", m)
	}
	return spec, true
}

// specLimits bounds a filter's lists as the incident list's parameters are
// bounded, so that the queries built from it stay within the databases'
// limits.
func specLimits(spec argus.FilterSpec) []string {
	var msgs []string
	if len(spec.SourceIDs) > maxListItems {
		msgs = append(msgs, fmt.Sprintf("sourceSystemIds may hold at most %d ids.", maxListItems))
	}
	if len(spec.Tags) > maxTagItems {
		msgs = append(msgs, fmt.Sprintf("tags may hold at most %d tags.", maxTagItems))
	}
	return msgs
}

func (s *Server) listFilters(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Filters(r.Context(), userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	out := make([]filterJSON, len(list))
	for i := range list {
		out[i] = renderFilter(&list[i])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createFilter(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	u := userFrom(r.Context())
	errs := FieldErrors{}
	name, _ := b.name(errs, true)
	spec, _ := b.filterString(errs, true)
	if err := errs.Err(); err != nil {
		return err
	}
	f, err := s.store.CreateFilter(r.Context(), argus.Filter{UserID: u.ID, Name: name, Spec: spec})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, renderFilter(&f))
	return nil
}

func (s *Server) getFilter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	f, err := s.store.Filter(r.Context(), userFrom(r.Context()).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderFilter(&f))
	return nil
}

// updateFilter serves PUT (both fields required) and PATCH.
func (s *Server) updateFilter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := userFrom(ctx)
	f, err := s.store.Filter(ctx, u.ID, id)
	if err != nil {
		return err
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	full := r.Method == http.MethodPut
	errs := FieldErrors{}
	if name, ok := b.name(errs, full); ok {
		f.Name = name
	}
	if spec, ok := b.filterString(errs, full); ok {
		f.Spec = spec
	}
	if err := errs.Err(); err != nil {
		return err
	}
	updated, err := s.store.UpdateFilter(ctx, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderFilter(&updated))
	return nil
}

// deleteFilter also removes the filter from the profiles that used it
// (D17).
func (s *Server) deleteFilter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	if err := s.store.DeleteFilter(r.Context(), userFrom(r.Context()).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
