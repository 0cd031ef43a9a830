package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/argus-go/argus/internal/store"
)

// cmdVersion prints what this binary is: its module version (as go
// install stamps it), the commit and time of its source when it was
// built from a checkout, the Go version, and the newest database
// migration it carries.
func cmdVersion(_ context.Context, e *env, args []string) error {
	if err := flags(e, "version", 0).parse(args); err != nil {
		return err
	}
	version, commit, built, modified := "(devel)", "", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				built = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	level, err := store.MigrationsLevel()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "argus %s\n", version)
	if commit != "" {
		dirty := ""
		if modified {
			dirty = " (with uncommitted changes)"
		}
		fmt.Fprintf(e.stdout, "commit %s %s%s\n", commit, built, dirty)
	}
	fmt.Fprintf(e.stdout, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(e.stdout, "database migrations up to %d\n", level)
	return nil
}
