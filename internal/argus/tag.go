package argus

import (
	"strings"
	"unicode/utf8"
)

// Tag is a key=value label on an incident (api-v1.md §2.6).
type Tag struct{ Key, Value string }

// String is "key=value".
func (t Tag) String() string { return t.Key + "=" + t.Value }

// MaxTagLength bounds a tag's "key=value" text, in characters. The
// original had no limit, and a long tag broke PostgreSQL's unique index on
// (key, value) with a 500; 500 characters of up to four bytes each stay
// inside it, and no monitoring system's label comes near.
const MaxTagLength = 500

// ParseTag validates a tag posted in an incident's "tags" list, as the
// original serializer does: the whole string is trimmed of surrounding
// whitespace (Python's str.strip, as DRF's CharField), split on the first
// "=", the key is trimmed and must match ^[a-z0-9_]+$, and the value keeps
// its leading spaces and may be empty. " key =v a l" is key=v a l.
//
// On failure the error is an *Error (ErrInvalid) whose code is, in the
// order checked: CodeBlank for an empty or all-whitespace string and
// CodeNullCharacters for one containing U+0000 (as DRF's CharField checks
// first), CodeTooLong, CodeTagNoDelimiter, CodeTagEmptyKey, CodeTagBadKey.
func ParseTag(s string) (Tag, error) {
	s = pyStrip(s)
	if s == "" {
		return Tag{}, Invalid("", CodeBlank)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Tag{}, Invalid("", CodeNullCharacters)
	}
	if utf8.RuneCountInString(s) > MaxTagLength {
		return Tag{}, Invalid("", CodeTooLong, MaxTagLength)
	}
	key, value, found := strings.Cut(s, "=")
	if !found {
		return Tag{}, Invalid("", CodeTagNoDelimiter)
	}
	key = pyStrip(key)
	if key == "" {
		return Tag{}, Invalid("", CodeTagEmptyKey)
	}
	if !validTagKey(key) {
		return Tag{}, Invalid("", CodeTagBadKey)
	}
	return Tag{Key: key, Value: value}, nil
}

// ParseTagQuery validates one item of the ?tags= query parameter and of a
// filter's "tags" list: the whole item must match Python's
// ^[a-z0-9_]+=.+\Z, so the value is non-empty and has no newline. The
// value is everything after the first "=". Nothing is trimmed.
//
// On failure the error is an *Error (ErrInvalid): CodeTooLong for an item
// over MaxTagLength characters and CodeNullCharacters for one with a NUL
// (no stored tag can match either), else CodeTagQuery.
func ParseTagQuery(s string) (Tag, error) {
	if len(s) > MaxTagLength && utf8.RuneCountInString(s) > MaxTagLength {
		return Tag{}, Invalid("", CodeTooLong, MaxTagLength)
	}
	if strings.IndexByte(s, 0) >= 0 {
		// No stored tag has one (ParseTag), and PostgreSQL refuses NUL in
		// a parameter.
		return Tag{}, Invalid("", CodeNullCharacters)
	}
	key, value, found := strings.Cut(s, "=")
	if !found || !validTagKey(key) || value == "" || strings.IndexByte(value, '\n') >= 0 {
		return Tag{}, Invalid("", CodeTagQuery)
	}
	return Tag{Key: key, Value: value}, nil
}

// validTagKey reports whether key matches ^[a-z0-9_]+\Z.
func validTagKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// pyStrip is Python's str.strip() without arguments.
func pyStrip(s string) string { return strings.TrimFunc(s, IsSpace) }

// IsSpace is Python's str.isspace for one character, which is also what
// \s matches in a str pattern of Python's re: Go's unicode.IsSpace plus the
// information separators U+001C–U+001F. DRF trims with it.
func IsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0,
		0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// Shorten cuts text that a message quotes back to at most max characters
// and an ellipsis, so that refusing a megabyte does not answer with one.
// It never splits a character.
func Shorten(s string, max int) string {
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
