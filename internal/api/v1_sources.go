package api

import (
	"net/http"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

func (s *Server) listSourceTypes(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.SourceTypes(r.Context())
	if err != nil {
		return err
	}
	out := make([]sourceTypeJSON, len(list))
	for i, t := range list {
		out[i] = sourceTypeJSON{t.Name}
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// createSourceType is open to any authenticated user, as in the original;
// the name must be lowercase (Python's str.islower).
func (s *Server) createSourceType(w http.ResponseWriter, r *http.Request) error {
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	name, _ := b.Str(errs, "name", MaxIdentifierLength, StrOpts{Required: true})
	if err := errs.Err(); err != nil {
		return err
	}
	if err := argus.ValidateSourceTypeName(name); err != nil {
		return err
	}
	t, err := s.store.CreateSourceType(r.Context(), name)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, sourceTypeJSON{t.Name})
	return nil
}

// listSources is readable without authentication.
func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, renderSources(list))
	return nil
}

// createSource is for superusers. It creates the source's user, named
// "username" or the source's name, with a random suffix when taken.
func (s *Server) createSource(w http.ResponseWriter, r *http.Request) error {
	u := UserFrom(r.Context())
	if err := argus.CanCreateSource(u); err != nil {
		return err // before the body, as DRF checks permissions first
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	// The original validated this with a Django form: values are text,
	// blank ones count as missing.
	errs := FieldErrors{}
	name, _ := b.Str(errs, "name", MaxIdentifierLength, StrOpts{AllowBlank: true})
	typ, _ := b.Str(errs, "type", MaxIdentifierLength, StrOpts{AllowBlank: true})
	username, _ := b.Str(errs, "username", MaxUsernameLength, StrOpts{AllowBlank: true})
	baseURL, _ := b.Str(errs, "base_url", MaxURLLength, StrOpts{AllowBlank: true})
	if err := errs.Err(); err != nil {
		return err
	}
	src, err := s.store.CreateSource(r.Context(), store.NewSource{
		Name: name, Type: typ, Username: username, BaseURL: baseURL, By: u,
	}, s.now())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, renderSource(src))
	return nil
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	src, err := s.store.Source(r.Context(), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, renderSource(src))
	return nil
}

// updateSource serves PUT and PATCH for the source's own user and
// superusers. Only the name changes; type, user and base_url in the body
// are ignored (api-v1.md §4.2).
func (s *Server) updateSource(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	src, err := s.store.Source(ctx, id)
	if err != nil {
		return err
	}
	u := UserFrom(ctx)
	if err := argus.CanChangeSource(u, &src); err != nil {
		return err // before the body, as DRF checks permissions first
	}
	b, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	errs := FieldErrors{}
	name, present := b.Str(errs, "name", MaxIdentifierLength, StrOpts{Required: r.Method == http.MethodPut})
	if err := errs.Err(); err != nil {
		return err
	}
	if present {
		if src, err = s.store.RenameSource(ctx, id, name, u); err != nil {
			return err
		}
	}
	WriteJSON(w, http.StatusOK, renderSource(src))
	return nil
}

// metadata answers GET /api/v1/incidents/metadata/.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string][]sourceJSON{"sourceSystems": renderSources(list)})
	return nil
}
