package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
)

func TestV2Filters(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, key := f.user("kari", false)
		_, olaKey := f.user("ola", false)
		_, adminKey := f.user("admin", true)
		const path = "/api/v2/notificationprofiles/filters/"

		r := f.send(http.MethodPost, path, key, map[string]any{"name": "crit", "filter": map[string]any{
			"maxlevel": 2, "open": "yes", "event_types": []string{"STA", "END"}, "unknown": 1}, "public": true})
		r.want(t, http.StatusCreated, "")
		crit := r.object(t)
		wantKeys(t, crit, "pk", "name", "filter", "public")
		r.want(t, http.StatusCreated, `{"pk": `+pkOf(t, crit)+`, "name": "crit", "public": true, "filter": {
			"open": true, "acked": null, "stateful": null, "maxlevel": 2, "hide_closed_acked": false, "event_types": ["STA", "END"]}}`)
		for name, c := range map[string]struct {
			body any
			want string
		}{
			"maxlevel too high": {map[string]any{"name": "x", "filter": map[string]any{"maxlevel": 7}},
				`{"filter": {"maxlevel": ["Ensure this value is less than or equal to 5."]}}`},
			"bad event type": {map[string]any{"name": "x", "filter": map[string]any{"event_types": []string{"XYZ"}}},
				`{"filter": {"event_types": {"0": ["\"XYZ\" is not a valid choice."]}}}`},
			"short tag": {map[string]any{"name": "x", "filter": map[string]any{"tags": []string{"a="}}},
				`{"filter": {"tags": {"0": ["Ensure this field has at least 3 characters."]}}}`},
			// v2-bug-10: tag formats are checked on save.
			"malformed tag": {map[string]any{"name": "x", "filter": map[string]any{"tags": []string{"no delimiter"}}},
				`{"filter": {"tags": {"0": ["Enter a valid key-value construct: \"key=value\", where key and value are strings. The key can consist of lowercase letters, numbers and underscores."]}}}`},
			"not a boolean":  {map[string]any{"name": "x", "filter": map[string]any{"acked": "maybe"}}, `{"filter": {"acked": ["Must be a valid boolean."]}}`},
			"not a list":     {map[string]any{"name": "x", "filter": map[string]any{"sourceSystemIds": 3}}, `{"filter": {"sourceSystemIds": ["Expected a list of items but got type \"int\"."]}}`},
			"no filter":      {map[string]any{"name": "x"}, `{"filter": ["This field is required."]}`},
			"a name in use":  {map[string]any{"name": "crit", "filter": map[string]any{}}, ``},
			"source id zero": {map[string]any{"name": "x", "filter": map[string]any{"sourceSystemIds": []int{0}}}, `{"filter": {"sourceSystemIds": {"0": ["Ensure this value is greater than or equal to 1."]}}}`},
		} {
			t.Run(name, func(t *testing.T) {
				r := f.send(http.MethodPost, path, key, c.body)
				r.want(t, http.StatusBadRequest, c.want)
				if name == "a name in use" && !strings.Contains(string(r.body), `"name"`) {
					t.Errorf("a taken name: %s; want it under name (v2-bug-4)", r.body)
				}
			})
		}

		private := f.send(http.MethodPost, path, olaKey, map[string]any{"name": "mine", "filter": map[string]any{"acked": false}})
		private.want(t, http.StatusCreated, "")
		// Everyone's public filters are listed for everyone.
		if list := f.get(path, olaKey).array(t); len(list) != 2 {
			t.Errorf("ola sees %d filters; want his own and kari's public one", len(list))
		}
		one := path + pkOf(t, crit) + "/"
		f.get(one, olaKey).want(t, http.StatusForbidden, "")
		f.get(one, adminKey).want(t, http.StatusOK, "")
		f.get(path+pkOf(t, private.object(t))+"/", key).want(t, http.StatusNotFound, `{"detail": "No Filter matches the given query."}`)
		f.send(http.MethodPatch, one, olaKey, map[string]any{"name": "stolen"}).want(t, http.StatusNotFound, "")
		r = f.send(http.MethodPatch, one, key, map[string]any{"filter": map[string]any{"tags": []string{"host=sw1"}}})
		r.want(t, http.StatusOK, "")
		if got := r.object(t)["filter"].(map[string]any); got["maxlevel"] != nil || got["tags"] == nil {
			t.Errorf("PATCH of the filter replaces the blob: %v", got)
		}
		// The v1 view of the filter: its two keys.
		r = f.get("/api/v1/notificationprofiles/filters/"+pkOf(t, crit)+"/", key)
		if got := r.object(t)["filter_string"]; got != `{"sourceSystemIds": [], "tags": ["host=sw1"]}` {
			t.Errorf("v1 filter_string = %v", got)
		}

		t.Run("in use, it stays", func(t *testing.T) {
			ts := f.get("/api/v2/notificationprofiles/timeslots/", key).array(t)[0].(map[string]any)
			f.send(http.MethodPost, "/api/v2/notificationprofiles/", key, map[string]any{"timeslot": pkOf(t, ts),
				"filters": []any{pkOf(t, crit)}, "name": "oncall"}).want(t, http.StatusCreated, "")
			r := f.send(http.MethodDelete, one, key, nil)
			r.want(t, http.StatusBadRequest, `"Cannot delete this filter since it is in use in the notification profile(s): oncall."`)
		})
	})
}

