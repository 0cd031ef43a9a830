package main

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// t1 is when the seeded messages' outcomes are recorded.
var t1 = t0.Add(time.Minute)

// outbox is a database with four messages about two incidents, made as
// the dispatcher and its workers would:
//
//	failed  email alice@example.org  incident 1, failed at t1
//	sent    sms   +4712345678        incident 1, sent at t1
//	queued  email bob@example.org    incident 2
//	failed  email (no recipient)     incident 2, failed at once
type outbox struct {
	st                           *store.Store
	inc1, inc2                   int64
	failed, sent, queued, noAddr store.Message
}

const (
	failReason   = "550 5.1.1 mailbox unavailable"
	noAddrReason = "user has no email address"
)

func seedOutbox(t *testing.T, dsn string) *outbox {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dsn, store.WithNotifications(true))
	alice, err := st.CreateUser(ctx, store.NewUser{Username: "alice", Password: "!", Email: "alice@example.org"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := st.CreateUser(ctx, store.NewUser{Username: "bob", Password: "!", Email: "bob@example.org"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	carol, err := st.CreateUser(ctx, store.NewUser{Username: "carol", Password: "!"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(ctx, store.NewSource{Name: "nav", Type: "nav", CreateType: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc1, ev1, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Description: "gw1 down", Level: 1}, src.UserID, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc2, ev2, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: t0, Description: "gw2 down", Level: 2}, src.UserID, t0)
	if err != nil {
		t.Fatal(err)
	}

	ids, err := st.ClaimOutbox(ctx, t0, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{ev1.ID, ev2.ID}, ids); diff != "" {
		t.Fatalf("ClaimOutbox (-want +got):\n%s", diff)
	}
	content := store.MessageContent{Subject: "incident", Text: "body"}
	deadline := t0.Add(24 * time.Hour)
	enqueue := func(ev argus.Event, inc argus.Incident, out ...store.Outgoing) {
		t.Helper()
		ok, err := st.Enqueue(ctx, ev.ID, inc.ID, out, t0, deadline)
		if err != nil || !ok {
			t.Fatalf("Enqueue(event %d) = %v, %v; want true, nil", ev.ID, ok, err)
		}
	}
	enqueue(ev1, inc1,
		store.Outgoing{Medium: argus.MediumEmail, Content: content, Recipients: []store.Recipient{{UserID: alice.ID, Address: "alice@example.org"}}},
		store.Outgoing{Medium: argus.MediumSMS, Content: content, Recipients: []store.Recipient{{UserID: alice.ID, Address: "+4712345678"}}})
	enqueue(ev2, inc2,
		store.Outgoing{Medium: argus.MediumEmail, Content: content, Recipients: []store.Recipient{
			{UserID: bob.ID, Address: "bob@example.org"},
			{UserID: carol.ID, Error: noAddrReason},
		}})

	claimed, err := st.ClaimMessages(ctx, t0, time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 || claimed[0].Recipient != "alice@example.org" || claimed[1].Recipient != "+4712345678" {
		t.Fatalf("ClaimMessages claimed %+v; want alice's email and SMS", claimed)
	}
	if ok, err := st.MessageFailed(ctx, claimed[0].ID, claimed[0].Attempts, failReason, t1); err != nil || !ok {
		t.Fatalf("MessageFailed = %v, %v; want true, nil", ok, err)
	}
	if ok, err := st.MessageSent(ctx, claimed[1].ID, claimed[1].Attempts, t1); err != nil || !ok {
		t.Fatalf("MessageSent = %v, %v; want true, nil", ok, err)
	}

	o := &outbox{st: st, inc1: inc1.ID, inc2: inc2.ID}
	msgs, more, err := st.Messages(ctx, store.MessageFilter{}, 10)
	if err != nil || more || len(msgs) != 4 {
		t.Fatalf("Messages = %d messages, more %v, %v; want 4, false, nil", len(msgs), more, err)
	}
	o.noAddr, o.queued, o.sent, o.failed = msgs[0], msgs[1], msgs[2], msgs[3]
	for _, c := range []struct {
		m                 store.Message
		status, recipient string
	}{
		{o.failed, store.StatusFailed, "alice@example.org"},
		{o.sent, store.StatusSent, "+4712345678"},
		{o.queued, store.StatusQueued, "bob@example.org"},
		{o.noAddr, store.StatusFailed, ""},
	} {
		if c.m.Status != c.status || c.m.Recipient != c.recipient {
			t.Fatalf("seeded message %d: status %q, recipient %q; want %q, %q", c.m.ID, c.m.Status, c.m.Recipient, c.status, c.recipient)
		}
	}
	return o
}

// row is one line of "notifications list".
type row struct {
	ID, Status, Medium, Recipient, Incident, Event, Attempts, Updated, LastError string
}

var cellRE = regexp.MustCompile(`\S+(?: \S+)*`)

// parseList reads the table "notifications list" prints, by the columns
// of its header, and returns its rows and the lines after it.
func parseList(t *testing.T, out string) ([]row, []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	header := lines[0]
	cells := cellRE.FindAllStringIndex(header, -1)
	var names []string
	for _, c := range cells {
		names = append(names, header[c[0]:c[1]])
	}
	want := []string{"ID", "STATUS", "MEDIUM", "RECIPIENT", "INCIDENT", "EVENT", "ATTEMPTS", "UPDATED", "LAST ERROR"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("header %q (-want +got):\n%s", header, diff)
	}
	var rows []row
	var rest []string
	for _, line := range lines[1:] {
		if strings.HasPrefix(line, "(") {
			rest = append(rest, line)
			continue
		}
		if len(rest) > 0 {
			t.Fatalf("table line %q after the trailer %q", line, rest)
		}
		f := make([]string, len(cells))
		for i, c := range cells {
			start, end := c[0], len(line)
			if i+1 < len(cells) {
				end = min(cells[i+1][0], len(line))
			}
			if start < end {
				f[i] = strings.TrimSpace(line[start:end])
			}
		}
		rows = append(rows, row{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]})
	}
	return rows, rest
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// wantRow is what the listing shows of m.
func wantRow(m store.Message, updated, lastError string) row {
	return row{
		ID: idStr(m.ID), Status: m.Status, Medium: string(m.Medium), Recipient: m.Recipient,
		Incident: idStr(m.IncidentID), Event: idStr(m.EventID), Attempts: strconv.Itoa(m.Attempts),
		Updated: updated, LastError: lastError,
	}
}

func TestNotificationsList(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		o := seedOutbox(t, b.DSN)
		c := newCLI(t, b)
		c.vars["TIME_ZONE"] = "Europe/Oslo" // t0 is 14:00 there (CEST)

		// Times in the zone of TIME_ZONE.
		const atT0, atT1 = "2026-03-29 14:00:00", "2026-03-29 14:01:00"
		all := []row{
			wantRow(o.noAddr, atT0, noAddrReason),
			wantRow(o.queued, atT0, ""),
			wantRow(o.sent, atT1, ""),
			wantRow(o.failed, atT1, failReason),
		}
		if all[3].Attempts != "1" || all[2].Attempts != "1" || all[1].Attempts != "0" {
			t.Errorf("attempts: failed %s, sent %s, queued %s; want 1, 1, 0", all[3].Attempts, all[2].Attempts, all[1].Attempts)
		}
		tests := []struct {
			name string
			args []string
			want []row
		}{
			{"all, newest first", nil, all},
			{"failed", []string{"--status", "failed"}, []row{all[0], all[3]}},
			{"sent", []string{"--status", "sent"}, []row{all[2]}},
			{"queued", []string{"--status=queued"}, []row{all[1]}},
			{"sending", []string{"--status", "sending"}, nil},
			{"incident 1", []string{"--incident", idStr(o.inc1)}, []row{all[2], all[3]}},
			{"incident 2", []string{"--incident", idStr(o.inc2)}, []row{all[0], all[1]}},
			{"failed of incident 1", []string{"--status", "failed", "--incident", idStr(o.inc1)}, []row{all[3]}},
			{"unknown incident", []string{"--incident", "999"}, nil},
			{"limit equal to the count", []string{"--limit", "4"}, all},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out := c.mustRun(append([]string{"notifications", "list"}, tt.args...)...)
				rows, rest := parseList(t, out)
				if diff := cmp.Diff(tt.want, rows); diff != "" {
					t.Errorf("rows (-want +got):\n%s\nstdout:\n%s", diff, out)
				}
				if rest != nil {
					t.Errorf("lines after the table %q; want none", rest)
				}
			})
		}

		t.Run("limit", func(t *testing.T) {
			for _, tt := range []struct {
				limit string
				want  []row
			}{
				{"1", all[:1]},
				{"3", all[:3]},
			} {
				out := c.mustRun("notifications", "list", "--limit", tt.limit)
				rows, rest := parseList(t, out)
				if diff := cmp.Diff(tt.want, rows); diff != "" {
					t.Errorf("--limit %s: rows (-want +got):\n%s", tt.limit, diff)
				}
				if diff := cmp.Diff([]string{"(more than " + tt.limit + "; use --limit)"}, rest); diff != "" {
					t.Errorf("--limit %s: lines after the table (-want +got):\n%s", tt.limit, diff)
				}
			}
			out := c.mustRun("notifications", "list", "--status", "failed", "--limit", "1")
			rows, rest := parseList(t, out)
			if diff := cmp.Diff(all[:1], rows); diff != "" {
				t.Errorf("--status failed --limit 1: rows (-want +got):\n%s", diff)
			}
			if len(rest) != 1 {
				t.Errorf("--status failed --limit 1: lines after the table %q; want the hint", rest)
			}
		})

		t.Run("UTC", func(t *testing.T) {
			c := newCLI(t, b)
			c.vars["TIME_ZONE"] = "UTC"
			rows, _ := parseList(t, c.mustRun("notifications", "list", "--status", "sent"))
			if len(rows) != 1 || rows[0].Updated != "2026-03-29 12:01:00" {
				t.Errorf("rows %+v; want one updated at 2026-03-29 12:01:00", rows)
			}
		})
	})
}

func TestNotificationsListEmpty(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		rows, rest := parseList(t, c.mustRun("notifications", "list"))
		if rows != nil || rest != nil {
			t.Errorf("rows %+v, trailer %q; want a header alone", rows, rest)
		}
	})
}

func TestNotificationsListErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		tests := []struct {
			name   string
			args   []string
			wantIn []string
		}{
			{"bogus status", []string{"--status", "bogus"}, []string{`"bogus"`, "queued", "sending", "sent", "failed"}},
			{"status in capitals", []string{"--status", "FAILED"}, []string{`"FAILED"`, "queued, sending, sent or failed"}},
			{"limit 0", []string{"--limit", "0"}, []string{"--limit"}},
			{"negative limit", []string{"--limit", "-5"}, []string{"--limit"}},
			{"limit not a number", []string{"--limit", "many"}, []string{"limit"}},
			{"incident not a number", []string{"--incident", "one"}, []string{"incident"}},
			{"unknown flag", []string{"--bogus"}, []string{"bogus"}},
			{"positional argument", []string{"extra"}, []string{"expected 0 argument(s), got 1"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(append([]string{"notifications", "list"}, tt.args...)...), 1, tt.wantIn...)
			})
		}

		// The flags' errors come before the database is opened.
		st, err := store.Open(context.Background(), b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if pending, err := st.Pending(context.Background()); err != nil || !pending {
			t.Errorf("Pending = %v, %v; want true: bad flags must not migrate", pending, err)
		}
	})
}

func TestNotificationsListHelp(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		r := c.run("notifications", "list", "--help")
		if r.code != 0 || r.stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
		}
		for _, flag := range []string{"-status", "-incident", "-limit"} {
			if !strings.Contains(r.stdout, flag) {
				t.Errorf("stdout does not list %s:\n%s", flag, r.stdout)
			}
		}
	})
}

