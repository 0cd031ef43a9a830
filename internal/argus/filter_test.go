package argus_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

func TestFilterSpecString(t *testing.T) {
	tests := []struct {
		name string
		spec argus.FilterSpec
		want string
	}{
		{"zero value", argus.FilterSpec{}, `{"sourceSystemIds": [], "tags": []}`},
		{"one of each", argus.FilterSpec{SourceIDs: []int64{7}, Tags: []argus.Tag{{Key: "a", Value: "b"}}}, `{"sourceSystemIds": [7], "tags": ["a=b"]}`},
		{
			name: "several, escaped",
			spec: argus.FilterSpec{
				SourceIDs: []int64{3, 1, 9223372036854775807},
				Tags:      []argus.Tag{{Key: "k", Value: `say "hi"\`}, {Key: "h", Value: "<&>"}, {Key: "u", Value: "Ünï"}, {Key: "a", Value: "b=c"}},
			},
			want: `{"sourceSystemIds": [3, 1, 9223372036854775807], "tags": ["k=say \"hi\"\\", "h=<&>", "u=Ünï", "a=b=c"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.String(); got != tt.want {
				t.Errorf("String() = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestFilterSpecRoundTrip(t *testing.T) {
	specs := []argus.FilterSpec{
		{SourceIDs: []int64{}, Tags: []argus.Tag{}},
		{SourceIDs: []int64{1}, Tags: []argus.Tag{}},
		{SourceIDs: []int64{}, Tags: []argus.Tag{{Key: "object", Value: "box1"}}},
		{SourceIDs: []int64{5, 5, 2, 9223372036854775807}, Tags: []argus.Tag{
			{Key: "a", Value: "b=c"}, {Key: "a", Value: "b=c"}, {Key: "x", Value: " spaced "},
			{Key: "k", Value: `q"uo\te`}, {Key: "t", Value: "tab\there"}, {Key: "u", Value: "Ünïcødé ✓ <&>"},
		}},
	}
	for _, spec := range specs {
		t.Run(spec.String(), func(t *testing.T) {
			s := spec.String()
			if !json.Valid([]byte(s)) {
				t.Fatalf("String() = %s is not valid JSON", s)
			}
			got, err := argus.ParseFilterSpec([]byte(s))
			if err != nil {
				t.Fatalf("ParseFilterSpec(%s) error = %v; want none", s, err)
			}
			if diff := cmp.Diff(spec, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if again := got.String(); again != s {
				t.Errorf("String() after round trip = %s; want %s", again, s)
			}
		})
	}
}

// incident returns an incident from source with the given "key=value" tags,
// split on the first "=".
func incident(source int64, tags ...string) *argus.Incident {
	inc := &argus.Incident{ID: 1, Source: argus.Source{ID: source}}
	for _, s := range tags {
		k, v, _ := strings.Cut(s, "=")
		inc.Tags = append(inc.Tags, argus.TagRelation{Tag: argus.Tag{Key: k, Value: v}})
	}
	return inc
}

// spec returns a filter spec with the given sources and "key=value" tags,
// split on the first "=" (so empty values are possible).
func spec(sources []int64, tags ...string) argus.FilterSpec {
	f := argus.FilterSpec{SourceIDs: sources}
	for _, s := range tags {
		k, v, _ := strings.Cut(s, "=")
		f.Tags = append(f.Tags, argus.Tag{Key: k, Value: v})
	}
	return f
}

func TestFilterSpecMatches(t *testing.T) {
	tests := []struct {
		name string
		spec argus.FilterSpec
		inc  *argus.Incident
		want bool
	}{
		{"both lists empty match nothing", spec(nil), incident(1, "object=a"), false},
		{"both lists empty, not even a bare incident", spec([]int64{}), incident(1), false},

		{"sources only, listed", spec([]int64{1, 2}), incident(2, "object=a"), true},
		{"sources only, listed, no tags", spec([]int64{1, 2}), incident(1), true},
		{"sources only, not listed", spec([]int64{1, 2}), incident(3, "object=a"), false},

		{"tags only, any source", spec(nil, "object=a"), incident(6, "object=a"), true},
		{"tags only, other value", spec(nil, "object=a"), incident(1, "object=b"), false},
		{"tags only, incident without tags", spec(nil, "object=a"), incident(1), false},
		{"tags only, other key", spec(nil, "object=a"), incident(1, "location=a"), false},
		{"values are case sensitive", spec(nil, "object=A"), incident(1, "object=a"), false},
		{"value with equals sign", spec(nil, "a=b=c"), incident(1, "a=b=c"), true},
		{"extra incident tags do not matter", spec(nil, "object=a"), incident(1, "location=x", "object=a", "problem=p"), true},

		{"OR within a key, first", spec(nil, "object=a", "object=b"), incident(1, "object=a"), true},
		{"OR within a key, second", spec(nil, "object=a", "object=b"), incident(1, "object=b"), true},
		{"OR within a key, neither", spec(nil, "object=a", "object=b"), incident(1, "object=c"), false},
		{"incident with two values of one key", spec(nil, "object=z"), incident(1, "object=a", "object=z"), true},

		{"AND across keys, both", spec(nil, "object=a", "location=x"), incident(1, "location=x", "object=a"), true},
		{"AND across keys, one missing", spec(nil, "object=a", "location=x"), incident(1, "object=a"), false},
		{"AND across keys, one wrong", spec(nil, "object=a", "location=x"), incident(1, "object=a", "location=y"), false},
		{"OR and AND", spec(nil, "object=a", "location=x", "object=b"), incident(1, "object=b", "location=x"), true},
		{"OR and AND, second key fails", spec(nil, "object=a", "location=x", "object=b"), incident(1, "object=b", "location=y"), false},
		{"duplicate filter tags", spec(nil, "object=a", "object=a"), incident(1, "object=a"), true},

		{"empty incident value does not match a query value", spec(nil, "object=x"), incident(1, "object="), false},
		{"empty value in a spec matches only an empty value", spec(nil, "object="), incident(1, "object="), true},
		{"empty value in a spec, incident has a value", spec(nil, "object="), incident(1, "object=x"), false},

		{"source and tags, both fit", spec([]int64{1}, "object=a"), incident(1, "object=a"), true},
		{"source and tags, wrong source", spec([]int64{1}, "object=a"), incident(2, "object=a"), false},
		{"source and tags, wrong tag", spec([]int64{1}, "object=a"), incident(1, "object=b"), false},
		{"source and tags, no tags", spec([]int64{1}, "object=a"), incident(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Matches(tt.inc); got != tt.want {
				t.Errorf("%s.Matches(source %d, tags %v) = %t; want %t", tt.spec, tt.inc.Source.ID, tt.inc.Tags, got, tt.want)
			}
		})
	}
}

func TestFilterSpecMatchesAllocatesNothing(t *testing.T) {
	f := spec([]int64{3, 1}, "object=a", "location=x", "object=b")
	inc := incident(1, "object=b", "location=x", "problem=p")
	allocs := testing.AllocsPerRun(100, func() {
		if !f.Matches(inc) {
			t.Fatal("Matches = false; want true")
		}
	})
	if allocs != 0 {
		t.Errorf("Matches allocates %v times per call; want 0", allocs)
	}
}

// Any filter_string either parses into a spec whose canonical form parses
// back to the same spec, or is refused with messages; never a panic, and
// no message quotes more than a bounded part of the input.
func FuzzParseFilterSpec(f *testing.F) {
	for _, s := range []string{
		`{"sourceSystemIds": [1, 2], "tags": ["object=box1", "a=b=c"]}`,
		`{"sourceSystemIds": [], "tags": []}`,
		`{"sourceSystemIds": [9223372036854775807], "tags": []}`,
		`{"sourceSystemIds": [9223372036854775808, 2147483648, -1, 0, 1.0, 1e400, "1"], "tags": []}`,
		`{"sourceSystemIds": [], "tags": ["a=` + strings.Repeat("v", 600) + `", "A=b", "a=", "a=b\n", "a=\u0000"]}`,
		`{"tags": []}`, `{"x": 1}`, `[]`, `null`, `"{}"`, `{`, `{"sourceSystemIds": null, "tags": {}}`,
		strings.Repeat("[", 10001), "{\"sourceSystemIds\": [], \"tags\": [\"a=\xff\"]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := argus.ParseFilterSpec(data)
		if err != nil {
			es := argus.Refusals(err)
			if len(es) == 0 {
				t.Fatalf("ParseFilterSpec(%q) error = %v; want refusals", data, err)
			}
			for _, e := range es {
				if e.Code == "" || !errors.Is(e, argus.ErrInvalid) {
					t.Fatalf("ParseFilterSpec(%q) refusal %v has no code or is not ErrInvalid", data, e)
				}
				if e.Code == argus.CodeFilterTag {
					if tag, _ := e.Args[0].(string); utf8.RuneCountInString(tag) > 51 {
						t.Fatalf("ParseFilterSpec(%q) refusal %v quotes too much", data, e)
					}
				}
			}
			return
		}
		if spec.SourceIDs == nil || spec.Tags == nil {
			t.Fatalf("ParseFilterSpec(%q) = %+v; want non-nil lists", data, spec)
		}
		for _, id := range spec.SourceIDs {
			if id < 1 {
				t.Fatalf("ParseFilterSpec(%q) kept source id %d", data, id)
			}
		}
		for _, tag := range spec.Tags {
			if _, err := argus.ParseTagQuery(tag.String()); err != nil {
				t.Fatalf("ParseFilterSpec(%q) kept tag %q: %v", data, tag, err)
			}
		}
		again, err := argus.ParseFilterSpec([]byte(spec.String()))
		if err != nil || !slices.Equal(again.SourceIDs, spec.SourceIDs) || !slices.Equal(again.Tags, spec.Tags) {
			t.Fatalf("ParseFilterSpec(%q) = %+v; its String %q parses to %+v, %v", data, spec, spec.String(), again, err)
		}
	})
}
