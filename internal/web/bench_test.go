package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
	"github.com/argus-go/argus/internal/web"
)

// BenchmarkPages measures the server time of the pages people keep open
// (issue 12: under 50 ms with 100,000 incidents stored): the first page of
// the list, the list filtered by level and text, one incident, and the
// wall. Run with
//
//	go test ./internal/web/ -run '^$' -bench Pages -benchtime 100x
//
// (and ARGUS_TEST_DATABASE_URL for PostgreSQL too).
func BenchmarkPages(b *testing.B) {
	backends := []string{"sqlite"}
	if os.Getenv(testdb.EnvVar) != "" {
		backends = append(backends, "postgres")
	}
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			dsn := testdb.SQLiteDSN(b)
			if backend == "postgres" {
				dsn = testdb.PostgresDSN(b)
			}
			st := storetest.Open(b, dsn)
			now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
			src, _ := storetest.Source(b, st, "gw1", "nav", now)
			u := authtest.User(b, st, "kari", false, now)
			storetest.SeedIncidents(b, st, src, u, 100_000, now)
			accounts := auth.NewAccounts(st, func() time.Time { return now }, 14*24*time.Hour)
			ui, err := web.New(st, web.Options{Accounts: accounts, Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			h := httpserver.Handler(httpserver.Options{}, ui)
			key, err := accounts.StartSession(b.Context(), u.ID)
			if err != nil {
				b.Fatal(err)
			}
			for _, page := range []struct{ name, path, want string }{
				{"list", "/incidents/", "Box 0 down"},
				{"list filtered", "/incidents/?level__lte=2&q=" + url.QueryEscape(`"box 1"`), "Box 1 down"},
				// A search that only the oldest incident matches reads every
				// description: the worst case.
				{"list searched, one match", "/incidents/?show=all&q=" + url.QueryEscape(`"box 99999 down"`), "Box 99999 down"},
				// Three words, two of them in every description: the rare
				// one is looked up, the others checked on its matches.
				{"list searched, three words", "/incidents/?show=all&q=" + url.QueryEscape("down 99999 box"), "Box 99999 down"},
				{"incident", "/incidents/1/", "Incident start"},
				{"wall", "/wall/", "Box 0 down"},
			} {
				b.Run(page.name, func(b *testing.B) {
					for b.Loop() {
						req := httptest.NewRequest(http.MethodGet, page.path, nil)
						req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), page.want) {
							b.Fatalf("GET %s: %d, want 200 with %q", page.path, rec.Code, page.want)
						}
					}
				})
			}
		})
	}
}