func TestNotificationsRetry(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		o := seedOutbox(t, b.DSN)
		ctx := context.Background()
		c := newCLI(t, b)
		c.vars["ARGUS_NOTIFICATION_RETRY_FOR"] = "6h"

		// Notifications off: queued, with a note that nothing sends it.
		r := c.run("notifications", "retry", idStr(o.failed.ID))
		if r.code != 0 {
			t.Fatalf("exit %d, stderr %q; want 0", r.code, r.stderr)
		}
		if want := "message " + idStr(o.failed.ID) + " queued again for alice@example.org\n"; r.stdout != want {
			t.Errorf("stdout = %q; want %q", r.stdout, want)
		}
		if !strings.Contains(r.stderr, "ARGUS_SEND_NOTIFICATIONS") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("stderr = %q; want one line of note about ARGUS_SEND_NOTIFICATIONS", r.stderr)
		}
		m, err := o.st.Message(ctx, o.failed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != store.StatusQueued {
			t.Errorf("status = %q; want queued", m.Status)
		}
		if m.LastError != failReason {
			t.Errorf("last error = %q; want %q kept", m.LastError, failReason)
		}
		if m.Attempts != 1 {
			t.Errorf("attempts = %d; want 1 kept", m.Attempts)
		}
		if !m.Due.Equal(t0) || !m.Updated.Equal(t0) {
			t.Errorf("due %v, updated %v; want both %v, the command's clock", m.Due, m.Updated, t0)
		}
		if want := t0.Add(6 * time.Hour); !m.Deadline.Equal(want) {
			t.Errorf("deadline = %v; want %v (ARGUS_NOTIFICATION_RETRY_FOR after now)", m.Deadline, want)
		}
		if m.Sent != nil {
			t.Errorf("sent = %v; want nil", m.Sent)
		}

		// Notifications on: several ids, queued ones included, and no note.
		c.vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
		out := c.mustRun("notifications", "retry", idStr(o.failed.ID), idStr(o.queued.ID))
		want := "message " + idStr(o.failed.ID) + " queued again for alice@example.org\n" +
			"message " + idStr(o.queued.ID) + " queued again for bob@example.org\n"
		if out != want {
			t.Errorf("stdout = %q; want %q", out, want)
		}
		for _, mid := range []int64{o.failed.ID, o.queued.ID} {
			if m, err := o.st.Message(ctx, mid); err != nil || m.Status != store.StatusQueued {
				t.Errorf("message %d: status %q, %v; want queued", mid, m.Status, err)
			}
		}
	})
}

func TestNotificationsRetryErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		o := seedOutbox(t, b.DSN)
		ctx := context.Background()
		c := newCLI(t, b)
		c.vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
		tests := []struct {
			name   string
			args   []string
			wantIn []string
		}{
			{"sent", []string{idStr(o.sent.ID)}, []string{"message " + idStr(o.sent.ID), "sent"}},
			{"no recipient", []string{idStr(o.noAddr.ID)}, []string{"message " + idStr(o.noAddr.ID), "recipient"}},
			{"unknown", []string{"999"}, []string{"no message 999"}},
			{"not a number", []string{"abc"}, []string{`"abc"`, "not a message id"}},
			{"zero", []string{"0"}, []string{`"0"`, "not a message id"}},
			{"negative", []string{"-1"}, []string{`"-1"`, "not a message id"}},
			{"a bad id among good ones", []string{idStr(o.failed.ID), "x"}, []string{`"x"`}},
			{"no ids", nil, []string{"ids"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantFailure(t, c.run(append([]string{"notifications", "retry"}, tt.args...)...), 1, tt.wantIn...)
			})
		}

		// Nothing was changed by the refusals.
		for _, want := range []store.Message{o.failed, o.sent, o.queued, o.noAddr} {
			got, err := o.st.Message(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("message %d changed (-before +after):\n%s", want.ID, diff)
			}
		}
	})
}

