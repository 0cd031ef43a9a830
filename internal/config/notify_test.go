package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/argus-go/argus/internal/config"
)

// wantLoadError checks that Load refuses m with an error containing each
// of wantIn.
func wantLoadError(t *testing.T, m map[string]string, wantIn ...string) {
	t.Helper()
	_, err := config.Load(env(m))
	if err == nil {
		t.Fatalf("Load(%v): no error; want one", m)
	}
	for _, s := range wantIn {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Load(%v): error %q; want it to contain %q", m, err, s)
		}
	}
}

func TestNotificationDefaults(t *testing.T) {
	c := load(t, nil)
	if c.SendNotifications {
		t.Errorf("SendNotifications = true; want false")
	}
	if got, want := c.NotificationWorkers, 4; got != want {
		t.Errorf("NotificationWorkers = %d; want %d", got, want)
	}
	if got, want := c.NotificationRetryFor, 24*time.Hour; got != want {
		t.Errorf("NotificationRetryFor = %v; want %v", got, want)
	}
	if got, want := c.NotificationKeep, 30*24*time.Hour; got != want {
		t.Errorf("NotificationKeep = %v; want %v", got, want)
	}
	if c.SiteURL != "" {
		t.Errorf("SiteURL = %q; want \"\"", c.SiteURL)
	}
	if c.SMSGateway != "" {
		t.Errorf("SMSGateway = %q; want \"\"", c.SMSGateway)
	}
	want := config.Email{
		Host:    "localhost",
		Port:    587,
		UseTLS:  true,
		UseSSL:  false,
		Timeout: 10 * time.Second,
		From:    "argus@localhost",
	}
	if diff := cmp.Diff(want, c.Email); diff != "" {
		t.Errorf("Email (-want +got):\n%s", diff)
	}
}

func TestNotificationSendSwitch(t *testing.T) {
	if !load(t, map[string]string{"ARGUS_SEND_NOTIFICATIONS": "true"}).SendNotifications {
		t.Errorf("ARGUS_SEND_NOTIFICATIONS=true: SendNotifications = false; want true")
	}
	if load(t, map[string]string{"ARGUS_SEND_NOTIFICATIONS": "off"}).SendNotifications {
		t.Errorf("ARGUS_SEND_NOTIFICATIONS=off: SendNotifications = true; want false")
	}
	wantLoadError(t, map[string]string{"ARGUS_SEND_NOTIFICATIONS": "sometimes"}, "ARGUS_SEND_NOTIFICATIONS")
}

func TestNotificationDurations(t *testing.T) {
	vars := map[string]func(config.Config) time.Duration{
		"ARGUS_NOTIFICATION_RETRY_FOR": func(c config.Config) time.Duration { return c.NotificationRetryFor },
		"ARGUS_NOTIFICATION_KEEP":      func(c config.Config) time.Duration { return c.NotificationKeep },
	}
	good := []struct {
		value string
		want  time.Duration
	}{
		{"90m", 90 * time.Minute},
		{"2d", 48 * time.Hour},
		{"24h", 24 * time.Hour},
		{" 1h30m ", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"36500d", 36500 * 24 * time.Hour},
	}
	bad := []string{"0", "0d", "0s", "-1h", "-1d", "1x", "d", "1.5d", "2 days", "40000d", "876001h", "9223372036854775807d"}
	for name, field := range vars {
		for _, tt := range good {
			t.Run(name+"="+tt.value, func(t *testing.T) {
				if got := field(load(t, map[string]string{name: tt.value})); got != tt.want {
					t.Errorf("%s=%q: got %v; want %v", name, tt.value, got, tt.want)
				}
			})
		}
		for _, value := range bad {
			t.Run(name+"="+value, func(t *testing.T) {
				wantLoadError(t, map[string]string{name: value}, name)
			})
		}
	}
}

func TestNotificationWorkers(t *testing.T) {
	for value, want := range map[string]int{"1": 1, "8": 8, " 16 ": 16, "256": 256} {
		t.Run(value, func(t *testing.T) {
			if got := load(t, map[string]string{"ARGUS_NOTIFICATION_WORKERS": value}).NotificationWorkers; got != want {
				t.Errorf("ARGUS_NOTIFICATION_WORKERS=%q: NotificationWorkers = %d; want %d", value, got, want)
			}
		})
	}
	for _, value := range []string{"0", "-1", "257", "1000", "four", "1.5", "4x"} {
		t.Run(value, func(t *testing.T) {
			wantLoadError(t, map[string]string{"ARGUS_NOTIFICATION_WORKERS": value}, "ARGUS_NOTIFICATION_WORKERS")
		})
	}
}

