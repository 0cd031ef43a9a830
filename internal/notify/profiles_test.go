package notify_test

import (
	"slices"
	"testing"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// One Service dispatches a series of incidents while alice and bob change
// their profiles in between: each dispatch sees every change made before
// it, the changed user's profiles as they are now and everyone else's as
// they were (the Service reloads only the users whose profiles changed).
func TestDispatchSeesProfileChanges(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		db := argus.Tag{Key: "service", Value: "db"}
		email := []argus.Medium{argus.MediumEmail}
		fromSource := argus.FilterSpec{SourceIDs: []int64{r.src.ID}}
		alice := r.user("alice", "alice@example.org")
		ap := r.profile(alice, fromSource, email, nil)
		bob := r.user("bob", "bob@example.org")
		bp := r.profile(bob, fromSource, email, nil)
		svc := r.service(notify.Options{})

		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		steps := []struct {
			name   string
			change func()
			tags   []argus.Tag
			want   []string // recipients
		}{
			{"before any change", nil, nil, []string{"alice@example.org", "bob@example.org"}},
			{"alice's filter wants service=db", func() {
				_, err := r.st.UpdateFilter(r.ctx, argus.Filter{ID: ap.Filters[0].ID, UserID: alice.ID, Name: ap.Filters[0].Name,
					Spec: argus.FilterSpec{Tags: []argus.Tag{db}}})
				must(err)
			}, nil, []string{"bob@example.org"}},
			{"an incident with service=db", nil, []argus.Tag{db}, []string{"alice@example.org", "bob@example.org"}},
			{"bob's request on alice's filter is refused", func() {
				if err := r.st.DeleteFilter(r.ctx, bob.ID, ap.Filters[0].ID); err == nil {
					t.Fatal("bob deleted alice's filter")
				}
			}, []argus.Tag{db}, []string{"alice@example.org", "bob@example.org"}},
			{"alice's new address", func() {
				must(r.st.SetUserDetails(r.ctx, alice.ID, alice.FirstName, alice.LastName, "alice@example.net"))
			}, []argus.Tag{db}, []string{"alice@example.net", "bob@example.org"}},
			{"bob's profile inactive", func() {
				_, err := r.st.UpdateProfile(r.ctx, bob.ID, bp.Timeslot.ID, store.ProfileInput{
					TimeslotID: bp.Timeslot.ID, FilterIDs: []int64{bp.Filters[0].ID}, Media: email, Active: false})
				must(err)
			}, []argus.Tag{db}, []string{"alice@example.net"}},
			{"alice's timeslot deleted", func() { must(r.st.DeleteTimeslot(r.ctx, alice.ID, ap.Timeslot.ID)) }, []argus.Tag{db}, nil},
			{"bob's profile active again", func() {
				_, err := r.st.UpdateProfile(r.ctx, bob.ID, bp.Timeslot.ID, store.ProfileInput{
					TimeslotID: bp.Timeslot.ID, FilterIDs: []int64{bp.Filters[0].ID}, Media: email, Active: true})
				must(err)
			}, []argus.Tag{db}, []string{"bob@example.org"}},
		}
		for _, step := range steps {
			if step.change != nil {
				step.change()
			}
			inc, _ := r.incident(step.name, step.tags...)
			r.dispatch(svc)
			var got []string
			for _, m := range r.messages(store.MessageFilter{IncidentID: inc.ID}) {
				got = append(got, m.Recipient)
			}
			slices.Sort(got)
			if !slices.Equal(got, step.want) {
				t.Errorf("%s: notified %v; want %v", step.name, got, step.want)
			}
		}
	})
}
