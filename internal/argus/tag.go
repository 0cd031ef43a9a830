package argus

import (
	"strings"
	"unicode/utf8"
)

// Tag is a key=value label on an incident (api-v1.md §2.6).
type Tag struct{ Key, Value string }

// String is "key=value".
func (t Tag) String() string { return t.Key + "=" + t.Value }

// Messages of the original validators, exactly:
const (
	MsgTagNoDelimiter = "The tag must contain an equality sign (=) delimiter."
	MsgTagEmptyKey    = "The tag's key must not be empty"
	MsgTagBadKey      = "Enter a valid key consisting of lowercase letters, numbers and underscores."
	MsgTagQuery       = `Enter a valid key-value construct: "key=value", where key and value are strings.`
)

// Messages DRF's CharField gives before the tag validator runs.
const (
	msgTagBlank     = "This field may not be blank."
	msgTagNullChars = "Null characters are not allowed."
)

// MaxTagLength bounds a tag's "key=value" text, in characters. The
// original had no limit, and a long tag broke PostgreSQL's unique index on
// (key, value) with a 500; 500 characters of up to four bytes each stay
// inside it, and no monitoring system's label comes near.
const MaxTagLength = 500

// MsgTagTooLong is the refusal of a tag over MaxTagLength characters,
// worded as DRF's max_length.
const MsgTagTooLong = "Ensure this field has no more than 500 characters."

// TagError is a refused tag: its text is the message shown to clients.
type TagError string

func (e TagError) Error() string { return string(e) }

// ParseTag validates a tag posted in an incident's "tags" list, as the
// original serializer does: the whole string is trimmed of surrounding
// whitespace (Python's str.strip, as DRF's CharField), split on the first
// "=", the key is trimmed and must match ^[a-z0-9_]+$, and the value keeps
// its leading spaces and may be empty. " key =v a l" is key=v a l.
//
// On failure the error is a TagError whose text is the original's
// message, ready for a DRF field list: one of the MsgTag constants, or,
// as DRF's CharField checks first, "This field may not be blank." for an
// empty or all-whitespace string and "Null characters are not allowed."
// for one containing U+0000.
func ParseTag(s string) (Tag, error) {
	s = pyStrip(s)
	if s == "" {
		return Tag{}, TagError(msgTagBlank)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Tag{}, TagError(msgTagNullChars)
	}
	if utf8.RuneCountInString(s) > MaxTagLength {
		return Tag{}, TagError(MsgTagTooLong)
	}
	key, value, found := strings.Cut(s, "=")
	if !found {
		return Tag{}, TagError(MsgTagNoDelimiter)
	}
	key = pyStrip(key)
	if key == "" {
		return Tag{}, TagError(MsgTagEmptyKey)
	}
	if !validTagKey(key) {
		return Tag{}, TagError(MsgTagBadKey)
	}
	return Tag{Key: key, Value: value}, nil
}

// ParseTagQuery validates one item of the ?tags= query parameter and of a
// filter's "tags" list: the whole item must match Python's
// ^[a-z0-9_]+=.+\Z, so the value is non-empty and has no newline. The
// value is everything after the first "=". Nothing is trimmed.
//
// On failure the error is a TagError: MsgTagTooLong for an item over
// MaxTagLength characters (no stored tag can match it), else MsgTagQuery.
func ParseTagQuery(s string) (Tag, error) {
	if len(s) > MaxTagLength && utf8.RuneCountInString(s) > MaxTagLength {
		return Tag{}, TagError(MsgTagTooLong)
	}
	key, value, found := strings.Cut(s, "=")
	if !found || !validTagKey(key) || value == "" || strings.IndexByte(value, '\n') >= 0 {
		return Tag{}, TagError(MsgTagQuery)
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
