package argus

import (
	"strings"
	"unicode"
)

// SourceType is a kind of monitoring system ("nav", "zabbix"); its name is
// its identity (api-v1.md §2.3).
type SourceType struct {
	Name string
}

// Source is one monitoring system instance that posts incidents through its
// own user (api-v1.md §2.4).
type Source struct {
	ID      int64
	Name    string
	Type    string
	UserID  int64
	BaseURL string
}

// IsLower mirrors Python's str.islower: true when s has at least one cased
// character and no uppercase or titlecase ones. The API rejects source type
// names that fail it, "123" included.
func IsLower(s string) bool {
	cased := false
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Upper, unicode.Title, unicode.Other_Uppercase):
			return false
		case unicode.In(r, unicode.Lower, unicode.Other_Lowercase):
			cased = true
		}
	}
	return cased
}

// ValidateSourceTypeName returns the refusal of an unacceptable source
// type name, an *Error on Field "name" (CodeBlank, CodeNotLowercase), or
// nil.
func ValidateSourceTypeName(name string) error {
	if strings.TrimSpace(name) == "" {
		return Invalid("name", CodeBlank)
	}
	if !IsLower(name) {
		return Invalid("name", CodeNotLowercase, name)
	}
	return nil
}
