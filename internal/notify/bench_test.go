package notify_test

// Benchmarks of notification dispatch and delivery on both databases,
// delivering over SMTP to an in-process server (package smtpsink). They
// run only with -bench (go test never runs a Benchmark otherwise):
//
//	ARGUS_TEST_DATABASE_URL=postgres://… go test ./internal/notify/ -run '^$' -bench . -benchtime 200x
//
// Each reports its figures with b.ReportMetric; none asserts a timing.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/smtpsink"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// benchBackends are the databases each benchmark runs on; postgres is
// skipped without ARGUS_TEST_DATABASE_URL.
var benchBackends = []string{"sqlite", "postgres"}

// benchWeekday is a Wednesday, 10:00 UTC: inside "All the time" and
// office hours, outside evening on-call. The 10k-profile incidents start
// then.
var benchWeekday = time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)

// benchOpen opens a fresh, migrated database of the backend with the
// outbox on, closed when b ends.
func benchOpen(b *testing.B, backend string) *store.Store {
	b.Helper()
	dsn := testdb.SQLiteDSN(b)
	if backend == "postgres" {
		dsn = testdb.PostgresDSN(b) // skips b without ARGUS_TEST_DATABASE_URL
	}
	return storetest.Open(b, dsn, store.WithNotifications(true))
}

// benchSink starts an SMTP sink, closed when b ends.
func benchSink(b *testing.B, opts ...smtpsink.Option) *smtpsink.Server {
	b.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0", opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sink.Close() })
	return sink
}

// benchService is a Service with the default options but for EM
// delivering to sink and a logger that discards.
func benchService(st *store.Store, sink *smtpsink.Server) *notify.Service {
	return notify.New(st, notify.Options{
		Media: map[argus.Medium]notify.Medium{
			argus.MediumEmail: notify.NewEmail(notify.SMTPConfig{
				Host: sink.Host(), Port: sink.Port(), UseTLS: false,
				From: "argus@localhost", Timeout: 10 * time.Second,
			}),
		},
		Logger: slog.New(slog.DiscardHandler),
	})
}

// benchRun runs svc in the background until b ends; the cleanup waits
// for it to stop before the sink and the store close.
func benchRun(b *testing.B, svc *notify.Service) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(ctx); err != nil {
			b.Error(err)
		}
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
}

