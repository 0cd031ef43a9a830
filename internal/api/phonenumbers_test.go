package api_test

import (
	"net/http"
	"testing"
)

func TestPhoneNumbers(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("hanna", false)
		_, otherKey := f.user("ivar", true) // a superuser: still 404 on others' numbers
		uid := itoa(u.ID)
		const path = "/api/v1/auth/phone-number/"

		f.get(path, key).want(t, 200, `[]`)
		f.get(path, "").want(t, 401, msgNoCredentials)

		// pk and user in the body are ignored; spaces are normalised to E.164.
		r := f.send(http.MethodPost, path, key, map[string]any{"pk": 77, "user": 99, "phone_number": "+47 909 09 090"})
		// The pk is the sms destination's, counted with the users' email
		// destinations (D29).
		pk := pkOf(t, r.object(t))
		r.want(t, 201, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4790909090"}`)

		invalid := `{"phone_number": ["The phone number entered is not valid."]}`
		for name, c := range map[string]struct {
			body any
			want string
		}{
			"not a valid series": {map[string]any{"phone_number": "+4712345678"}, invalid},
			"national form":      {map[string]any{"phone_number": "90909090"}, invalid},
			"garbage":            {map[string]any{"phone_number": "call me"}, invalid},
			"missing":            {map[string]any{}, `{"phone_number": ["This field is required."]}`},
			"null":               {map[string]any{"phone_number": nil}, `{"phone_number": ["This field may not be null."]}`},
			"blank":              {map[string]any{"phone_number": ""}, `{"phone_number": ["This field may not be blank."]}`},
			"not a string":       {map[string]any{"phone_number": []int{1}}, `{"phone_number": ["Not a valid string."]}`},
		} {
			t.Run(name, func(t *testing.T) {
				f.send(http.MethodPost, path, key, c.body).want(t, 400, c.want)
			})
		}
		f.get(path, key).want(t, 200, `[{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4790909090"}]`)

		one := path + pk + "/"
		f.get(one, key).want(t, 200, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4790909090"}`)
		f.send(http.MethodPut, one, key, map[string]any{"phone_number": "+4767676767"}).
			want(t, 200, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4767676767"}`)
		f.send(http.MethodPut, one, key, map[string]any{}).want(t, 400, `{"phone_number": ["This field is required."]}`)
		f.send(http.MethodPut, one, key, map[string]any{"phone_number": "+4712345678"}).want(t, 400, invalid)
		f.send(http.MethodPatch, one, key, map[string]any{}).
			want(t, 200, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4767676767"}`)
		f.send(http.MethodPatch, one, key, map[string]any{"phone_number": "+4790909090"}).
			want(t, 200, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4790909090"}`)

		// Another user's number does not exist for them, superusers included.
		notFound := `{"detail": "Not found."}`
		f.get(one, otherKey).want(t, 404, notFound)
		f.send(http.MethodPut, one, otherKey, map[string]any{"phone_number": "+4767676767"}).want(t, 404, notFound)
		f.send(http.MethodPatch, one, otherKey, map[string]any{"phone_number": "+4767676767"}).want(t, 404, notFound)
		f.send(http.MethodDelete, one, otherKey, nil).want(t, 404, notFound)
		f.get(path, otherKey).want(t, 200, `[]`)
		f.get(one, key).want(t, 200, `{"pk": `+pk+`, "user": `+uid+`, "phone_number": "+4790909090"}`)

		r = f.send(http.MethodDelete, one, key, nil)
		if r.status != 204 || len(r.body) != 0 {
			t.Fatalf("DELETE = %d %q; want 204 with no body", r.status, r.body)
		}
		f.get(one, key).want(t, 404, notFound)
		f.send(http.MethodDelete, one, key, nil).want(t, 404, notFound)
		f.get(path+"x/", key).want(t, 404, notFound)
	})
}
