// Package mockdata makes fixtures of made-up incidents, shaped like those
// of the original's generator (api-v1.md §8), for trying Argus out and
// for measuring it: two source types, three sources each with their
// users (pks 1–6), incidents with tags and STA, END and OTH events.
package mockdata

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/argus-go/argus/internal/store"
)

// Options say what to make.
type Options struct {
	Incidents int       // 200 in the original
	Seed      uint64    // the same seed and Now make the same fixture
	Now       time.Time // the times are before it
}

var (
	// origin is the earliest start time.
	origin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	types  = []string{"nav", "zabbix"}
)

// Generate gives the fixture's entries to emit in the order loaddata
// writes them.
func Generate(ctx context.Context, o Options, emit func(store.Fixture) error) error {
	if o.Incidents < 0 {
		return fmt.Errorf("mockdata: %d incidents", o.Incidents)
	}
	g := &gen{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), now: o.Now.UTC().Truncate(time.Microsecond), emit: emit}
	return g.run(ctx, o.Incidents)
}

type gen struct {
	r    *rand.Rand
	now  time.Time
	emit func(store.Fixture) error
	err  error
}

// put emits one entry; the first error stops the rest.
func (g *gen) put(model string, pk any, fields map[string]any) {
	if g.err != nil {
		return
	}
	pkJSON, err := json.Marshal(pk)
	if err != nil {
		g.err = err
		return
	}
	f := store.Fixture{Model: model, PK: pkJSON, Fields: make(map[string]json.RawMessage, len(fields))}
	for k, v := range fields {
		if f.Fields[k], err = json.Marshal(v); err != nil {
			g.err = err
			return
		}
	}
	g.err = g.emit(f)
}

