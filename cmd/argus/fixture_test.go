package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/testdb"
)

// The fixtures in testdata are written by hand in the format of the
// original's `manage.py dumpdata`, one per era: argus-v1.json as Argus
// 1.x keeps its data (phone numbers, media codes, filter_string, a
// profile whose pk is its timeslot's, datetime.max for an open
// incident), argus-2x.json as Argus 2.x does (destinations, profiles with
// ids and names, filter blobs, knox tokens, planned maintenance). The
// password of admin and alice in both is "oldpassword", as a pbkdf2_sha256
// hash made by Django's hasher. The sources' tokens were issued nine
// days before the tests' clock: API tokens expire after 14 (D4).

const oldPassword = "oldpassword"

// eraCase is what a loaded era fixture must do once served.
type eraCase struct {
	file        string
	installed   string // loaddata's first line
	skipped     string // its list of skipped models
	sourceToken string // the source's API token, in clear
	mails       int    // how many mails alice gets: check may cause one
	maxPK       int64  // the largest incident pk loaded
	// post creates an incident as the source that alice's profile
	// selects.
	post func(t *testing.T, client *http.Client, base string) int64
	// check reads the loaded data back through the API.
	check func(t *testing.T, client *http.Client, base, aliceToken string)
}

var eraCases = []eraCase{{
	file:        "testdata/argus-v1.json",
	installed:   "Installed 25 object(s) from 1 fixture(s).",
	skipped:     "admin.logentry (1), contenttypes.contenttype (1), sessions.session (1)",
	sourceToken: "0123456789abcdef0123456789abcdef01234567",
	mails:       2, // the END posted to incident 10, the new incident
	maxPK:       12,
	post: func(t *testing.T, client *http.Client, base string) int64 {
		status, body := do(t, client, http.MethodPost, base+"/api/v1/incidents/", "0123456789abcdef0123456789abcdef01234567",
			map[string]any{"start_time": notifyStart, "description": "gw9 is down", "source_incident_id": "9"})
		if status != http.StatusCreated {
			t.Fatalf("POST incident with the old source token: %d %v; want 201", status, body)
		}
		return pkOf(t, body)
	},
	check: func(t *testing.T, client *http.Client, base, token string) {
		status, body := do(t, client, http.MethodGet, base+"/api/v1/incidents/10/", token, nil)
		tags, _ := field(body, "tags").([]any)
		if status != http.StatusOK || field(body, "end_time") != "infinity" || field(body, "acked") != true ||
			field(body, "details_url") != "https://nav.example.org/devices/1001" || len(tags) != 2 {
			t.Errorf("GET incident 10: %d %v; want open (infinity), acked, its details URL joined and two tags", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v1/incidents/12/", token, nil)
		if status != http.StatusOK || field(body, "stateful") != false ||
			field(body, "start_time") != "2021-02-03T10:00:00+01:00" {
			t.Errorf("GET incident 12: %d %v; want stateless, started 10:00 Oslo time", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v1/notificationprofiles/7/", token, nil)
		media, _ := field(body, "media").([]any)
		slices.SortFunc(media, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		if status != http.StatusOK || !cmp.Equal(media, []any{"EM", "SM"}) || field(body, "timeslot") == nil {
			t.Errorf("GET profile 7 (v1): %d %v; want media EM and SM on its timeslot", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v1/auth/phone-number/5/", token, nil)
		if status != http.StatusOK || field(body, "phone_number") != "+4790909090" {
			t.Errorf("GET phone number 5: %d %v; want it kept", status, body)
		}
		// The old source token posts an event to a loaded incident.
		status, body = do(t, client, http.MethodPost, base+"/api/v1/incidents/10/events/", "0123456789abcdef0123456789abcdef01234567",
			map[string]any{"type": "END", "timestamp": notifyStart})
		if status != http.StatusCreated {
			t.Errorf("POST END to incident 10 with the old source token: %d %v; want 201", status, body)
		}
	},
}, {
	file:        "testdata/argus-2x.json",
	installed:   "Installed 27 object(s) from 1 fixture(s).",
	skipped:     "auth.permission (1)",
	sourceToken: "89abcdef0123456789abcdef0123456789abcdef",
	mails:       1,
	maxPK:       21,
	post: func(t *testing.T, client *http.Client, base string) int64 {
		// The filter keeps level 3 and above.
		status, body := do(t, client, http.MethodPost, base+"/api/v2/incidents/", "89abcdef0123456789abcdef0123456789abcdef",
			map[string]any{"start_time": notifyStart, "description": "gw9 is down", "source_incident_id": "9", "level": 2, "tags": []string{}})
		if status != http.StatusCreated {
			t.Fatalf("POST v2 incident with the old source token: %d %v; want 201", status, body)
		}
		return pkOf(t, body)
	},
	check: func(t *testing.T, client *http.Client, base, token string) {
		// alice's knox token from Argus 2.x still works.
		knox := "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
		status, body := do(t, client, http.MethodGet, base+"/api/v2/auth/user/", knox, nil)
		if status != http.StatusOK || field(body, "username") != "alice" {
			t.Errorf("GET auth/user with the old knox token: %d %v; want 200, alice", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v2/incidents/20/", token, nil)
		if status != http.StatusOK || field(body, "end_time") != "infinity" || field(body, "level") != float64(2) ||
			!cmp.Equal(field(body, "metadata"), map[string]any{"host": "db1", "severity": map[string]any{"zabbix": "High"}}) ||
			field(body, "acked") != false {
			t.Errorf("GET v2 incident 20: %d %v; want open, level 2, its metadata, its ack expired", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v2/notificationprofiles/40/", token, nil)
		var dests []int64
		list, _ := field(body, "destinations").([]any)
		for _, d := range list {
			dests = append(dests, pkOf(t, d))
		}
		if status != http.StatusOK || field(body, "name") != "On call" || !slices.Equal(dests, []int64{30, 31}) {
			t.Errorf("GET v2 profile 40: %d %v; want it with destinations 30 and 31", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v2/notificationprofiles/destinations/", token, nil)
		if list, _ := body.([]any); status != http.StatusOK || len(list) != 2 {
			t.Errorf("GET v2 destinations: %d %v; want the two loaded (the synced email is the managed one)", status, body)
		}
		status, body = do(t, client, http.MethodGet, base+"/api/v2/notificationprofiles/filters/4/", token, nil)
		if status != http.StatusOK || field(field(body, "filter"), "maxlevel") != float64(3) {
			t.Errorf("GET v2 filter 4: %d %v; want its blob with maxlevel 3", status, body)
		}
	},
}}

// A fixture of each era loads and then works: its users log in with
// their old passwords (rehashed on the way), its source posts with its
// old token, and the profile notifies.
func TestLoadDataEras(t *testing.T) {
	for _, ec := range eraCases {
		t.Run(filepath.Base(ec.file), func(t *testing.T) {
			testdb.Run(t, func(t *testing.T, b testdb.Backend) {
				sink := startSink(t)
				c := newCLI(t, b)
				c.vars = notifyVars(sink, true)
				out := c.mustRun("loaddata", ec.file)
				if !strings.Contains(out, ec.installed) || !strings.Contains(out, ec.skipped) {
					t.Errorf("loaddata printed %q; want %q and the skipped models %s", out, ec.installed, ec.skipped)
				}
				srv := startServe(t, c)
				if srv.stdout != "" {
					t.Errorf("serve printed %q; want nothing (the database has its users)", srv.stdout)
				}
				client := &http.Client{Timeout: time.Minute}
				t.Cleanup(client.CloseIdleConnections)

				status, body := do(t, client, http.MethodPost, srv.base+"/api/v1/token-auth/", "",
					map[string]string{"username": "alice", "password": oldPassword})
				token, _ := field(body, "token").(string)
				if status != http.StatusOK || token == "" {
					t.Fatalf("token-auth as alice with the old password: %d %v; want 200 and a token", status, body)
				}
				st := openTestStore(t, b.DSN)
				if pw := userByUsername(t, st, "alice").Password; strings.HasPrefix(pw, "pbkdf2_sha256$") {
					t.Errorf("alice's password is still %q after a login; want it rehashed (D22)", pw)
				}
				ec.check(t, client, srv.base, token)

				incident := ec.post(t, client, srv.base)
				if incident <= ec.maxPK {
					t.Errorf("the new incident has pk %d; want one past the loaded pks (over %d)", incident, ec.maxPK)
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				msgs, err := sink.Wait(ctx, ec.mails)
				if err != nil {
					t.Fatalf("%v; serve's stderr:\n%s", err, written(srv.stderr))
				}
				about := false
				for _, m := range msgs {
					if !slices.Equal(m.To, []string{"alice@example.org"}) {
						t.Errorf("a mail to %v; want all to alice@example.org", m.To)
					}
					about = about || strings.Contains(m.TextBody(), fmt.Sprintf("/incidents/%d/", incident))
				}
				if !about {
					t.Errorf("no mail about incident %d among %d", incident, len(msgs))
				}
				// The loaded history notifies no one: only what happened
				// after the load was sent.
				srv.stop(t)
				if n := len(sink.Messages()); n != ec.mails {
					t.Errorf("%d mails sent in all; want %d", n, ec.mails)
				}
			})
		})
	}
}

// A fixture with a bad entry is refused whole, naming the entry, and
// changes nothing; so is one the database refuses.
func TestLoadDataRefusesBrokenFixture(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("loaddata", "testdata/argus-v1.json")
		before := c.mustRun("dumpdata")
		dir := t.TempDir()
		for name, tc := range map[string]struct {
			fixture string
			want    []string
		}{
			"bad time": {`[
{"model": "argus_incident.tag", "pk": 3, "fields": {"key": "new", "value": "tag"}},
{"model": "argus_auth.user", "pk": 3, "fields": {"username": "alice", "email": "alice@example.net", "password": ""}},
{"model": "argus_incident.incident", "pk": 50, "fields": {"start_time": "yesterday", "end_time": null, "source": 1, "source_incident_id": "5"}}
]`, []string{"entry 2 (argus_incident.incident, pk 50)", "start_time", "nothing was loaded"}},
			"unknown source": {`[
{"model": "argus_incident.tag", "pk": 3, "fields": {"key": "new", "value": "tag"}},
{"model": "argus_incident.incident", "pk": 50, "fields": {"start_time": "2021-01-01T00:00:00Z", "end_time": null, "source": 99, "source_incident_id": "5"}}
]`, []string{"argus_incident_incident", "nothing was loaded"}},
			"unknown tag": {`[
{"model": "argus_incident.incidenttagrelation", "pk": 9, "fields": {"tag": 77, "incident": 10, "added_by": 2, "added_time": "2021-01-01T00:00:00Z"}}
]`, []string{"entry 0 (argus_incident.incidenttagrelation, pk 9)", "tag 77 does not exist"}},
			"not JSON": {`[{"model": "argus_incident.tag", "pk": 3, "fields": {"key": "k", "value": ""}}, {"model": `, []string{"entry 1"}},
			"bad event type": {`[
{"model": "argus_incident.event", "pk": 500, "fields": {"incident": 10, "actor": 2, "timestamp": "2021-01-01T00:00:00Z", "type": "XXX", "description": ""}}
]`, []string{"entry 0 (argus_incident.event, pk 500)", `"XXX" is not an event type`}},
		} {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tc.fixture), 0o600); err != nil {
				t.Fatal(err)
			}
			r := c.run("loaddata", path)
			wantFailure(t, r, 1, tc.want...)
			if after := c.mustRun("dumpdata"); after != before {
				t.Errorf("%s: the database changed:\n%s", name, cmp.Diff(before, after))
			}
		}
	})
}

// Loading a dump into an empty database gives the same dump back, and
// loading a fixture twice is loading it once.
func TestDumpDataRoundTrip(t *testing.T) {
	for _, ec := range eraCases {
		t.Run(filepath.Base(ec.file), func(t *testing.T) {
			testdb.Run(t, func(t *testing.T, b testdb.Backend) {
				c := newCLI(t, b)
				c.mustRun("loaddata", ec.file)
				first := c.mustRun("dumpdata")
				c.mustRun("loaddata", ec.file)
				if again := c.mustRun("dumpdata"); again != first {
					t.Errorf("loading again changed the data:\n%s", cmp.Diff(first, again))
				}
				path := filepath.Join(t.TempDir(), "dump.json")
				if err := os.WriteFile(path, []byte(first), 0o600); err != nil {
					t.Fatal(err)
				}
				fresh := newCLI(t, testdb.Fresh(t, b))
				fresh.mustRun("loaddata", path)
				if second := fresh.mustRun("dumpdata"); second != first {
					t.Errorf("dump → load → dump differs:\n%s", cmp.Diff(first, second))
				}
			})
		})
	}
}

// mockdata makes what api-v1.md §8 says the original's generator made;
// loaded, dumped and loaded into a fresh database it gives the same API
// output (and the same dump).
func TestMockDataRoundTrip(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		path := filepath.Join(t.TempDir(), "mock.json")
		c := newCLI(t, b)
		c.mustRun("mockdata", "--seed", "7", "-o", path)
		again := filepath.Join(t.TempDir(), "again.json")
		c.mustRun("mockdata", "--seed", "7", "-o", again)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if d2, err := os.ReadFile(again); err != nil || string(d2) != string(data) {
			t.Errorf("two runs with --seed 7 differ (%v)", err)
		}
		var entries []struct {
			Model  string
			PK     any
			Fields map[string]any
		}
		if err := json.Unmarshal(data, &entries); err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		users := map[float64]string{}
		for _, e := range entries {
			count[e.Model]++
			switch e.Model {
			case "argus_auth.user":
				users[e.PK.(float64)] = e.Fields["username"].(string)
			case "argus_incident.event":
				count["event "+e.Fields["type"].(string)]++
			}
		}
		want := map[string]int{"argus_auth.user": 6, "argus_incident.sourcesystemtype": 2, "argus_incident.sourcesystem": 6,
			"argus_incident.incident": 200, "argus_incident.tag": 70, "argus_incident.incidenttagrelation": 600,
			"event STA": 200}
		for k, n := range want {
			if count[k] != n {
				t.Errorf("%d %s; want %d", count[k], k, n)
			}
		}
		if count["event END"] == 0 || count["event OTH"] == 0 {
			t.Errorf("%d END and %d OTH events; want some of each", count["event END"], count["event OTH"])
		}
		for pk := 1.0; pk <= 6; pk++ {
			if !regexp.MustCompile(`^(nav|zabbix)\.[a-z][0-9]$`).MatchString(users[pk]) {
				t.Errorf("user %v is %q; want <type>.<letter><digit>", pk, users[pk])
			}
		}

		c.mustRun("loaddata", path)
		dump := filepath.Join(t.TempDir(), "dump.json")
		c.mustRun("dumpdata", "-o", dump)
		fresh := newCLI(t, testdb.Fresh(t, b))
		fresh.mustRun("loaddata", dump)
		if a, b := c.mustRun("dumpdata"), fresh.mustRun("dumpdata"); a != b {
			t.Errorf("the dumps differ:\n%s", cmp.Diff(a, b))
		}

		outputs := [2][]any{}
		for i, cl := range []*cli{c, fresh} {
			cl.mustRun("create-user", "--username", "reader", "--superuser")
			token := strings.TrimSpace(cl.mustRun("create-token", "--username", "reader"))
			srv := apiServer(t, openTestStore(t, cl.dsn))
			client := srv.Client()
			for _, path := range []string{"/api/v1/incidents/?page_size=10000", "/api/v2/incidents/?page_size=10000",
				"/api/v1/incidents/sources/", "/api/v1/incidents/source-types/", "/api/v2/incidents/?open=true&tags=object=timeout",
				"/api/v1/incidents/1/events/", "/api/v1/incidents/17/events/", "/api/v2/incidents/200/tags/"} {
				status, body := do(t, client, http.MethodGet, srv.URL+path, token, nil)
				if status != http.StatusOK {
					t.Fatalf("GET %s: %d %v", path, status, body)
				}
				outputs[i] = append(outputs[i], body)
			}
		}
		if diff := cmp.Diff(outputs[0], outputs[1]); diff != "" {
			t.Errorf("the API output of the two databases differs (-loaded mock data +its dump loaded):\n%s", diff)
		}
		if list, _ := field(outputs[0][0], "results").([]any); len(list) != 200 {
			t.Errorf("GET /api/v1/incidents/ gave %d incidents; want the 200 loaded", len(list))
		}
	})
}

// Loading mock data over a database that has users replaces users 1–6, as
// the original's did; loaddata says whom.
func TestLoadDataSaysWhomItReplaces(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("initial-setup", "--password", "secret")
		path := filepath.Join(t.TempDir(), "mock.json")
		c.mustRun("mockdata", "--seed", "3", "--incidents", "5", "-o", path)
		out := c.mustRun("loaddata", path)
		if !regexp.MustCompile(`Replaced users: 1 admin \(now [a-z]+\.[a-z][0-9]\), 2 argus \(now `).MatchString(out) {
			t.Errorf("loaddata printed %q; want it to name the users it replaced", out)
		}
	})
}
