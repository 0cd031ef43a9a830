package api_test

import (
	"context"
	"net/http"
	"testing"
)

func TestV2Destinations(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		kari, key := f.user("kari", false) // kari@example.org
		_, olaKey := f.user("ola", false)
		const path = "/api/v2/notificationprofiles/destinations/"

		r := f.get(path, key)
		r.want(t, http.StatusOK, "")
		list := r.array(t)
		if len(list) != 1 {
			t.Fatalf("destinations of a new user: %s; want the managed email", r.body)
		}
		managed := list[0].(map[string]any)
		wantKeys(t, managed, "pk", "media", "label", "suggested_label", "settings")
		mpk := pkOf(t, managed)
		r.want(t, http.StatusOK, `[{"pk": `+mpk+`, "media": {"slug": "email", "name": "Email", "installed": true}, "label": null,
			"suggested_label": "Email: kari@example.org", "settings": {"email_address": "kari@example.org", "synced": true}}]`)

		r = f.send(http.MethodPost, path, key, map[string]any{"media": "sms", "label": "mobile", "settings": map[string]any{"phone_number": "+47 909 09 090"}})
		r.want(t, http.StatusCreated, "")
		sms := r.object(t)
		spk := pkOf(t, sms)
		r.want(t, http.StatusCreated, `{"pk": `+spk+`, "media": {"slug": "sms", "name": "SMS", "installed": true}, "label": "mobile",
			"suggested_label": "SMS: +4790909090", "settings": {"phone_number": "+4790909090"}}`)

		for name, c := range map[string]struct {
			body any
			want string
		}{
			"unknown medium":     {map[string]any{"media": "fax", "settings": map[string]any{}}, `{"media": ["Invalid pk \"fax\" - object does not exist."]}`},
			"settings not a map": {map[string]any{"media": "sms", "settings": "x"}, `{"non_field_errors": ["Settings has to be a dictionary."]}`},
			"bad phone":          {map[string]any{"media": "sms", "settings": map[string]any{"phone_number": "12"}}, `{"phone_number": ["Enter a valid phone number."]}`},
			"bad email":          {map[string]any{"media": "email", "settings": map[string]any{"email_address": "nope"}}, `{"email_address": ["Enter a valid email address."]}`},
			"same phone":         {map[string]any{"media": "sms", "settings": map[string]any{"phone_number": "+4790909090"}}, `{"phone_number": ["Phone number already exists"]}`},
			"account email":      {map[string]any{"media": "email", "settings": map[string]any{"email_address": "kari@example.org"}}, `{"non_field_errors": ["This email address is already registered in another destination."]}`},
			// v2-bug-4.
			"same label": {map[string]any{"media": "sms", "label": "mobile", "settings": map[string]any{"phone_number": "+4790909091"}},
				`{"label": ["A destination with this medium and label already exists"]}`},
		} {
			t.Run(name, func(t *testing.T) { f.send(http.MethodPost, path, key, c.body).want(t, http.StatusBadRequest, c.want) })
		}

		one := path + spk + "/"
		f.get(one, olaKey).want(t, http.StatusNotFound, `{"detail": "No DestinationConfig matches the given query."}`)
		f.send(http.MethodPut, one, key, map[string]any{"label": "x"}).want(t, http.StatusMethodNotAllowed, "")
		// v2-bug-13: the settings sent back unchanged are no duplicate.
		f.send(http.MethodPatch, one, key, map[string]any{"pk": spk, "media": "sms", "label": "cell", "settings": map[string]any{"phone_number": "+4790909090"}}).
			want(t, http.StatusOK, `{"pk": `+spk+`, "media": {"slug": "sms", "name": "SMS", "installed": true}, "label": "cell",
				"suggested_label": "SMS: +4790909090", "settings": {"phone_number": "+4790909090"}}`)
		f.send(http.MethodPatch, one, key, map[string]any{"media": "email"}).
			want(t, http.StatusBadRequest, `{"non_field_errors": ["Media cannot be updated, only settings."]}`)

		t.Run("duplicates across users", func(t *testing.T) {
			f.get(one+"duplicate/", key).want(t, http.StatusOK, `{"is_duplicate": false}`)
			f.send(http.MethodPost, path, olaKey, map[string]any{"media": "sms", "settings": map[string]any{"phone_number": "+4790909090"}}).
				want(t, http.StatusCreated, "")
			f.get(one+"duplicate/", key).want(t, http.StatusOK, `{"is_duplicate": true}`)
			f.get(path+"999999/duplicate/", key).want(t, http.StatusBadRequest, `["Destination with pk=999999 does not exist."]`)
		})
		t.Run("the managed destination follows the account email", func(t *testing.T) {
			f.send(http.MethodDelete, path+mpk+"/", key, nil).
				want(t, http.StatusBadRequest, `["Cannot delete this destination since it was defined by an outside source."]`)
			if err := f.st.SetUserDetails(context.Background(), kari.ID, kari.FirstName, kari.LastName, "kari@example.net"); err != nil {
				t.Fatal(err)
			}
			list := f.get(path+"?", key).array(t)
			var synced []string
			for _, x := range list {
				s := x.(map[string]any)["settings"].(map[string]any)
				if s["synced"] == true {
					synced = append(synced, s["email_address"].(string))
				}
			}
			if len(synced) != 1 || synced[0] != "kari@example.net" || len(list) != 3 {
				t.Errorf("after an email change: %v; want the new address managed, the old one kept", list)
			}
		})
		t.Run("delete, also without the trailing slash", func(t *testing.T) {
			r := f.send(http.MethodDelete, path+spk, key, nil)
			if r.status != http.StatusPermanentRedirect || r.header.Get("Location") != one {
				t.Errorf("DELETE without the slash: %d %q; want 308 to %s (D1)", r.status, r.header.Get("Location"), one)
			}
			f.send(http.MethodDelete, one, key, nil).want(t, http.StatusNoContent, "")
			f.get(one, key).want(t, http.StatusNotFound, "")
		})
	})
}

