package api

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestSearchTerms checks how ?search= is split into terms, each of which
// an incident must contain (api-v2.md §4.4.2): as DRF's search filter
// splits it, on whitespace and commas, quoted phrases kept whole.
func TestSearchTerms(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"router", []string{"router"}},
		{"  core   router ", []string{"core", "router"}},
		{"core,router", []string{"core", "router"}},
		{"core, router,", []string{"core", "router"}},
		{",,,", nil},
		{`"core router" down`, []string{"core router", "down"}},
		{`'core router'`, []string{"core router"}},
		{`"core,router"`, []string{"core,router"}},
		{`"a \"quoted\" word"`, []string{`a "quoted" word`}},
		{`'it\'s' \\`, []string{"it's", `\\`}},
		{`"unclosed phrase`, []string{`"unclosed`, "phrase"}},
		{`a"b c"d`, []string{`a"b c"d`}},                // quotes inside a token keep it whole
		{`a"b c"d"e f`, []string{`a"b c"d`, `"e`, "f"}}, // up to the last complete quote
		{`""`, nil},
		{`"`, nil},
		{"down down DOWN", []string{"down", "DOWN"}},
		{"tab\tand\nnewline", []string{"tab", "and", "newline"}},
		{"ærø 80%", []string{"ærø", "80%"}},
	} {
		if got := SearchTerms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SearchTerms(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestSearchValueBoundsTerms checks that a search of more terms than one
// statement can hold is a field error, and one of as many is not.
func TestSearchValueBoundsTerms(t *testing.T) {
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = "w" + strings.Repeat("x", i)
		}
		return strings.Join(w, " ")
	}
	errs := FieldErrors{}
	if got := SearchValue(url.Values{"search": {words(MaxSearchTerms)}}, "search", errs); len(got) != MaxSearchTerms || len(errs) != 0 {
		t.Errorf("%d terms: %d terms, errors %v", MaxSearchTerms, len(got), errs)
	}
	errs = FieldErrors{}
	if got := SearchValue(url.Values{"search": {words(MaxSearchTerms + 1)}}, "search", errs); got != nil || !errs.Has("search") {
		t.Errorf("%d terms: %q, errors %v; want a field error", MaxSearchTerms+1, got, errs)
	}
	errs = FieldErrors{}
	if got := SearchValue(url.Values{"search": {"first", "second"}}, "search", errs); !slices.Equal(got, []string{"second"}) {
		t.Errorf("two values: %q; want the last, as Django takes it", got)
	}
}
