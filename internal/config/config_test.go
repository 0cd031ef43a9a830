package config_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/config"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

// load calls config.Load on m and fails the test on an error.
func load(t *testing.T, m map[string]string) config.Config {
	t.Helper()
	c, err := config.Load(env(m))
	if err != nil {
		t.Fatalf("Load(%v): %v", m, err)
	}
	return c
}

func TestLoadDefaults(t *testing.T) {
	c := load(t, nil)
	if c.DatabaseURL != "" {
		t.Errorf("DatabaseURL = %q; want \"\"", c.DatabaseURL)
	}
	if c.DataDir != "." {
		t.Errorf("DataDir = %q; want \".\"", c.DataDir)
	}
	if got, want := c.DatabaseDSN(), "sqlite://argus.db"; got != want {
		t.Errorf("DatabaseDSN() = %q; want %q", got, want)
	}
	if c.Listen != "127.0.0.1:8000" {
		t.Errorf("Listen = %q; want 127.0.0.1:8000", c.Listen)
	}
	if !c.AutoMigrate {
		t.Errorf("AutoMigrate = false; want true")
	}
	if c.Debug {
		t.Errorf("Debug = true; want false")
	}
	if c.Location == nil || c.Location.String() != "Europe/Oslo" {
		t.Errorf("Location = %v; want Europe/Oslo", c.Location)
	}
	if c.FrontendOrigins != nil {
		t.Errorf("FrontendOrigins = %q; want none", c.FrontendOrigins)
	}
	if want := 14 * 24 * time.Hour; c.TokenLifetime != want {
		t.Errorf("TokenLifetime = %v; want %v", c.TokenLifetime, want)
	}
	if want := 14 * 24 * time.Hour; c.SessionLifetime != want {
		t.Errorf("SessionLifetime = %v; want %v", c.SessionLifetime, want)
	}
}

func TestDatabaseDSN(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "sqlite://argus.db"},
		{"data dir", map[string]string{"ARGUS_DATA_DIR": "/var/lib/argus"}, "sqlite:///var/lib/argus/argus.db"},
		{"data dir with trailing slash", map[string]string{"ARGUS_DATA_DIR": "/var/lib/argus/"}, "sqlite:///var/lib/argus/argus.db"},
		{"relative data dir", map[string]string{"ARGUS_DATA_DIR": "data"}, "sqlite://data/argus.db"},
		{"DATABASE_URL wins", map[string]string{
			"DATABASE_URL":   "postgres://argus@db:5432/argus",
			"ARGUS_DATA_DIR": "/var/lib/argus",
		}, "postgres://argus@db:5432/argus"},
		{"sqlite DATABASE_URL", map[string]string{"DATABASE_URL": "sqlite:///srv/argus.db"}, "sqlite:///srv/argus.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := load(t, tt.env).DatabaseDSN(); got != tt.want {
				t.Errorf("DatabaseDSN() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestLoadBooleans(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"1", true}, {"on", true}, {"ON", true}, {"true", true}, {"True", true}, {"yes", true}, {"YeS", true}, {" true ", true},
		{"0", false}, {"off", false}, {"Off", false}, {"false", false}, {"FALSE", false}, {"no", false}, {"No", false}, {" no\n", false},
	}
	for _, name := range []string{"ARGUS_AUTO_MIGRATE", "DEBUG"} {
		field := func(c config.Config) bool {
			if name == "DEBUG" {
				return c.Debug
			}
			return c.AutoMigrate
		}
		for _, tt := range tests {
			t.Run(name+"="+tt.value, func(t *testing.T) {
				if got := field(load(t, map[string]string{name: tt.value})); got != tt.want {
					t.Errorf("%s=%q: got %v; want %v", name, tt.value, got, tt.want)
				}
			})
		}
		for _, bad := range []string{"maybe", "2", "y", "truee"} {
			t.Run(name+"="+bad, func(t *testing.T) {
				_, err := config.Load(env(map[string]string{name: bad}))
				if err == nil {
					t.Fatalf("%s=%q: no error; want one", name, bad)
				}
				if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), bad) {
					t.Errorf("%s=%q: error %q; want it to name the variable and the value", name, bad, err)
				}
			})
		}
	}
}

