package main

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/testdb"
)

var createdRE = regexp.MustCompile(`Created incident #(\d+)`)

func TestFakeIncidents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		c := newCLI(t, b)
		c.mustRun("migrate")
		out := c.mustRun("create-fake-incident", "--batch-size", "2", "-t", "host=sw1", "--level", "2", "--metadata", `{"a": 1}`)
		var ids []int64
		for _, m := range createdRE.FindAllStringSubmatch(out, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			ids = append(ids, id)
		}
		if len(ids) != 2 {
			t.Fatalf("stdout %q; want two incidents created", out)
		}
		stateless := createdRE.FindStringSubmatch(c.mustRun("create-fake-incident", "--stateless", "-d", "fan tray"))
		if stateless == nil {
			t.Fatal("no stateless incident created")
		}
		st, err := store.Open(context.Background(), b.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		now := time.Now()
		for _, id := range ids {
			inc, err := st.Incident(t.Context(), id, now)
			if err != nil {
				t.Fatal(err)
			}
			var tags []string
			for _, r := range inc.Tags {
				tags = append(tags, r.Tag.String())
			}
			slices.Sort(tags)
			want := []string{"host=sw1", "location=argus", "object=" + strconv.FormatInt(id, 10), "problem_type=test"}
			if !slices.Equal(tags, want) || inc.Source.Name != "argus" || inc.Level != 2 || !inc.Open(now) ||
				string(inc.Metadata) != `{"a": 1}` && string(inc.Metadata) != `{"a":1}` {
				t.Errorf("incident %d: tags %v, source %q, level %d, open %t, metadata %s", id, tags, inc.Source.Name, inc.Level, inc.Open(now), inc.Metadata)
			}
		}
		sid, _ := strconv.ParseInt(stateless[1], 10, 64)
		if inc, err := st.Incident(t.Context(), sid, now); err != nil || inc.Stateful() || inc.Description != "fan tray" {
			t.Errorf("--stateless -d: %+v, %v", inc, err)
		}
		for _, bad := range [][]string{
			{"create-fake-incident", "--level", "9"},
			{"create-fake-incident", "-t", "no-delimiter"},
			{"create-fake-incident", "--metadata", "[1]"},
			{"create-fake-incident", "--batch-size", "0"},
			{"close-fake-incident"},
			{"close-fake-incident", "--all", "1"},
			{"close-fake-incident", "x"},
		} {
			if r := c.run(bad...); r.code == 0 || r.stderr == "" {
				t.Errorf("argus %s: exit %d, stderr %q; want a refusal", strings.Join(bad, " "), r.code, r.stderr)
			}
		}

		first := strconv.FormatInt(ids[0], 10)
		if out := c.mustRun("close-fake-incident", first); !strings.Contains(out, "Closed incident #"+first) {
			t.Errorf("close %s: %q", first, out)
		}
		if out := c.mustRun("close-fake-incident", first); !strings.Contains(out, "is not open") {
			t.Errorf("closing a closed one again: %q", out)
		}
		if out := c.mustRun("close-fake-incident", "--all"); !strings.Contains(out, "1 incident(s) closed") {
			t.Errorf("--all: %q; want the one open stateful incident closed", out)
		}
		for _, id := range ids {
			if inc, err := st.Incident(t.Context(), id, time.Now()); err != nil || inc.Open(time.Now()) {
				t.Errorf("incident %d still open (%v)", id, err)
			}
		}
		// Another source's incident is not fake.
		src, err := st.CreateSource(t.Context(), store.NewSource{Name: "gw", Type: "nav", Username: "gw", CreateType: true}, now)
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := st.CreateIncident(t.Context(), store.NewIncident{SourceID: src.ID, StartTime: now, EndTime: new(argus.Infinity), Level: 3}, src.UserID, now)
		if err != nil {
			t.Fatal(err)
		}
		if r := c.run("close-fake-incident", strconv.FormatInt(other.ID, 10)); r.code == 0 {
			t.Error("closed another source's incident")
		}
	})
}