func TestV2MediaAndTimeslots(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		f.get("/api/v2/notificationprofiles/media/", key).
			want(t, http.StatusOK, `[{"slug": "email", "name": "Email", "installed": true}, {"slug": "sms", "name": "SMS", "installed": true}]`)
		f.get("/api/v2/notificationprofiles/media/sms/", key).want(t, http.StatusOK, `{"slug": "sms", "name": "SMS", "installed": true}`)
		f.get("/api/v2/notificationprofiles/media/fax/", key).want(t, http.StatusNotFound, `{"detail": "No Media matches the given query."}`)
		r := f.get("/api/v2/notificationprofiles/media/sms/json_schema/", key)
		r.want(t, http.StatusOK, "")
		schema := r.object(t)["json_schema"].(map[string]any)
		if req := schema["required"].([]any); len(req) != 1 || req[0] != "phone_number" || schema["$id"] == nil {
			t.Errorf("schema %v", schema)
		}
		f.get("/api/v2/notificationprofiles/media/fax/json_schema/", key).want(t, http.StatusBadRequest, `["Medium \"fax\" is not installed."]`)
		// A medium an imported site's Media table lists that we do not
		// send through: a destination of it is refused as not installed.
		if _, err := f.st.DB().ExecContext(t.Context(), `INSERT INTO argus_notificationprofile_media (slug, name, installed) VALUES ($1, $2, $3)`, "slack", "Slack", false); err != nil {
			t.Fatal(err)
		}
		f.send(http.MethodPost, "/api/v2/notificationprofiles/destinations/", key, map[string]any{"media": "slack", "settings": map[string]any{}}).
			want(t, http.StatusBadRequest, `{"non_field_errors": ["Medium \"slack\" is not installed."]}`)
		f.get("/api/v2/notificationprofiles/media/slack/json_schema/", key).want(t, http.StatusBadRequest, `["Medium \"slack\" is not installed."]`)

		const ts = "/api/v2/notificationprofiles/timeslots/"
		body := map[string]any{"name": "Work", "time_recurrences": []any{map[string]any{"days": []int{1, 2}, "start": "08:00", "end": "16:00"}}}
		f.send(http.MethodPost, ts, key, body).want(t, http.StatusCreated, "")
		f.send(http.MethodPost, ts, key, body).
			want(t, http.StatusBadRequest, `{"name": ["The name \"Work\" is already in use for a another timeslot owned by user kari."]}`)
		r = f.get(ts, key)
		if names := []string{r.array(t)[0].(map[string]any)["name"].(string), r.array(t)[1].(map[string]any)["name"].(string)}; names[0] != "All the time" || names[1] != "Work" {
			t.Errorf("timeslots by name: %v", names)
		}
	})
}
