package api

// The domain's parsers and validators as API v1 words their refusals: the
// original's texts, exactly. The domain returns codes (argus.Error); these
// tests pin the parsing and the wording together.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/argus"
)

// The original's messages.
const (
	wantTagNoDelimiter     = "The tag must contain an equality sign (=) delimiter."
	wantTagEmptyKey        = "The tag's key must not be empty"
	wantTagBadKey          = "Enter a valid key consisting of lowercase letters, numbers and underscores."
	wantTagQuery           = `Enter a valid key-value construct: "key=value", where key and value are strings.`
	wantTagTooLong         = "Ensure this field has no more than 500 characters."
	wantInvalidUsername    = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	wantFilterNotObject    = "The filter must be a JSON object."
	wantFilterNoKnownKey   = "No known fieldnames in filterstring."
	wantFilterBadSourceIDs = "sourceSystemIds must be a list of source system ids (integers)."
	wantFilterBadTags      = `tags must be a list of "key=value" strings.`
)

// wording is the first message v1 words err with, "" for nil.
func wording(err error) string {
	if err == nil {
		return ""
	}
	return messages(err)[0]
}

// filterMsgs is a filter parser's result with its refusals worded.
func filterMsgs(spec argus.FilterSpec, err error) (argus.FilterSpec, []string) {
	if err == nil {
		return spec, nil
	}
	return spec, messages(err)
}