// TestV2Listings checks the one matcher's listings over HTTP: preview/,
// a profile's incidents, ?filter_pk= and ?notificationprofile_pk=, with
// and without a fallback filter (D28).
func TestV2Listings(t *testing.T) {
	fallback := argus.FilterBlob{Acked: new(false), Stored: argus.KeyAcked | argus.KeyHideClosedAcked}
	for _, withFallback := range []bool{false, true} {
		o := api.Options{}
		if withFallback {
			o.FallbackFilter = fallback
		}
		t.Run(fmt.Sprintf("fallback=%t", withFallback), func(t *testing.T) { listings(t, o, withFallback) })
	}
}

func listings(t *testing.T, o api.Options, withFallback bool) {
	eachFixtureWith(t, o, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, key := f.user("kari", false)
		_, olaKey := f.user("ola", false)
		a := v2Incident(t, f, srcKey, map[string]any{"level": 1, "tags": []any{map[string]any{"tag": "host=sw1"}}})
		b := v2Incident(t, f, srcKey, map[string]any{"level": 4, "start_time": evUTC(-2 * time.Hour)})
		f.send(http.MethodPost, "/api/v2/incidents/"+pkOf(t, a)+"/acks/", key, map[string]any{"timestamp": evUTC(0)}).
			want(t, http.StatusCreated, "")
		pks := func(r response) []string { t.Helper(); return listedPKs(t, r) }
		want := func(name string, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s (fallback %t): %v; want %v", name, withFallback, got, want)
			}
		}
		severe := map[string]any{"maxlevel": 2}
		wantSevere := []string{pkOf(t, a)}
		if withFallback {
			wantSevere = nil // a is acked; the fallback keeps unacked ones only
		}
		want("preview maxlevel 2", pks(f.send(http.MethodPost, "/api/v2/notificationprofiles/preview/", key, severe)), wantSevere...)
		want("filterpreview {}", pks(f.send(http.MethodPost, "/api/v2/notificationprofiles/filterpreview/", key, map[string]any{})),
			func() []string {
				if withFallback {
					return []string{pkOf(t, b)} // {} is not empty with a fallback: it matches what that describes
				}
				return nil
			}()...)
		f.send(http.MethodPost, "/api/v2/notificationprofiles/preview/", key, map[string]any{"maxlevel": 9}).
			want(t, http.StatusBadRequest, `{"maxlevel": ["Ensure this value is less than or equal to 5."]}`)

		fr := f.send(http.MethodPost, "/api/v2/notificationprofiles/filters/", key, map[string]any{"name": "sw1", "filter": map[string]any{"tags": []string{"host=sw1"}}})
		fr.want(t, http.StatusCreated, "")
		filter := pkOf(t, fr.object(t))
		wantSw1 := []string{pkOf(t, a)}
		if withFallback {
			wantSw1 = nil
		}
		want("?filter_pk=", pks(f.get("/api/v2/incidents/?filter_pk="+filter, key)), wantSw1...)
		want("?filter_pk= of another", pks(f.get("/api/v2/incidents/?filter_pk="+filter, olaKey)))
		f.get("/api/v2/incidents/?filter_pk=1.5", key).want(t, http.StatusBadRequest, `{"filter_pk": ["Enter a whole number."]}`)

		ts := f.get("/api/v2/notificationprofiles/timeslots/", key).array(t)[0].(map[string]any)
		pr := f.send(http.MethodPost, "/api/v2/notificationprofiles/", key, map[string]any{"timeslot": pkOf(t, ts), "filters": []any{filter}})
		pr.want(t, http.StatusCreated, "")
		profile := pkOf(t, pr.object(t))
		want("…/<pk>/incidents/", pks(f.get("/api/v2/notificationprofiles/"+profile+"/incidents/", key)), wantSw1...)
		want("?notificationprofile_pk=", pks(f.get("/api/v2/incidents/?notificationprofile_pk="+profile, key)), wantSw1...)
		f.get("/api/v2/notificationprofiles/"+profile+"/incidents/", olaKey).
			want(t, http.StatusBadRequest, `["Notification profile with pk=`+profile+` does not exist."]`)

		// v1 addresses the profile alone on its timeslot by the timeslot's
		// pk and lists by the whole blob too, keys v1 cannot write
		// included (D28).
		v1Path := "/api/v1/notificationprofiles/" + pkOf(t, ts) + "/incidents/"
		want("v1 …/<pk>/incidents/", pks(f.get(v1Path, key)), wantSw1...)
		fr = f.send(http.MethodPost, "/api/v2/notificationprofiles/filters/", key, map[string]any{"name": "severe", "filter": severe})
		fr.want(t, http.StatusCreated, "")
		f.send(http.MethodPatch, "/api/v2/notificationprofiles/"+profile+"/", key, map[string]any{"filters": []any{pkOf(t, fr.object(t))}}).
			want(t, http.StatusOK, "")
		want("v1 …/<pk>/incidents/ maxlevel 2", pks(f.get(v1Path, key)), wantSevere...)
		want("v2 …/<pk>/incidents/ maxlevel 2", pks(f.get("/api/v2/notificationprofiles/"+profile+"/incidents/", key)), wantSevere...)
	})
}

