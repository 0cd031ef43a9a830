package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/mockdata"
	"github.com/argus-go/argus/internal/store"
)

// cmdLoadData loads Django fixture JSON (D23): our mock data, our dumps,
// and a `manage.py dumpdata` export of an Argus of either era, in one
// transaction.
func cmdLoadData(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "loaddata", anyArgs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("name at least one fixture file (see argus loaddata --help)")
	}
	for _, name := range fs.Args() {
		if name == "-" {
			continue
		}
		if _, err := os.Stat(name); err != nil {
			return err // before anything is read
		}
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	var starts []int // where each file's entries begin, counted over all
	entries := func(yield func(store.Fixture, error) bool) {
		n := 0
		for _, name := range fs.Args() {
			starts = append(starts, n)
			for f, err := range readFixture(name) {
				if !yield(f, err) || err != nil {
					return
				}
				n++
			}
		}
	}
	report, err := st.LoadFixture(ctx, entries, auth.HashKey, newProgress(e))
	var fe *store.FixtureError
	if errors.As(err, &fe) {
		// Name the entry by its file and its index there.
		file := 0
		for file+1 < len(starts) && starts[file+1] <= fe.Index {
			file++
		}
		return fmt.Errorf("%s: entry %d (%s, pk %s): %v; nothing was loaded",
			fs.Arg(file), fe.Index-starts[file], fe.Model, fe.PK, fe.Err)
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was loaded", err)
	}
	n := 0
	for _, c := range report.Loaded {
		n += c
	}
	fmt.Fprintf(e.stdout, "Installed %d object(s) from %d fixture(s).\n", n, fs.NArg())
	if len(report.Replaced) > 0 {
		fmt.Fprintf(e.stdout, "Replaced users: %s.\n", strings.Join(report.Replaced, ", "))
	}
	if len(report.Skipped) > 0 {
		var list []string
		for _, m := range slices.Sorted(maps.Keys(report.Skipped)) {
			list = append(list, fmt.Sprintf("%s (%d)", m, report.Skipped[m]))
		}
		fmt.Fprintf(e.stdout, "Skipped, as models this Argus does not have: %s.\n", strings.Join(list, ", "))
	}
	if len(report.Ignored) > 0 {
		fmt.Fprintf(e.stdout, "Ignored fields this Argus does not have: %s.\n", strings.Join(report.Ignored, ", "))
	}
	return nil
}

// readFixture yields the entries of one fixture file ("-": stdin), read
// one at a time; an error ends them.
func readFixture(name string) iter.Seq2[store.Fixture, error] {
	return func(yield func(store.Fixture, error) bool) {
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				yield(store.Fixture{}, err)
				return
			}
			defer f.Close()
			r = f
		}
		dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			yield(store.Fixture{}, fmt.Errorf("%s: not a fixture: a JSON array of entries", name))
			return
		}
		for i := 0; dec.More(); i++ {
			var f store.Fixture
			if err := dec.Decode(&f); err != nil {
				yield(store.Fixture{}, fmt.Errorf("%s: entry %d: %v", name, i, err))
				return
			}
			if !yield(f, nil) {
				return
			}
		}
		if _, err := dec.Token(); err != nil {
			yield(store.Fixture{}, fmt.Errorf("%s: after the entries: %v", name, err))
		}
	}
}

// newProgress reports a load's progress: a bar redrawn in place on a
// terminal (stderr), plain lines every tenth otherwise (stdout).
func newProgress(e *env) func(done, total int) {
	if f, ok := e.stderr.(*os.File); ok && isTerminal(f) {
		return func(done, total int) {
			const width = 40
			filled := width * done / max(total, 1)
			fmt.Fprintf(f, "\rLoading [%s%s] %d/%d rows", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
			if done == total {
				fmt.Fprintln(f)
			}
		}
	}
	next := 0
	return func(done, total int) {
		if total < plainProgressFrom {
			return // done before anyone would look
		}
		if done*10 >= next*total || done == total {
			fmt.Fprintf(e.stdout, "Loaded %d of %d rows.\n", done, total)
			next = done*10/max(total, 1) + 1
		}
	}
}

// plainProgressFrom is the fewest rows of a load that prints its progress
// when not on a terminal.
const plainProgressFrom = 20000

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// cmdDumpData writes every row that loaddata loads as fixture JSON, so
// that a dump loaded into an empty database gives the same data back.
func cmdDumpData(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "dumpdata", 0)
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	if err := fs.parse(args); err != nil {
		return err
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	return writeFixtureTo(ctx, e, *out, st.DumpFixture)
}

// writeFixtureTo writes the entries that each gives to the file out, or
// to stdout when out is "".
func writeFixtureTo(ctx context.Context, e *env, out string, each func(context.Context, func(store.Fixture) error) error) error {
	w := e.stdout
	var f *os.File
	if out != "" {
		var err error
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := writeFixture(ctx, bw, each); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

// writeFixture writes the entries that each gives as a JSON array, one
// entry to a line.
func writeFixture(ctx context.Context, w io.Writer, each func(context.Context, func(store.Fixture) error) error) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	first := true
	err := each(ctx, func(f store.Fixture) error {
		buf.Reset()
		if !first {
			buf.WriteString(",")
		}
		first = false
		buf.WriteString("\n")
		if err := enc.Encode(f); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}

// cmdMockData writes a fixture of made-up incidents, as the original's
// generator did (api-v1.md §8), for loaddata.
func cmdMockData(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "mockdata", 0)
	n := fs.Int("incidents", 200, "how many incidents to make")
	seed := fs.Uint64("seed", 0, "seed of the random choices: the same seed and --now make the same fixture (default: a random one)")
	now := fs.String("now", "", "the time the incidents are made up to, RFC 3339 (default: now)")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *n < 0 {
		return errors.New("--incidents: must not be negative")
	}
	o := mockdata.Options{Incidents: *n, Seed: *seed, Now: e.now()}
	if *seed == 0 {
		o.Seed = rand.Uint64()
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339Nano, *now)
		if err != nil {
			return fmt.Errorf("--now: %v", err)
		}
		o.Now = t
	}
	return writeFixtureTo(ctx, e, *out, func(ctx context.Context, emit func(store.Fixture) error) error {
		return mockdata.Generate(ctx, o, emit)
	})
}
