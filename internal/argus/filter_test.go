package argus_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

func TestParseFilterSpec(t *testing.T) {
	const (
		missingBoth    = "Filterstring is missing fieldname(s): sourceSystemIds, tags"
		missingSources = "Filterstring is missing fieldname(s): sourceSystemIds"
		missingTags    = "Filterstring is missing fieldname(s): tags"
	)
	badTag := func(tag string) string { return `Invalid tag "` + tag + `": ` + argus.MsgTagQuery }
	tests := []struct {
		name     string
		in       string
		want     argus.FilterSpec
		wantMsgs []string
	}{
		// Valid documents.
		{
			name: "empty lists",
			in:   `{"sourceSystemIds": [], "tags": []}`,
			want: argus.FilterSpec{SourceIDs: []int64{}, Tags: []argus.Tag{}},
		},
		{
			name: "whitespace and key order",
			in:   " \n{ \"tags\" : [ \"object=box1\" ] ,\t\"sourceSystemIds\" : [ 2 , 1 ] }\n",
			want: argus.FilterSpec{SourceIDs: []int64{2, 1}, Tags: []argus.Tag{{Key: "object", Value: "box1"}}},
		},
		{
			name: "duplicates kept as given",
			in:   `{"sourceSystemIds": [3, 1, 3], "tags": ["a=b", "a=b", "a=c"]}`,
			want: argus.FilterSpec{
				SourceIDs: []int64{3, 1, 3},
				Tags:      []argus.Tag{{Key: "a", Value: "b"}, {Key: "a", Value: "b"}, {Key: "a", Value: "c"}},
			},
		},
		{
			name: "largest id",
			in:   `{"sourceSystemIds": [1, 9223372036854775807], "tags": []}`,
			want: argus.FilterSpec{SourceIDs: []int64{1, 9223372036854775807}, Tags: []argus.Tag{}},
		},
		{
			name: "values split on the first equals sign and kept verbatim",
			in:   `{"sourceSystemIds": [], "tags": ["a=b=c", "x= spaced ", "k=Ünïcødé ✓", "h=<&>"]}`,
			want: argus.FilterSpec{SourceIDs: []int64{}, Tags: []argus.Tag{
				{Key: "a", Value: "b=c"}, {Key: "x", Value: " spaced "}, {Key: "k", Value: "Ünïcødé ✓"}, {Key: "h", Value: "<&>"},
			}},
		},
		{
			name: "duplicate JSON key: the last one wins, as in Python",
			in:   `{"sourceSystemIds": [1], "tags": ["a=b"], "sourceSystemIds": [2]}`,
			want: argus.FilterSpec{SourceIDs: []int64{2}, Tags: []argus.Tag{{Key: "a", Value: "b"}}},
		},

		// Not JSON at all.
		{name: "empty input", in: ``, wantMsgs: []string{"Invalid JSON: unexpected end of JSON input"}},
		{name: "truncated", in: `{"sourceSystemIds": [1]`, wantMsgs: []string{"Invalid JSON: unexpected end of JSON input"}},
		{
			name:     "trailing comma",
			in:       `{"sourceSystemIds": [], "tags": [],}`,
			wantMsgs: []string{"Invalid JSON: invalid character '}' looking for beginning of object key string"},
		},
		{
			name:     "single quotes",
			in:       `{'tags': []}`,
			wantMsgs: []string{`Invalid JSON: invalid character '\'' looking for beginning of object key string`},
		},
		{
			name:     "trailing data",
			in:       `{"sourceSystemIds": [], "tags": []} x`,
			wantMsgs: []string{"Invalid JSON: invalid character 'x' after top-level value"},
		},

		// JSON, but not an object.
		{name: "list", in: `[]`, wantMsgs: []string{argus.MsgFilterNotObject}},
		{name: "null", in: `null`, wantMsgs: []string{argus.MsgFilterNotObject}},
		{name: "string", in: `"{}"`, wantMsgs: []string{argus.MsgFilterNotObject}},
		{name: "number", in: ` 1 `, wantMsgs: []string{argus.MsgFilterNotObject}},

		// Wrong key sets: every applicable message, in order.
		{name: "empty object", in: `{}`, wantMsgs: []string{argus.MsgFilterNoKnownKey, missingBoth}},
		{name: "only tags", in: `{"tags": []}`, wantMsgs: []string{missingSources}},
		{name: "only sources", in: `{"sourceSystemIds": []}`, wantMsgs: []string{missingTags}},
		{
			name:     "only unknown keys",
			in:       `{"foo": 1, "bar": 2}`,
			wantMsgs: []string{argus.MsgFilterNoKnownKey, missingBoth, "Unknown fieldname(s) in filterstring: bar, foo"},
		},
		{
			name:     "unknown keys, sorted",
			in:       `{"sourceSystemIds": [], "tags": [], "zzz": 1, "aaa": 2, "Tags": 3}`,
			wantMsgs: []string{"Unknown fieldname(s) in filterstring: Tags, aaa, zzz"},
		},
		{
			name:     "missing and unknown",
			in:       `{"tags": [], "sourceSystemId": [1]}`,
			wantMsgs: []string{missingSources, "Unknown fieldname(s) in filterstring: sourceSystemId"},
		},
		{
			name:     "wrong key set hides type errors",
			in:       `{"sourceSystemIds": "abc"}`,
			wantMsgs: []string{missingTags},
		},

		// Right keys, wrong values.
		{
			name:     "both values of the wrong type",
			in:       `{"sourceSystemIds": "abc", "tags": "x"}`,
			wantMsgs: []string{argus.MsgFilterBadSourceIDs, argus.MsgFilterBadTags},
		},
		{name: "sources null", in: `{"sourceSystemIds": null, "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "sources object", in: `{"sourceSystemIds": {}, "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source zero", in: `{"sourceSystemIds": [1, 0], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source negative", in: `{"sourceSystemIds": [-1], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source with fraction", in: `{"sourceSystemIds": [1.0], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source with exponent", in: `{"sourceSystemIds": [1e3], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source as string", in: `{"sourceSystemIds": ["1"], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source beyond int64", in: `{"sourceSystemIds": [9223372036854775808], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source nested list", in: `{"sourceSystemIds": [[1]], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source null item", in: `{"sourceSystemIds": [null], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "source boolean", in: `{"sourceSystemIds": [true], "tags": []}`, wantMsgs: []string{argus.MsgFilterBadSourceIDs}},
		{name: "tags null", in: `{"sourceSystemIds": [], "tags": null}`, wantMsgs: []string{argus.MsgFilterBadTags}},
		{name: "tags string", in: `{"sourceSystemIds": [], "tags": "a=b"}`, wantMsgs: []string{argus.MsgFilterBadTags}},
		{name: "tag number", in: `{"sourceSystemIds": [], "tags": [1]}`, wantMsgs: []string{argus.MsgFilterBadTags}},
		{name: "tag null", in: `{"sourceSystemIds": [], "tags": [null]}`, wantMsgs: []string{argus.MsgFilterBadTags}},
		{
			name:     "a non-string tag hides the invalid strings",
			in:       `{"sourceSystemIds": [], "tags": ["bad", {"a": "b"}]}`,
			wantMsgs: []string{argus.MsgFilterBadTags},
		},
		{name: "tag without delimiter", in: `{"sourceSystemIds": [], "tags": ["object"]}`, wantMsgs: []string{badTag("object")}},
		{name: "tag with empty value", in: `{"sourceSystemIds": [], "tags": ["object="]}`, wantMsgs: []string{badTag("object=")}},
		{name: "tag with empty key", in: `{"sourceSystemIds": [], "tags": ["=v"]}`, wantMsgs: []string{badTag("=v")}},
		{name: "tag with uppercase key", in: `{"sourceSystemIds": [], "tags": ["Object=a"]}`, wantMsgs: []string{badTag("Object=a")}},
		{name: "tag with spaced key", in: `{"sourceSystemIds": [], "tags": [" object=a"]}`, wantMsgs: []string{badTag(" object=a")}},
		{name: "tag with newline", in: `{"sourceSystemIds": [], "tags": ["a=b\nc"]}`, wantMsgs: []string{badTag("a=b\nc")}},
		{
			name:     "one message per invalid tag, in order",
			in:       `{"sourceSystemIds": [], "tags": ["ok=1", "bad", "x=y", "=v"]}`,
			wantMsgs: []string{badTag("bad"), badTag("=v")},
		},
		{
			name:     "sources before tags",
			in:       `{"sourceSystemIds": [0], "tags": ["bad"]}`,
			wantMsgs: []string{argus.MsgFilterBadSourceIDs, badTag("bad")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msgs := argus.ParseFilterSpec([]byte(tt.in))
			if diff := cmp.Diff(tt.wantMsgs, msgs); diff != "" {
				t.Errorf("ParseFilterSpec(%q) messages (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilterSpec(%q) spec (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseFilterObject(t *testing.T) {
	tests := []struct {
		name     string
		obj      map[string]json.RawMessage
		want     argus.FilterSpec
		wantMsgs []string
	}{
		{
			name:     "nil map",
			obj:      nil,
			wantMsgs: []string{argus.MsgFilterNoKnownKey, "Filterstring is missing fieldname(s): sourceSystemIds, tags"},
		},
		{
			name: "valid",
			obj:  map[string]json.RawMessage{"sourceSystemIds": json.RawMessage(`[4]`), "tags": json.RawMessage(`["a=b"]`)},
			want: argus.FilterSpec{SourceIDs: []int64{4}, Tags: []argus.Tag{{Key: "a", Value: "b"}}},
		},
		{
			name:     "raw values with surrounding space",
			obj:      map[string]json.RawMessage{"sourceSystemIds": json.RawMessage(" [ 4 ] "), "tags": json.RawMessage(` [ "a=b" ] `)},
			want:     argus.FilterSpec{SourceIDs: []int64{4}, Tags: []argus.Tag{{Key: "a", Value: "b"}}},
			wantMsgs: nil,
		},
		{
			name:     "unknown key",
			obj:      map[string]json.RawMessage{"sourceSystemIds": json.RawMessage(`[]`), "tags": json.RawMessage(`[]`), "name": json.RawMessage(`"x"`)},
			wantMsgs: []string{"Unknown fieldname(s) in filterstring: name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msgs := argus.ParseFilterObject(tt.obj)
			if diff := cmp.Diff(tt.wantMsgs, msgs); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

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
			got, msgs := argus.ParseFilterSpec([]byte(s))
			if msgs != nil {
				t.Fatalf("ParseFilterSpec(%s) messages = %q; want none", s, msgs)
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
		spec, msgs := argus.ParseFilterSpec(data)
		if len(msgs) > 0 {
			for _, m := range msgs {
				if m == "" || utf8.RuneCountInString(m) > 200 && !strings.HasPrefix(m, "Invalid JSON: ") &&
					!strings.HasPrefix(m, "Unknown fieldname(s)") {
					t.Fatalf("ParseFilterSpec(%q) message %q is empty or quotes too much", data, m)
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
		again, msgs := argus.ParseFilterSpec([]byte(spec.String()))
		if len(msgs) > 0 || !slices.Equal(again.SourceIDs, spec.SourceIDs) || !slices.Equal(again.Tags, spec.Tags) {
			t.Fatalf("ParseFilterSpec(%q) = %+v; its String %q parses to %+v, %v", data, spec, spec.String(), again, msgs)
		}
	})
}
