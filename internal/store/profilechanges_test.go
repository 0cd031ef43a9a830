package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// owner is a user with one active profile and what it is made of.
type owner struct {
	user    argus.User
	slot    argus.Timeslot // the profile's
	filter  argus.Filter   // used by the profile
	unused  argus.Filter   // used by no profile
	phone   argus.PhoneNumber
	profile argus.Profile
	input   store.ProfileInput // what made profile
}

var weekdays = []argus.TimeRecurrence{{Days: []int{1, 2, 3, 4, 5}, Start: 0, End: argus.EndOfDay}}

// newOwner creates a user named name with an active profile on a
// timeslot of their own, with a filter and a phone number.
func newOwner(t *testing.T, st *store.Store, name string) owner {
	t.Helper()
	ctx := t.Context()
	var o owner
	var err error
	if o.user, err = st.CreateUser(ctx, store.NewUser{Username: name, Email: name + "@example.org"}, t0); err != nil {
		t.Fatal(err)
	}
	if o.slot, err = st.CreateTimeslot(ctx, argus.Timeslot{UserID: o.user.ID, Name: "weekdays", Recurrences: weekdays}); err != nil {
		t.Fatal(err)
	}
	if o.filter, err = st.CreateFilter(ctx, argus.Filter{UserID: o.user.ID, Name: "source 1",
		Spec: argus.FilterSpec{SourceIDs: []int64{1}}}); err != nil {
		t.Fatal(err)
	}
	if o.unused, err = st.CreateFilter(ctx, argus.Filter{UserID: o.user.ID, Name: "source 2",
		Spec: argus.FilterSpec{SourceIDs: []int64{2}}}); err != nil {
		t.Fatal(err)
	}
	if o.phone, err = st.CreatePhoneNumber(ctx, o.user.ID, "+4740000001"); err != nil {
		t.Fatal(err)
	}
	o.input = store.ProfileInput{TimeslotID: o.slot.ID, FilterIDs: []int64{o.filter.ID},
		Media: []argus.Medium{argus.MediumEmail, argus.MediumSMS}, PhoneNumberID: &o.phone.ID, Active: true}
	if o.profile, err = st.CreateProfile(ctx, o.user.ID, o.input); err != nil {
		t.Fatal(err)
	}
	return o
}

// changes is ProfileChanges(since), which must not ask for a full reload.
func changes(t *testing.T, st *store.Store, since int64) ([]int64, int64) {
	t.Helper()
	users, v, all, err := st.ProfileChanges(t.Context(), since)
	if err != nil {
		t.Fatal(err)
	}
	if all {
		t.Fatalf("ProfileChanges(%d) asks to reload every profile; want only some users'", since)
	}
	return users, v
}

