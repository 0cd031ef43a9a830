package health_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/argus-go/argus/internal/health"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// cutter is a TCP proxy to the database that the test can cut, as a
// network partition or a database restart would, and then mend on the
// same address.
type cutter struct {
	t        *testing.T
	addr     string
	upstream string
	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
}

func newCutter(t *testing.T, upstream string) *cutter {
	c := &cutter{t: t, upstream: upstream}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	c.serve(ln)
	t.Cleanup(c.cut)
	return c
}

func (c *cutter) serve(ln net.Listener) {
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return // cut
			}
			up, err := net.Dial("tcp", c.upstream)
			if err != nil {
				_ = down.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, down, up)
			c.mu.Unlock()
			go pipe(up, down)
			go pipe(down, up)
		}
	}()
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src) // ends when either side is closed
	_ = dst.Close()
}

// cut closes the listener and every connection through it.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln != nil {
		_ = c.ln.Close()
		c.ln = nil
	}
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
}

// mend listens on the same address again.
func (c *cutter) mend() {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Fatalf("listen on %s again: %v", c.addr, err)
	}
	c.serve(ln)
}

// TestReadyzFollowsTheDatabase: /readyz fails while the database cannot
// be reached and recovers by itself when it can again (PostgreSQL, where
// the database is another process).
func TestReadyzFollowsTheDatabase(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host == "" {
		t.Skip("the test database is not reached over TCP")
	}
	c := newCutter(t, u.Host)
	storetest.Open(t, dsn) // migrated, through the direct address
	u.Host = c.addr
	srv := httptest.NewServer(httpserver.Handler(httpserver.Options{}, health.New(storetest.Open(t, u.String()))))
	defer srv.Close()

	want := func(phase string, code int, text string) {
		t.Helper()
		got, body := probe(t, srv, "/readyz")
		if got != code || !strings.Contains(body, text) {
			t.Errorf("/readyz %s: %d %s; want %d with %q", phase, got, body, code, text)
		}
	}
	want("with the database", http.StatusOK, "ok")
	c.cut()
	want("with the database gone", http.StatusServiceUnavailable, "the database does not answer")
	want("still gone", http.StatusServiceUnavailable, "the database does not answer")
	c.mend()
	want("with the database back", http.StatusOK, "ok")
}
