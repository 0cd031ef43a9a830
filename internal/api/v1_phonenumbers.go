package api

import (
	"net/http"

	"github.com/nyaruka/phonenumbers"

	"github.com/argus-go/argus/internal/argus"
)

const msgInvalidPhone = "The phone number entered is not valid."

// readPhoneNumber reads "phone_number" and returns it in E.164 form. It
// must be a valid number in international form: there is no default
// region, so national numbers are refused (api-v1.md §2.2).
func readPhoneNumber(b Body, required bool) (number string, present bool, err error) {
	errs := FieldErrors{}
	raw, present := b.Str(errs, "phone_number", MaxPhoneNumberLength, StrOpts{Required: required})
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

// phoneNumbers are the caller's phone numbers (api-v1.md §2.2): "pk" and
// "user" in a body are ignored, and another user's number is a 404,
// superusers included. PUT needs phone_number, PATCH may leave it out.
// Profiles that used a deleted number keep none.
func (s *Server) phoneNumbers() Owned[argus.PhoneNumber, phoneNumberJSON] {
	return Owned[argus.PhoneNumber, phoneNumberJSON]{
		List: s.store.PhoneNumbers, Get: s.store.PhoneNumber, Delete: s.store.DeletePhoneNumber,
		Render: func(p *argus.PhoneNumber) phoneNumberJSON { return renderPhoneNumber(*p) },
		Create: func(r *http.Request, u *argus.User, b Body) (argus.PhoneNumber, error) {
			number, _, err := readPhoneNumber(b, true)
			if err != nil {
				return argus.PhoneNumber{}, err
			}
			return s.store.CreatePhoneNumber(r.Context(), u.ID, number)
		},
		Update: func(r *http.Request, u *argus.User, p argus.PhoneNumber, b Body, full bool) (argus.PhoneNumber, error) {
			number, present, err := readPhoneNumber(b, full)
			if err != nil || !present {
				return p, err
			}
			return s.store.UpdatePhoneNumber(r.Context(), u.ID, p.ID, number)
		},
	}
}
