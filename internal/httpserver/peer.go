package httpserver

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Peer is who a request came from as far as the server can trust it: the
// scheme the client used and the client's address.
type Peer struct {
	Scheme string // "http" or "https"
	Addr   string // an IP address, or RemoteAddr when it is not one
}

type peerKey struct{}

// PeerFrom returns the request's peer as the chain worked it out, or the
// connection's own when the request did not pass the chain.
func PeerFrom(r *http.Request) Peer {
	if p, ok := r.Context().Value(peerKey{}).(Peer); ok {
		return p
	}
	return directPeer(r)
}

// directPeer is the peer of a connection made straight to the server.
func directPeer(r *http.Request) Peer {
	p := Peer{Scheme: "http", Addr: r.RemoteAddr}
	if r.TLS != nil {
		p.Scheme = "https"
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		p.Addr = host
	}
	return p
}

// forwarded works out the request's peer. X-Forwarded-Proto and
// X-Forwarded-For are believed only from the proxies of
// ARGUS_TRUSTED_PROXIES (none by default): from anyone else they are
// whatever the client chose to write, and would let it choose the scheme
// of the links the API returns or the address the logs blame.
func forwarded(proxies []netip.Prefix, next http.Handler) http.Handler {
	trusted := func(addr string) bool { return isTrusted(proxies, addr) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := directPeer(r)
		if trusted(p.Addr) {
			if proto := strings.ToLower(strings.TrimSpace(lastHeaderItem(r.Header.Values("X-Forwarded-Proto")))); proto == "http" || proto == "https" {
				p.Scheme = proto
			}
			// The client is the last address not added by one of our
			// proxies; anything before it the client may have made up.
			hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
			for i := len(hops) - 1; i >= 0; i-- {
				p.Addr = hops[i]
				if !trusted(hops[i]) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, p)))
	})
}

// isTrusted reports whether addr is one of the trusted proxies.
func isTrusted(proxies []netip.Prefix, addr string) bool {
	if len(proxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedFor lists the addresses of X-Forwarded-For headers, in order.
// An item that is not an address drops the ones before it: whoever wrote
// it also wrote them, so they prove nothing.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			ip, err := netip.ParseAddr(strings.TrimSpace(item))
			if err != nil {
				hops = hops[:0]
				continue
			}
			hops = append(hops, ip.Unmap().String())
		}
	}
	return hops
}

// lastHeaderItem is the last comma-separated item of a header's values:
// the one the nearest proxy added.
func lastHeaderItem(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return v
}
