package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// changeLog records what the store publishes, one entry per transaction.
type changeLog struct {
	mu  sync.Mutex
	txs [][]string
}

func (l *changeLog) record(cs []store.Change) {
	var kinds []string
	for _, c := range cs {
		k := string(c.Kind)
		if c.EventID != 0 {
			if c.Event.ID != c.EventID || c.Event.IncidentID != c.IncidentID {
				k += " (event mismatch)"
			}
			k += " " + string(c.Event.Type)
		}
		kinds = append(kinds, k)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.txs = append(l.txs, kinds)
}

func (l *changeLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.txs
	l.txs = nil
	return got
}

// TestChangeFeed checks that every committed change to an incident is
// published once, after commit, and that nothing is published for a
// refused or empty change (issue 14).
func TestChangeFeed(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.DSN)
		var listener *pgx.Conn
		if b.Name == "postgres" {
			var err error
			if listener, err = pgx.Connect(ctx, b.DSN); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = listener.Close(context.Background()) })
			if _, err := listener.Exec(ctx, "LISTEN "+pgx.Identifier{st.NotifyChannel()}.Sanitize()); err != nil {
				t.Fatal(err)
			}
		}
		// announced is the next notification on PostgreSQL, as kinds.
		announced := func(t *testing.T) []string {
			t.Helper()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			n, err := listener.WaitForNotification(wctx)
			if err != nil {
				t.Fatalf("no notification on %s: %v", st.NotifyChannel(), err)
			}
			var cs []store.Change
			if err := json.Unmarshal([]byte(n.Payload), &cs); err != nil {
				t.Fatalf("payload %q: %v", n.Payload, err)
			}
			var kinds []string
			for _, c := range cs {
				kinds = append(kinds, string(c.Kind))
			}
			return kinds
		}

		log := &changeLog{}
		cancel := st.Subscribe(log.record)
		defer cancel()

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
		var inc argus.Incident
		steps := []struct {
			name string
			do   func() error
			want [][]string
			// pg is what PostgreSQL announces, when anything.
			pg []string
		}{
			{"nothing about sources and users", func() error { return nil }, nil, nil},
			{"create", func() error {
				var err error
				inc, _, err = st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, EndTime: new(argus.Infinity),
					Level: 2, Tags: []argus.Tag{{Key: "a", Value: "b"}}}, src.UserID, t0)
				return err
			}, [][]string{{"created STA"}}, []string{"created"}},
			{"refused event", func() error {
				_, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventReopen}, &alice, t0)
				if err == nil {
					t.Error("REO of an open incident was accepted")
				}
				return nil
			}, nil, nil},
			{"ack", func() error {
				_, err := st.CreateAck(ctx, argus.RulesV2, argus.Ack{Event: argus.Event{IncidentID: inc.ID, Timestamp: t0}}, &alice, t0)
				return err
			}, [][]string{{"ack ACK"}}, []string{"ack"}},
			{"patch that changes nothing", func() error {
				same := inc.Tags[0].Tag
				_, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &[]argus.Tag{same}, DetailsURL: new("")}, &srcUser, t0)
				return err
			}, nil, nil},
			{"patch of tags, details and ticket", func() error {
				_, err := st.UpdateIncident(ctx, inc.ID, store.IncidentChange{Tags: &[]argus.Tag{{Key: "c", Value: "d"}},
					DetailsURL: new("/x"), TicketURL: new("https://t.example.org/1")}, &srcUser, t0)
				return err
			}, [][]string{{"tags", "details", "ticket"}}, []string{"tags", "details", "ticket"}},
			{"same ticket again", func() error { return st.SetTicketURL(ctx, inc.ID, "https://t.example.org/1", &srcUser, t0) }, nil, nil},
			{"new ticket", func() error { return st.SetTicketURL(ctx, inc.ID, "https://t.example.org/2", &srcUser, t0) },
				[][]string{{"ticket"}}, []string{"ticket"}},
			{"end", func() error {
				_, err := st.CreateEvent(ctx, argus.RulesV1, argus.Event{IncidentID: inc.ID, Timestamp: t0, Type: argus.EventEnd}, &srcUser, t0)
				return err
			}, [][]string{{"event END"}}, []string{"event"}},
		}
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				if err := step.do(); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(step.want, log.take()); diff != "" {
					t.Errorf("published (-want +got):\n%s", diff)
				}
				// Only commits are announced, in commit order: a step
				// that announced nothing shows as the next one's
				// notification coming first.
				if listener != nil && step.pg != nil {
					if diff := cmp.Diff(step.pg, announced(t)); diff != "" {
						t.Errorf("announced (-want +got):\n%s", diff)
					}
				}
			})
		}
	})
}

// TestListen checks that a process hears the changes another process
// commits to the same database (on PostgreSQL; on SQLite its own), after
// Listen says it is hearing.
func TestListen(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		here := storetest.Open(t, b.DSN)
		there := here
		if b.Name == "postgres" {
			there = storetest.Open(t, b.DSN) // another process, as far as the database knows
		}
		heard := make(chan []store.Change, 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			here.Listen(ctx, func(cs []store.Change) { heard <- cs }, nil)
		}()
		wait := func(t *testing.T) []store.Change {
			t.Helper()
			select {
			case cs := <-heard:
				return cs
			case <-time.After(10 * time.Second):
				t.Fatal("nothing heard in 10 s")
			}
			return nil
		}
		if cs := wait(t); cs != nil {
			t.Fatalf("first call = %v; want nil (hearing from now on)", cs)
		}
		src, u := storetest.Source(t, there, "gw", "nav", t0)
		inc, sta, err := there.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Level: 3}, u.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		cs := wait(t)
		if len(cs) != 1 || cs[0].Kind != store.ChangeCreated || cs[0].IncidentID != inc.ID || cs[0].EventID != sta.ID ||
			cs[0].Event.ID != sta.ID {
			t.Errorf("heard %+v; want the creation of incident %d with event %d", cs, inc.ID, sta.ID)
		}
		cancel()
		<-done
	})
}

// TestListenOwnSchema checks that two Argus sharing a PostgreSQL database in
// schemas of their own do not hear each other's changes: NOTIFY is scoped
// to the database, so each schema has its channel.
func TestListenOwnSchema(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mine := storetest.Open(t, testdb.PostgresDSN(t))
	other := storetest.Open(t, testdb.PostgresDSN(t))
	if mine.NotifyChannel() == other.NotifyChannel() {
		t.Fatalf("both schemas announce on %q", mine.NotifyChannel())
	}
	create := func(st *store.Store, src argus.Source) argus.Incident {
		inc, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, EndTime: new(argus.Infinity), Level: 2}, src.UserID, t0)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	src, _ := storetest.Source(t, mine, "gw", "nav", t0)
	create(mine, src) // so that the incident heard here is not the other's number
	heard := make(chan []store.Change, 16)
	go mine.Listen(ctx, func(cs []store.Change) { heard <- cs }, nil)
	if cs := <-heard; cs != nil {
		t.Fatalf("first call %v; want nil", cs)
	}
	otherSrc, _ := storetest.Source(t, other, "gw", "nav", t0)
	create(other, otherSrc)
	inc := create(mine, src)
	select {
	case cs := <-heard:
		if len(cs) != 1 || cs[0].IncidentID != inc.ID || cs[0].Kind != store.ChangeCreated {
			t.Errorf("heard %+v first; want the creation of incident %d here", cs, inc.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing heard within 10 s")
	}
}