// benchSource creates a source system.
func benchSource(b *testing.B, st *store.Store, name string) argus.Source {
	b.Helper()
	src, err := st.CreateSource(context.Background(), store.NewSource{Name: name, Type: "nav", CreateType: true}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// benchIncident creates an open incident of src with the tags, which
// commits its STA event and outbox row.
func benchIncident(b *testing.B, st *store.Store, src argus.Source, start time.Time, desc string, tags ...argus.Tag) argus.Event {
	b.Helper()
	end := argus.Infinity
	_, ev, err := st.CreateIncident(context.Background(), store.NewIncident{
		SourceID: src.ID, StartTime: start, EndTime: &end, Description: desc, Level: 3, Tags: tags,
	}, src.UserID, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

// benchPercentile is the nearest-rank percentile p (0–100) of sorted.
func benchPercentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// benchArrival is a message as the sink took it.
type benchArrival struct {
	subject string
	at      time.Time
}

// From the commit of a new incident to its email in the SMTP server, with
// the default options and Run in the background: one user, one profile on
// "All the time" with a filter on the source. One incident at a time, each
// waiting for its email, so that this is latency and not queueing; the
// figures are p50_ms, p95_ms and max_ms (target: p95 under 1 s).
func BenchmarkNotifyLatency(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			st := benchOpen(b, backend)
			arrived := make(chan benchArrival, 16)
			sink := benchSink(b, smtpsink.WithOnMessage(func(m smtpsink.Message) {
				select {
				case arrived <- benchArrival{m.Subject(), m.Received}:
				default: // an unexpected extra message; the loop reports the missing one
				}
			}))
			src := benchSource(b, st, "gw1")
			u, err := st.CreateUser(ctx, store.NewUser{Username: "kari", Email: "kari@example.org"}, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			slots, err := st.Timeslots(ctx, u.ID)
			if err != nil || len(slots) != 1 || slots[0].Name != argus.DefaultTimeslotName {
				b.Fatalf("timeslots of a new user: %+v, %v; want %q", slots, err, argus.DefaultTimeslotName)
			}
			f, err := st.CreateFilter(ctx, argus.Filter{UserID: u.ID, Name: "gw1", Spec: argus.FilterSpec{SourceIDs: []int64{src.ID}}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.CreateProfile(ctx, u.ID, store.ProfileInput{
				TimeslotID: slots[0].ID, FilterIDs: []int64{f.ID}, Media: []argus.Medium{argus.MediumEmail}, Active: true,
			}); err != nil {
				b.Fatal(err)
			}
			svc := benchService(st, sink)
			benchRun(b, svc)

			var lat []time.Duration
			i := 0
			for b.Loop() {
				i++
				desc := fmt.Sprintf("bench latency %d", i)
				ev := benchIncident(b, st, src, time.Now(), desc)
				committed := time.Now()
				svc.Dispatch(ctx, ev)
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				select {
				case a := <-arrived:
					cancel()
					if !strings.Contains(a.subject, ": "+desc+", ") {
						b.Fatalf("got the email %q; want the one about %q", a.subject, desc)
					}
					lat = append(lat, a.at.Sub(committed))
				case <-wctx.Done():
					cancel()
					b.Fatalf("no email about %q within 30s", desc)
				}
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(benchPercentile(lat, 50)), "p50_ms")
			b.ReportMetric(ms(benchPercentile(lat, 95)), "p95_ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
		})
	}
}

// Creating an incident with three tags while notifications are on: the
// transaction that commits the incident, its tags, its STA event and the
// event's outbox row with the snapshot of the incident that dispatch will
// match and render. One at a time, with nothing dispatching.
func BenchmarkCreateIncidentQueued(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			st := benchOpen(b, backend)
			src := benchSource(b, st, "gw1")
			i := 0
			for b.Loop() {
				i++
				benchIncident(b, st, src, benchWeekday.Add(time.Duration(i)*time.Second), fmt.Sprintf("bench create %d", i),
					argus.Tag{Key: "object", Value: fmt.Sprintf("object%d", i%1000)},
					argus.Tag{Key: "location", Value: fmt.Sprintf("location%d", i%50)},
					argus.Tag{Key: "problem", Value: "down"})
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/incident")
		})
	}
}

// benchProfile is one seeded user with one active EM profile.
type benchProfile struct {
	slot        string // the timeslot's name
	recurrences []argus.TimeRecurrence
	filters     []argus.FilterSpec
}

// benchSeed stores one user per profile, user i (from 0) named
// bench<i> with the address bench<i>@example.org, and their timeslots,
// filters and active EM profiles, in one transaction with multi-row
// INSERTs and explicit ids after the ones already there.
func benchSeed(b *testing.B, st *store.Store, profiles []benchProfile) {
	b.Helper()
	ctx := context.Background()
	pg := st.IsPostgres()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	maxID := func(table string) int64 {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&id); err != nil {
			b.Fatal(err)
		}
		return id
	}
	// A time as the store writes it (store/dialect.go).
	ts := func(t time.Time) any {
		if pg {
			return t.UTC()
		}
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	users, slots := maxID("argus_auth_user"), maxID("argus_notificationprofile_timeslot")
	recs, filters := maxID("argus_notificationprofile_timerecurrence"), maxID("argus_notificationprofile_filter")
	links, profiles0 := maxID("argus_notificationprofile_notificationprofile_filters"), maxID("argus_notificationprofile_notificationprofile")
	dests, destLinks := maxID("argus_notificationprofile_destinationconfig"), maxID("argus_notificationprofile_notificationprofile_destinations")

	now := time.Now()
	var (
		userRows, slotRows, recRows, filterRows, profileRows, linkRows, destRows, destLinkRows [][]any
	)
	for i, p := range profiles {
		user, slot := users+int64(i)+1, slots+int64(i)+1
		userRows = append(userRows, []any{user, fmt.Sprintf("bench%d", i), fmt.Sprintf("bench%d@example.org", i), ts(now)})
		slotRows = append(slotRows, []any{slot, user, p.slot})
		for _, r := range p.recurrences {
			days := make([]string, len(r.Days))
			for j, d := range r.Days {
				days[j] = fmt.Sprint(d)
			}
			recs++
			recRows = append(recRows, []any{recs, slot, strings.Join(days, ","), r.Start.String(), r.End.String()})
		}
		profile := profiles0 + int64(i) + 1
		profileRows = append(profileRows, []any{profile, slot, user, "EM", true})
		// Several destinations each (D29): the account email and a phone.
		for j, settings := range []string{fmt.Sprintf(`{"email_address":"bench%d@example.org"}`, i), fmt.Sprintf(`{"phone_number":"+47%08d"}`, 40000000+i)} {
			dests++
			destLinks++
			medium := []string{"email", "sms"}[j]
			destRows = append(destRows, []any{dests, user, medium, settings, j == 0})
			destLinkRows = append(destLinkRows, []any{destLinks, profile, dests})
		}
		for j, spec := range p.filters {
			filters++
			links++
			// Structured filters (D28): the v1 keys and more of the blob.
			blob := spec.Blob()
			blob.MaxLevel, blob.Open, blob.Stored = 4, new(true), blob.Stored|argus.KeyMaxLevel|argus.KeyOpen
			if j%2 == 1 {
				blob.EventTypes, blob.Stored = []argus.EventType{argus.EventStart, argus.EventEnd}, blob.Stored|argus.KeyEventTypes
			}
			filterRows = append(filterRows, []any{filters, user, fmt.Sprintf("filter %d", j+1), string(blob.MarshalStored())})
			linkRows = append(linkRows, []any{links, profile, filters})
		}
	}
	benchInsert(b, tx, `INSERT INTO argus_auth_user (id, username, email, date_joined) VALUES `, userRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_timeslot (id, user_id, name) VALUES `, slotRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_timerecurrence (id, timeslot_id, days, start, "end") VALUES `, recRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_filter (id, user_id, name, filter) VALUES `, filterRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_notificationprofile (id, timeslot_id, user_id, media, active) VALUES `, profileRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_notificationprofile_filters (id, notificationprofile_id, filter_id) VALUES `, linkRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_destinationconfig (id, user_id, media_id, settings, managed) VALUES `, destRows)
	benchInsert(b, tx, `INSERT INTO argus_notificationprofile_notificationprofile_destinations (id, notificationprofile_id, destinationconfig_id) VALUES `, destLinkRows)
	if pg {
		// Explicit ids leave the identity sequences behind.
		for _, table := range []string{"argus_auth_user", "argus_notificationprofile_timeslot",
			"argus_notificationprofile_timerecurrence", "argus_notificationprofile_filter",
			"argus_notificationprofile_notificationprofile_filters", "argus_notificationprofile_notificationprofile",
			"argus_notificationprofile_destinationconfig", "argus_notificationprofile_notificationprofile_destinations"} {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT max(id) FROM `+table+`))`); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if pg {
		// As autovacuum soon would, so that every run plans alike. Only
		// the seeded tables: analyzed while empty, argus_notify_content
		// would be planned as empty and every foreign key check of a
		// queued message would scan it from end to end.
		if _, err := st.DB().ExecContext(ctx, `ANALYZE argus_auth_user, argus_notificationprofile_timeslot,
			argus_notificationprofile_timerecurrence, argus_notificationprofile_filter,
			argus_notificationprofile_notificationprofile, argus_notificationprofile_notificationprofile_filters,
			argus_notificationprofile_destinationconfig, argus_notificationprofile_notificationprofile_destinations`); err != nil {
			b.Fatal(err)
		}
	}
}

// benchInsert inserts rows, all of one width, with statements of about
// 2000 parameters each.
func benchInsert(b *testing.B, tx *sql.Tx, insert string, rows [][]any) {
	b.Helper()
	if len(rows) == 0 {
		return
	}
	width := len(rows[0])
	per := max(1, 2000/width)
	var q strings.Builder
	for from := 0; from < len(rows); from += per {
		q.Reset()
		q.WriteString(insert)
		var args []any
		for i, row := range rows[from:min(len(rows), from+per)] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range row {
				if c > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", len(args)+c+1)
			}
			q.WriteByte(')')
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(context.Background(), q.String(), args...); err != nil {
			b.Fatalf("%s…: %v", insert, err)
		}
	}
}

// The shape of the 10k-profile benchmark: sources, and the tag keys with
// their number of values. Every incident has one tag of each key.
const (
	bench10kProfiles = 10_000
	bench10kSources  = 50
	bench10kObjects  = 1000
	bench10kSites    = 40
	bench10kProblems = 12
)

// bench10kProfileSet is 10,000 profiles of a realistic shape, the same
// every run. Timeslots: 60% "All the time", 25% office hours (Mon–Fri
// 08–16), 15% on call (weekday evenings and weekends, two recurrences).
// Each profile has 1–3 filters, each one of: 1–3 sources (35%), 1–2
// locations (25%), a source and 1–3 problem types (20%), 1–5 objects
// (20%). On benchWeekday about 4% of them fire for a random incident.
func bench10kProfileSet(sources []argus.Source) []benchProfile {
	r := rand.New(rand.NewPCG(10_000, 2))
	src := func() int64 { return sources[r.IntN(len(sources))].ID }
	tag := func(key string, values int) argus.Tag {
		return argus.Tag{Key: key, Value: fmt.Sprintf("%s%d", key, r.IntN(values))}
	}
	weekdays, weekend := []int{1, 2, 3, 4, 5}, []int{6, 7}
	h := func(n int) argus.TimeOfDay { return argus.TimeOfDay(time.Duration(n) * time.Hour) }
	out := make([]benchProfile, bench10kProfiles)
	for i := range out {
		p := &out[i]
		switch n := r.IntN(100); {
		case n < 60:
			p.slot, p.recurrences = argus.DefaultTimeslotName, argus.DefaultTimeslot(0).Recurrences
		case n < 85:
			p.slot, p.recurrences = "Office hours", []argus.TimeRecurrence{{Days: weekdays, Start: h(8), End: h(16)}}
		default:
			p.slot, p.recurrences = "On call", []argus.TimeRecurrence{
				{Days: weekdays, Start: h(16), End: argus.EndOfDay},
				{Days: weekend, Start: 0, End: argus.EndOfDay},
			}
		}
		for range 1 + r.IntN(3) {
			var f argus.FilterSpec
			switch n := r.IntN(100); {
			case n < 35:
				for range 1 + r.IntN(3) {
					f.SourceIDs = append(f.SourceIDs, src())
				}
			case n < 60:
				for range 1 + r.IntN(2) {
					f.Tags = append(f.Tags, tag("location", bench10kSites))
				}
			case n < 80:
				f.SourceIDs = []int64{src()}
				for range 1 + r.IntN(3) {
					f.Tags = append(f.Tags, tag("problem", bench10kProblems))
				}
			default:
				for range 1 + r.IntN(5) {
					f.Tags = append(f.Tags, tag("object", bench10kObjects))
				}
			}
			p.filters = append(p.filters, f)
		}
	}
	return out
}

// Dispatching one event against 10,000 active profiles of 10,000 users:
// DispatchDue claims the event, reads it, matches the profiles (cached:
// one dispatch warms the cache first), renders the email and queues one
// message per matching user. Only DispatchDue is timed, not creating the
// incident. Target: under 20 ms per event; recipients/event says how
// many messages each queued.
func BenchmarkDispatch10kProfiles(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			st := benchOpen(b, backend)
			sources := make([]argus.Source, bench10kSources)
			for i := range sources {
				sources[i] = benchSource(b, st, fmt.Sprintf("gw%d", i+1))
			}
			began := time.Now()
			benchSeed(b, st, bench10kProfileSet(sources))
			b.Logf("%s: seeded %d profiles in %v", backend, bench10kProfiles, time.Since(began).Round(time.Millisecond))
			// The sink is never sent to: nothing runs the workers.
			svc := benchService(st, benchSink(b))

			r := rand.New(rand.NewPCG(10_000, 3))
			i := 0
			incident := func() {
				i++
				benchIncident(b, st, sources[r.IntN(len(sources))], benchWeekday.Add(time.Duration(i)*time.Second),
					fmt.Sprintf("bench dispatch %d", i),
					argus.Tag{Key: "object", Value: fmt.Sprintf("object%d", r.IntN(bench10kObjects))},
					argus.Tag{Key: "location", Value: fmt.Sprintf("location%d", r.IntN(bench10kSites))},
					argus.Tag{Key: "problem", Value: fmt.Sprintf("problem%d", r.IntN(bench10kProblems))})
			}
			dispatch := func() {
				if n, err := svc.DispatchDue(ctx); err != nil || n != 1 {
					b.Fatalf("DispatchDue: %d events, %v; want 1", n, err)
				}
			}
			incident()
			began = time.Now()
			dispatch() // loads the profiles
			b.Logf("%s: first dispatch, loading the profiles, took %v", backend, time.Since(began).Round(time.Millisecond))
			before := benchCountMessages(b, st)

			for b.Loop() {
				b.StopTimer()
				incident()
				b.StartTimer()
				dispatch()
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/event")
			b.ReportMetric(float64(benchCountMessages(b, st)-before)/float64(b.N), "recipients/event")
		})
	}
}

// benchCountMessages counts the queued messages.
func benchCountMessages(b *testing.B, st *store.Store) int {
	b.Helper()
	var n int
	if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM argus_notify_message`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// benchMinEmails is the smallest queue the throughput benchmark empties.
const benchMinEmails = 500

// Delivering a queue of max(b.N, 500) emails, to as many users whom one
// incident notifies, with Run's default 4 workers, from the start of Run
// until the SMTP server has accepted them all. emails/s is the figure
// (target: at least 200); ns/op is per email.
func BenchmarkDeliverThroughput(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			b.StopTimer()
			ctx := context.Background()
			n := max(b.N, benchMinEmails)
			st := benchOpen(b, backend)
			sink := benchSink(b)
			src := benchSource(b, st, "gw1")
			profiles := make([]benchProfile, n)
			for i := range profiles {
				profiles[i] = benchProfile{
					slot:        argus.DefaultTimeslotName,
					recurrences: argus.DefaultTimeslot(0).Recurrences,
					filters:     []argus.FilterSpec{{SourceIDs: []int64{src.ID}}},
				}
			}
			benchSeed(b, st, profiles)
			svc := benchService(st, sink)
			benchIncident(b, st, src, time.Now(), "bench throughput")
			for {
				k, err := svc.DispatchDue(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if k == 0 {
					break
				}
			}
			if queued := benchCountMessages(b, st); queued != n {
				b.Fatalf("queued %d messages; want %d", queued, n)
			}

			wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			defer cancel()
			b.ResetTimer()
			b.StartTimer()
			benchRun(b, svc)
			if _, err := sink.Wait(wctx, n); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			elapsed := b.Elapsed()
			b.ReportMetric(float64(n)/elapsed.Seconds(), "emails/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/op")
		})
	}
}
