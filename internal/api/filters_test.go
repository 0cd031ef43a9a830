package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Filters: api-v1.md §2.11, §4.4, §5.4.

const fltPath = "/api/v1/notificationprofiles/filters/"

func fltItem(pk int64) string { return fltPath + itoa(pk) + "/" }

// fltCritical is the filter_string of the "Critical" filter, in canonical
// form.
const fltCritical = `{"sourceSystemIds": [1, 2], "tags": ["object=box1"]}`

// Messages for a bad filter_string.
const (
	fltMsgNotObject      = "The filter must be a JSON object."
	fltMsgNoKnownKey     = "No known fieldnames in filterstring."
	fltMsgMissingBoth    = "Filterstring is missing fieldname(s): sourceSystemIds, tags"
	fltMsgMissingSources = "Filterstring is missing fieldname(s): sourceSystemIds"
	fltMsgMissingTags    = "Filterstring is missing fieldname(s): tags"
	fltMsgBadSources     = "sourceSystemIds must be a list of source system ids (integers)."
	fltMsgBadTags        = `tags must be a list of "key=value" strings.`
	fltMsgNotFound       = `{"detail": "Not found."}`
)

// fltBadTag is the message for a tag string that is not "key=value".
func fltBadTag(tag string) string {
	return `Invalid tag "` + tag + `": Enter a valid key-value construct: "key=value", where key and value are strings.`
}

// fltJSON is the expected filter: beside its filter_string the blob of
// its two keys, as late v1 shows it (D27).
func fltJSON(pk int64, name, filterString string) string {
	n, _ := json.Marshal(name)
	s, _ := json.Marshal(filterString)
	var two map[string]any
	if err := json.Unmarshal([]byte(filterString), &two); err != nil {
		panic(err)
	}
	blob, _ := json.Marshal(map[string]any{"sourceSystemIds": two["sourceSystemIds"], "tags": two["tags"],
		"open": nil, "acked": nil, "stateful": nil, "maxlevel": nil, "hide_closed_acked": false})
	return `{"pk": ` + itoa(pk) + `, "name": ` + string(n) + `, "filter_string": ` + string(s) + `, "filter": ` + string(blob) + `}`
}

// fltErrors is the body {"filter_string": msgs}.
func fltErrors(msgs ...string) string {
	data, _ := json.Marshal(map[string][]string{"filter_string": msgs})
	return string(data)
}

// fltCreate posts a filter that must be accepted and returns its pk.
func fltCreate(t *testing.T, f *fixture, key, name, filterString string) int64 {
	t.Helper()
	r := f.send(http.MethodPost, fltPath, key, map[string]any{"name": name, "filter_string": filterString})
	r.want(t, http.StatusCreated, "")
	return tsPK(t, r)
}

// fltSnapshot records the user's filter list; the returned check fails the
// test when the list has changed since.
func fltSnapshot(t *testing.T, f *fixture, key string) func(t *testing.T) {
	t.Helper()
	before := f.get(fltPath, key)
	before.want(t, http.StatusOK, "")
	return func(t *testing.T) {
		t.Helper()
		f.get(fltPath, key).want(t, http.StatusOK, string(before.body))
	}
}

