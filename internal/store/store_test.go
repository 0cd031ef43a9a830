package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

var t0 = time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)

func TestMigrateEmptyDatabase(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st, err := store.Open(ctx, b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		pending, err := st.Pending(ctx)
		if err != nil || !pending {
			t.Fatalf("Pending on an empty database = %v, %v; want true", pending, err)
		}
		n, err := st.Migrate(ctx)
		if err != nil || n == 0 {
			t.Fatalf("first Migrate = %d, %v; want >0 migrations applied", n, err)
		}
		n, err = st.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate = %d, %v; want 0", n, err)
		}
		if pending, err := st.Pending(ctx); err != nil || pending {
			t.Fatalf("Pending after Migrate = %v, %v; want false", pending, err)
		}
		// The schema works: a user can be created and read back.
		u, err := st.CreateUser(ctx, store.NewUser{Username: "alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.User(ctx, u.ID)
		if err != nil || got.Username != "alice" || !got.DateJoined.Equal(t0) {
			t.Fatalf("User = %+v, %v", got, err)
		}
	})
}

// Several processes running "argus migrate" at once on PostgreSQL: the
// advisory lock lets exactly one apply the migrations (D20).
func TestMigrateConcurrentPostgres(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	ctx := context.Background()
	const n = 4
	stores := make([]*store.Store, n)
	for i := range stores {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	applied := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() { applied[i], errs[i] = st.Migrate(ctx) })
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("migrate %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	one, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	want, err := one.Migrate(ctx)
	if err != nil || want != 0 {
		t.Fatalf("Migrate after the concurrent runs = %d, %v; want 0", want, err)
	}
	// Every migration file was applied exactly once across the processes.
	fresh, err := store.Open(ctx, testdb.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	files, err := fresh.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != files {
		t.Errorf("concurrent runs applied %d migrations in all; want %d (each once)", total, files)
	}
}

func TestNewUserGetsAllTheTimeTimeslot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, store.NewUser{Username: "bob"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(ctx, store.NewSource{Name: "gw", Type: "nav", CreateType: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		want := []argus.TimeRecurrence{{Days: []int{1, 2, 3, 4, 5, 6, 7}, Start: 0, End: argus.EndOfDay}}
		for _, id := range []int64{u.ID, src.UserID} {
			slots, err := st.Timeslots(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != 1 || slots[0].Name != "All the time" {
				t.Fatalf("user %d timeslots = %+v; want one \"All the time\"", id, slots)
			}
			if diff := cmp.Diff(want, slots[0].Recurrences); diff != "" {
				t.Errorf("recurrences (-want +got):\n%s", diff)
			}
			if got := slots[0].Recurrences[0].End.String(); got != "23:59:59.999999" {
				t.Errorf("end = %s", got)
			}
		}
	})
}

func TestCreateUserRefusesTakenAndInvalidNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.CreateUser(ctx, store.NewUser{Username: "carol"}, t0); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"carol", "has space", ""} {
			_, err := st.CreateUser(ctx, store.NewUser{Username: name}, t0)
			if es := argus.Refusals(err); len(es) != 1 || es[0].Field != "username" {
				t.Errorf("CreateUser(%q) error = %v; want one refusal of the username", name, err)
			}
		}
		if n, err := st.CountUsers(ctx); err != nil || n != 1 {
			t.Errorf("CountUsers = %d, %v; want 1", n, err)
		}
	})
}

func TestEnsureDefaultsIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		created, err := st.EnsureDefaults(ctx, t0)
		if err != nil || !created {
			t.Fatalf("first EnsureDefaults = %v, %v; want created", created, err)
		}
		created, err = st.EnsureDefaults(ctx, t0)
		if err != nil || created {
			t.Fatalf("second EnsureDefaults = %v, %v; want nothing created", created, err)
		}
		u, err := st.UserByUsername(ctx, "argus")
		if err != nil || !u.IsSuperuser || u.SourceID == 0 {
			t.Fatalf("argus user = %+v, %v; want a superuser with a source", u, err)
		}
		srcs, err := st.Sources(ctx)
		if err != nil || len(srcs) != 1 || srcs[0].Name != "argus" || srcs[0].Type != "argus" {
			t.Fatalf("sources = %+v, %v", srcs, err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, store.NewUser{Username: "dave"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, u.ID, "h1", t0, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _, err := st.UserBySession(ctx, "h1", t0.Add(time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("UserBySession = %+v, %v", got, err)
		}
		if _, _, err := st.UserBySession(ctx, "h1", t0.Add(time.Hour)); err == nil {
			t.Fatal("an expired session still authenticates")
		}
		// The expired session was deleted: even an earlier clock finds nothing.
		if _, _, err := st.UserBySession(ctx, "h1", t0); err == nil {
			t.Fatal("the expired session was not deleted")
		}
	})
}

// Many filters are matched in chunks; the union is the same as matching
// them one by one, newest first, without duplicates.
func TestMatchingIncidentsManyFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		src, err := st.CreateSource(ctx, store.NewSource{Name: "gw", Type: "nav", CreateType: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		var specs []argus.FilterSpec
		for i := range 20 {
			inc, _, err := st.CreateIncident(ctx, store.NewIncident{
				SourceID: src.ID, StartTime: t0.Add(time.Duration(i%5) * time.Minute), Level: argus.DefaultLevel,
				Tags: []argus.Tag{{Key: "n", Value: fmt.Sprint(i)}, {Key: "all", Value: "x"}},
			}, src.UserID, t0)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 { // every other incident has a filter of its own
				want = append(want, inc.ID)
				specs = append(specs, argus.FilterSpec{Tags: []argus.Tag{{Key: "n", Value: fmt.Sprint(i)}}})
			}
		}
		// A second filter for some incidents: they must come once.
		specs = append(specs, argus.FilterSpec{Tags: []argus.Tag{{Key: "n", Value: "0"}}})
		blobs := make([]argus.FilterBlob, len(specs))
		for i, spec := range specs {
			blobs[i] = spec.Blob()
		}
		got, err := st.MatchingIncidents(ctx, blobs, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(specs) <= 8 {
			t.Fatalf("only %d filters: the chunked path is not exercised", len(specs))
		}
		var gotIDs []int64
		for i, inc := range got {
			gotIDs = append(gotIDs, inc.ID)
			if i > 0 && (inc.StartTime.After(got[i-1].StartTime) ||
				inc.StartTime.Equal(got[i-1].StartTime) && inc.ID > got[i-1].ID) {
				t.Errorf("not newest first at %d: %v after %v", i, inc.ID, got[i-1].ID)
			}
		}
		slices.Sort(gotIDs)
		if diff := cmp.Diff(want, gotIDs); diff != "" {
			t.Errorf("matched ids (-want +got):\n%s", diff)
		}
	})
}
