package api_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSourceTypes(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("jo", false) // any user may create types
		const path = "/api/v1/incidents/source-types/"
		f.get(path, "").want(t, 401, msgNoCredentials)
		f.send(http.MethodPost, path, "", map[string]string{"name": "nav"}).want(t, 401, msgNoCredentials)
		f.get(path, key).want(t, 200, `[]`)
		f.send(http.MethodPost, path, key, map[string]string{"name": "zabbix"}).want(t, 201, `{"name": "zabbix"}`)
		f.send(http.MethodPost, path, key, map[string]string{"name": "nav"}).want(t, 201, `{"name": "nav"}`)
		for _, c := range []struct {
			body any
			want string
		}{
			{map[string]string{"name": "NAV"}, `{"name": ["'NAV' is not a lowercase string"]}`},
			{map[string]string{"name": "123"}, `{"name": ["'123' is not a lowercase string"]}`},
			{map[string]string{"name": "nav"}, `{"name": ["source system type with this name already exists."]}`},
			{map[string]string{}, `{"name": ["This field is required."]}`},
			{map[string]any{"name": nil}, `{"name": ["This field may not be null."]}`},
		} {
			f.send(http.MethodPost, path, key, c.body).want(t, 400, c.want)
		}
		f.get(path, key).want(t, 200, `[{"name": "nav"}, {"name": "zabbix"}]`)
	})
}