func version(t *testing.T, st *store.Store) int64 {
	t.Helper()
	v, err := st.ProfilesVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Requests that change nothing dispatch loads, among them every request
// on another user's objects (answered 404), leave the profiles version
// alone: no instance reloads anything for them.
func TestProfileChangesIgnoreRequestsThatChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a, b := newOwner(t, st, "alice"), newOwner(t, st, "bob")
		elsewhere := argus.FilterSpec{SourceIDs: []int64{9}}
		tests := []struct {
			name    string
			do      func() error
			wantErr error // nil: succeeds
		}{
			{"delete another user's filter", func() error { return st.DeleteFilter(ctx, b.user.ID, a.filter.ID) }, argus.ErrNotFound},
			{"update another user's filter", func() error {
				_, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: b.user.ID, Name: "x", Spec: elsewhere})
				return err
			}, argus.ErrNotFound},
			{"delete another user's timeslot", func() error { return st.DeleteTimeslot(ctx, b.user.ID, a.slot.ID) }, argus.ErrNotFound},
			{"update another user's timeslot", func() error {
				_, err := st.UpdateTimeslot(ctx, b.user.ID, a.slot.ID, "x", argus.DefaultTimeslot(0).Recurrences)
				return err
			}, argus.ErrNotFound},
			{"delete another user's profile", func() error { return st.DeleteProfile(ctx, b.user.ID, a.profile.Timeslot.ID) }, argus.ErrNotFound},
			{"update another user's profile", func() error {
				_, err := st.UpdateProfile(ctx, b.user.ID, a.profile.Timeslot.ID, b.input)
				return err
			}, argus.ErrNotFound},
			{"delete another user's phone number", func() error { return st.DeletePhoneNumber(ctx, b.user.ID, a.phone.ID) }, argus.ErrNotFound},
			{"update another user's phone number", func() error {
				_, err := st.UpdatePhoneNumber(ctx, b.user.ID, a.phone.ID, "+4740000002")
				return err
			}, argus.ErrNotFound},
			{"the same filter again", func() error { _, err := st.UpdateFilter(ctx, a.filter); return err }, nil},
			{"the same profile again", func() error { _, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, a.input); return err }, nil},
			{"the same recurrences again", func() error {
				_, err := st.UpdateTimeslot(ctx, a.user.ID, a.slot.ID, a.slot.Name, weekdays)
				return err
			}, nil},
			{"the same phone number again", func() error {
				_, err := st.UpdatePhoneNumber(ctx, a.user.ID, a.phone.ID, a.phone.Number)
				return err
			}, nil},
			// Dispatch does not load timeslot names.
			{"a timeslot renamed", func() error { _, err := st.UpdateTimeslot(ctx, a.user.ID, a.slot.ID, "renamed", nil); return err }, nil},
			// No profile uses these yet.
			{"a new filter", func() error {
				_, err := st.CreateFilter(ctx, argus.Filter{UserID: a.user.ID, Name: "new", Spec: elsewhere})
				return err
			}, nil},
			{"a new timeslot", func() error {
				_, err := st.CreateTimeslot(ctx, argus.Timeslot{UserID: a.user.ID, Name: "new", Recurrences: weekdays})
				return err
			}, nil},
			{"a new phone number", func() error { _, err := st.CreatePhoneNumber(ctx, a.user.ID, "+4740000003"); return err }, nil},
			{"an unused filter changed", func() error {
				_, err := st.UpdateFilter(ctx, argus.Filter{ID: a.unused.ID, UserID: a.user.ID, Name: "changed", Spec: elsewhere})
				return err
			}, nil},
			{"an unused filter deleted", func() error { return st.DeleteFilter(ctx, a.user.ID, a.unused.ID) }, nil},
			{"a login", func() error { return st.RecordLogin(ctx, a.user.ID, t0) }, nil},
			{"a new user", func() error { _, err := st.CreateUser(ctx, store.NewUser{Username: "carol"}, t0); return err }, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := version(t, st)
				err := tt.do()
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v; want %v", err, tt.wantErr)
				}
				if got := version(t, st); got != before {
					t.Errorf("profiles version = %d after; want %d as before", got, before)
				}
				if users, _ := changes(t, st, before); len(users) != 0 {
					t.Errorf("ProfileChanges reports users %v; want none", users)
				}
			})
		}
		// Nothing above reached alice's or bob's profile but the
		// timeslot's name.
		a.profile.Timeslot.Name = "renamed"
		for _, o := range []owner{a, b} {
			p, err := st.Profile(ctx, o.user.ID, o.profile.Timeslot.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o.profile, p); diff != "" {
				t.Errorf("%s's profile changed (-before +after):\n%s", o.user.Username, diff)
			}
		}
	})
}