func (g *gen) run(ctx context.Context, n int) error {
	type source struct {
		pk         int
		name, kind string
	}
	var sources []source
	for _, kind := range types {
		seen := map[string]bool{}
		for len(seen) < 3 {
			name := string(rune('A'+g.r.IntN(26))) + strconv.Itoa(g.r.IntN(10))
			if seen[name] {
				continue
			}
			seen[name] = true
			sources = append(sources, source{pk: len(sources) + 1, name: name, kind: kind})
		}
	}
	for _, s := range sources {
		g.put("argus_auth.user", s.pk, map[string]any{
			"username": s.kind + "." + strings.ToLower(s.name), "password": "!mockdata", "is_active": true,
			"is_staff": false, "is_superuser": false, "first_name": "", "last_name": "", "email": "",
			"date_joined": stamp(g.now), "last_login": nil,
		})
	}
	for _, kind := range types {
		g.put("argus_incident.sourcesystemtype", kind, map[string]any{})
	}
	for _, s := range sources {
		g.put("argus_incident.sourcesystem", s.pk, map[string]any{"name": s.name, "type": s.kind, "user": s.pk, "base_url": ""})
	}

	// 70 tags: 50 objects, 10 parent objects, 10 problem types.
	var tags [3][]int
	pk := 0
	for i, group := range []struct {
		key   string
		count int
		value func() string
	}{
		{"object", 50, func() string { return strings.Join(g.words(1+g.r.IntN(3)), " ") }},
		{"parent_object", 10, func() string { return title(g.words(1 + g.r.IntN(2))) }},
		{"problem_type", 10, func() string { return camel(g.words(2 + g.r.IntN(2))) }},
	} {
		seen := map[string]bool{}
		for len(tags[i]) < group.count {
			v := group.value()
			if seen[v] {
				continue
			}
			seen[v] = true
			pk++
			tags[i] = append(tags[i], pk)
			g.put("argus_incident.tag", pk, map[string]any{"key": group.key, "value": v})
		}
	}

	// Unique source incident ids, up to 999999 as the original's (more
	// when more incidents are asked for).
	idSpace := max(999999, 2*n)
	used := make(map[int]bool, n)
	type incident struct {
		start time.Time
		end   *time.Time
		src   source
	}
	incidents := make([]incident, n)
	for i := range n {
		if i%1000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		src := sources[g.r.IntN(len(sources))]
		id := 1 + g.r.IntN(idSpace)
		for used[id] {
			id = 1 + g.r.IntN(idSpace)
		}
		used[id] = true
		justNow := g.r.IntN(5) == 0
		start := g.now.Add(-time.Duration(i) * time.Second)
		if !justNow {
			start = g.between(origin, g.now)
		}
		inc := incident{start: start, src: src}
		var end any // stateless
		if g.r.IntN(2) == 0 {
			switch {
			case g.r.IntN(5) == 0:
				end = "infinity"
			case justNow:
				t := start.Add(time.Second)
				inc.end = &t
			default:
				t := g.between(start, g.now)
				inc.end = &t
			}
			if inc.end != nil {
				end = stamp(*inc.end)
			}
		}
		incidents[i] = inc
		g.put("argus_incident.incident", i+1, map[string]any{
			"start_time": stamp(start), "end_time": end, "source": src.pk,
			"source_incident_id": strconv.Itoa(id),
			"details_url":        strings.ToLower(fmt.Sprintf("http://%s.%s.no/%d", src.name, src.kind, id)),
			"description":        sentence(g.words(2 + g.r.IntN(9))),
			"ticket_url":         "",
			"level":              1 + g.r.IntN(5),
		})
	}
	rel := 0
	for i, inc := range incidents {
		for _, group := range tags {
			rel++
			g.put("argus_incident.incidenttagrelation", rel, map[string]any{
				"tag": group[g.r.IntN(len(group))], "incident": i + 1, "added_by": inc.src.pk, "added_time": stamp(inc.start),
			})
		}
	}
	ev := 0
	event := func(incident int, actor int, at time.Time, typ, desc string) {
		ev++
		g.put("argus_incident.event", ev, map[string]any{
			"incident": incident, "actor": actor, "timestamp": stamp(at), "received": stamp(at), "type": typ, "description": desc,
		})
	}
	for i, inc := range incidents {
		event(i+1, inc.src.pk, inc.start, "STA", "")
		if inc.end != nil && !inc.end.After(g.now) {
			event(i+1, inc.src.pk, *inc.end, "END", "")
		}
		if g.r.IntN(5) == 0 {
			until := g.now
			if inc.end != nil {
				until = *inc.end
			}
			event(i+1, inc.src.pk, g.between(inc.start, until), "OTH", "Info: "+sentence(g.words(3+g.r.IntN(8))))
		}
	}
	return g.err
}

// between is a random time in [from, to], to the microsecond.
func (g *gen) between(from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(g.r.Int64N(int64(span)/1000+1)) * time.Microsecond)
}

func (g *gen) words(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = wordList[g.r.IntN(len(wordList))]
	}
	return out
}

// stamp is a time as fixtures carry it.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func sentence(words []string) string { return capitalize(strings.Join(words, " ")) + "." }

func title(words []string) string {
	for i, w := range words {
		words[i] = capitalize(w)
	}
	return strings.Join(words, " ")
}

func camel(words []string) string {
	for i := 1; i < len(words); i++ {
		words[i] = capitalize(words[i])
	}
	return strings.Join(words, "")
}

// wordList is what the made-up names and sentences are made of.
var wordList = strings.Fields(`
alpha bravo link port switch router uplink fiber core edge access gateway
power supply fan chassis module card slot interface vlan trunk tunnel peer
session route prefix neighbor packet loss latency jitter error crc drop
queue buffer memory cpu disk volume partition backup snapshot replica
primary secondary cluster node rack row hall site campus building floor
room cabinet patch panel cable optic transceiver laser signal threshold
alarm warning critical minor major cleared flapping down up degraded
restored timeout refused reset unreachable overload saturation storm
loop spanning tree bridge firewall policy rule filter address pool lease
dns dhcp ntp syslog trap poll probe agent collector sensor temperature
humidity voltage current battery ups generator cooling airflow north
south east west upper lower inner outer blue green red amber silver
granite harbor river forest meadow summit valley island canyon glacier
`)
