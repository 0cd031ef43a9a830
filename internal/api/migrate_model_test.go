package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/apidoc/apitest"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// TestMigrationToDestinations fills a database as the v1-only schema
// (migration 00007) held it — phone numbers, profiles whose pk is their
// timeslot's with media and a phone number — migrates it in place, and
// reads it back through API v1 unchanged: every pk, every URL, every key
// (D27). Dispatch then sends to the destinations the v1 media named (D29).
func TestMigrationToDestinations(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st, err := store.Open(ctx, b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if _, err := st.MigrateTo(ctx, 7); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := st.DB().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		const joined = "2026-01-01T00:00:00.000000Z"
		exec(`INSERT INTO argus_auth_user (id, username, email, date_joined) VALUES (1, 'kari', 'kari@example.org', $1), (2, 'ola', '', $1)`, joined)
		kariKey, olaKey := auth.NewKey(), auth.NewKey()
		exec(`INSERT INTO argus_auth_token (key_hash, user_id, created) VALUES ($1, 1, $3), ($2, 2, $3)`,
			auth.HashKey(kariKey), auth.HashKey(olaKey), start.Format("2006-01-02T15:04:05.000000Z"))
		exec(`INSERT INTO argus_notificationprofile_timeslot (id, user_id, name) VALUES (1, 1, 'All the time'), (2, 1, 'Work'), (3, 2, 'All the time')`)
		exec(`INSERT INTO argus_notificationprofile_timerecurrence (timeslot_id, days, start, "end")
			VALUES (1, '1,2,3,4,5,6,7', '00:00:00', '23:59:59.999999'), (2, '1,2,3,4,5', '08:00:00', '16:00:00'),
			(3, '1,2,3,4,5,6,7', '00:00:00', '23:59:59.999999')`)
		exec(`INSERT INTO argus_notificationprofile_filter (id, user_id, name, filter_string)
			VALUES (1, 1, 'db', '{"sourceSystemIds": [], "tags": ["service=db"]}'), (2, 2, 'all', '{"sourceSystemIds": [1], "tags": []}')`)
		exec(`INSERT INTO argus_auth_phonenumber (id, user_id, phone_number) VALUES (1, 1, '+4790000001'), (2, 1, '+4790000002'), (3, 2, '+4790000003')`)
		exec(`INSERT INTO argus_notificationprofile_notificationprofile (timeslot_id, user_id, media, active, phone_number_id)
			VALUES (1, 1, 'EM,SM', TRUE, 2), (2, 1, 'SM', FALSE, NULL), (3, 2, 'EM', TRUE, 3)`)
		exec(`INSERT INTO argus_notificationprofile_notificationprofile_filters (notificationprofile_id, filter_id) VALUES (1, 1), (2, 1), (3, 2)`)

		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		clk := storetest.NewClock(start)
		srv := httptest.NewServer(apitest.Handler(t, api.New(st, api.Options{Now: clk.Now})))
		t.Cleanup(srv.Close)
		f := &fixture{t: t, st: st, srv: srv, clock: clk}

		allTheTime := `{"pk": 1, "name": "All the time", "time_recurrences": [{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}]}`
		work := `{"pk": 2, "name": "Work", "time_recurrences": [{"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}]}`
		filterDB := fltJSON(1, "db", `{"sourceSystemIds": [], "tags": ["service=db"]}`)
		profWant(t, f.get("/api/v1/notificationprofiles/", kariKey), http.StatusOK, `[
			{"pk": 1, "timeslot": `+allTheTime+`, "filters": [`+filterDB+`], "media": ["EM", "SM"],
			 "phone_number": {"pk": 2, "user": 1, "phone_number": "+4790000002"}, "active": true},
			{"pk": 2, "timeslot": `+work+`, "filters": [`+filterDB+`], "media": ["SM"], "phone_number": null, "active": false}]`)
		profWant(t, f.get("/api/v1/notificationprofiles/2/", kariKey), http.StatusOK,
			`{"pk": 2, "timeslot": `+work+`, "filters": [`+filterDB+`], "media": ["SM"], "phone_number": null, "active": false}`)
		f.get("/api/v1/auth/phone-number/", kariKey).want(t, http.StatusOK, `[
			{"pk": 2, "user": 1, "phone_number": "+4790000002"}, {"pk": 1, "user": 1, "phone_number": "+4790000001"}]`)
		f.get("/api/v1/auth/phone-number/3/", olaKey).want(t, http.StatusOK, `{"pk": 3, "user": 2, "phone_number": "+4790000003"}`)
		profWant(t, f.get("/api/v1/notificationprofiles/3/", olaKey), http.StatusOK,
			`{"pk": 3, "timeslot": {"pk": 3, "name": "All the time", "time_recurrences": [{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00:00", "end": "23:59:59.999999", "all_day": true}]},
			  "filters": [`+fltJSON(2, "all", `{"sourceSystemIds": [1], "tags": []}`)+`],
			  "media": ["EM"], "phone_number": {"pk": 3, "user": 2, "phone_number": "+4790000003"}, "active": true}`)

		// A new phone number takes a pk no old one had.
		r := f.send(http.MethodPost, "/api/v1/auth/phone-number/", kariKey, map[string]any{"phone_number": "+4790000004"})
		r.want(t, http.StatusCreated, "")
		if pk := pkOf(t, r.object(t)); pk == "1" || pk == "2" || pk == "3" {
			t.Errorf("a new phone number got pk %s, an old one's", pk)
		}

		// The migration wrote settings as the store writes them: the
		// duplicate check of API v2 finds the old phone number, and the
		// managed email is the account email.
		f.send(http.MethodPost, "/api/v2/notificationprofiles/destinations/", kariKey,
			map[string]any{"media": "sms", "settings": map[string]any{"phone_number": "+4790000001"}}).
			want(t, http.StatusBadRequest, `{"phone_number": ["Phone number already exists"]}`)

		// Dispatch: kari's active profile sends to her account email and
		// the phone number; ola's "EM" has no address, and his phone
		// number was not among his media.
		profiles, _, _, err := st.ActiveProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64][]string{}
		for _, p := range profiles {
			for _, d := range p.Destinations {
				got[p.ID] = append(got[p.ID], string(d.Medium)+" "+d.Address)
			}
			slices.Sort(got[p.ID])
		}
		if want := []string{"EM kari@example.org", "SM +4790000002"}; !slices.Equal(got[1], want) || len(got) != 1 {
			t.Errorf("destinations of the active profiles %v; want profile 1 to %v only", got, want)
		}
		if len(profiles) != 2 {
			t.Errorf("%d active profiles; want kari's first and ola's", len(profiles))
		}
		dests, err := st.Destinations(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		managed := slices.IndexFunc(dests, func(d argus.Destination) bool { return d.Managed })
		if managed < 0 || dests[managed].Address != "kari@example.org" || dests[managed].Medium != argus.MediumEmail {
			t.Errorf("kari's destinations %+v; want a managed one of her account email", dests)
		}
	})
}