// The wants were checked against the original serializer's validate_tag
// behind DRF's CharField (trim, blank and null-character checks).
func TestParseTag(t *testing.T) {
	tests := []struct {
		in      string
		want    argus.Tag
		wantErr string
	}{
		{in: "object=box1", want: argus.Tag{Key: "object", Value: "box1"}},
		{in: " key =v a l", want: argus.Tag{Key: "key", Value: "v a l"}},
		{in: "x= spaced value ", want: argus.Tag{Key: "x", Value: " spaced value"}},
		{in: "a=b=c", want: argus.Tag{Key: "a", Value: "b=c"}},
		{in: "a=", want: argus.Tag{Key: "a", Value: ""}},
		{in: "a=   ", want: argus.Tag{Key: "a", Value: ""}},
		{in: "problem_type=ping_down", want: argus.Tag{Key: "problem_type", Value: "ping_down"}},
		{in: "0_9=Ünïcødé ✓", want: argus.Tag{Key: "0_9", Value: "Ünïcødé ✓"}},
		{in: "\tk\t=\tv\t", want: argus.Tag{Key: "k", Value: "\tv"}},
		{in: "k=line\nbreak", want: argus.Tag{Key: "k", Value: "line\nbreak"}},
		// Python's strip knows more whitespace than ASCII: NBSP, the
		// ideographic space and the information separators.
		{in: "\u00a0k\u3000=v\x1f", want: argus.Tag{Key: "k", Value: "v"}},
		{in: "k=\u200bv", want: argus.Tag{Key: "k", Value: "\u200bv"}}, // ZWSP is not whitespace
		{in: "boo", wantErr: wantTagNoDelimiter},
		{in: " k=" + strings.Repeat("ø", argus.MaxTagLength-2) + " ", want: argus.Tag{Key: "k", Value: strings.Repeat("ø", argus.MaxTagLength-2)}},
		{in: "k=" + strings.Repeat("ø", argus.MaxTagLength-1), wantErr: wantTagTooLong},
		{in: "k=" + strings.Repeat("v", 1<<20), wantErr: wantTagTooLong},
		{in: " boo ", wantErr: wantTagNoDelimiter},
		{in: "=v", wantErr: wantTagEmptyKey},
		{in: " =v", wantErr: wantTagEmptyKey},
		{in: "=", wantErr: wantTagEmptyKey},
		{in: "\u00a0=v", wantErr: wantTagEmptyKey},
		{in: "A=v", wantErr: wantTagBadKey},
		{in: "-=v", wantErr: wantTagBadKey},
		{in: "a b=v", wantErr: wantTagBadKey},
		{in: "æ=v", wantErr: wantTagBadKey},
		{in: "a\n=v", want: argus.Tag{Key: "a", Value: "v"}}, // the key is stripped too
		{in: "a-b=v", wantErr: wantTagBadKey},
		{in: "", wantErr: "This field may not be blank."},
		{in: " \t\n", wantErr: "This field may not be blank."},
		{in: "a=b\x00", wantErr: "Null characters are not allowed."},
		{in: "\x00", wantErr: "Null characters are not allowed."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := argus.ParseTag(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseTag(%q) = %#v, nil; want error %q", tt.in, got, tt.wantErr)
				}
				if wording(err) != tt.wantErr {
					t.Errorf("ParseTag(%q) error = %q; want %q", tt.in, err, tt.wantErr)
				}
				if got != (argus.Tag{}) {
					t.Errorf("ParseTag(%q) = %#v with an error; want the zero Tag", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTag(%q) error = %q; want %#v", tt.in, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("ParseTag(%q) = %#v; want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMsgTagTooLongNamesTheLimit(t *testing.T) {
	if want := fmt.Sprintf("Ensure this field has no more than %d characters.", argus.MaxTagLength); wantTagTooLong != want {
		t.Errorf("MsgTagTooLong = %q; want %q", wantTagTooLong, want)
	}
}

func TestParseTagQuery(t *testing.T) {
	tests := []struct {
		in   string
		want argus.Tag
		ok   bool
	}{
		{"object=box1", argus.Tag{Key: "object", Value: "box1"}, true},
		{"a=b=c", argus.Tag{Key: "a", Value: "b=c"}, true},
		{"a==", argus.Tag{Key: "a", Value: "="}, true},
		{"a= ", argus.Tag{Key: "a", Value: " "}, true},
		{"a=b\r", argus.Tag{Key: "a", Value: "b\r"}, true},
		{"k_0=Ünïcødé", argus.Tag{Key: "k_0", Value: "Ünïcødé"}, true},
		{"", argus.Tag{}, false},
		{"=", argus.Tag{}, false},
		{"boo", argus.Tag{}, false},
		{"a=", argus.Tag{}, false},
		{"=v", argus.Tag{}, false},
		{" =v", argus.Tag{}, false},
		{" a=v", argus.Tag{}, false}, // no trimming
		{"a =v", argus.Tag{}, false},
		{"A=v", argus.Tag{}, false},
		{"-=v", argus.Tag{}, false},
		{"a=b\n", argus.Tag{}, false}, // \Z, not $
		{"a=\nb", argus.Tag{}, false},
		{"a=b\nc", argus.Tag{}, false},
		{"k=" + strings.Repeat("é", argus.MaxTagLength-2), argus.Tag{Key: "k", Value: strings.Repeat("é", argus.MaxTagLength-2)}, true},
		{"k=" + strings.Repeat("é", argus.MaxTagLength-1), argus.Tag{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := argus.ParseTagQuery(tt.in)
			if ok := err == nil; ok != tt.ok || got != tt.want {
				t.Errorf("ParseTagQuery(%q) = %#v, %v; want %#v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			wantMsg := wantTagQuery
			if utf8.RuneCountInString(tt.in) > argus.MaxTagLength {
				wantMsg = wantTagTooLong
			}
			if err != nil && wording(err) != wantMsg {
				t.Errorf("ParseTagQuery(%q) error = %q; want %q", tt.in, err, wantMsg)
			}
		})
	}
}

func TestParseFilterSpec(t *testing.T) {
	const (
		missingBoth    = "Filterstring is missing fieldname(s): sourceSystemIds, tags"
		missingSources = "Filterstring is missing fieldname(s): sourceSystemIds"
		missingTags    = "Filterstring is missing fieldname(s): tags"
	)
	badTag := func(tag string) string { return `Invalid tag "` + tag + `": ` + wantTagQuery }
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
		{name: "list", in: `[]`, wantMsgs: []string{wantFilterNotObject}},
		{name: "null", in: `null`, wantMsgs: []string{wantFilterNotObject}},
		{name: "string", in: `"{}"`, wantMsgs: []string{wantFilterNotObject}},
		{name: "number", in: ` 1 `, wantMsgs: []string{wantFilterNotObject}},

		// Wrong key sets: every applicable message, in order.
		{name: "empty object", in: `{}`, wantMsgs: []string{wantFilterNoKnownKey, missingBoth}},
		{name: "only tags", in: `{"tags": []}`, wantMsgs: []string{missingSources}},
		{name: "only sources", in: `{"sourceSystemIds": []}`, wantMsgs: []string{missingTags}},
		{
			name:     "only unknown keys",
			in:       `{"foo": 1, "bar": 2}`,
			wantMsgs: []string{wantFilterNoKnownKey, missingBoth, "Unknown fieldname(s) in filterstring: bar, foo"},
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
			wantMsgs: []string{wantFilterBadSourceIDs, wantFilterBadTags},
		},
		{name: "sources null", in: `{"sourceSystemIds": null, "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "sources object", in: `{"sourceSystemIds": {}, "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source zero", in: `{"sourceSystemIds": [1, 0], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source negative", in: `{"sourceSystemIds": [-1], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source with fraction", in: `{"sourceSystemIds": [1.0], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source with exponent", in: `{"sourceSystemIds": [1e3], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source as string", in: `{"sourceSystemIds": ["1"], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source beyond int64", in: `{"sourceSystemIds": [9223372036854775808], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source nested list", in: `{"sourceSystemIds": [[1]], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source null item", in: `{"sourceSystemIds": [null], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "source boolean", in: `{"sourceSystemIds": [true], "tags": []}`, wantMsgs: []string{wantFilterBadSourceIDs}},
		{name: "tags null", in: `{"sourceSystemIds": [], "tags": null}`, wantMsgs: []string{wantFilterBadTags}},
		{name: "tags string", in: `{"sourceSystemIds": [], "tags": "a=b"}`, wantMsgs: []string{wantFilterBadTags}},
		{name: "tag number", in: `{"sourceSystemIds": [], "tags": [1]}`, wantMsgs: []string{wantFilterBadTags}},
		{name: "tag null", in: `{"sourceSystemIds": [], "tags": [null]}`, wantMsgs: []string{wantFilterBadTags}},
		{
			name:     "a non-string tag hides the invalid strings",
			in:       `{"sourceSystemIds": [], "tags": ["bad", {"a": "b"}]}`,
			wantMsgs: []string{wantFilterBadTags},
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
			wantMsgs: []string{wantFilterBadSourceIDs, badTag("bad")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msgs := filterMsgs(argus.ParseFilterSpec([]byte(tt.in)))
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
			wantMsgs: []string{wantFilterNoKnownKey, "Filterstring is missing fieldname(s): sourceSystemIds, tags"},
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
			got, msgs := filterMsgs(argus.ParseFilterObject(tt.obj))
			if diff := cmp.Diff(tt.wantMsgs, msgs); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSourceTypeName(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"nav", ""},
		{"zabbix", ""},
		{"nav-2", ""},
		{"NAV", "'NAV' is not a lowercase string"},
		{"Nav", "'Nav' is not a lowercase string"},
		{"123", "'123' is not a lowercase string"},
		{"", "This field may not be blank."},
		{"   ", "This field may not be blank."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wording(argus.ValidateSourceTypeName(tt.name)); got != tt.want {
				t.Errorf("ValidateSourceTypeName(%q) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		name, username, want string
	}{
		{"simple", "gw1", ""},
		{"every allowed symbol", "a.b@c+d-e_f", ""},
		{"non-ASCII letters", "øyvind", ""},
		{"150 characters", strings.Repeat("a", 150), ""},
		{"150 two-byte characters", strings.Repeat("ø", 150), ""},
		{"space", "has space", wantInvalidUsername},
		{"slash", "x/y", wantInvalidUsername},
		{"trailing newline", "gw1\n", wantInvalidUsername},
		{"combining mark", "e\u0301", wantInvalidUsername},
		{"empty", "", "This field may not be blank."},
		{"151 characters", strings.Repeat("a", 151), "Ensure this field has no more than 150 characters."},
		{"151 two-byte characters", strings.Repeat("ø", 151), "Ensure this field has no more than 150 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wording(argus.ValidateUsername(tt.username)); got != tt.want {
				t.Errorf("ValidateUsername(%q) = %q; want %q", tt.username, got, tt.want)
			}
		})
	}
	if want := "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."; wantInvalidUsername != want {
		t.Errorf("MsgInvalidUsername = %q; want Django's %q", wantInvalidUsername, want)
	}
}

func TestFieldErrors(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		if err := (FieldErrors{}).Err(); err != nil {
			t.Errorf("FieldErrors{}.Err() = %v; want nil", err)
		}
		if err := FieldErrors(nil).Err(); err != nil {
			t.Errorf("FieldErrors(nil).Err() = %v; want nil", err)
		}
	})
	t.Run("some", func(t *testing.T) {
		e := FieldErrors{}
		e.Add("name", "This field is required.")
		e.Add("name", "Second.")
		e.Add("non_field_errors", "Unable to log in with provided credentials.")
		e.Add("__all__", "Form-wide.")
		e.Add("email", "Enter a valid email address.")
		err := e.Err()
		if err == nil {
			t.Fatal("Err() = nil; want an error")
		}
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("Err() = %T; want a FieldErrors", err)
		}
		if diff := cmp.Diff(e, fe); diff != "" {
			t.Errorf("Err() (-want +got):\n%s", diff)
		}
		want := "invalid input: Form-wide.; email: Enter a valid email address.; name: This field is required. Second.; Unable to log in with provided credentials."
		if got := err.Error(); got != want {
			t.Errorf("Error() = %q; want %q", got, want)
		}
	})
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // a substring of Error()
	}{
		{"ListError", ListError{"first", "second"}, "first; second"},
		{"empty ListError", ListError{}, "invalid request"},
		{"one-message ListError", ListError{"Bad cursor."}, "Bad cursor."},
		{"DetailError", DetailError{"type": "A source system cannot post events of type 'CLO'."}, "type: A source system cannot post events of type 'CLO'."},
		{"empty DetailError", DetailError{}, "invalid request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.err.Error()
			if got == "" || !strings.Contains(got, tt.want) {
				t.Errorf("Error() = %q; want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestEveryCodeIsWorded makes sure no code of the domain reaches a v1
// client as the fallback text.
func TestEveryCodeIsWorded(t *testing.T) {
	codes := []argus.Code{
		argus.CodeRequired, argus.CodeBlank, argus.CodeNullCharacters, argus.CodeTooLong, argus.CodeInvalidChoice,
		argus.CodeUnknownReference, argus.CodeInvalidUsername, argus.CodeUsernameTaken, argus.CodeNotLowercase,
		argus.CodeSourceTypeTaken, argus.CodeSourceTaken, argus.CodeNameTaken, argus.CodeProfileTaken,
		argus.CodeDuplicateIncident, argus.CodeTagNoDelimiter, argus.CodeTagEmptyKey, argus.CodeTagBadKey,
		argus.CodeTagQuery, argus.CodeTagNotYours, argus.CodeFilterJSON, argus.CodeFilterNotObject,
		argus.CodeFilterNoKnownKey, argus.CodeFilterMissingKeys, argus.CodeFilterUnknownKeys,
		argus.CodeFilterSourceIDs, argus.CodeFilterTags, argus.CodeFilterTag, argus.CodeSourceCannotPost,
		argus.CodeUserCannotPost, argus.CodeSourceCannotAck, argus.CodeEventTypeExists, argus.CodeIncidentClosed,
		argus.CodeIncidentOpen, argus.CodeIncidentStateless, argus.CodeStatelessStart, argus.CodeAckIsNoEvent, argus.CodeSourceNotYours,
		argus.CodeSuperuserOnly, argus.CodeSourceNeedsSuperuser, argus.CodeNoSourceOfCaller,
		argus.CodeEndBeforeStart, argus.CodeExpirationNotAfterEvent, argus.CodeNoSuchSource,
		argus.CodeExpirationPast, argus.CodeAckExpired, argus.CodeDestinationManaged, argus.CodeDestinationInUse,
		argus.CodeDuplicateAddress, argus.CodeAccountEmail, argus.CodeMediumFixed, argus.CodeLabelTaken, argus.CodeNotInstalled, argus.CodeTimeslotNotYours, argus.CodeProfileNameTaken,
	}
	for _, c := range codes {
		kind := argus.ErrInvalid
		if c == argus.CodeSourceNotYours || c == argus.CodeSuperuserOnly {
			kind = argus.ErrForbidden
		}
		if got := message(&argus.Error{Kind: kind, Code: c}, nil); got == "" || got == "Invalid input." {
			t.Errorf("code %s is worded %q on v1", c, got)
		}
	}
}

func TestRefusalBodies(t *testing.T) {
	u := &argus.User{Username: "kari"}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		want       any
	}{
		{"name taken names the caller", argus.Conflict("Filter", "name", argus.CodeNameTaken, "f1"),
			400, ListError{"Filter with the name 'f1' already exists for the user kari."}},
		{"not found", argus.NotFound("Incident"), 404, detailBody{"Not found."}},
		{"superusers only", argus.Forbidden(argus.CodeSuperuserOnly), 403, detailBody{msgForbidden}},
		{"event rule", argus.RulesV1.CheckActor(&argus.User{SourceID: 1}, argus.EventClose),
			400, DetailError{"type": "A source system cannot post events of type 'CLO'."}},
		{"several fields", argus.Errors{argus.Invalid("name", argus.CodeRequired), argus.Invalid("type", argus.CodeInvalidChoice)},
			400, FieldErrors{"name": []string{msgFieldRequired}, "type": []string{"Select a valid choice. That choice is not one of the available choices."}}},
		{"source form", argus.Errors{&argus.Error{Kind: argus.ErrInvalid, Code: argus.CodeInvalidUsername, Field: "username", Model: "SourceSystem"}},
			400, FieldErrors{"username": []string{"username: " + wantInvalidUsername}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := refusalBody(argus.Refusals(tt.err), u)
			if status != tt.wantStatus {
				t.Errorf("status = %d; want %d", status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.want, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