// A change to anything a profile is made of reports exactly the users
// whose profiles it changes.
func TestProfileChangesReportWhoseProfilesChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		exec := func(query string, args ...any) error {
			_, err := st.DB().ExecContext(ctx, query, args...)
			return err
		}
		moved := argus.FilterSpec{SourceIDs: []int64{3}}
		tests := []struct {
			name string
			// setup runs before the version is read; do is the change.
			setup func(a, b owner) error
			do    func(a, b owner) error
			// bob: the change is bob's too.
			bob bool
		}{
			{"filter spec", nil, func(a, _ owner) error {
				_, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: a.user.ID, Name: a.filter.Name, Spec: moved})
				return err
			}, false},
			{"filter name", nil, func(a, _ owner) error {
				_, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: a.user.ID, Name: "renamed", Spec: a.filter.Spec})
				return err
			}, false},
			// Filters may be shared in API v2: a change reaches every
			// profile that uses the filter.
			{"filter used by another user's profile too", func(a, b owner) error {
				return exec(`INSERT INTO argus_notificationprofile_notificationprofile_filters (notificationprofile_id, filter_id)
					VALUES ($1, $2)`, b.profile.ID, a.filter.ID)
			}, func(a, _ owner) error {
				_, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: a.user.ID, Name: a.filter.Name, Spec: moved})
				return err
			}, true},
			{"filter deleted", nil, func(a, _ owner) error { return st.DeleteFilter(ctx, a.user.ID, a.filter.ID) }, false},
			{"recurrences", nil, func(a, _ owner) error {
				_, err := st.UpdateTimeslot(ctx, a.user.ID, a.slot.ID, a.slot.Name, argus.DefaultTimeslot(0).Recurrences)
				return err
			}, false},
			{"timeslot deleted", nil, func(a, _ owner) error { return st.DeleteTimeslot(ctx, a.user.ID, a.slot.ID) }, false},
			{"profile deactivated", nil, func(a, _ owner) error {
				in := a.input
				in.Active = false
				_, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in)
				return err
			}, false},
			{"profile media", nil, func(a, _ owner) error {
				in := a.input
				in.Media = []argus.Medium{argus.MediumEmail}
				_, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in)
				return err
			}, false},
			{"profile filters", nil, func(a, _ owner) error {
				in := a.input
				in.FilterIDs = []int64{a.filter.ID, a.unused.ID}
				_, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in)
				return err
			}, false},
			{"profile moved to another timeslot", nil, func(a, _ owner) error {
				slots, err := st.Timeslots(ctx, a.user.ID)
				if err != nil {
					return err
				}
				in := a.input
				in.TimeslotID = slots[0].ID // "All the time"
				_, err = st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in)
				return err
			}, false},
			{"profile deleted", nil, func(a, _ owner) error { return st.DeleteProfile(ctx, a.user.ID, a.profile.Timeslot.ID) }, false},
			{"phone number", nil, func(a, _ owner) error {
				_, err := st.UpdatePhoneNumber(ctx, a.user.ID, a.phone.ID, "+4740000009")
				return err
			}, false},
			{"phone number deleted", nil, func(a, _ owner) error { return st.DeletePhoneNumber(ctx, a.user.ID, a.phone.ID) }, false},
			{"user's email", nil, func(a, _ owner) error {
				return exec(`UPDATE argus_auth_user SET email = 'new@example.org' WHERE id = $1`, a.user.ID)
			}, false},
			{"user deactivated", nil, func(a, _ owner) error {
				return exec(`UPDATE argus_auth_user SET is_active = false WHERE id = $1`, a.user.ID)
			}, false},
			{"user deleted", nil, func(a, _ owner) error { return exec(`DELETE FROM argus_auth_user WHERE id = $1`, a.user.ID) }, false},
			{"two users in one statement", nil, func(a, b owner) error {
				return exec(`UPDATE argus_auth_user SET email = username || '@example.com' WHERE id IN ($1, $2)`, a.user.ID, b.user.ID)
			}, true},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a, b := newOwner(t, st, fmt.Sprintf("alice%d", i)), newOwner(t, st, fmt.Sprintf("bob%d", i))
				if tt.setup != nil {
					if err := tt.setup(a, b); err != nil {
						t.Fatal(err)
					}
				}
				before := version(t, st)
				if err := tt.do(a, b); err != nil {
					t.Fatal(err)
				}
				want := []int64{a.user.ID}
				if tt.bob {
					want = append(want, b.user.ID)
				}
				users, v := changes(t, st, before)
				if diff := cmp.Diff(want, users); diff != "" {
					t.Errorf("ProfileChanges users (-want +got):\n%s", diff)
				}
				if v <= before {
					t.Errorf("ProfileChanges version = %d; want above %d", v, before)
				}
				if st.IsPostgres() && v != before+1 {
					// Deferred to the commit, the triggers bump it once
					// per transaction.
					t.Errorf("ProfileChanges version = %d; want %d, one more", v, before+1)
				}
				if later, _ := changes(t, st, v); len(later) != 0 {
					t.Errorf("ProfileChanges(%d) = %v; want no users after the version it reported", v, later)
				}
			})
		}
	})
}