func TestNotificationsSubcommands(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		wantFailure(t, c.run("notifications"), 1, "list", "retry")
		wantFailure(t, c.run("notifications", "frobnicate"), 1, `"frobnicate"`, "list", "retry")
		wantFailure(t, c.run("notifications", "--bogus"), 1, `"--bogus"`)

		for _, help := range []string{"--help", "-h", "-help"} {
			r := c.run("notifications", help)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("notifications %s: exit %d, stderr %q; want 0 and nothing", help, r.code, r.stderr)
			}
			if want := "Usage: argus notifications list"; !strings.HasPrefix(r.stdout, want) {
				t.Errorf("notifications %s: stdout = %q; want it to start with %q", help, r.stdout, want)
			}
			if !strings.Contains(r.stdout, "retry ID") {
				t.Errorf("notifications %s: stdout = %q; want it to show retry", help, r.stdout)
			}
		}
	})
}

func TestNotificationsWorker(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		t.Run("on", func(t *testing.T) {
			const password = "Pa55-w0rd-that-must-not-leak"
			c := newCLI(t, b)
			c.vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
			c.vars["EMAIL_HOST_USER"] = "argus"
			c.vars["EMAIL_HOST_PASSWORD"] = password
			// The deadline only keeps a broken worker from hanging the
			// test; the worker is stopped as soon as it is running.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			var stdout, stderr strings.Builder
			e := c.env(&stdout, &stderr)
			readies := 0
			e.ready = func(addr string) {
				readies++
				if addr != "" {
					t.Errorf("ready(%q); want ready(\"\")", addr)
				}
				cancel()
			}
			code := runEnv(ctx, e, []string{"worker"})
			if code != 0 {
				t.Errorf("exit %d, stderr %q; want 0", code, stderr.String())
			}
			if readies != 1 {
				t.Errorf("ready called %d times; want once", readies)
			}
			if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("context ended with %v; want it cancelled by ready, not timed out", err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q; want nothing", stdout.String())
			}
			for _, want := range []string{"Argus worker is running", "Argus worker stopped"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr = %q; want it to log %q", stderr.String(), want)
				}
			}
			if strings.Contains(stderr.String(), password) {
				t.Errorf("stderr = %q; want the SMTP password not logged", stderr.String())
			}
			// The worker migrated the database it was given.
			st, err := store.Open(context.Background(), b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if pending, err := st.Pending(context.Background()); err != nil || pending {
				t.Errorf("Pending = %v, %v; want false after the worker ran", pending, err)
			}
		})
		t.Run("off", func(t *testing.T) {
			c := newCLI(t, b)
			wantFailure(t, c.run("worker"), 1, "ARGUS_SEND_NOTIFICATIONS")
			c.vars["ARGUS_SEND_NOTIFICATIONS"] = "false"
			wantFailure(t, c.run("worker"), 1, "ARGUS_SEND_NOTIFICATIONS")
		})
		t.Run("bad flag", func(t *testing.T) {
			c := newCLI(t, b)
			c.vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
			// worker has no flags: anything is a positional argument.
			wantFailure(t, c.run("worker", "--bogus"), 1, "expected 0 argument(s), got 1")
			wantFailure(t, c.run("worker", "extra"), 1, "expected 0 argument(s), got 1")
		})
		t.Run("bad configuration", func(t *testing.T) {
			c := newCLI(t, b)
			c.vars["ARGUS_SEND_NOTIFICATIONS"] = "true"
			c.vars["ARGUS_NOTIFICATION_WORKERS"] = "0"
			wantFailure(t, c.run("worker"), 1, "ARGUS_NOTIFICATION_WORKERS")
		})
	})
}
