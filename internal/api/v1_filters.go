package api

import (
	"fmt"
	"net/http"

	"github.com/argus-go/argus/internal/argus"
)

// filterJSON is a filter (api-v1.md §2.11): filter_string is the JSON
// document as a string, in canonical form; beside it the whole filter
// blob, as Argus 1.x's late v1 showed it to the React frontend (D27).
type filterJSON struct {
	PK           int64          `json:"pk"`
	Name         string         `json:"name"`
	FilterString string         `json:"filter_string"`
	Filter       map[string]any `json:"filter"`
}

func renderFilter(f *argus.Filter) filterJSON {
	blob := f.TheBlob()
	return filterJSON{PK: f.ID, Name: f.Name, FilterString: blob.Spec().String(), Filter: blob.Output()}
}

// filterString reads "filter_string": a string holding the filter's JSON,
// validated (api-v1.md §5.4, with value types checked too).
func (b Body) filterString(errs FieldErrors, required bool) (argus.FilterSpec, bool) {
	v, present := b.Str(errs, "filter_string", MaxFilterStringLength, StrOpts{Required: required})
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

// v1FilterFields reads a v1 filter's "filter_string" and, as late v1
// accepts, "filter" (D27): the blob, then the two keys of the
// filter_string over it; the other keys stay. With required one of them
// must be there. It reports whether either was.
func (b Body) v1FilterFields(errs FieldErrors, required bool, f *argus.Filter) bool {
	hasBlob, hasString := b.Has("filter"), b.Has("filter_string")
	if hasBlob {
		if blob, ok := b.filterBlob(errs, "filter", false); ok {
			f.Blob = blob
		}
	}
	if spec, ok := b.filterString(errs, required && !hasBlob); ok {
		f.Blob = f.Blob.WithSpec(spec) // the other keys stay (D27)
	}
	return hasBlob || hasString
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

// filters are the caller's filters (api-v1.md §4.4). Deleting one also
// removes it from the profiles that used it (D17).
func (s *Server) filters() Owned[argus.Filter, filterJSON] {
	return Owned[argus.Filter, filterJSON]{
		List: s.store.Filters, Get: s.store.Filter, Delete: s.store.DeleteFilter, Render: renderFilter,
		Create: func(r *http.Request, u *argus.User, b Body) (argus.Filter, error) {
			errs := FieldErrors{}
			name, _ := b.name(errs, true)
			f := argus.Filter{UserID: u.ID, Name: name}
			if !b.v1FilterFields(errs, true, &f) {
				return argus.Filter{}, errs.Err()
			}
			if err := errs.Err(); err != nil {
				return argus.Filter{}, err
			}
			return s.store.CreateFilter(r.Context(), f)
		},
		// PUT needs both fields, PATCH either.
		Update: func(r *http.Request, u *argus.User, f argus.Filter, b Body, full bool) (argus.Filter, error) {
			errs := FieldErrors{}
			if name, ok := b.name(errs, full); ok {
				f.Name = name
			}
			f.Blob = f.TheBlob()
			b.v1FilterFields(errs, full, &f)
			if err := errs.Err(); err != nil {
				return argus.Filter{}, err
			}
			return s.store.UpdateFilter(r.Context(), f)
		},
	}
}
