package argus_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/argus-go/argus/internal/argus"
)

var tagKeyRE = regexp.MustCompile(`^[a-z0-9_]+$`)

func TestTagString(t *testing.T) {
	tests := []struct {
		tag  argus.Tag
		want string
	}{
		{argus.Tag{Key: "object", Value: "box1"}, "object=box1"},
		{argus.Tag{Key: "a", Value: "b=c"}, "a=b=c"},
		{argus.Tag{Key: "a", Value: ""}, "a="},
		{argus.Tag{Key: "x", Value: " spaced value"}, "x= spaced value"},
	}
	for _, tt := range tests {
		if got := tt.tag.String(); got != tt.want {
			t.Errorf("%#v.String() = %q; want %q", tt.tag, got, tt.want)
		}
	}
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
		{in: "boo", wantErr: argus.MsgTagNoDelimiter},
		{in: " k=" + strings.Repeat("ø", argus.MaxTagLength-2) + " ", want: argus.Tag{Key: "k", Value: strings.Repeat("ø", argus.MaxTagLength-2)}},
		{in: "k=" + strings.Repeat("ø", argus.MaxTagLength-1), wantErr: argus.MsgTagTooLong},
		{in: "k=" + strings.Repeat("v", 1<<20), wantErr: argus.MsgTagTooLong},
		{in: " boo ", wantErr: argus.MsgTagNoDelimiter},
		{in: "=v", wantErr: argus.MsgTagEmptyKey},
		{in: " =v", wantErr: argus.MsgTagEmptyKey},
		{in: "=", wantErr: argus.MsgTagEmptyKey},
		{in: "\u00a0=v", wantErr: argus.MsgTagEmptyKey},
		{in: "A=v", wantErr: argus.MsgTagBadKey},
		{in: "-=v", wantErr: argus.MsgTagBadKey},
		{in: "a b=v", wantErr: argus.MsgTagBadKey},
		{in: "æ=v", wantErr: argus.MsgTagBadKey},
		{in: "a\n=v", want: argus.Tag{Key: "a", Value: "v"}}, // the key is stripped too
		{in: "a-b=v", wantErr: argus.MsgTagBadKey},
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
				if err.Error() != tt.wantErr {
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
	if want := fmt.Sprintf("Ensure this field has no more than %d characters.", argus.MaxTagLength); argus.MsgTagTooLong != want {
		t.Errorf("MsgTagTooLong = %q; want %q", argus.MsgTagTooLong, want)
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
			wantMsg := argus.MsgTagQuery
			if utf8.RuneCountInString(tt.in) > argus.MaxTagLength {
				wantMsg = argus.MsgTagTooLong
			}
			if err != nil && err.Error() != wantMsg {
				t.Errorf("ParseTagQuery(%q) error = %q; want %q", tt.in, err, wantMsg)
			}
		})
	}
}

// isPyTrailingSpace reports whether s ends in a character Python's
// str.strip removes.
func isPyTrailingSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s != "" && (strings.ContainsRune("\t\n\v\f\r\x1c\x1d\x1e\x1f \u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000", r) ||
		0x2000 <= r && r <= 0x200a)
}

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{
		"object=box1", " key =v a l", "x= spaced value ", "a=b=c", "a=", "boo", " =v",
		"A=v", "-=v", "", "=", "\u00a0k=v\u3000", "a=b\x00", "k=\xff", "\x1ck=v",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := argus.ParseTag(s)
		if err != nil {
			switch err.Error() {
			case argus.MsgTagNoDelimiter, argus.MsgTagEmptyKey, argus.MsgTagBadKey, argus.MsgTagTooLong,
				"This field may not be blank.", "Null characters are not allowed.":
			default:
				t.Fatalf("ParseTag(%q) error %q is none of the original's", s, err)
			}
			return
		}
		if !tagKeyRE.MatchString(tag.Key) {
			t.Fatalf("ParseTag(%q).Key = %q; does not match %s", s, tag.Key, tagKeyRE)
		}
		if !strings.Contains(s, tag.Value) {
			t.Fatalf("ParseTag(%q).Value = %q; not part of the input", s, tag.Value)
		}
		if isPyTrailingSpace(tag.Value) {
			return
		}
		again, err := argus.ParseTag(tag.String())
		if err != nil || again != tag {
			t.Fatalf("ParseTag(%q) = %#v; ParseTag(%q) = %#v, %v", s, tag, tag.String(), again, err)
		}
	})
}

func FuzzParseTagQuery(f *testing.F) {
	for _, s := range []string{
		"object=box1", "a=b=c", "", "=", "boo", "a=", "=v", " =v", "A=v", "-=v", "a=b\n", "a=\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := argus.ParseTagQuery(s)
		if err != nil {
			if msg := err.Error(); msg != argus.MsgTagQuery && msg != argus.MsgTagTooLong {
				t.Fatalf("ParseTagQuery(%q) error %q is neither message", s, msg)
			}
			if tag != (argus.Tag{}) {
				t.Fatalf("ParseTagQuery(%q) = %#v, false; want the zero Tag", s, tag)
			}
			return
		}
		if !tagKeyRE.MatchString(tag.Key) || tag.Value == "" || strings.Contains(tag.Value, "\n") {
			t.Fatalf("ParseTagQuery(%q) = %#v, true", s, tag)
		}
		if tag.String() != s {
			t.Fatalf("ParseTagQuery(%q).String() = %q; want the input", s, tag.String())
		}
		if utf8.RuneCountInString(s) > argus.MaxTagLength {
			t.Fatalf("ParseTagQuery accepted %d characters; the limit is %d", utf8.RuneCountInString(s), argus.MaxTagLength)
		}
	})
}

func TestShorten(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"øøøø", 2, "øø…"},
		{"\xff\xfeab", 2, "\xff\xfe…"},
	} {
		if got := argus.Shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
