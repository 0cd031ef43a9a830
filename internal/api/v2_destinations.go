package api

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// API v2's destinations and media (api-v2.md §4.13, §4.14, D29).

// mediaJSON is a medium: {"slug", "name", "installed"}.
type mediaJSON struct {
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	Installed bool   `json:"installed"`
}

// destinationJSON is a destination as v2 shows it; an email
// destination's settings also say whether it is the managed one.
type destinationJSON struct {
	PK             int64          `json:"pk"`
	Media          mediaJSON      `json:"media"`
	Label          *string        `json:"label"`
	SuggestedLabel string         `json:"suggested_label"`
	Settings       map[string]any `json:"settings"`
}

func renderDestination(d *argus.Destination) destinationJSON {
	name := d.Medium.Display()
	out := destinationJSON{
		PK: d.ID, Media: mediaJSON{Slug: d.Medium.Slug(), Name: name, Installed: true}, Label: d.Label,
		SuggestedLabel: name + ": " + d.Address,
		Settings:       map[string]any{d.Medium.SettingKey(): d.Address},
	}
	if d.Medium == argus.MediumEmail {
		out.Settings["synced"] = d.Managed
	}
	return out
}

// destinationSettings reads "settings" for medium m: its address, checked
// and normalised (an E.164 phone number for sms). "synced" is ignored.
func destinationSettings(b Body, errs FieldErrors, m argus.Medium) (string, bool) {
	data, present := b["settings"]
	if !present {
		errs.Add("settings", msgFieldRequired)
		return "", false
	}
	x, _ := raw(data)
	obj, ok := x.(map[string]any)
	if !ok {
		errs.Add("non_field_errors", "Settings has to be a dictionary.")
		return "", false
	}
	key := m.SettingKey()
	v, present := obj[key]
	s, isString := v.(string)
	switch {
	case !present:
		errs.Add(key, msgFieldRequired)
		return "", false
	case !isString:
		errs.Add(key, msgNotString)
		return "", false
	}
	s = strings.TrimSpace(s)
	if m == argus.MediumSMS {
		num, err := phonenumbers.Parse(s, "")
		if err != nil || !phonenumbers.IsValidNumber(num) || len(s) > MaxPhoneNumberLength {
			errs.Add(key, "Enter a valid phone number.")
			return "", false
		}
		return phonenumbers.Format(num, phonenumbers.E164), true
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > MaxEmailLength {
		errs.Add(key, "Enter a valid email address.")
		return "", false
	}
	return s, true
}

// destinationLabel reads "label": text of at most 50 characters, or null.
func destinationLabel(b Body, errs FieldErrors) (label *string, present bool) {
	data, present := b["label"]
	if !present {
		return nil, false
	}
	if x, _ := raw(data); x == nil {
		return nil, true
	}
	v, _ := b.Str(errs, "label", MaxLabelLength, StrOpts{AllowBlank: true})
	return &v, true
}

// destinations are the caller's destinations: PATCH, no PUT (v2-bug-17);
// DELETE refuses the managed one and those in use.
func (s *Server) destinations() Owned[argus.Destination, destinationJSON] {
	return Owned[argus.Destination, destinationJSON]{
		List: s.store.Destinations, Get: s.store.Destination, Delete: s.store.DeleteDestination, Render: renderDestination,
		Create: func(r *http.Request, u *argus.User, b Body) (argus.Destination, error) {
			errs := FieldErrors{}
			d := argus.Destination{UserID: u.ID}
			slug, _ := b.Str(errs, "media", MaxIdentifierLength, StrOpts{Required: true})
			if err := errs.Err(); err != nil {
				return d, err
			}
			m, err := s.medium(r.Context(), slug)
			if err != nil {
				return d, err
			}
			d.Medium = m
			d.Label, _ = destinationLabel(b, errs)
			d.Address, _ = destinationSettings(b, errs, m)
			if err := errs.Err(); err != nil {
				return d, err
			}
			return s.store.CreateDestination(r.Context(), d)
		},
		Update: func(r *http.Request, u *argus.User, cur argus.Destination, b Body, _ bool) (argus.Destination, error) {
			errs := FieldErrors{}
			if slug, present := b.Str(errs, "media", MaxIdentifierLength, StrOpts{}); present && slug != cur.Medium.Slug() {
				return cur, argus.Invalid("", argus.CodeMediumFixed)
			}
			var c store.DestinationChange
			c.Label, c.SetLabel = destinationLabel(b, errs)
			if b.Has("settings") {
				if addr, ok := destinationSettings(b, errs, cur.Medium); ok {
					c.Address = &addr
				}
			}
			if err := errs.Err(); err != nil {
				return cur, err
			}
			return s.store.UpdateDestination(r.Context(), u.ID, cur.ID, c)
		},
	}
}

// destinationDuplicate answers GET …/destinations/<pk>/duplicate/: does
// another user have a destination of the medium with this address?
func (s *Server) destinationDuplicate(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	dup, err := s.store.DestinationIsDuplicate(ctx, UserFrom(ctx).ID, id)
	if isNotFound(err) {
		return ListError{fmt.Sprintf("Destination with pk=%d does not exist.", id)}
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]bool{"is_duplicate": dup})
	return nil
}

func renderMedia(m argus.Media) mediaJSON {
	return mediaJSON{Slug: m.Slug, Name: m.Name, Installed: m.Installed}
}

func (s *Server) listMedia(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Media(r.Context())
	if err != nil {
		return err
	}
	out := make([]mediaJSON, len(list))
	for i, m := range list {
		out[i] = renderMedia(m)
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Media(r.Context())
	if err != nil {
		return err
	}
	for _, m := range list {
		if m.Slug == r.PathValue("slug") {
			WriteJSON(w, http.StatusOK, renderMedia(m))
			return nil
		}
	}
	return argus.NotFound("Media", r.PathValue("slug"))
}

// medium is the installed medium slug names for a new destination: a
// slug the Media table lists (an imported site's plugin) but we do not
// send through is not installed; any other is an unknown reference
// (api-v2.md §4.13).
func (s *Server) medium(ctx context.Context, slug string) (argus.Medium, error) {
	if m, ok := argus.MediumOf(slug); ok {
		return m, nil
	}
	list, err := s.store.Media(ctx)
	if err != nil {
		return "", err
	}
	for _, m := range list {
		if m.Slug == slug {
			return "", argus.Invalid("", argus.CodeNotInstalled, slug)
		}
	}
	return "", argus.Invalid("media", argus.CodeUnknownReference, slug)
}

// mediaSchema answers GET …/media/<slug>/json_schema/: the JSON schema of
// the medium's settings (api-v2.md §4.14).
func (s *Server) mediaSchema(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	m, ok := argus.MediumOf(slug)
	if !ok {
		// The Media table is not consulted here (api-v2.md §4.14).
		return ListError{v2Message(argus.Invalid("", argus.CodeNotInstalled, slug), nil)}
	}
	prop := map[string]any{"type": "string", "title": "Email address"}
	title := "Email Settings"
	if m == argus.MediumSMS {
		prop = map[string]any{"type": "string", "title": "Phone number",
			"description": "The phone number is validated and the country code needs to be given."}
		title = "SMS Settings"
	}
	WriteJSON(w, http.StatusOK, map[string]any{"json_schema": map[string]any{
		"title": title, "description": "Settings for a DestinationConfig using " + m.Display() + ".",
		"type": "object", "required": []string{m.SettingKey()},
		"properties": map[string]any{m.SettingKey(): prop},
		"$id":        absoluteURL(r, "/json-schema/"+slug),
	}})
	return nil
}
