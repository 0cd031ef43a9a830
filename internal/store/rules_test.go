package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
)

// TestRulesInTheStore checks that the store itself refuses what no face
// may let through (issue 14: permissions are domain rules enforced in the
// store's transaction), and that a refusal changes nothing.
func TestRulesInTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		src, err := st.CreateSource(ctx, store.NewSource{Name: "gw", Type: "nav", CreateType: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		srcUser, err := st.User(ctx, src.UserID)
		if err != nil {
			t.Fatal(err)
		}
		alice, err := st.CreateUser(ctx, store.NewUser{Username: "alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		boss, err := st.CreateUser(ctx, store.NewUser{Username: "boss", IsSuperuser: true}, t0)
		if err != nil {
			t.Fatal(err)
		}
		inc, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, EndTime: new(argus.Infinity), Level: 3}, src.UserID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &[]argus.Tag{{Key: "a", Value: "b"}}}, &srcUser, t0); err != nil {
			t.Fatal(err)
		}
		before := storetest.Snapshot(t, st)

		refused := []struct {
			name string
			code argus.Code
			do   func() error
		}{
			{"an end user creates a source", argus.CodeSuperuserOnly, func() error {
				_, err := st.CreateSource(ctx, store.NewSource{Name: "gw2", Type: "nav", By: &alice}, t0)
				return err
			}},
			{"an end user renames a source", argus.CodeSourceNotYours, func() error {
				_, err := st.RenameSource(ctx, src.ID, "mine", &alice)
				return err
			}},
			{"an end user posts an incident for a source", argus.CodeSourceNeedsSuperuser, func() error {
				_, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Level: 1}, alice.ID, t0)
				return err
			}},
			{"a source closes", argus.CodeSourceCannotPost, func() error {
				_, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventClose}, &srcUser, t0)
				return err
			}},
			{"an end user ends", argus.CodeUserCannotPost, func() error {
				_, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventEnd}, &alice, t0)
				return err
			}},
			{"an ack expires before it is made", argus.CodeExpirationNotAfterEvent, func() error {
				_, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: t0}, Expiration: &t0}, &alice, t0)
				return err
			}},
			{"a source acknowledges by v1's rules", argus.CodeSourceCannotAck, func() error {
				_, err := st.CreateAck(ctx, argus.RulesV1, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: t0}}, &srcUser, t0)
				return err
			}},
			{"an end user reads the notification log", argus.CodeSuperuserOnly, func() error {
				_, _, err := st.Messages(ctx, store.MessageFilter{By: &alice}, 10)
				return err
			}},
			{"an end user removes a source's tag", argus.CodeTagNotYours, func() error {
				_, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &[]argus.Tag{}}, &alice, t0)
				return err
			}},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.do()
				if !argus.HasCode(err, tt.code) {
					t.Fatalf("error = %v; want %s", err, tt.code)
				}
				if tt.code != argus.CodeExpirationNotAfterEvent && !errors.Is(err, argus.ErrForbidden) {
					t.Errorf("error = %v; want ErrForbidden", err)
				}
			})
		}
		if after := storetest.Snapshot(t, st); after != before {
			t.Errorf("a refused change changed the database")
		}

		allowed := []struct {
			name string
			do   func() error
		}{
			{"the operator creates a source", func() error {
				_, err := st.CreateSource(ctx, store.NewSource{Name: "gw2", Type: "nav"}, t0)
				return err
			}},
			{"the source's user renames it", func() error {
				_, err := st.RenameSource(ctx, src.ID, "gw-renamed", &srcUser)
				return err
			}},
			{"a superuser posts for a source", func() error {
				_, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Level: 1}, boss.ID, t0)
				return err
			}},
			{"a source acknowledges by v2's rules", func() error {
				_, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: t0}}, &srcUser, t0)
				return err
			}},
			{"a superuser reads the log", func() error {
				_, _, err := st.Messages(ctx, store.MessageFilter{By: &boss}, 10)
				return err
			}},
		}
		for _, tt := range allowed {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.do(); err != nil {
					t.Errorf("error = %v; want none", err)
				}
			})
		}
	})
}

// TestNotFoundNamesTheModel checks that a missing object is an
// argus.Error naming its model, which API v2 quotes ("No Incident matches
// the given query.").
func TestNotFoundNamesTheModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tests := []struct {
			model string
			err   error
		}{
			{"Incident", func() error { _, err := st.Incident(ctx, 404, t0); return err }()},
			{"SourceSystem", func() error { _, err := st.Source(ctx, 404); return err }()},
			{"Filter", func() error { _, err := st.Filter(ctx, 1, 404); return err }()},
			{"Timeslot", func() error { _, err := st.Timeslot(ctx, 1, 404); return err }()},
			{"NotificationProfile", func() error { _, err := st.Profile(ctx, 1, 404); return err }()},
			{"PhoneNumber", func() error { return st.DeletePhoneNumber(ctx, 1, 404) }()},
			{"User", func() error { _, err := st.User(ctx, 404); return err }()},
		}
		for _, tt := range tests {
			es := argus.Refusals(tt.err)
			if !errors.Is(tt.err, argus.ErrNotFound) || len(es) != 1 || es[0].Model != tt.model {
				t.Errorf("error = %v; want ErrNotFound of %s", tt.err, tt.model)
			}
		}
	})
}
