package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/argus-go/argus/internal/config"
)

// The README's configuration table names every variable Argus reads.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md has no configuration row for %s", v.Name)
		}
	}
}