func TestLoadTimeZone(t *testing.T) {
	if got := load(t, map[string]string{"TIME_ZONE": "UTC"}).Location.String(); got != "UTC" {
		t.Errorf("TIME_ZONE=UTC: Location = %q; want UTC", got)
	}
	if got := load(t, map[string]string{"TIME_ZONE": "America/New_York"}).Location.String(); got != "America/New_York" {
		t.Errorf("TIME_ZONE=America/New_York: Location = %q; want America/New_York", got)
	}
	for _, bad := range []string{"Mars/Olympus_Mons", "europe/oslo/x", "../etc/passwd"} {
		t.Run(bad, func(t *testing.T) {
			_, err := config.Load(env(map[string]string{"TIME_ZONE": bad}))
			if err == nil {
				t.Fatalf("TIME_ZONE=%q: no error; want one", bad)
			}
			if !strings.Contains(err.Error(), "TIME_ZONE") {
				t.Errorf("TIME_ZONE=%q: error %q; want it to name TIME_ZONE", bad, err)
			}
		})
	}
}

func TestLoadFrontendOrigins(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string
	}{
		{"one", "https://argus.example.org", []string{"https://argus.example.org"}},
		{
			"several with paths, ports, case and trailing slashes",
			"https://Argus.Example.ORG/app/, http://localhost:3000/,HTTP://LOCALHOST:8080/path/to/page?x=1#frag",
			[]string{"https://argus.example.org", "http://localhost:3000", "http://localhost:8080"},
		},
		{"empty items skipped", ",https://a.example/,, ", []string{"https://a.example"}},
		{"IPv6", "http://[::1]:3000/", []string{"http://[::1]:3000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := load(t, map[string]string{"ARGUS_FRONTEND_URL": tt.value}).FrontendOrigins
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ARGUS_FRONTEND_URL=%q: FrontendOrigins (-want +got):\n%s", tt.value, diff)
			}
		})
	}
	for _, bad := range []string{
		"ftp://files.example.org/",
		"argus.example.org",
		"http://",
		"https://ok.example.org,ws://live.example.org",
		"mailto:argus@example.org",
		"http://bad host/",
	} {
		t.Run(bad, func(t *testing.T) {
			_, err := config.Load(env(map[string]string{"ARGUS_FRONTEND_URL": bad}))
			if err == nil {
				t.Fatalf("ARGUS_FRONTEND_URL=%q: no error; want one", bad)
			}
			if !strings.Contains(err.Error(), "ARGUS_FRONTEND_URL") {
				t.Errorf("ARGUS_FRONTEND_URL=%q: error %q; want it to name the variable", bad, err)
			}
		})
	}
}

func TestLoadTrustedProxies(t *testing.T) {
	if got := load(t, nil).TrustedProxies; got != nil {
		t.Errorf("default TrustedProxies = %v; want none", got)
	}
	got := load(t, map[string]string{"ARGUS_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7,,2001:db8::/32, 172.16.5.9/12"}).TrustedProxies
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("172.16.0.0/12")}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("TrustedProxies (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.org", "10.0.0.1, nope"} {
		_, err := config.Load(env(map[string]string{"ARGUS_TRUSTED_PROXIES": bad}))
		if err == nil || !strings.Contains(err.Error(), "ARGUS_TRUSTED_PROXIES") {
			t.Errorf("ARGUS_TRUSTED_PROXIES=%q: error %v; want one naming the variable", bad, err)
		}
	}
}

