package argus

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// urlRE is the pattern of Django 3.0's URLValidator, with its lookarounds
// spelled out: a label may not start or end with "-". As in Python's re,
// \d is any Unicode decimal digit and \s any Unicode whitespace, and the
// pattern ignores case.
var urlRE = func() *regexp.Regexp {
	const (
		ul    = `\x{a1}-\x{ffff}` // "unicode letters" as Django has them
		space = `\t\n\v\f\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
		digit = `\p{Nd}`
		octet = `(?:25[0-5]|2[0-4]` + digit + `|[0-1]?` + digit + `?` + digit + `)`
		ipv4  = octet + `(?:\.` + octet + `){3}`
		ipv6  = `\[[0-9a-f:.]+\]`
		alnum = `[a-z` + ul + `0-9]`
		label = alnum + `(?:[a-z` + ul + `0-9-]{0,61}` + alnum + `)?`
		alpha = `[a-z` + ul + `]`
		tld   = `\.(?:` + alpha + `[a-z` + ul + `-]{0,61}` + alpha + `|xn--[a-z0-9]{1,59})\.?`
		host  = `(?:` + label + `(?:\.` + label + `)*` + tld + `|localhost)`
	)
	return regexp.MustCompile(`(?i)^[a-z0-9.+-]*://` +
		`(?:[^` + space + `:@/]+(?::[^` + space + `:@/]*)?@)?` +
		`(?:` + ipv4 + `|` + ipv6 + `|` + host + `)` +
		`(?::` + digit + `{2,5})?` +
		`(?:[/?#][^` + space + `]*)?$`)
}()

// bracketedHostRE finds an IPv6 literal in a netloc, as Django does after
// the pattern matched.
var bracketedHostRE = regexp.MustCompile(`^\[(.+)\](?::\p{Nd}{2,5})?\n?$`)

// ValidURL reports whether s passes Django's URLValidator (the one the
// original applies to ticket_url, Django 3.0): scheme http, https, ftp or
// ftps (case-insensitive); optional user:pass@; a host that is a domain
// name with a TLD of 2+ letters (or an xn-- punycode TLD), "localhost", an
// IPv4 address, or an IPv6 address in brackets; an optional port of 2–5
// digits; an optional path, query and fragment without whitespace. Empty
// is invalid.
//
// A netloc longer than 253 characters fails. Unicode host labels pass as
// the pattern allows them (U+00A1–U+FFFF); Django's second attempt with
// the host converted to IDNA, which lets through characters beyond that
// range such as emoji, is not reproduced.
func ValidURL(s string) bool {
	scheme, rest, _ := strings.Cut(s, "://")
	switch strings.ToLower(scheme) {
	case "http", "https", "ftp", "ftps":
	default:
		return false
	}
	netloc := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		netloc = rest[:i]
	}
	// Python's urlsplit raises ValueError on these, which Django turns
	// into "Enter a valid URL." (or, after the pattern matched, a 500).
	if strings.Contains(netloc, "[") != strings.Contains(netloc, "]") || expandsToDelimiter(netloc) {
		return false
	}
	if utf8.RuneCountInString(netloc) > 253 {
		return false
	}
	if !urlRE.MatchString(s) {
		return false
	}
	m := bracketedHostRE.FindStringSubmatch(netloc)
	return m == nil || validIPv6(m[1])
}

// validIPv6 is Python's ipaddress.IPv6Address as Django's
// validate_ipv6_address uses it.
func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// expandsToDelimiter reports whether Python's urlsplit would reject netloc
// because a character of it turns into one of "/?#@:" under NFKC (such as
// U+2100 "℀", which is "a/c"). The table lists every such character of
// Unicode 14.
func expandsToDelimiter(netloc string) bool {
	for _, r := range netloc {
		switch {
		case 0x2047 <= r && r <= 0x2049, r == 0x2100, r == 0x2101, r == 0x2105, r == 0x2106,
			r == 0x2a74, r == 0xfe13, r == 0xfe16, r == 0xfe55, r == 0xfe56, r == 0xfe5f,
			r == 0xfe6b, r == 0xff03, r == 0xff0f, r == 0xff1a, r == 0xff1f, r == 0xff20:
			return true
		}
	}
	return false
}
