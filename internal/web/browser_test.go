package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth/authtest"
	"github.com/argus-go/argus/internal/auth/oidctest"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/store/storetest"
	"github.com/argus-go/argus/internal/testdb"
	"github.com/argus-go/argus/internal/web"
)

// browser starts headless Chromium — Debian's, never a downloaded one —
// and returns a context to drive it. Without Chromium the test is
// skipped; .ci/run installs it, so CI always runs these tests.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as its
	// context: no timeout on this one; the steps get theirs.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a timeout.
func step(ctx context.Context, t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// textOf is the text of the element the CSS selector finds.
func textOf(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return text
}

// screenshot saves the page when ARGUS_SCREENSHOTS names a directory
// (docs/screenshots for the README), in light or dark.
func screenshot(ctx context.Context, t *testing.T, name string, dark bool) {
	t.Helper()
	dir := os.Getenv("ARGUS_SCREENSHOTS")
	if dir == "" {
		return
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	media := func(scheme string) {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	media(scheme)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	media("light")
	if err := os.WriteFile(filepath.Join(dir, name+"-"+scheme+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser drives the UI as a person would, in headless Chromium:
// log in, see an incident appear live when a source posts it, filter by
// text and by source, acknowledge with a comment, close, reopen, bulk-acknowledge two rows,
// log out; and log in with an OpenID Connect provider.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are slow; -short skips them")
	}
	ctx := browser(t)
	idp := oidctest.Start(t, "argus", "s3cret")
	st := storetest.Open(t, testdb.SQLiteDSN(t))
	s := newSiteWith(t, st, web.Options{Providers: providers(idp)})
	kari := authtest.User(t, st, "kari", false, s.clock.Now())
	src, srcUser := storetest.Source(t, st, "nav-gw1", "nav", s.clock.Now())
	raise := func(desc string, level int, tags ...argus.Tag) argus.Incident {
		inc, _, err := st.CreateIncident(context.Background(), store.NewIncident{SourceID: src.ID,
			StartTime: s.clock.Now().Add(-time.Duration(level) * time.Minute), EndTime: new(argus.Infinity),
			Description: desc, Level: level, Tags: tags}, srcUser.ID, s.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	for i, d := range []string{"Link flapping on uplink", "Disk 91% full on db2", "Certificate expires in 7 days", "Backup job late"} {
		raise(d, 2+i%4, argus.Tag{Key: "host", Value: fmt.Sprintf("host%d", i)})
	}
	zbx, zbxUser := storetest.Source(t, st, "zabbix1", "zabbix", s.clock.Now())
	if _, _, err := st.CreateIncident(context.Background(), store.NewIncident{SourceID: zbx.ID,
		StartTime: s.clock.Now().Add(-90 * time.Minute), EndTime: new(argus.Infinity),
		Description: "Fan failure in rack 4", Level: 3}, zbxUser.ID, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	C := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	step(ctx, t, "the login page", chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(C("#username")))
	screenshot(ctx, t, "login", false)
	screenshot(ctx, t, "login", true)
	step(ctx, t, "log in",
		chromedp.SendKeys(C("#username"), "kari"),
		chromedp.SendKeys(C("#password"), authtest.Password),
		chromedp.Submit(C("#password")),
		chromedp.WaitVisible(C("#incidents")),
	)

	// A source posts an incident while the list is open: it appears
	// without a reload.
	live := raise("Core router core1 down", 1, argus.Tag{Key: "host", Value: "core1"})
	row := fmt.Sprintf(`#incident-%d`, live.ID)
	step(ctx, t, "the new incident appears live", chromedp.WaitVisible(C(row)))
	if text := textOf(ctx, t, row); !strings.Contains(text, "Core router core1 down") {
		t.Errorf("the live row reads %q", text)
	}
	screenshot(ctx, t, "list", false)
	screenshot(ctx, t, "list", true)

	// A live update of a selected row keeps it selected.
	step(ctx, t, "select a row", chromedp.Click(C(row+" input[name=id]")))
	if _, err := st.UpdateIncident(context.Background(), live.ID, store.IncidentChange{
		TicketURL: new("https://tickets.example.org/1")}, &kari, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	step(ctx, t, "the ticket appears live", chromedp.WaitVisible(C(row+` a[href="https://tickets.example.org/1"]`)))
	if checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+row+` input[name=id]").checked`)); err != nil || !checked {
		t.Errorf("the row updated live is no longer selected (%v)", err)
	}

	step(ctx, t, "filter by text",
		chromedp.SendKeys(C("input[name=q]"), "router"),
		chromedp.Submit(C("input[name=q]")),
		chromedp.WaitVisible(C(`input[name=q][value="router"]`)), // the new page
		chromedp.WaitVisible(C(row)),
	)
	if text := textOf(ctx, t, "#incidents tbody"); strings.Contains(text, "Disk 91% full") {
		t.Errorf("the filtered list shows %q", text)
	}

	step(ctx, t, "filter by source",
		chromedp.Navigate(s.srv.URL+"/incidents/"),
		chromedp.WaitVisible(C("#incidents")),
		chromedp.Click(C(".source-pick summary")),
		chromedp.Click(C(fmt.Sprintf(`.source-pick input[value="%d"]`, src.ID))),
		chromedp.Click(C(`.filters button[type=submit]`)),
		// The new page: its picker is closed again, with the box ticked.
		chromedp.WaitReady(C(fmt.Sprintf(`.source-pick:not([open]) input[value="%d"]:checked`, src.ID))),
	)
	if text := textOf(ctx, t, "#incidents tbody"); strings.Contains(text, "Fan failure") || !strings.Contains(text, "Core router") {
		t.Errorf("the list of nav-gw1's incidents reads %q", text)
	}
	if text := textOf(ctx, t, ".source-pick summary"); text != "Sources: nav-gw1" {
		t.Errorf("the picker reads %q", text)
	}

	step(ctx, t, "acknowledge with a comment",
		chromedp.Click(C(row+" a")),
		chromedp.WaitVisible(C("#incident-state")),
		// htmx must have started, or the form is posted the plain way
		// and the page reloaded under the steps below.
		chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!window.htmx`),
		chromedp.SendKeys(C(`form[action$="/ack/"] input[name=comment]`), "on it, calling the ISP"),
		chromedp.Submit(C(`form[action$="/ack/"] input[name=comment]`)),
		chromedp.WaitVisible(C("#incident-state .badge.acked")),
	)
	if text := textOf(ctx, t, "#incident-history"); !strings.Contains(text, "on it, calling the ISP") {
		t.Errorf("the history after the ack reads %q", text)
	}
	screenshot(ctx, t, "incident", false)
	screenshot(ctx, t, "incident", true)
	// With htmx the forms update the page in place: a mark left on the
	// page survives them, which a reload would wipe.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.argusMark = true`)); err != nil {
		t.Fatal(err)
	}
	step(ctx, t, "close",
		chromedp.Click(C(`form[action$="/close/"] button`)),
		chromedp.WaitVisible(C("#incident-state .badge.closed")),
	)
	step(ctx, t, "reopen",
		chromedp.Click(C(`form[action$="/reopen/"] button`)),
		chromedp.WaitVisible(C("#incident-state .badge.open")),
	)
	if mark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.argusMark === true`)); err != nil || !mark {
		t.Errorf("the page was reloaded by close and reopen (%v); want them done in place", err)
	}

	step(ctx, t, "bulk-acknowledge two rows",
		chromedp.Navigate(s.srv.URL+"/incidents/?show=unacked"),
		chromedp.WaitVisible(C("#incidents")),
		chromedp.Click(C("#incidents tbody tr:nth-child(1) input[type=checkbox]")),
		chromedp.Click(C("#incidents tbody tr:nth-child(2) input[type=checkbox]")),
		chromedp.SetValue(C("#bulk select[name=action]"), "ack"),
		chromedp.Submit(C("#bulk button")),
		chromedp.WaitVisible(C("ul.refused, section.problem")),
	)
	if text := textOf(ctx, t, "main h1"); !strings.Contains(text, "2 done") {
		t.Errorf("the bulk result reads %q", text)
	}

	step(ctx, t, "the wall", chromedp.Navigate(s.srv.URL+"/wall/"), chromedp.WaitVisible(C("#wall")))
	if text := textOf(ctx, t, "#wall"); !strings.Contains(text, "Core router core1 down") {
		t.Errorf("the wall reads %q", text)
	}
	screenshot(ctx, t, "wall", false)
	screenshot(ctx, t, "wall", true)

	step(ctx, t, "log out",
		chromedp.Navigate(s.srv.URL+"/incidents/"),
		chromedp.WaitVisible(C("form.logout button")),
		chromedp.Submit(C("form.logout button")),
		chromedp.WaitVisible(C("#username")),
		chromedp.Navigate(s.srv.URL+"/incidents/"),
		chromedp.WaitVisible(C("#username")), // the list wants a login again
	)

	idp.User = oidctest.Claims{Subject: "7", PreferredUsername: "nora", Email: "nora@example.org", GivenName: "Nora", FamilyName: "Berg"}
	step(ctx, t, "log in with the OpenID Connect provider",
		chromedp.Click(C(`a[href^="/oidc/login/test/"]`)),
		chromedp.WaitVisible(C("#incidents")),
	)
	if text := textOf(ctx, t, ".who"); text != "nora" {
		t.Errorf("logged in as %q; want nora", text)
	}
}
