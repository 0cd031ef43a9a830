package api

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// peer is who a request came from as far as the server can trust it: the
// scheme the client used and the client's address.
type peer struct {
	scheme string // "http" or "https"
	addr   string // an IP address, or RemoteAddr when it is not one
}

type peerKey struct{}

// peerFrom returns the request's peer as forwarded set it.
func peerFrom(r *http.Request) peer {
	if p, ok := r.Context().Value(peerKey{}).(peer); ok {
		return p
	}
	return directPeer(r)
}

// directPeer is the peer of a connection made straight to the server.
func directPeer(r *http.Request) peer {
	p := peer{scheme: "http", addr: r.RemoteAddr}
	if r.TLS != nil {
		p.scheme = "https"
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		p.addr = host
	}
	return p
}

// forwarded works out the request's peer. X-Forwarded-Proto and
// X-Forwarded-For are believed only from the proxies of
// ARGUS_TRUSTED_PROXIES (none by default): from anyone else they are
// whatever the client chose to write, and would let it choose the scheme
// of the links the API returns or the address the logs blame.
func (s *Server) forwarded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := directPeer(r)
		if s.trusted(p.addr) {
			if proto := strings.ToLower(strings.TrimSpace(lastHeaderItem(r.Header.Values("X-Forwarded-Proto")))); proto == "http" || proto == "https" {
				p.scheme = proto
			}
			// The client is the last address not added by one of our
			// proxies; anything before it the client may have made up.
			hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
			for i := len(hops) - 1; i >= 0; i-- {
				p.addr = hops[i]
				if !s.trusted(hops[i]) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, p)))
	})
}

// trusted reports whether addr is one of the trusted proxies.
func (s *Server) trusted(addr string) bool {
	if len(s.proxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.proxies {
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
