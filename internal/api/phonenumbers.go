package api

import (
	"net/http"

	"github.com/nyaruka/phonenumbers"
)

const msgInvalidPhone = "The phone number entered is not valid."

// readPhoneNumber reads "phone_number" and returns it in E.164 form. It
// must be a valid number in international form: there is no default
// region, so national numbers are refused (api-v1.md §2.2).
func readPhoneNumber(b body, required bool) (number string, present bool, err error) {
	errs := FieldErrors{}
	raw, present := b.str(errs, "phone_number", maxPhoneNumberLength, strOpts{required: required})
	if err := errs.Err(); err != nil {
		return "", present, err
	}
	if !present {
		return "", false, nil
	}
	num, err := phonenumbers.Parse(raw, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", true, FieldErrors{"phone_number": []string{msgInvalidPhone}}
	}
	return phonenumbers.Format(num, phonenumbers.E164), true, nil
}

func (s *Server) listPhoneNumbers(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.PhoneNumbers(r.Context(), userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	out := make([]phoneNumberJSON, len(list))
	for i, p := range list {
		out[i] = renderPhoneNumber(p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createPhoneNumber ignores "pk" and "user" in the body.
func (s *Server) createPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	number, _, err := readPhoneNumber(b, true)
	if err != nil {
		return err
	}
	p, err := s.store.CreatePhoneNumber(r.Context(), userFrom(r.Context()).ID, number)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, renderPhoneNumber(p))
	return nil
}

// getPhoneNumber answers 404 for another user's number, superusers
// included.
func (s *Server) getPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	p, err := s.store.PhoneNumber(r.Context(), userFrom(r.Context()).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderPhoneNumber(p))
	return nil
}

// updatePhoneNumber serves PUT (phone_number required) and PATCH.
func (s *Server) updatePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	ctx := r.Context()
	userID := userFrom(ctx).ID
	p, err := s.store.PhoneNumber(ctx, userID, id)
	if err != nil {
		return err
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	number, present, err := readPhoneNumber(b, r.Method == http.MethodPut)
	if err != nil {
		return err
	}
	if present {
		if p, err = s.store.UpdatePhoneNumber(ctx, userID, id, number); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, renderPhoneNumber(p))
	return nil
}

// deletePhoneNumber answers 204; profiles that used the number keep none.
func (s *Server) deletePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "pk")
	if err != nil {
		return err
	}
	if err := s.store.DeletePhoneNumber(r.Context(), userFrom(r.Context()).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