func TestFiltersCreate(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		f.get(fltPath, key).want(t, http.StatusOK, `[]`)

		var list []string
		for _, c := range []struct {
			name, in, want string
		}{
			{"Critical", `{"sourceSystemIds": [1, 2], "tags": ["object=box1"]}`, fltCritical},
			{"compact", `{"sourceSystemIds":[3,1],"tags":["a=b","c=d"]}`, `{"sourceSystemIds": [3, 1], "tags": ["a=b", "c=d"]}`},
			{"spread out, keys reversed", " \n{ \"tags\" : [ \"object=box1\" ] ,\t\"sourceSystemIds\" : [ 2 ,\n 1 ] }\n ",
				`{"sourceSystemIds": [2, 1], "tags": ["object=box1"]}`},
			{"empty lists", `{"sourceSystemIds": [], "tags": []}`, `{"sourceSystemIds": [], "tags": []}`},
			{"only sources", `{"tags": [], "sourceSystemIds": [7]}`, `{"sourceSystemIds": [7], "tags": []}`},
			{"duplicates kept", `{"sourceSystemIds": [3, 3], "tags": ["a=b", "a=b"]}`, `{"sourceSystemIds": [3, 3], "tags": ["a=b", "a=b"]}`},
			{"values verbatim", `{"sourceSystemIds": [], "tags": ["a=b=c", "x= spaced ", "k=Ünïcødé ✓", "h=<&>", "q=\"quoted\""]}`,
				`{"sourceSystemIds": [], "tags": ["a=b=c", "x= spaced ", "k=Ünïcødé ✓", "h=<&>", "q=\"quoted\""]}`},
			{"escapes decoded", `{"sourceSystemIds": [], "tags": ["k=\u00dcber"]}`, `{"sourceSystemIds": [], "tags": ["k=Über"]}`},
			{strings.Repeat("n", 40), `{"sourceSystemIds": [], "tags": []}`, `{"sourceSystemIds": [], "tags": []}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := f.send(http.MethodPost, fltPath, key, map[string]any{"name": c.name, "filter_string": c.in})
				r.want(t, http.StatusCreated, "")
				pk := tsPK(t, r)
				want := fltJSON(pk, c.name, c.want)
				r.want(t, http.StatusCreated, want)
				wantKeys(t, r.object(t), "pk", "name", "filter_string", "filter")
				f.get(fltItem(pk), key).want(t, http.StatusOK, want)
				list = append(list, want)
			})
		}
		// Listed in the order they were made.
		f.get(fltPath, key).want(t, http.StatusOK, `[`+strings.Join(list, ", ")+`]`)
	})
}

func TestFiltersCreateErrors(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		fltCreate(t, f, key, "Critical", fltCritical)
		unchanged := fltSnapshot(t, f, key)
		withString := func(s string) map[string]any { return map[string]any{"name": "New", "filter_string": s} }

		t.Run("invalid JSON", func(t *testing.T) {
			for _, in := range []string{
				`{sourceSystemIds: [1], "tags": []}`,
				`{'sourceSystemIds': [], 'tags': []}`,
				`{"sourceSystemIds": [1], "tags": []`,
				`{"sourceSystemIds": [], "tags": [],}`,
				`{"sourceSystemIds": [], "tags": []} x`,
				`not json`,
			} {
				r := f.send(http.MethodPost, fltPath, key, withString(in))
				r.want(t, http.StatusBadRequest, "")
				obj := r.object(t)
				wantKeys(t, obj, "filter_string")
				msgs, _ := obj["filter_string"].([]any)
				if len(msgs) != 1 {
					t.Errorf("%s: messages = %v; want one", in, obj["filter_string"])
					continue
				}
				if msg, _ := msgs[0].(string); !strings.HasPrefix(msg, "Invalid JSON: ") || len(msg) == len("Invalid JSON: ") {
					t.Errorf("%s: message = %q; want \"Invalid JSON: <reason>\"", in, msg)
				}
			}
			f.send(http.MethodPost, fltPath, key, withString(`{"sourceSystemIds": [1]`)).
				want(t, http.StatusBadRequest, fltErrors("Invalid JSON: unexpected end of JSON input"))
			unchanged(t)
		})

		for _, c := range []struct {
			name string
			body any
			want string
		}{
			{"a list", withString(`[1, 2]`), fltErrors(fltMsgNotObject)},
			{"a JSON string", withString(`"{}"`), fltErrors(fltMsgNotObject)},
			{"JSON null", withString(`null`), fltErrors(fltMsgNotObject)},
			{"a number as text", withString(`5`), fltErrors(fltMsgNotObject)},
			{"a number", map[string]any{"name": "New", "filter_string": 5}, fltErrors(fltMsgNotObject)},
			{"empty object", withString(`{}`), fltErrors(fltMsgNoKnownKey, fltMsgMissingBoth)},
			{"only unknown keys", withString(`{"foo": 1, "bar": []}`),
				fltErrors(fltMsgNoKnownKey, fltMsgMissingBoth, "Unknown fieldname(s) in filterstring: bar, foo")},
			{"missing sourceSystemIds", withString(`{"tags": []}`), fltErrors(fltMsgMissingSources)},
			{"missing tags", withString(`{"sourceSystemIds": [1]}`), fltErrors(fltMsgMissingTags)},
			{"missing tags, sources of the wrong type", withString(`{"sourceSystemIds": "abc"}`), fltErrors(fltMsgMissingTags)},
			{"unknown keys", withString(`{"sourceSystemIds": [], "tags": [], "zzz": 1, "aaa": 2, "Tags": []}`),
				fltErrors("Unknown fieldname(s) in filterstring: Tags, aaa, zzz")},
			{"missing and unknown", withString(`{"tags": [], "sourceSystemId": [1]}`),
				fltErrors(fltMsgMissingSources, "Unknown fieldname(s) in filterstring: sourceSystemId")},
			{"sourceSystemIds a string", withString(`{"sourceSystemIds": "abc", "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds with a fraction", withString(`{"sourceSystemIds": [1.5], "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds 1.0", withString(`{"sourceSystemIds": [1.0], "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds as strings", withString(`{"sourceSystemIds": ["1"], "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds 0", withString(`{"sourceSystemIds": [0], "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds negative", withString(`{"sourceSystemIds": [1, -2], "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds null", withString(`{"sourceSystemIds": null, "tags": []}`), fltErrors(fltMsgBadSources)},
			{"sourceSystemIds an int", withString(`{"sourceSystemIds": 1, "tags": []}`), fltErrors(fltMsgBadSources)},
			{"tags a string", withString(`{"sourceSystemIds": [], "tags": "object=box1"}`), fltErrors(fltMsgBadTags)},
			{"tags numbers", withString(`{"sourceSystemIds": [], "tags": [1]}`), fltErrors(fltMsgBadTags)},
			{"tags null item", withString(`{"sourceSystemIds": [], "tags": ["a=b", null]}`), fltErrors(fltMsgBadTags)},
			{"tags an object", withString(`{"sourceSystemIds": [], "tags": {"object": "box1"}}`), fltErrors(fltMsgBadTags)},
			{"both of the wrong type", withString(`{"sourceSystemIds": "abc", "tags": "x"}`), fltErrors(fltMsgBadSources, fltMsgBadTags)},
			{"a tag without =", withString(`{"sourceSystemIds": [], "tags": ["object"]}`), fltErrors(fltBadTag("object"))},
			{"bad tags, each named in order", withString(`{"sourceSystemIds": [1], "tags": ["Object=x", "ok=1", "=x", "a=", "a b=c"]}`),
				fltErrors(fltBadTag("Object=x"), fltBadTag("=x"), fltBadTag("a="), fltBadTag("a b=c"))},
			{"bad sources and a bad tag", withString(`{"sourceSystemIds": [0], "tags": ["nope"]}`),
				fltErrors(fltMsgBadSources, fltBadTag("nope"))},
			{"filter_string an object", map[string]any{"name": "New", "filter_string": map[string]any{"sourceSystemIds": []int{}, "tags": []string{}}},
				`{"filter_string": ["Not a valid string."]}`},
			{"filter_string a list", map[string]any{"name": "New", "filter_string": []any{}}, `{"filter_string": ["Not a valid string."]}`},
			{"filter_string null", map[string]any{"name": "New", "filter_string": nil}, `{"filter_string": ["This field may not be null."]}`},
			{"filter_string blank", withString(" "), `{"filter_string": ["This field may not be blank."]}`},
			{"missing both", map[string]any{}, `{"name": ["This field is required."], "filter_string": ["This field is required."]}`},
			{"missing filter_string", map[string]any{"name": "New"}, `{"filter_string": ["This field is required."]}`},
			{"missing name", map[string]any{"filter_string": fltCritical}, `{"name": ["This field is required."]}`},
			{"name of 41 characters", map[string]any{"name": strings.Repeat("n", 41), "filter_string": fltCritical},
				`{"name": ["Ensure this field has no more than 40 characters."]}`},
			{"name blank", map[string]any{"name": "", "filter_string": fltCritical}, `{"name": ["This field may not be blank."]}`},
			{"name and filter_string both bad", map[string]any{"name": strings.Repeat("n", 41), "filter_string": `{}`},
				`{"name": ["Ensure this field has no more than 40 characters."], "filter_string": ["` + fltMsgNoKnownKey + `", "` + fltMsgMissingBoth + `"]}`},
			{"duplicate name", map[string]any{"name": "Critical", "filter_string": `{"sourceSystemIds": [], "tags": []}`},
				`["Filter with the name 'Critical' already exists for the user kari."]`},
			{"duplicate name after trimming", map[string]any{"name": " Critical  ", "filter_string": fltCritical},
				`["Filter with the name 'Critical' already exists for the user kari."]`},
			{"body not an object", []any{fltCritical}, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				f.send(http.MethodPost, fltPath, key, c.body).want(t, http.StatusBadRequest, c.want)
				unchanged(t)
			})
		}

		// The same name is free for another user.
		_, otherKey := f.user("ola", false)
		r := f.send(http.MethodPost, fltPath, otherKey, map[string]any{"name": "Critical", "filter_string": `{"tags":[],"sourceSystemIds":[]}`})
		r.want(t, http.StatusCreated, fltJSON(tsPK(t, r), "Critical", `{"sourceSystemIds": [], "tags": []}`))
		unchanged(t)
	})
}

func TestFiltersUpdate(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		other := fltCreate(t, f, key, "Other", `{"sourceSystemIds": [], "tags": ["a=b"]}`)
		pk := fltCreate(t, f, key, "Critical", fltCritical)
		item := fltItem(pk)
		check := func(t *testing.T, method string, body any, want string) {
			t.Helper()
			f.send(method, item, key, body).want(t, http.StatusOK, want)
			f.get(item, key).want(t, http.StatusOK, want)
		}

		t.Run("PUT replaces both", func(t *testing.T) {
			check(t, http.MethodPut, map[string]any{"name": "Boxes", "filter_string": `{"tags":["object=box2"],"sourceSystemIds":[5]}`},
				fltJSON(pk, "Boxes", `{"sourceSystemIds": [5], "tags": ["object=box2"]}`))
		})
		t.Run("PUT keeping the name", func(t *testing.T) {
			check(t, http.MethodPut, map[string]any{"name": "Boxes", "filter_string": `{"sourceSystemIds": [], "tags": ["object=box3"]}`},
				fltJSON(pk, "Boxes", `{"sourceSystemIds": [], "tags": ["object=box3"]}`))
		})
		t.Run("PATCH name only", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{"name": "Box 3"},
				fltJSON(pk, "Box 3", `{"sourceSystemIds": [], "tags": ["object=box3"]}`))
		})
		t.Run("PATCH filter_string only", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{"filter_string": `{"sourceSystemIds":[1,2],"tags":[]}`},
				fltJSON(pk, "Box 3", `{"sourceSystemIds": [1, 2], "tags": []}`))
		})
		t.Run("PATCH nothing", func(t *testing.T) {
			check(t, http.MethodPatch, map[string]any{}, fltJSON(pk, "Box 3", `{"sourceSystemIds": [1, 2], "tags": []}`))
		})

		unchanged := fltSnapshot(t, f, key)
		otherWant := fltJSON(other, "Other", `{"sourceSystemIds": [], "tags": ["a=b"]}`)
		for _, c := range []struct {
			name   string
			method string
			body   any
			want   string
		}{
			{"PUT missing both", http.MethodPut, map[string]any{},
				`{"name": ["This field is required."], "filter_string": ["This field is required."]}`},
			{"PUT missing filter_string", http.MethodPut, map[string]any{"name": "New"}, `{"filter_string": ["This field is required."]}`},
			{"PUT missing name", http.MethodPut, map[string]any{"filter_string": fltCritical}, `{"name": ["This field is required."]}`},
			{"PUT onto another filter's name", http.MethodPut, map[string]any{"name": "Other", "filter_string": fltCritical},
				`["Filter with the name 'Other' already exists for the user kari."]`},
			{"PATCH onto another filter's name", http.MethodPatch, map[string]any{"name": "Other"},
				`["Filter with the name 'Other' already exists for the user kari."]`},
			{"PATCH bad filter_string", http.MethodPatch, map[string]any{"filter_string": `{"sourceSystemIds": [1]}`},
				fltErrors(fltMsgMissingTags)},
			{"PATCH bad filter_string with a new name", http.MethodPatch, map[string]any{"name": "New", "filter_string": `{"sourceSystemIds": ["1"], "tags": []}`},
				fltErrors(fltMsgBadSources)},
			{"PUT bad filter_string", http.MethodPut, map[string]any{"name": "New", "filter_string": `[]`}, fltErrors(fltMsgNotObject)},
			{"PATCH filter_string an object", http.MethodPatch, map[string]any{"filter_string": map[string]any{}},
				`{"filter_string": ["Not a valid string."]}`},
			{"PATCH name too long", http.MethodPatch, map[string]any{"name": strings.Repeat("n", 41)},
				`{"name": ["Ensure this field has no more than 40 characters."]}`},
			{"PATCH name null", http.MethodPatch, map[string]any{"name": nil}, `{"name": ["This field may not be null."]}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				f.send(c.method, item, key, c.body).want(t, http.StatusBadRequest, c.want)
				unchanged(t)
				f.get(fltItem(other), key).want(t, http.StatusOK, otherWant)
			})
		}
	})
}

func TestFiltersAccessAndDelete(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, otherKey := f.user("ola", false)
		_, adminKey := f.user("admin", true)
		pk := fltCreate(t, f, key, "Critical", fltCritical)
		want := fltJSON(pk, "Critical", fltCritical)
		unchanged := fltSnapshot(t, f, key)
		update := map[string]any{"name": "Mine now", "filter_string": `{"sourceSystemIds": [], "tags": []}`}

		for _, who := range []struct{ name, key string }{{"another user", otherKey}, {"a superuser", adminKey}} {
			t.Run(who.name, func(t *testing.T) {
				f.get(fltPath, who.key).want(t, http.StatusOK, `[]`)
				f.get(fltItem(pk), who.key).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodPut, fltItem(pk), who.key, update).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodPatch, fltItem(pk), who.key, update).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodPatch, fltItem(pk), who.key, map[string]any{"filter_string": "{"}).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodDelete, fltItem(pk), who.key, nil).want(t, http.StatusNotFound, fltMsgNotFound)
				f.get(fltPath, who.key).want(t, http.StatusOK, `[]`)
				unchanged(t)
				f.get(fltItem(pk), key).want(t, http.StatusOK, want)
			})
		}

		t.Run("paths that name no filter", func(t *testing.T) {
			for _, p := range []string{"999999", "abc", "-1", "1.0", "99999999999999999999"} {
				f.get(fltPath+p+"/", key).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodPut, fltPath+p+"/", key, update).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodPatch, fltPath+p+"/", key, update).want(t, http.StatusNotFound, fltMsgNotFound)
				f.send(http.MethodDelete, fltPath+p+"/", key, nil).want(t, http.StatusNotFound, fltMsgNotFound)
			}
			unchanged(t)
		})

		t.Run("unauthenticated", func(t *testing.T) {
			for _, r := range []response{
				f.get(fltPath, ""),
				f.send(http.MethodPost, fltPath, "", update),
				f.get(fltItem(pk), ""),
				f.send(http.MethodPut, fltItem(pk), "", update),
				f.send(http.MethodPatch, fltItem(pk), "", update),
				f.send(http.MethodDelete, fltItem(pk), "", nil),
			} {
				r.want(t, http.StatusUnauthorized, msgNoCredentials)
				if got := r.header.Get("WWW-Authenticate"); got != "Token" {
					t.Errorf("WWW-Authenticate = %q; want Token", got)
				}
			}
			unchanged(t)
		})

		t.Run("methods not allowed", func(t *testing.T) {
			f.send(http.MethodPost, fltItem(pk), key, update).want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"POST\" not allowed."}`)
			f.send(http.MethodPut, fltPath, key, update).want(t, http.StatusMethodNotAllowed, `{"detail": "Method \"PUT\" not allowed."}`)
			unchanged(t)
		})

		t.Run("delete", func(t *testing.T) {
			r := f.send(http.MethodDelete, fltItem(pk), key, nil)
			r.want(t, http.StatusNoContent, "")
			if len(r.body) != 0 {
				t.Errorf("DELETE body = %q; want none", r.body)
			}
			f.get(fltItem(pk), key).want(t, http.StatusNotFound, fltMsgNotFound)
			f.send(http.MethodDelete, fltItem(pk), key, nil).want(t, http.StatusNotFound, fltMsgNotFound)
			f.send(http.MethodPut, fltItem(pk), key, update).want(t, http.StatusNotFound, fltMsgNotFound)
			f.get(fltPath, key).want(t, http.StatusOK, `[]`)
			// The name is free again.
			pk2 := fltCreate(t, f, key, "Critical", `{"sourceSystemIds": [], "tags": []}`)
			f.get(fltPath, key).want(t, http.StatusOK, `[`+fltJSON(pk2, "Critical", `{"sourceSystemIds": [], "tags": []}`)+`]`)
		})
	})
}

// Deleting a filter removes it from the profiles that use it, which keep
// their other filters (D17).
func TestFiltersDeleteKeepsProfiles(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		u, key := f.user("kari", false)
		ctx := context.Background()
		gone := fltCreate(t, f, key, "Critical", fltCritical)
		kept := fltCreate(t, f, key, "Boxes", `{"sourceSystemIds": [], "tags": ["object=box2"]}`)
		ts := tsDefaultPK(t, f, key)
		if _, err := f.st.CreateProfile(ctx, u.ID, store.ProfileInput{TimeslotID: ts, FilterIDs: []int64{gone, kept}, Media: []argus.Medium{argus.MediumEmail}, Active: true}); err != nil {
			t.Fatal(err)
		}
		f.send(http.MethodDelete, fltItem(gone), key, nil).want(t, http.StatusNoContent, "")
		p, err := f.st.Profile(ctx, u.ID, ts)
		if err != nil {
			t.Fatalf("the profile went with its filter: %v", err)
		}
		var got []int64
		for _, flt := range p.Filters {
			got = append(got, flt.ID)
		}
		if diff := cmp.Diff([]int64{kept}, got); diff != "" {
			t.Errorf("profile filters (-want +got):\n%s", diff)
		}
	})
}

// A filter's lists are bounded like the list parameters, so the SQL built
// from them stays within SQLite's parameter limit.
func TestFilterListsAreBounded(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		ids := make([]string, 1001)
		for i := range ids {
			ids[i] = itoa(int64(i + 1))
		}
		many := `{"sourceSystemIds": [` + strings.Join(ids, ", ") + `], "tags": []}`
		f.send(http.MethodPost, "/api/v1/notificationprofiles/filters/", key, map[string]string{"name": "big", "filter_string": many}).
			want(t, 400, `{"filter_string": ["sourceSystemIds may hold at most 1000 ids."]}`)
		f.do(req{method: http.MethodPost, path: "/api/v1/notificationprofiles/filterpreview/", token: key, body: many, contentType: "application/json"}).
			want(t, 400, `["sourceSystemIds may hold at most 1000 ids."]`)
		ok := `{"sourceSystemIds": [` + strings.Join(ids[:1000], ", ") + `], "tags": []}`
		f.do(req{method: http.MethodPost, path: "/api/v1/notificationprofiles/filterpreview/", token: key, body: ok, contentType: "application/json"}).
			want(t, 200, `[]`)
	})
}
