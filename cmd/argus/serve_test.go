package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// lineWatcher is a writer that reports when a line containing want has
// been written.
type lineWatcher struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// A request in flight when the server is told to stop still gets its
// answer, and serve then exits cleanly.
func TestServeFinishesInFlightRequests(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stderr := &lineWatcher{want: "shutting down", seen: make(chan struct{})}
		addrs := make(chan string, 1)
		e := &env{
			getenv: func(k string) string {
				if k == "DATABASE_URL" {
					return b.DSN
				}
				return ""
			},
			stdout: io.Discard,
			stderr: stderr,
			now:    func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) },
			ready:  func(addr string) { addrs <- addr },
		}
		done := make(chan int, 1)
		go func() { done <- runEnv(ctx, e, []string{"serve", "--addr", "127.0.0.1:0"}) }()
		var addr string
		select {
		case addr = <-addrs:
		case code := <-done:
			t.Fatalf("serve exited with %d before listening: %s", code, stderr.buf.String())
		}

		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
			t.Fatal(err)
		}
		body := `{"username": "admin", "password": "wrong"}`
		// With Expect: 100-continue the server answers "100 Continue" only
		// once the handler reads the body: the request is then in flight.
		fmt.Fprintf(conn, "POST /api/v1/token-auth/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
			"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
		rd := bufio.NewReader(conn)
		line, err := rd.ReadString('\n')
		if err != nil || !strings.Contains(line, "100 Continue") {
			t.Fatalf("want 100 Continue, got %q, %v", line, err)
		}
		if _, err := rd.ReadString('\n'); err != nil { // the blank line after the interim response
			t.Fatal(err)
		}

		cancel()
		<-stderr.seen // the server is shutting down

		if _, err := io.WriteString(conn, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("in-flight request got no response: %v", err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), "Unable to log in") {
			t.Errorf("in-flight request = %d %s; want 400 with the login error", resp.StatusCode, got)
		}
		if code := <-done; code != 0 {
			t.Errorf("serve exit status = %d; want 0 (stderr: %s)", code, stderr.buf.String())
		}
	})
}

func TestPositionalArgumentsMayStartWithDash(t *testing.T) {
	testdb.Run(t, func(t *testing.T, b testdb.Backend) {
		var stdout, stderr bytes.Buffer
		e := &env{
			getenv: func(k string) string {
				if k == "DATABASE_URL" {
					return b.DSN
				}
				return ""
			},
			stdout: &stdout, stderr: &stderr,
			now: func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) },
		}
		ctx := context.Background()
		for _, args := range [][]string{
			{"create-user", "--username", "rune"},
			{"setpassword", "rune", "-starts-with-dash"},
			{"setpassword", "--", "rune", "--also-fine"},
		} {
			if code := runEnv(ctx, e, args); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
			}
		}
		st := storetest.Open(t, b.DSN)
		u, err := st.UserByUsername(ctx, "rune")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.CheckPassword(u.Password, "--also-fine"); !ok {
			t.Error("the password given after -- was not stored")
		}
		if code := runEnv(ctx, e, []string{"setpassword", "--help"}); code != 0 || !strings.Contains(stdout.String(), "Usage: argus setpassword") {
			t.Errorf("setpassword --help = %d, %q", code, stdout.String())
		}
		stderr.Reset()
		if code := runEnv(ctx, e, []string{"initial-setup", "--username", "argus"}); code == 0 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("initial-setup --username argus = %d, stderr %q; want one error line", code, stderr.String())
		}
	})
}
