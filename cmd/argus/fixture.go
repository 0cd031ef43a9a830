package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/argus-go/argus/internal/auth"
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
	var entries []store.Fixture
	var starts []int // where each file's entries begin in entries
	for _, name := range fs.Args() {
		starts = append(starts, len(entries))
		var err error
		if entries, err = readFixture(name, entries); err != nil {
			return err
		}
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
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

// readFixture appends the entries of one fixture file ("-": stdin) to
// entries. It reads the array one entry at a time.
func readFixture(name string, entries []store.Fixture) ([]store.Fixture, error) {
	var r io.Reader
	if name == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("%s: not a fixture: a JSON array of entries", name)
	}
	for i := 0; dec.More(); i++ {
		var f store.Fixture
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %v; nothing was loaded", name, i, err)
		}
		entries = append(entries, f)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: after the entries: %v; nothing was loaded", name, err)
	}
	return entries, nil
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
	w := e.stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := writeFixture(ctx, bw, st.DumpFixture); err != nil {
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