// The update after a change holds the changed user's active profiles as
// a full load reads them, and nobody else's.
func TestActiveProfilesSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a, b := newOwner(t, st, "alice"), newOwner(t, st, "bob")
		_, _, v0, err := st.ActiveProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.ActiveProfilesSince(ctx, v0)
		if err != nil || u.All || len(u.Users) != 0 || len(u.Profiles) != 0 || u.Version != v0 {
			t.Fatalf("ActiveProfilesSince(now) = %+v, %v; want nothing at %d", u, err, v0)
		}

		if _, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: a.user.ID, Name: "moved",
			Spec: argus.FilterSpec{SourceIDs: []int64{7}}}); err != nil {
			t.Fatal(err)
		}
		u, err = st.ActiveProfilesSince(ctx, v0)
		if err != nil {
			t.Fatal(err)
		}
		all, contacts, v1, err := st.ActiveProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := store.ProfileUpdate{Version: v1, Users: []int64{a.user.ID},
			Contacts: map[int64]store.Contact{a.user.ID: contacts[a.user.ID]}}
		for _, p := range all {
			if p.UserID == a.user.ID {
				want.Profiles = append(want.Profiles, p)
			}
		}
		if len(want.Profiles) != 1 || want.Profiles[0].Filters[0].Name != "moved" {
			t.Fatalf("ActiveProfiles has alice's profiles %+v; want the one with the moved filter", want.Profiles)
		}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("ActiveProfilesSince after alice's change (-want +got):\n%s", diff)
		}

		// A user deactivated: their profiles go, and so does their contact.
		if _, err := st.DB().ExecContext(ctx, `UPDATE argus_auth_user SET is_active = false WHERE id = $1`, b.user.ID); err != nil {
			t.Fatal(err)
		}
		u, err = st.ActiveProfilesSince(ctx, v1)
		if err != nil {
			t.Fatal(err)
		}
		want = store.ProfileUpdate{Version: version(t, st), Users: []int64{b.user.ID}, Profiles: []argus.Profile{},
			Contacts: map[int64]store.Contact{}}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("ActiveProfilesSince after bob was deactivated (-want +got):\n%s", diff)
		}

		if !st.IsPostgres() {
			return
		}
		// No row trigger sees a TRUNCATE: everything is reloaded.
		v2 := version(t, st)
		if _, err := st.DB().ExecContext(ctx, `TRUNCATE argus_notificationprofile_notificationprofile CASCADE`); err != nil {
			t.Fatal(err)
		}
		u, err = st.ActiveProfilesSince(ctx, v2)
		if err != nil {
			t.Fatal(err)
		}
		if !u.All || len(u.Profiles) != 0 || u.Version <= v2 {
			t.Errorf("ActiveProfilesSince after a TRUNCATE = %+v; want All, no profiles, a version above %d", u, v2)
		}
	})
}

