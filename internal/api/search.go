package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// MaxSearchTerms bounds the terms of a text search: each is a condition
// of its own, and SQLite refuses expressions deeper than 1,000.
const MaxSearchTerms = 32

// SearchValue reads the terms of a text search from the parameter key
// (v2's ?search=, api-v2.md §4.4.2): SearchTerms of its last value. More
// than MaxSearchTerms different terms is a field error.
func SearchValue(q url.Values, key string, errs FieldErrors) []string {
	terms := SearchTerms(TextValue(q, key, MaxDescriptionLength, errs))
	if len(terms) > MaxSearchTerms {
		errs.Add(key, fmt.Sprintf("Ensure this field has no more than %d terms.", MaxSearchTerms))
		return nil
	}
	return terms
}

// SearchTerms splits a search text into the terms an incident must each
// contain, as the original's search filter (DRF's search_smart_split)
// does: on whitespace and commas, a quoted phrase ("core router" or
// 'core router', with \" or \' inside) kept whole. Empty terms, which
// every incident contains, and repeated ones are left out.
func SearchTerms(v string) []string {
	var terms []string
	add := func(t string) {
		if t != "" && !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	for _, tok := range smartSplit(v) {
		tok = strings.Trim(tok, ",")
		if tok != "" && (tok[0] == '"' || tok[0] == '\'') && tok[len(tok)-1] == tok[0] {
			if len(tok) >= 2 {
				q := tok[:1]
				inner := tok[1 : len(tok)-1]
				add(strings.ReplaceAll(strings.ReplaceAll(inner, `\`+q, q), `\\`, `\`))
			}
			continue
		}
		for _, sub := range strings.Split(tok, ",") {
			add(strings.TrimSpace(sub))
		}
	}
	return terms
}

// smartSplit splits s on whitespace as Django's smart_split does: a token
// that holds complete quoted runs ("…" or '…', backslash escaping the
// next character) keeps their whitespace and ends after the last of
// them; a token without one runs to the next whitespace.
func smartSplit(s string) []string {
	rs := []rune(s)
	// plain skips characters that are neither whitespace nor quotes.
	plain := func(i int) int {
		for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != '"' && rs[i] != '\'' {
			i++
		}
		return i
	}
	// closing is the index of the quote that closes the one at i, or -1.
	closing := func(i int) int {
		for j := i + 1; j < len(rs); j++ {
			switch rs[j] {
			case '\\':
				j++
			case rs[i]:
				return j
			}
		}
		return -1
	}
	var out []string
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		j, quoted := plain(i), false
		for j < len(rs) && (rs[j] == '"' || rs[j] == '\'') {
			end := closing(j)
			if end < 0 {
				break
			}
			j, quoted = plain(end+1), true
		}
		if !quoted {
			for j = i; j < len(rs) && !unicode.IsSpace(rs[j]); j++ {
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}
