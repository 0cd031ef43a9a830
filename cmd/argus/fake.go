package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// tagFlags collect repeated -t k=v.
type tagFlags []argus.Tag

func (t *tagFlags) String() string { return "" }

func (t *tagFlags) Set(v string) error {
	tag, err := argus.ParseTag(v)
	if err != nil {
		return err
	}
	*t = append(*t, tag)
	return nil
}

// cmdCreateFakeIncident creates incidents from Argus's own source, as the
// original's create_fake_incident does (api-v1.md §8), for trying out
// notification set-ups: open (or stateless) now, a random
// source_incident_id, the tags location=argus, object=<pk>,
// problem_type=test and any -t. Each is announced as any new incident is.
func cmdCreateFakeIncident(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "create-fake-incident", 0)
	var tags tagFlags
	fs.Var(&tags, "t", "add the tag `k=v` (repeatable)")
	desc := fs.String("d", "", "description (default: names the incident and this command)")
	stateless := fs.Bool("stateless", false, "create stateless incidents")
	batch := fs.Int("batch-size", 1, "how many incidents to create")
	level := fs.Int("level", argus.MaxLevel, "level, 1 (most severe) to 5")
	metadata := fs.String("metadata", "", "metadata: a JSON object")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *batch < 1 {
		return errors.New("--batch-size: must be at least 1")
	}
	if *level < argus.MinLevel || *level > argus.MaxLevel {
		return fmt.Errorf("--level: must be %d to %d", argus.MinLevel, argus.MaxLevel)
	}
	var meta json.RawMessage
	if *metadata != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(*metadata), &obj); err != nil || obj == nil {
			return errors.New("--metadata: not a JSON object")
		}
		meta = json.RawMessage(*metadata)
	}
	st, src, user, err := openArgusSource(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	for range *batch {
		now := e.now()
		ni := store.NewIncident{
			SourceID: src.ID, StartTime: now, Level: *level, Metadata: meta,
			SourceIncidentID: strconv.FormatUint(1+rand.Uint64N(1<<32-1), 10),
			Description:      *desc,
			Tags:             append([]argus.Tag{{Key: "location", Value: "argus"}, {Key: "problem_type", Value: "test"}}, tags...),
		}
		if !*stateless {
			ni.EndTime = new(argus.Infinity)
		}
		if ni.Description == "" {
			ni.Description = fmt.Sprintf("Incident %s created via \"argus create-fake-incident\"", ni.SourceIncidentID)
		}
		inc, _, err := st.CreateIncident(ctx, ni, user.ID, now)
		if err != nil {
			return err
		}
		if err := st.AddTag(ctx, inc.ID, argus.Tag{Key: "object", Value: strconv.FormatInt(inc.ID, 10)}, user.ID, now); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Created incident #%d: %s\n", inc.ID, inc.Description)
	}
	return nil
}

// cmdCloseFakeIncident ends open incidents of Argus's own source: the ones
// named, or with --all every one, with an END event by its user.
func cmdCloseFakeIncident(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "close-fake-incident", anyArgs)
	all := fs.Bool("all", false, "close every open incident of the argus source")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *all == (fs.NArg() > 0) {
		return errors.New("name the incidents to close, or --all (see argus close-fake-incident --help)")
	}
	ids := make([]int64, fs.NArg())
	for i, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%q is not an incident id", a)
		}
		ids[i] = id
	}
	st, src, user, err := openArgusSource(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	now := e.now()
	if *all {
		open := true
		list, _, err := st.Incidents(ctx, store.IncidentFilter{Open: &open, SourceIDs: []int64{src.ID}}, nil, 0, now)
		if err != nil {
			return err
		}
		for _, inc := range list {
			ids = append(ids, inc.ID)
		}
	}
	closed := 0
	for _, id := range ids {
		inc, err := st.Incident(ctx, id, now)
		if err != nil {
			return fmt.Errorf("incident %d: %w", id, err)
		}
		switch {
		case inc.Source.ID != src.ID:
			return fmt.Errorf("incident %d is not a fake incident: its source is %q", id, inc.Source.Name)
		case !inc.Open(now):
			fmt.Fprintf(e.stdout, "Incident #%d is not open.\n", id)
			continue
		}
		ev := argus.Event{IncidentID: id, Type: argus.EventEnd, Timestamp: now, Description: "Closed via \"argus close-fake-incident\""}
		if _, err := st.CreateEvent(ctx, argus.RulesV2, ev, &user, now); err != nil {
			return fmt.Errorf("incident %d: %w", id, err)
		}
		closed++
		fmt.Fprintf(e.stdout, "Closed incident #%d.\n", id)
	}
	fmt.Fprintf(e.stdout, "%d incident(s) closed.\n", closed)
	return nil
}

// openArgusSource opens the migrated database and finds Argus's own
// source and its user, made first if missing (as initial-setup makes
// them). The caller closes the store.
func openArgusSource(ctx context.Context, e *env) (*store.Store, argus.Source, argus.User, error) {
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return nil, argus.Source{}, argus.User{}, err
	}
	src, user, err := argusSource(ctx, e, st)
	if err != nil {
		return nil, argus.Source{}, argus.User{}, errors.Join(err, st.Close())
	}
	return st, src, user, nil
}

func argusSource(ctx context.Context, e *env, st *store.Store) (argus.Source, argus.User, error) {
	if _, err := st.EnsureDefaults(ctx, e.now()); err != nil {
		return argus.Source{}, argus.User{}, err
	}
	user, err := st.UserByUsername(ctx, "argus")
	if err != nil {
		return argus.Source{}, argus.User{}, err
	}
	sources, err := st.Sources(ctx)
	if err != nil {
		return argus.Source{}, argus.User{}, err
	}
	for _, s := range sources {
		if s.Name == "argus" && s.Type == "argus" && s.UserID == user.ID {
			return s, user, nil
		}
	}
	return argus.Source{}, argus.User{}, errors.New(`the source "argus" belongs to another user; fake incidents need it as initial-setup makes it`)
}