// TestV2ProfileOfLongFilters lists by a profile whose many filters hold
// lists as long as allowed: the query stays within SQLite's parameter
// limit (each list is one parameter) and the matcher still decides.
func TestV2ProfileOfLongFilters(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, srcKey := f.source("gw", "nav")
		_, key := f.user("kari", false)
		a := v2Incident(t, f, srcKey, map[string]any{"level": 2, "tags": []any{map[string]any{"tag": "host=sw1"}, map[string]any{"tag": "site=osl"}}})
		v2Incident(t, f, srcKey, map[string]any{"level": 2, "tags": []any{map[string]any{"tag": "host=sw1"}}})
		types := make([]string, 1000)
		for i := range types {
			types[i] = fmt.Sprintf("type%d", i)
		}
		types[999] = "nav"
		tags := make([]string, 100)
		for i := range tags {
			tags[i] = fmt.Sprintf("site=x%d", i)
		}
		tags[0], tags[1] = "host=sw1", "site=osl"
		var filters []any
		for i := range 40 {
			r := f.send(http.MethodPost, "/api/v2/notificationprofiles/filters/", key, map[string]any{"name": fmt.Sprintf("long %d", i),
				"filter": map[string]any{"source_types": types, "tags": tags, "event_types": []string{"STA", "END", "CLO", "REO", "ACK", "OTH"}}})
			r.want(t, http.StatusCreated, "")
			filters = append(filters, pkOf(t, r.object(t)))
		}
		ts := f.get("/api/v2/notificationprofiles/timeslots/", key).array(t)[0].(map[string]any)
		pr := f.send(http.MethodPost, "/api/v2/notificationprofiles/", key, map[string]any{"timeslot": pkOf(t, ts), "filters": filters})
		pr.want(t, http.StatusCreated, "")
		profile := pkOf(t, pr.object(t))
		for _, path := range []string{"/api/v2/incidents/?notificationprofile_pk=" + profile, "/api/v2/notificationprofiles/" + profile + "/incidents/"} {
			if got := listedPKs(t, f.get(path, key)); strings.Join(got, ",") != pkOf(t, a) {
				t.Errorf("%s: %v; want only %s (both tag keys)", path, got, pkOf(t, a))
			}
		}
	})
}

// listedPKs are the pks of the incidents a 200 answer lists, as a plain
// array or a page.
func listedPKs(t *testing.T, r response) []string {
	t.Helper()
	if r.want(t, http.StatusOK, ""); r.status != http.StatusOK {
		return nil
	}
	var body any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	list, ok := body.([]any)
	if !ok {
		list = body.(map[string]any)["results"].([]any)
	}
	var out []string
	for _, x := range list {
		out = append(out, pkOf(t, x.(map[string]any)))
	}
	return out
}