func TestNotificationEmailSecurity(t *testing.T) {
	type security struct {
		UseTLS, UseSSL bool
		Port           int
	}
	tests := []struct {
		name string
		env  map[string]string
		want security
	}{
		{"default STARTTLS", nil, security{UseTLS: true, Port: 587}},
		{"TLS asked for", map[string]string{"EMAIL_USE_TLS": "true"}, security{UseTLS: true, Port: 587}},
		{"SSL alone", map[string]string{"EMAIL_USE_SSL": "true"}, security{UseSSL: true, Port: 465}},
		{"SSL with a port", map[string]string{"EMAIL_USE_SSL": "true", "EMAIL_PORT": "2465"}, security{UseSSL: true, Port: 2465}},
		{"SSL with TLS off", map[string]string{"EMAIL_USE_SSL": "true", "EMAIL_USE_TLS": "false"}, security{UseSSL: true, Port: 465}},
		{"plain", map[string]string{"EMAIL_USE_TLS": "false"}, security{Port: 587}},
		{"plain on a port", map[string]string{"EMAIL_USE_TLS": "no", "EMAIL_PORT": "1025"}, security{Port: 1025}},
		{"SSL off", map[string]string{"EMAIL_USE_SSL": "false"}, security{UseTLS: true, Port: 587}},
		{"STARTTLS on a port", map[string]string{"EMAIL_PORT": "25"}, security{UseTLS: true, Port: 25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := load(t, tt.env).Email
			got := security{UseTLS: e.UseTLS, UseSSL: e.UseSSL, Port: e.Port}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%v: (-want +got):\n%s", tt.env, diff)
			}
		})
	}

	t.Run("TLS and SSL", func(t *testing.T) {
		wantLoadError(t, map[string]string{"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "EMAIL_USE_TLS", "EMAIL_USE_SSL")
	})
	for name, value := range map[string]string{
		"EMAIL_USE_TLS": "maybe",
		"EMAIL_USE_SSL": "2",
		"EMAIL_PORT":    "0",
	} {
		t.Run(name+"="+value, func(t *testing.T) {
			wantLoadError(t, map[string]string{name: value}, name)
		})
	}
	for _, value := range []string{"65536", "smtp", "-25"} {
		t.Run("EMAIL_PORT="+value, func(t *testing.T) {
			wantLoadError(t, map[string]string{"EMAIL_PORT": value}, "EMAIL_PORT")
		})
	}
}

func TestNotificationEmailServer(t *testing.T) {
	e := load(t, map[string]string{
		"EMAIL_HOST":          " smtp.example.org ",
		"EMAIL_HOST_USER":     "argus",
		"EMAIL_HOST_PASSWORD": "  spaces are kept ",
	}).Email
	if e.Host != "smtp.example.org" {
		t.Errorf("Host = %q; want smtp.example.org", e.Host)
	}
	if e.User != "argus" {
		t.Errorf("User = %q; want argus", e.User)
	}
	if e.Password != "  spaces are kept " {
		t.Errorf("Password = %q; want it exactly as set", e.Password)
	}
}

func TestNotificationEmailTimeout(t *testing.T) {
	for value, want := range map[string]time.Duration{"1": time.Second, "30": 30 * time.Second, "3600": time.Hour, " 5 ": 5 * time.Second} {
		t.Run(value, func(t *testing.T) {
			if got := load(t, map[string]string{"EMAIL_TIMEOUT": value}).Email.Timeout; got != want {
				t.Errorf("EMAIL_TIMEOUT=%q: Timeout = %v; want %v", value, got, want)
			}
		})
	}
	for _, value := range []string{"0", "-1", "3601", "10s", "1.5", "1m", "ten"} {
		t.Run(value, func(t *testing.T) {
			wantLoadError(t, map[string]string{"EMAIL_TIMEOUT": value}, "EMAIL_TIMEOUT")
		})
	}
}

func TestNotificationAddresses(t *testing.T) {
	fields := map[string]func(config.Config) string{
		"DEFAULT_FROM_EMAIL":        func(c config.Config) string { return c.Email.From },
		"ARGUS_SMS_GATEWAY_ADDRESS": func(c config.Config) string { return c.SMSGateway },
	}
	for name, field := range fields {
		for _, value := range []string{"argus@example.org", "Argus <argus@example.org>", `"Argus, NOC" <noc@example.org>`, "sms@localhost"} {
			t.Run(name+"="+value, func(t *testing.T) {
				if got := field(load(t, map[string]string{name: value})); got != value {
					t.Errorf("%s=%q: got %q; want it as set", name, value, got)
				}
			})
		}
		t.Run(name+" trimmed", func(t *testing.T) {
			if got, want := field(load(t, map[string]string{name: "  argus@example.org\n"})), "argus@example.org"; got != want {
				t.Errorf("%s: got %q; want %q", name, got, want)
			}
		})
		for _, value := range []string{"nope", "argus@", "@example.org", "a@example.org, b@example.org", "Argus <argus@example.org"} {
			t.Run(name+"="+value, func(t *testing.T) {
				wantLoadError(t, map[string]string{name: value}, name)
			})
		}
	}
}

func TestNotificationSiteURL(t *testing.T) {
	tests := []struct {
		value, want string
	}{
		{"https://argus.example.org", "https://argus.example.org"},
		{"https://argus.example.org/", "https://argus.example.org"},
		{"http://localhost:8000/", "http://localhost:8000"},
		{"https://example.org/argus/", "https://example.org/argus"},
		{"  https://argus.example.org/ ", "https://argus.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := load(t, map[string]string{"ARGUS_SITE_URL": tt.value}).SiteURL; got != tt.want {
				t.Errorf("ARGUS_SITE_URL=%q: SiteURL = %q; want %q", tt.value, got, tt.want)
			}
		})
	}
	for _, value := range []string{"argus.example.org", "ftp://argus.example.org", "https://", "https:///path", "javascript:alert(1)", "http://bad host/"} {
		t.Run(value, func(t *testing.T) {
			wantLoadError(t, map[string]string{"ARGUS_SITE_URL": value}, "ARGUS_SITE_URL")
		})
	}
}

