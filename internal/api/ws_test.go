package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
)

// wsServer is the API with a hub that hears the database, as argus serve
// runs it.
func wsServer(t *testing.T, st *store.Store, o api.Options) *httptest.Server {
	hub := realtime.NewHub(100)
	ctx, cancel := context.WithCancel(context.Background())
	hearing, done := hub.Follow(ctx, st, nil)
	t.Cleanup(func() {
		cancel()
		<-done
	})
	<-hearing
	o.Hub = hub
	o.Now = func() time.Time { return start }
	o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	srv := httptest.NewServer(api.New(st, o))
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return srv
}

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

// wsRead reads the next message within ten seconds.
func wsRead(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m map[string]any
	if err := wsjson.Read(ctx, c, &m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func TestWSOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := wsServer(t, st, api.Options{FrontendOrigins: []string{"https://frontend.example.org"}})
		ctx := context.Background()
		u := authtest.User(t, st, "kari", false, start)
		key := authtest.Token(t, st, u.ID, start)
		src, srcUser := storetest.Source(t, st, "gw1", "nav", start)
		raise := func(desc string) argus.Incident {
			inc, _, err := st.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: start, EndTime: new(argus.Infinity),
				Description: desc, Level: 2}, srcUser.ID, start)
			if err != nil {
				t.Fatal(err)
			}
			return inc
		}
		first := raise("already open")

		t.Run("nobody is refused", func(t *testing.T) {
			_, resp, err := websocket.Dial(ctx, wsURL(srv, "/ws/open/"), nil)
			if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous dial: %v, %v; want 401", resp, err)
			}
			_, resp, err = websocket.Dial(ctx, wsURL(srv, "/ws/open/?token=nope"), nil)
			if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("bad token: %v, %v; want 401", resp, err)
			}
		})
		t.Run("another site is refused", func(t *testing.T) {
			_, resp, err := websocket.Dial(ctx, wsURL(srv, "/ws/open/?token="+key),
				&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("dial from another origin: %v, %v; want 403", resp, err)
			}
		})
		t.Run("subscribe, then created and modified", func(t *testing.T) {
			for _, dial := range []struct {
				name string
				url  string
				opts *websocket.DialOptions
			}{
				{"token parameter", "/ws/open/?token=" + key, nil},
				{"token cookie, no slash, the frontend's origin", "/ws/open", &websocket.DialOptions{
					// A browser's socket follows no redirect.
					HTTPClient: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
					HTTPHeader: http.Header{"Cookie": {"token=" + key}, "Origin": {"https://frontend.example.org"}}}},
			} {
				t.Run(dial.name, func(t *testing.T) {
					c, _, err := websocket.Dial(ctx, wsURL(srv, dial.url), dial.opts)
					if err != nil {
						t.Fatal(err)
					}
					defer c.CloseNow() //nolint:errcheck // the test is over
					if err := wsjson.Write(ctx, c, map[string]string{"action": "hello"}); err != nil {
						t.Fatal(err)
					}
					if m := wsRead(t, c); m["error"] != "unknown action hello" {
						t.Errorf("unknown action: %v", m)
					}
					if err := wsjson.Write(ctx, c, map[string]string{"action": "subscribe"}); err != nil {
						t.Fatal(err)
					}
					m := wsRead(t, c)
					start, _ := m["start_incidents"].([]any)
					if m["type"] != "subscribed" || m["channel_name"] == "" || len(start) == 0 {
						t.Fatalf("subscribed = %v", m)
					}
					found := false
					for _, x := range start {
						found = found || x.(map[string]any)["pk"] == float64(first.ID)
					}
					if !found {
						t.Errorf("start_incidents = %v; want incident %d among them", start, first.ID)
					}
					inc := raise("new one " + dial.name)
					m = wsRead(t, c)
					payload, _ := m["payload"].(map[string]any)
					if m["type"] != "created" || payload["pk"] != float64(inc.ID) || payload["description"] != "new one "+dial.name {
						t.Errorf("created = %v; want incident %d", m, inc.ID)
					}
					if err := st.SetTicketURL(ctx, inc.ID, "https://tickets.example.org/1", &u, time.Now()); err != nil {
						t.Fatal(err)
					}
					m = wsRead(t, c)
					payload, _ = m["payload"].(map[string]any)
					if m["type"] != "modified" || payload["ticket_url"] != "https://tickets.example.org/1" {
						t.Errorf("modified = %v; want the new ticket url", m)
					}
				})
			}
		})
	})
}

// TestWSOpenAcrossInstances checks D36 for ws/open/ on PostgreSQL: a
// change committed through one instance reaches a socket connected to
// another.
func TestWSOpenAcrossInstances(t *testing.T) {
	dsn := testdb.PostgresDSN(t) // skips without PostgreSQL
	a, b := storetest.Open(t, dsn), storetest.Open(t, dsn)
	wsServer(t, a, api.Options{})
	srvB := wsServer(t, b, api.Options{})
	ctx := context.Background()
	u := authtest.User(t, a, "kari", false, start)
	key := authtest.Token(t, a, u.ID, start)
	c, _, err := websocket.Dial(ctx, wsURL(srvB, "/ws/open/?token="+key), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow() //nolint:errcheck // the test is over
	if err := wsjson.Write(ctx, c, map[string]string{"action": "subscribe"}); err != nil {
		t.Fatal(err)
	}
	if m := wsRead(t, c); m["type"] != "subscribed" {
		t.Fatalf("subscribed = %v", m)
	}
	src, srcUser := storetest.Source(t, a, "gw1", "nav", start)
	inc, _, err := a.CreateIncident(ctx, store.NewIncident{SourceID: src.ID, StartTime: start, Description: "on a", Level: 1},
		srcUser.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	m := wsRead(t, c)
	payload, _ := m["payload"].(map[string]any)
	if m["type"] != "created" || payload["pk"] != float64(inc.ID) {
		t.Errorf("instance b's socket got %v; want the creation of incident %d on instance a", m, inc.ID)
	}
}
