package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/config"
	"github.com/argus-go/argus/internal/store"
)

// env is one invocation's surroundings: arguments aside, everything a
// command may touch. Tests run commands in process with their own env.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// ready, if set, receives the server's address once it listens.
	ready func(addr string)
}

// command is one subcommand.
type command struct {
	name    string
	args    string // synopsis of the arguments
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "[--addr HOST:PORT]", "run the HTTP server (migrates and sets up an empty database first)", cmdServe},
		{"migrate", "", "apply pending database migrations", cmdMigrate},
		{"initial-setup", "[--username admin] [--password P] [--email E]", "create the superuser and the argus user, source type and source", cmdInitialSetup},
		{"create-user", "--username U [--password P] [--email E] [--superuser]", "create a user", cmdCreateUser},
		{"create-source", "--name N --type T [--username U] [--base-url URL]", "create a source system and its user; print the user's API token last", cmdCreateSource},
		{"create-token", "--username U", "issue a fresh API token for a user (the old one stops working) and print it", cmdCreateToken},
		{"setpassword", "USERNAME PASSWORD", "set a user's password", cmdSetPassword},
		{"grantsuperuser", "USERNAME", "make a user superuser and staff", cmdGrantSuperuser},
		{"revokesuperuser", "USERNAME", "take superuser and staff away from a user", cmdRevokeSuperuser},
		{"create-fake-incident", "[-t k=v …] [-d DESC] [--stateless] [--batch-size N] [--level L] [--metadata JSON]", "create test incidents from the argus source, to try notification set-ups", cmdCreateFakeIncident},
		{"close-fake-incident", "--all | ID…", "end open incidents of the argus source", cmdCloseFakeIncident},
		{"loaddata", "FILE…", "load Django fixture JSON: mock data, a dump, or a manage.py dumpdata export of an existing Argus (all or nothing)", cmdLoadData},
		{"dumpdata", "[-o FILE]", "write the database as Django fixture JSON, which loaddata reads back", cmdDumpData},
		{"mockdata", "[--incidents N] [--seed S] [--now TIME] [-o FILE]", "write a fixture of made-up incidents, sources and tags, for loaddata", cmdMockData},
		{"worker", "", "dispatch and send notifications without serving HTTP (serve does this too)", cmdWorker},
		{"dev-smtp", "[--addr HOST:PORT]", "run a local SMTP server that prints every message it receives (for development)", cmdDevSMTP},
		{"notifications", "list [--status S] [--incident N] [--limit N] | retry ID…", "list notification messages, or queue failed ones again", cmdNotifications},
		{"healthcheck", "[--url URL]", "ask a running server whether it is ready (GET /readyz); exit 0 only on 200", cmdHealthcheck},
		{"version", "", "print the version, the commit it was built from, the Go version and the database migrations it carries", cmdVersion},
	}
}

// run executes one command line and returns the exit status. Errors are
// one line on stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runEnv(ctx, &env{getenv: getenv, stdout: stdout, stderr: stderr, now: time.Now}, args)
}

func runEnv(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "argus %s: %s\n", c.name, oneLine(err))
			return 1
		}
		return 0
	}
	fmt.Fprintf(e.stderr, "argus: unknown command %q (run \"argus help\")\n", args[0])
	return 2
}

// oneLine flattens an error for the terminal.
func oneLine(err error) string {
	return strings.ReplaceAll(api.Describe(err), "\n", " ")
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Argus aggregates incidents from monitoring systems and notifies people.\n\nUsage: argus <command> [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	_ = tw.Flush()
	fmt.Fprint(w, "\nRun \"argus <command> --help\" for a command's flags and the environment it reads.\n")
}

// flags builds a command's flag set. Parse errors come back as one line;
// --help prints the usage and the environment variables to stdout.
func flags(e *env, name string, positional int) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flagSet{FlagSet: fs, e: e, positional: positional}
}

type flagSet struct {
	*flag.FlagSet
	e          *env
	positional int
}

func (f *flagSet) parse(args []string) error {
	hasFlags := false
	f.VisitAll(func(*flag.Flag) { hasFlags = true })
	if !hasFlags && !(len(args) == 1 && isHelp(args[0])) {
		// A command without flags takes its arguments as they are, so a
		// password may start with "-".
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		if f.positional != anyArgs && len(args) != f.positional {
			return fmt.Errorf("expected %d argument(s), got %d (see argus %s --help)", f.positional, len(args), f.Name())
		}
		return f.Parse(append([]string{"--"}, args...))
	}
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.printHelp()
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (see argus %s --help)", err, f.Name())
	}
	if f.positional != anyArgs && f.NArg() != f.positional {
		return fmt.Errorf("expected %d argument(s), got %d (see argus %s --help)", f.positional, f.NArg(), f.Name())
	}
	return nil
}

// anyArgs as flags' positional count takes any number of arguments.
const anyArgs = -1

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func (f *flagSet) printHelp() {
	w := f.e.stdout
	for _, c := range commands() {
		// "notifications list" is documented under "notifications".
		if c.name == strings.Fields(f.Name())[0] {
			fmt.Fprintf(w, "Usage: argus %s %s\n\n%s.\n", c.name, c.args, capitalize(c.summary))
		}
	}
	hasFlags := false
	f.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nFlags:\n")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	fmt.Fprint(w, "\nEnvironment:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, v.Default, v.Help)
	}
	_ = tw.Flush()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// openStore loads the configuration and opens the database.
func openStore(ctx context.Context, e *env) (config.Config, *store.Store, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return cfg, nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseDSN(), store.WithNotifications(cfg.SendNotifications))
	if err != nil {
		return cfg, nil, err
	}
	return cfg, st, nil
}

// openMigrated opens the database and checks that its schema is current.
func openMigrated(ctx context.Context, e *env) (config.Config, *store.Store, error) {
	cfg, st, err := openStore(ctx, e)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.AutoMigrate {
		_, err = st.Migrate(ctx)
	} else if pending, perr := st.Pending(ctx); perr != nil {
		err = perr
	} else if pending {
		err = errors.New("the database schema is not up to date: run \"argus migrate\"")
	}
	if err != nil {
		_ = st.Close() // the migration error is the one to report
		return cfg, nil, err
	}
	return cfg, st, nil
}

// newLogger logs JSON at info level, or text at debug level when DEBUG is
// on.
func newLogger(w io.Writer, debug bool) *slog.Logger {
	if debug {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
