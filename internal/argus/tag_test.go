package argus_test

import (
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
			switch code(err) {
			case argus.CodeTagNoDelimiter, argus.CodeTagEmptyKey, argus.CodeTagBadKey, argus.CodeTooLong,
				argus.CodeBlank, argus.CodeNullCharacters:
			default:
				t.Fatalf("ParseTag(%q) error %v is none of the original's", s, err)
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
		"object=box1", "a=b=c", "", "=", "boo", "a=", "=v", " =v", "A=v", "-=v", "a=b\n", "a=\xff", "a=b\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := argus.ParseTagQuery(s)
		if err != nil {
			if c := code(err); c != argus.CodeTagQuery && c != argus.CodeTooLong && c != argus.CodeNullCharacters {
				t.Fatalf("ParseTagQuery(%q) error %v is neither refusal", s, err)
			}
			if tag != (argus.Tag{}) {
				t.Fatalf("ParseTagQuery(%q) = %#v, false; want the zero Tag", s, tag)
			}
			return
		}
		if !tagKeyRE.MatchString(tag.Key) || tag.Value == "" || strings.Contains(tag.Value, "\n") || strings.Contains(s, "\x00") {
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

// code is the code of the one refusal err carries, or "".
func code(err error) argus.Code {
	if es := argus.Refusals(err); len(es) == 1 {
		return es[0].Code
	}
	return ""
}
