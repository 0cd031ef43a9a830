package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/store"
)

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"version"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 0 || stderr.Len() != 0 {
		t.Fatalf("argus version: exit %d, stderr %q", code, stderr.String())
	}
	level, err := store.MigrationsLevel()
	if err != nil || level < 6 {
		t.Fatalf("MigrationsLevel = %d, %v; want at least 6", level, err)
	}
	for _, want := range []string{"argus ", runtime.Version(), fmt.Sprintf("database migrations up to %d\n", level)} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("argus version printed %q; want %q in it", stdout.String(), want)
		}
	}
}