func TestLoadLifetimes(t *testing.T) {
	vars := map[string]func(config.Config) time.Duration{
		"ARGUS_TOKEN_EXPIRES_AFTER_DAYS":   func(c config.Config) time.Duration { return c.TokenLifetime },
		"ARGUS_SESSION_EXPIRES_AFTER_DAYS": func(c config.Config) time.Duration { return c.SessionLifetime },
	}
	for name, field := range vars {
		for value, want := range map[string]time.Duration{
			"1":    24 * time.Hour,
			"7":    7 * 24 * time.Hour,
			" 30 ": 30 * 24 * time.Hour,
			"365":  365 * 24 * time.Hour,
		} {
			t.Run(name+"="+value, func(t *testing.T) {
				if got := field(load(t, map[string]string{name: value})); got != want {
					t.Errorf("%s=%q: got %v; want %v", name, value, got, want)
				}
			})
		}
		for _, bad := range []string{"0", "-1", "x", "1.5", "14d"} {
			t.Run(name+"="+bad, func(t *testing.T) {
				_, err := config.Load(env(map[string]string{name: bad}))
				if err == nil {
					t.Fatalf("%s=%q: no error; want one", name, bad)
				}
				if !strings.Contains(err.Error(), name) {
					t.Errorf("%s=%q: error %q; want it to name the variable", name, bad, err)
				}
			})
		}
		// More days than a time.Duration holds (about 106,751) must not
		// wrap around into a negative or tiny lifetime.
		for _, huge := range []string{"106752", "1000000", "9223372036854775807"} {
			t.Run(name+"="+huge, func(t *testing.T) {
				c, err := config.Load(env(map[string]string{name: huge}))
				if err != nil {
					return // refusing the value is fine
				}
				if got := field(c); got < 106751*24*time.Hour {
					t.Errorf("%s=%q: lifetime %v; want an error or a lifetime of at least 106751 days", name, huge, got)
				}
			})
		}
	}
}

func TestVarsDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range config.Vars {
		if v.Name == "" || v.Help == "" {
			t.Errorf("Var %+v: want a Name and a Help", v)
		}
		if seen[v.Name] {
			t.Errorf("Var %s listed twice", v.Name)
		}
		seen[v.Name] = true
	}

	var asked []string
	askedSet := map[string]bool{}
	_, err := config.Load(func(name string) string {
		if !askedSet[name] {
			askedSet[name] = true
			asked = append(asked, name)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range asked {
		if !seen[name] {
			t.Errorf("Load reads %s, which Vars does not document", name)
		}
	}
	for name := range seen {
		if !askedSet[name] {
			t.Errorf("Vars documents %s, which Load never reads", name)
		}
	}
}

// Setting a variable to the default Vars documents for it changes nothing,
// so the help text tells the truth. Defaults written in parentheses are
// descriptions, not values.
func TestVarsDefaultsMatchLoad(t *testing.T) {
	base := load(t, nil)
	for _, v := range config.Vars {
		if strings.HasPrefix(v.Default, "(") {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			c := load(t, map[string]string{v.Name: v.Default})
			if diff := cmp.Diff(base, c, cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
				t.Errorf("%s=%q differs from unset (-unset +set):\n%s", v.Name, v.Default, diff)
			}
		})
	}
}

func TestLoadKnoxTokenLifetime(t *testing.T) {
	for value, want := range map[string]time.Duration{"": 10 * time.Hour, "90m": 90 * time.Minute, "2d": 48 * time.Hour} {
		if got := load(t, map[string]string{"ARGUS_AUTH_TOKEN_TTL": value}).KnoxTokenLifetime; got != want {
			t.Errorf("ARGUS_AUTH_TOKEN_TTL=%q: %v; want %v", value, got, want)
		}
	}
	if _, err := config.Load(env(map[string]string{"ARGUS_AUTH_TOKEN_TTL": "soon"})); err == nil || !strings.Contains(err.Error(), "ARGUS_AUTH_TOKEN_TTL") {
		t.Errorf("ARGUS_AUTH_TOKEN_TTL=soon: %v; want an error naming it", err)
	}
}

func TestLoadFallbackFilter(t *testing.T) {
	c := load(t, map[string]string{"ARGUS_FALLBACK_FILTER": `{"acked": false, "maxlevel": 3}`})
	if c.FallbackFilter.Acked == nil || *c.FallbackFilter.Acked || c.FallbackFilter.MaxLevel != 3 {
		t.Errorf("FallbackFilter = %+v; want acked false, maxlevel 3", c.FallbackFilter)
	}
	for _, bad := range []string{"acked", "[1]", "null"} {
		if _, err := config.Load(env(map[string]string{"ARGUS_FALLBACK_FILTER": bad})); err == nil || !strings.Contains(err.Error(), "ARGUS_FALLBACK_FILTER") {
			t.Errorf("ARGUS_FALLBACK_FILTER=%q: %v; want an error naming it", bad, err)
		}
	}
}
