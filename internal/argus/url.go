package argus

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode"
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
// Like Django, a URL that fails the pattern gets a second chance with its
// netloc converted to IDNA (so "http://😀.example/" passes as
// xn--e28h.example), and a netloc longer than 253 characters fails. The
// IDNA conversion here is a close approximation of Python's: it skips
// NFKC normalisation and approximates the bidi rule by script.
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
	if urlRE.MatchString(s) {
		m := bracketedHostRE.FindStringSubmatch(netloc)
		return m == nil || validIPv6(m[1])
	}
	if isASCII(netloc) {
		// Python's IDNA codec leaves ASCII alone, so the second try fails
		// the same way.
		return false
	}
	ace, ok := idnaToASCII(netloc)
	if !ok {
		return false
	}
	return urlRE.MatchString(scheme + "://" + ace + rest[len(netloc):])
}

// validIPv6 is Python's ipaddress.IPv6Address as Django's
// validate_ipv6_address uses it.
func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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

// idnaDot reports whether r separates labels for Python's IDNA codec.
func idnaDot(r rune) bool { return r == '.' || r == 0x3002 || r == 0xff0e || r == 0xff61 }

// idnaToASCII converts a host (in Django's case the whole netloc) as
// Python's "idna" codec (IDNA 2003) does: each label that is not ASCII is
// nameprepped and becomes "xn--" plus its punycode; every label must end
// up 1–63 characters long.
func idnaToASCII(host string) (string, bool) {
	var parts []string
	start := 0
	for i, r := range host {
		if idnaDot(r) {
			parts = append(parts, host[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	parts = append(parts, host[start:])
	trailingDot := false
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		trailingDot = true
		parts = parts[:len(parts)-1]
	}
	var b strings.Builder
	for i, p := range parts {
		a, ok := labelToASCII(p)
		if !ok {
			return "", false
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(a)
	}
	if trailingDot {
		b.WriteByte('.')
	}
	return b.String(), true
}

// labelToASCII is the ToASCII operation of RFC 3490 with
// UseSTD3ASCIIRules off.
func labelToASCII(label string) (string, bool) {
	if !isASCII(label) {
		var ok bool
		if label, ok = nameprep(label); !ok {
			return "", false
		}
		if !isASCII(label) {
			if strings.HasPrefix(label, "xn--") {
				return "", false
			}
			p, ok := punycode(label)
			if !ok {
				return "", false
			}
			label = "xn--" + p
		}
	}
	return label, 0 < len(label) && len(label) < 64
}

// nameprep approximates the Nameprep profile of stringprep (RFC 3491):
// it drops the characters mapped to nothing, case-folds, rejects the
// prohibited characters and applies the bidi rule with RTL and LTR
// judged by script. Of NFKC it only does what turns fullwidth ASCII and
// the Latin ligatures into ASCII.
func nameprep(label string) (string, bool) {
	var b strings.Builder
	for _, r := range label {
		switch {
		case r == 0xad, r == 0x34f, r == 0x1806, 0x180b <= r && r <= 0x180d,
			0x200b <= r && r <= 0x200d, r == 0x2060, 0xfe00 <= r && r <= 0xfe0f, r == 0xfeff:
			continue // table B.1
		}
		for _, r := range foldRune(r) {
			if nameprepProhibited(r) {
				return "", false
			}
			b.WriteRune(r)
		}
	}
	out := b.String()
	rtl, ltr := false, false
	for _, r := range out {
		switch {
		case isRTL(r):
			rtl = true
		case unicode.IsLetter(r):
			ltr = true
		}
	}
	if rtl {
		first, _ := utf8.DecodeRuneInString(out)
		last, _ := utf8.DecodeLastRuneInString(out)
		if ltr || !isRTL(first) || !isRTL(last) {
			return "", false
		}
	}
	return out, true
}

// foldRune is table B.2 of RFC 3454 (case folding) for one character,
// followed by NFKC for fullwidth ASCII and the Latin ligatures.
func foldRune(r rune) string {
	switch r {
	case 0xdf, 0x1e9e:
		return "ss"
	case 0x130:
		return "i\u0307"
	case 0xfb00:
		return "ff"
	case 0xfb01:
		return "fi"
	case 0xfb02:
		return "fl"
	case 0xfb03:
		return "ffi"
	case 0xfb04:
		return "ffl"
	case 0xfb05, 0xfb06:
		return "st"
	}
	if 0xff01 <= r && r <= 0xff5e {
		r -= 0xfee0 // fullwidth ASCII
	}
	if l := unicode.ToLower(r); l < utf8.RuneSelf {
		return string(l)
	}
	// The Kelvin sign and the long s fold to ASCII letters.
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return string(unicode.ToLower(f))
		}
	}
	return string(unicode.ToLower(r))
}

// nameprepProhibited covers tables C.1.2 and C.2.2 to C.9 of RFC 3454.
func nameprepProhibited(r rune) bool {
	switch {
	case r == 0xa0, r == 0x1680, 0x2000 <= r && r <= 0x200b, r == 0x202f, r == 0x205f, r == 0x3000: // C.1.2
		return true
	case 0x80 <= r && r <= 0x9f, r == 0x6dd, r == 0x70f, r == 0x180e, r == 0x200c, r == 0x200d,
		r == 0x2028, r == 0x2029, 0x2060 <= r && r <= 0x2063, r == 0xfeff,
		0x1d173 <= r && r <= 0x1d17a: // C.2.2
		return true
	case 0xe000 <= r && r <= 0xf8ff, 0xf0000 <= r && r <= 0xffffd, 0x100000 <= r && r <= 0x10fffd: // C.3
		return true
	case 0xfdd0 <= r && r <= 0xfdef, r&0xfffe == 0xfffe: // C.4
		return true
	case 0xd800 <= r && r <= 0xdfff, r == utf8.RuneError: // C.5, and bytes that are not UTF-8
		return true
	case 0xfff9 <= r && r <= 0xfffd: // C.6
		return true
	case 0x2ff0 <= r && r <= 0x2ffb: // C.7
		return true
	case r == 0x340, r == 0x341, r == 0x200e, r == 0x200f, 0x202a <= r && r <= 0x202e, 0x206a <= r && r <= 0x206f: // C.8
		return true
	case r == 0xe0001, 0xe0020 <= r && r <= 0xe007f: // C.9
		return true
	}
	return false
}

// isRTL approximates stringprep's table D.1 (bidi classes R and AL).
func isRTL(r rune) bool {
	return unicode.IsLetter(r) && unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko)
}

// punycode encodes a label as RFC 3492 does (the "punycode" codec of
// Python). Labels whose result could not fit 59 characters are refused.
func punycode(s string) (string, bool) {
	const (
		base        = 36
		tMin        = 1
		tMax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
	)
	runes := []rune(s)
	if len(runes) > 59 {
		return "", false
	}
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	if basic > 0 {
		out = append(out, '-')
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tMin)*tMax)/2 {
			delta /= base - tMin
			k += base
		}
		return k + (base-tMin+1)*delta/(delta+skew)
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	n, delta, bias := initialN, 0, initialBias
	for h := basic; h < len(runes); {
		m := int(unicode.MaxRune) + 1
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tMin {
						t = tMin
					} else if t > tMax {
						t = tMax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == basic)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}