func TestSources(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		admin, adminKey := f.user("admin", true)
		_, userKey := f.user("kari", false)
		_ = admin
		ctx := context.Background()
		if _, err := f.st.CreateSourceType(ctx, "nav"); err != nil {
			t.Fatal(err)
		}
		const path = "/api/v1/incidents/sources/"

		// Readable without authentication; writable by superusers only.
		f.get(path, "").want(t, 200, `[]`)
		f.send(http.MethodPost, path, "", map[string]string{"name": "gw1", "type": "nav"}).want(t, 401, msgNoCredentials)
		f.send(http.MethodPost, path, userKey, map[string]string{"name": "gw1", "type": "nav"}).
			want(t, 403, `{"detail": "You do not have permission to perform this action."}`)
		// An invalid token is refused even where anonymous reads are allowed.
		f.get(path, "0123456789abcdef0123456789abcdef01234567").want(t, 401, `{"detail": "Invalid token."}`)

		r := f.send(http.MethodPost, path, adminKey, map[string]string{"name": "gw1", "type": "nav", "base_url": "https://nav.example.org/"})
		r.want(t, 201, "")
		gw1 := r.object(t)
		wantKeys(t, gw1, "pk", "name", "type", "user", "base_url")
		gw1User, err := f.st.UserByUsername(ctx, "gw1")
		if err != nil {
			t.Fatalf("no user named after the source: %v", err)
		}
		r.want(t, 201, `{"pk": 1, "name": "gw1", "type": {"name": "nav"}, "user": `+itoa(gw1User.ID)+`, "base_url": "https://nav.example.org/"}`)

		// The username is taken: it gets a random suffix.
		r = f.send(http.MethodPost, path, adminKey, map[string]string{"name": "gw2", "type": "nav", "username": "gw1"})
		r.want(t, 201, "")
		u2, err := f.st.User(ctx, int64(r.object(t)["user"].(float64)))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^gw1_[0-9A-F]{6}$`).MatchString(u2.Username) {
			t.Errorf("username for a taken name = %q; want gw1_XXXXXX", u2.Username)
		}

		for name, c := range map[string]struct {
			body any
			want string
		}{
			"duplicate":      {map[string]string{"name": "gw1", "type": "nav"}, `{"__all__": ["Source system with this Name and Type already exists."]}`},
			"unknown type":   {map[string]string{"name": "gw9", "type": "nope"}, `{"type": ["Select a valid choice. That choice is not one of the available choices."]}`},
			"missing name":   {map[string]string{"type": "nav"}, `{"name": ["This field is required."]}`},
			"missing type":   {map[string]string{"name": "gw9"}, `{"type": ["This field is required."]}`},
			"name as user":   {map[string]string{"name": "gw 9", "type": "nav"}, `{"username": ["username: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`},
			"bad username":   {map[string]string{"name": "gw9", "type": "nav", "username": "a b"}, `{"username": ["username: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`},
			"not an object":  {[]string{"gw9"}, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`},
			"name not text":  {map[string]any{"name": []int{1}, "type": "nav"}, `{"name": ["Not a valid string."]}`},
			"everything bad": {map[string]string{}, `{"name": ["This field is required."], "type": ["This field is required."]}`},
		} {
			t.Run(name, func(t *testing.T) {
				before, err := f.st.CountUsers(ctx)
				if err != nil {
					t.Fatal(err)
				}
				f.send(http.MethodPost, path, adminKey, c.body).want(t, 400, c.want)
				if after, err := f.st.CountUsers(ctx); err != nil || after != before {
					t.Errorf("a refused source changed the users: %d → %d (%v)", before, after, err)
				}
			})
		}
		list := f.get(path, "")
		list.want(t, 200, "")
		if n := len(list.array(t)); n != 2 {
			t.Fatalf("sources listed: %d; want 2", n)
		}

		// Retrieve: authenticated users only.
		f.get(path+"1/", userKey).want(t, 200, `{"pk": 1, "name": "gw1", "type": {"name": "nav"}, "user": `+itoa(gw1User.ID)+`, "base_url": "https://nav.example.org/"}`)
		f.get(path+"1/", "").want(t, 401, msgNoCredentials)
		f.get(path+"99/", userKey).want(t, 404, `{"detail": "Not found."}`)

		// Update: the source's own user or a superuser; only the name changes.
		gw1Key := f.token(gw1User.ID)
		f.send(http.MethodPut, path+"1/", userKey, map[string]string{"name": "x"}).
			want(t, 403, `{"detail": "You do not have permission to perform this action."}`)
		f.send(http.MethodPut, path+"1/", gw1Key, map[string]any{"name": "gw1-renamed", "type": "zabbix", "user": 1, "base_url": "ignored"}).
			want(t, 200, `{"pk": 1, "name": "gw1-renamed", "type": {"name": "nav"}, "user": `+itoa(gw1User.ID)+`, "base_url": "https://nav.example.org/"}`)
		f.send(http.MethodPut, path+"1/", gw1Key, map[string]any{}).want(t, 400, `{"name": ["This field is required."]}`)
		f.send(http.MethodPatch, path+"1/", adminKey, map[string]any{}).want(t, 200, "")
		f.send(http.MethodPatch, path+"1/", adminKey, map[string]any{"name": "gw1"}).want(t, 200, "")
		f.send(http.MethodPatch, path+"2/", adminKey, map[string]any{"name": "gw1"}).
			want(t, 400, `{"non_field_errors": ["The fields name, type must make a unique set."]}`)
		f.send(http.MethodPatch, path+"99/", adminKey, map[string]any{"name": "gw1"}).want(t, 404, `{"detail": "Not found."}`)
		f.send(http.MethodDelete, path+"1/", adminKey, nil).want(t, 405, `{"detail": "Method \"DELETE\" not allowed."}`)

		// Metadata: every source, in the same shape.
		r = f.get("/api/v1/incidents/metadata/", userKey)
		r.want(t, 200, "")
		meta := r.object(t)
		wantKeys(t, meta, "sourceSystems")
		if srcs, _ := meta["sourceSystems"].([]any); len(srcs) != 2 {
			t.Errorf("metadata sources = %v; want 2", meta["sourceSystems"])
		} else {
			wantKeys(t, srcs[0], "pk", "name", "type", "user", "base_url")
		}
		f.get("/api/v1/incidents/metadata/", "").want(t, 401, msgNoCredentials)
	})
}

// A username at its limit that is taken gets a suffix that still fits:
// the base is shortened, not the limit broken (a 500 on PostgreSQL's
// varchar(150) before).
func TestSourceUsernameAtLimitTaken(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("root", true)
		f.source("gw0", "nav")
		long := strings.Repeat("ü", 150)
		first := f.send(http.MethodPost, "/api/v1/incidents/sources/", key, map[string]string{"name": "gw1", "type": "nav", "username": long})
		first.want(t, http.StatusCreated, "")
		second := f.send(http.MethodPost, "/api/v1/incidents/sources/", key, map[string]string{"name": "gw2", "type": "nav", "username": long})
		second.want(t, http.StatusCreated, "")
		for _, r := range []response{first, second} {
			userID := int64(r.object(t)["user"].(float64))
			u, err := f.st.User(context.Background(), userID)
			if err != nil {
				t.Fatal(err)
			}
			if n := utf8.RuneCountInString(u.Username); n != 150 {
				t.Errorf("username %q has %d characters; want 150", u.Username, n)
			}
		}
		f.send(http.MethodPost, "/api/v1/incidents/sources/", key, map[string]string{"name": "gw3", "type": "nav", "username": long + "x"}).
			want(t, http.StatusBadRequest, `{"username": ["Ensure this field has no more than 150 characters."]}`)
	})
}