// One user's concurrent requests changing the same profile, filters and
// timeslot in different orders neither deadlock nor fail, and a copy of
// the profiles kept up to date with ActiveProfilesSince all along ends
// equal to a full load.
func TestProfileChangesConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		a := newOwner(t, st, "alice")
		b := newOwner(t, st, "bob")
		f2, err := st.CreateFilter(ctx, argus.Filter{UserID: a.user.ID, Name: "source 3", Spec: argus.FilterSpec{SourceIDs: []int64{3}}})
		if err != nil {
			t.Fatal(err)
		}
		full, contacts, v, err := st.ActiveProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		copyOf := map[int64][]argus.Profile{} // by user
		for _, p := range full {
			copyOf[p.UserID] = append(copyOf[p.UserID], p)
		}
		refresh := func() error {
			u, err := st.ActiveProfilesSince(ctx, v)
			if err != nil {
				return err
			}
			if u.All {
				return errors.New("ActiveProfilesSince asks to reload everything")
			}
			for _, id := range u.Users {
				delete(copyOf, id)
				delete(contacts, id)
			}
			for _, p := range u.Profiles {
				copyOf[p.UserID] = append(copyOf[p.UserID], p)
			}
			for id, c := range u.Contacts {
				contacts[id] = c
			}
			v = u.Version
			return nil
		}

		// expected are the errors of losing a race with the other
		// goroutine: a filter it just deleted.
		expected := func(err error) bool {
			return err == nil || errors.Is(err, argus.ErrNotFound) || argus.Refusals(err) != nil
		}
		const rounds = 150
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		fail := func(who string, err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, fmt.Errorf("%s: %w", who, err))
		}
		done := make(chan struct{})
		// poke wakes the copy's refresh after a change.
		poke := make(chan struct{}, 1)
		changed := func() {
			select {
			case poke <- struct{}{}:
			default:
			}
		}
		// The profile's filters and recurrences, one way then the other.
		wg.Go(func() {
			for i := range rounds {
				in := a.input
				in.FilterIDs = []int64{a.filter.ID, f2.ID, a.unused.ID}
				recs := weekdays
				if i%2 == 1 {
					in.FilterIDs = []int64{a.unused.ID, a.filter.ID}
					recs = argus.DefaultTimeslot(0).Recurrences
				}
				if _, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in); !expected(err) {
					fail("update profile", err)
				}
				if _, err := st.UpdateTimeslot(ctx, a.user.ID, a.slot.ID, a.slot.Name, recs); !expected(err) {
					fail("update timeslot", err)
				}
				changed()
			}
		})
		// The filters themselves: changed, and one deleted and made again
		// and put on the profile.
		wg.Go(func() {
			extra := a.unused
			for i := range rounds {
				if _, err := st.UpdateFilter(ctx, argus.Filter{ID: a.filter.ID, UserID: a.user.ID, Name: a.filter.Name,
					Spec: argus.FilterSpec{SourceIDs: []int64{int64(i + 1)}}}); !expected(err) {
					fail("update filter", err)
				}
				if err := st.DeleteFilter(ctx, a.user.ID, extra.ID); !expected(err) {
					fail("delete filter", err)
				}
				var err error
				extra, err = st.CreateFilter(ctx, argus.Filter{UserID: a.user.ID, Name: fmt.Sprintf("extra %d", i),
					Spec: argus.FilterSpec{SourceIDs: []int64{4}}})
				if err != nil {
					fail("create filter", err)
					return
				}
				in := a.input
				in.FilterIDs = []int64{extra.ID, f2.ID}
				if _, err := st.UpdateProfile(ctx, a.user.ID, a.profile.Timeslot.ID, in); !expected(err) {
					fail("update profile", err)
				}
				if _, err := st.UpdatePhoneNumber(ctx, a.user.ID, a.phone.ID, fmt.Sprintf("+47400%05d", i)); !expected(err) {
					fail("update phone number", err)
				}
				changed()
			}
		})
		// Another user meanwhile.
		wg.Go(func() {
			for i := range rounds {
				in := b.input
				in.Active = i%2 == 0
				if _, err := st.UpdateProfile(ctx, b.user.ID, b.profile.Timeslot.ID, in); !expected(err) {
					fail("update bob's profile", err)
				}
				changed()
			}
		})
		// The copy, kept up to date while they run.
		refreshed := 0
		reader := make(chan struct{})
		go func() {
			defer close(reader)
			for {
				select {
				case <-done:
					return
				case <-poke:
				}
				if err := refresh(); err != nil {
					fail("refresh", err)
					return
				}
				refreshed++
			}
		}()
		wg.Wait()
		close(done)
		<-reader
		if err := refresh(); err != nil {
			t.Fatal(err)
		}
		for _, err := range errs {
			t.Error(err)
		}

		full, wantContacts, wantV, err := st.ActiveProfiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []argus.Profile
		for _, list := range copyOf {
			got = append(got, list...)
		}
		slices.SortFunc(got, func(x, y argus.Profile) int { return int(x.ID - y.ID) })
		if diff := cmp.Diff(full, got); diff != "" {
			t.Errorf("the copy kept up to date (-full load +copy):\n%s", diff)
		}
		if diff := cmp.Diff(wantContacts, contacts); diff != "" {
			t.Errorf("the contacts kept up to date (-full load +copy):\n%s", diff)
		}
		if v != wantV {
			t.Errorf("the copy is at version %d; want %d", v, wantV)
		}
		t.Logf("the copy was brought up to date %d times", refreshed)
	})
}

// Transactions that change several users' profiles, overlapping in
// chains (alice's then bob's, bob's then carol's, carol's then dave's),
// never deadlock over the profiles version: it is taken at commit, after
// every row lock. Taken at the first change, as statement triggers did,
// it closes a cycle: one transaction holds bob's profile and waits for the
// version, held by another that waits for bob's profile. On PostgreSQL
// each transaction bumps the version once.
func TestProfileChangesTakeTheVersionLast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		var profiles []int64
		for _, name := range []string{"alice", "bob", "carol", "dave"} {
			profiles = append(profiles, newOwner(t, st, name).profile.Timeslot.ID)
		}
		before := version(t, st)
		const rounds = 100
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		for i := range len(profiles) - 1 {
			wg.Go(func() {
				for range rounds {
					err := func() error {
						tx, err := st.DB().BeginTx(ctx, nil)
						if err != nil {
							return err
						}
						defer tx.Rollback() //nolint:errcheck // a no-op after Commit
						for _, id := range profiles[i : i+2] {
							if _, err := tx.ExecContext(ctx, `UPDATE argus_notificationprofile_notificationprofile
								SET active = NOT active WHERE timeslot_id = $1`, id); err != nil {
								return err
							}
						}
						return tx.Commit()
					}()
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if st.IsPostgres() {
			want := before + int64(len(profiles)-1)*rounds
			if got := version(t, st); got != want {
				t.Errorf("profiles version = %d after %d transactions from %d; want %d, one per transaction",
					got, (len(profiles)-1)*rounds, before, want)
			}
		}
	})
}