// The SMTP password is never part of an error message, whichever other
// variable is wrong.
func TestNotificationErrorsHidePassword(t *testing.T) {
	const password = "Pa55-w0rd-that-must-not-leak"
	broken := map[string]string{
		"ARGUS_SEND_NOTIFICATIONS":     "sometimes",
		"ARGUS_NOTIFICATION_WORKERS":   "0",
		"ARGUS_NOTIFICATION_RETRY_FOR": "1x",
		"ARGUS_NOTIFICATION_KEEP":      "-1h",
		"ARGUS_SITE_URL":               "ftp://argus.example.org",
		"ARGUS_SMS_GATEWAY_ADDRESS":    "nope",
		"EMAIL_PORT":                   "smtp",
		"EMAIL_USE_TLS":                "maybe",
		"EMAIL_USE_SSL":                "perhaps",
		"EMAIL_TIMEOUT":                "0",
		"DEFAULT_FROM_EMAIL":           "nope",
		"TIME_ZONE":                    "Mars/Olympus_Mons",
		"ARGUS_FRONTEND_URL":           "ws://live.example.org",
	}
	for name, value := range broken {
		t.Run(name, func(t *testing.T) {
			m := map[string]string{
				"EMAIL_HOST_USER":     "argus",
				"EMAIL_HOST_PASSWORD": password,
				name:                  value,
			}
			_, err := config.Load(env(m))
			if err == nil {
				t.Fatalf("%s=%q: no error; want one", name, value)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("%s=%q: error %q contains the SMTP password", name, value, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error %q; want it to name the variable", name, value, err)
			}
		})
	}
	t.Run("TLS and SSL", func(t *testing.T) {
		_, err := config.Load(env(map[string]string{
			"EMAIL_HOST_PASSWORD": password, "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true",
		}))
		if err == nil {
			t.Fatal("no error; want one")
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error %q contains the SMTP password", err)
		}
	})
}
