// Package config turns the environment into one Config (D21). Every setting
// is an environment variable; Vars lists them with their defaults so that
// `argus serve --help` and the README say the same thing.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/argus-go/argus/internal/argus"
)

// DefaultListen is the HTTP server's address when ARGUS_LISTEN is unset.
const DefaultListen = "127.0.0.1:8000"

// Config is everything Argus reads from its environment.
type Config struct {
	// DatabaseURL selects the database: "" or sqlite:///path for SQLite,
	// postgres://… for PostgreSQL (D19).
	DatabaseURL string
	// DataDir is where the default SQLite file argus.db lives.
	DataDir string
	// Listen is the HTTP server's address.
	Listen string
	// AutoMigrate makes `serve` apply pending migrations at start.
	AutoMigrate bool
	// IndelibleIncidents keeps DELETE /api/v2/incidents/<pk>/ from
	// deleting (api-v2.md §4.4.6).
	IndelibleIncidents bool
	// Location is TIME_ZONE: where datetimes are rendered and naive input
	// is read (D7).
	Location *time.Location
	// Debug turns on human-readable debug logging.
	Debug bool
	// FrontendOrigins are the origins of ARGUS_FRONTEND_URL allowed by CORS.
	FrontendOrigins []string
	// TokenLifetime is how long an API token lives after it is issued (D4).
	TokenLifetime time.Duration
	// SessionLifetime is how long a web login session lives.
	SessionLifetime time.Duration
	// KnoxTokenLifetime is how long a knox-style token lives (D30).
	KnoxTokenLifetime time.Duration
	// FallbackFilter fills the unset keys of every filter (D28).
	FallbackFilter argus.FilterBlob
	// TrustedProxies are the reverse proxies whose X-Forwarded-Proto and
	// X-Forwarded-For headers are believed; from anyone else they are
	// ignored. Empty by default.
	TrustedProxies []netip.Prefix
	// MetricsToken is ARGUS_METRICS_TOKEN: when set, GET /metrics needs
	// it as a Bearer token.
	MetricsToken string

	// SendNotifications is ARGUS_SEND_NOTIFICATIONS, the master switch of
	// notifications (D12): while false nothing is queued or sent.
	SendNotifications bool
	// NotificationWorkers is how many messages a process sends at once.
	NotificationWorkers int
	// NotificationRetryFor is how long transient failures are retried.
	NotificationRetryFor time.Duration
	// NotificationKeep is how long sent and failed messages are kept
	// after they were sent or failed; queued ones are never pruned.
	NotificationKeep time.Duration
	// SiteURL is the web UI's address, for links in notifications (D14).
	SiteURL string
	// SMSGateway is the email-to-SMS gateway's address; "" means no SMS
	// medium (D13).
	SMSGateway string
	// Email is the SMTP server and sender of notifications.
	Email Email

	// Login configures logging in elsewhere (api-v1.md §3.3, D35).
	Login Login
}

// Login configures the login providers besides passwords and what the
// web UI signs.
type Login struct {
	// SecretKey signs the short-lived cookie that carries an OIDC login's
	// state from one instance to another (SECRET_KEY); every instance
	// needs the same one.
	SecretKey string
	// FrontendURL is the first URL of ARGUS_FRONTEND_URL: after an OIDC
	// login the browser goes there with a "token" cookie (for the React
	// frontend); "" sends it to the web UI.
	FrontendURL string
	// CookieDomain is ARGUS_COOKIE_DOMAIN, the domain of that cookie.
	CookieDomain string
	// DataportenKey and DataportenSecret are Feide through Dataporten's
	// client; both set turns it on.
	DataportenKey, DataportenSecret string
	// OIDCIssuer, OIDCClientID and OIDCClientSecret are any OpenID
	// Connect provider found by discovery; the issuer turns it on.
	// OIDCName names it in URLs and on the login page.
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCName string
}

// Email configures the SMTP server notifications go through, named as the
// original's Django settings (api-v1.md §9).
type Email struct {
	Host     string
	Port     int
	User     string
	Password string
	// UseTLS requires STARTTLS; false sends in plain text, for local
	// relays and `argus dev-smtp`.
	UseTLS bool
	// UseSSL connects with implicit TLS (port 465).
	UseSSL  bool
	Timeout time.Duration
	From    string
}

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Help    string
}

// Vars lists every environment variable Argus reads, in the order the help
// text shows them.
var Vars = []Var{
	{"DATABASE_URL", "(unset: SQLite file argus.db)", "database: sqlite:///path/to.db or postgres://user@host:5432/dbname"},
	{"ARGUS_DATA_DIR", ".", "directory of the default SQLite file argus.db"},
	{"ARGUS_LISTEN", DefaultListen, "address the HTTP server listens on (serve --addr overrides it)"},
	{"ARGUS_AUTO_MIGRATE", "true", "apply pending database migrations when serve starts"},
	{"TIME_ZONE", "Europe/Oslo", "zone in which datetimes are rendered and naive datetimes are read"},
	{"DEBUG", "false", "debug logging as text; otherwise info logging as JSON"},
	{"ARGUS_FRONTEND_URL", "", "comma-separated frontend URLs whose origins CORS allows, with credentials"},
	{"ARGUS_INDELIBLE_INCIDENTS", "true", "while true, DELETE /api/v2/incidents/<pk>/ answers 405; false lets superusers and the incident's source delete"},
	{"ARGUS_TOKEN_EXPIRES_AFTER_DAYS", "14", "days an API token stays valid after it is issued"},
	{"ARGUS_SESSION_EXPIRES_AFTER_DAYS", "14", "days a web login session stays valid"},
	{"ARGUS_AUTH_TOKEN_TTL", "10h", "how long a knox-style token from /api/v2/auth/token/login/ stays valid (Go duration, or days as 2d)"},
	{"ARGUS_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-Proto/-For are believed"},
	{"ARGUS_METRICS_TOKEN", "", "when set, GET /metrics answers only \"Authorization: Bearer <this token>\" (never logged); unset, anyone who reaches it"},
	{"ARGUS_SEND_NOTIFICATIONS", "false", "queue and send notifications; while false nothing is queued"},
	{"ARGUS_FALLBACK_FILTER", "{}", "a filter blob whose keys fill every filter's unset ones, e.g. {\"acked\": false}"},
	{"ARGUS_NOTIFICATION_WORKERS", "4", "messages each serve or worker process sends at once"},
	{"ARGUS_NOTIFICATION_RETRY_FOR", "24h", "how long transient delivery failures are retried (Go duration, or days as 2d)"},
	{"ARGUS_NOTIFICATION_KEEP", "30d", "how long sent and failed messages are kept before they are pruned"},
	{"ARGUS_SITE_URL", "", "the web UI's address (https://argus.example.org); notifications link to the incident there"},
	{"ARGUS_SMS_GATEWAY_ADDRESS", "", "email-to-SMS gateway address; unset, profiles' SMS medium is skipped with a warning"},
	{"EMAIL_HOST", "localhost", "SMTP server for notifications"},
	{"EMAIL_PORT", "(587, or 465 with EMAIL_USE_SSL)", "SMTP port"},
	{"EMAIL_HOST_USER", "", "SMTP user name; unset, no authentication"},
	{"EMAIL_HOST_PASSWORD", "", "SMTP password (never logged)"},
	{"EMAIL_USE_TLS", "true", "require STARTTLS; false sends in plain text, for local relays and argus dev-smtp"},
	{"EMAIL_USE_SSL", "false", "connect with implicit TLS (port 465) instead of STARTTLS"},
	{"EMAIL_TIMEOUT", "10", "seconds an SMTP connection may take"},
	{"DEFAULT_FROM_EMAIL", "argus@localhost", "From address of notifications"},
	{"SECRET_KEY", "", "signs the cookie that carries an OIDC login between instances; the same on every instance (unset: random per process)"},
	{"ARGUS_COOKIE_DOMAIN", "", "domain of the token cookie set for ARGUS_FRONTEND_URL after an OIDC login"},
	{"ARGUS_DATAPORTEN_KEY", "", "Feide login through Dataporten: the OAuth2 client id"},
	{"ARGUS_DATAPORTEN_SECRET", "", "Feide login through Dataporten: the OAuth2 client secret"},
	{"ARGUS_OIDC_ISSUER", "", "an OpenID Connect provider's issuer URL (discovery), e.g. a Keycloak realm"},
	{"ARGUS_OIDC_CLIENT_ID", "", "the OpenID Connect client id"},
	{"ARGUS_OIDC_CLIENT_SECRET", "", "the OpenID Connect client secret"},
	{"ARGUS_OIDC_NAME", "oidc", "the OpenID Connect provider's name in URLs (/oidc/login/<name>/) and on the login page"},
}

// Load reads the configuration through getenv (os.Getenv in production, a
// map in tests). It returns an error naming the variable for any value it
// cannot use.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: getenv("DATABASE_URL"),
		DataDir:     getenv("ARGUS_DATA_DIR"),
		Listen:      getenv("ARGUS_LISTEN"),
	}
	if c.DataDir == "" {
		c.DataDir = "."
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	var err error
	if c.AutoMigrate, err = parseBool(getenv, "ARGUS_AUTO_MIGRATE", true); err != nil {
		return c, err
	}
	if c.IndelibleIncidents, err = parseBool(getenv, "ARGUS_INDELIBLE_INCIDENTS", true); err != nil {
		return c, err
	}
	if c.Debug, err = parseBool(getenv, "DEBUG", false); err != nil {
		return c, err
	}
	tz := getenv("TIME_ZONE")
	if tz == "" {
		tz = "Europe/Oslo"
	}
	if c.Location, err = time.LoadLocation(tz); err != nil {
		return c, fmt.Errorf("config: TIME_ZONE: unknown time zone %q", tz)
	}
	if c.FrontendOrigins, err = parseOrigins(getenv("ARGUS_FRONTEND_URL")); err != nil {
		return c, err
	}
	if c.TokenLifetime, err = parseDays(getenv, "ARGUS_TOKEN_EXPIRES_AFTER_DAYS", 14); err != nil {
		return c, err
	}
	if c.SessionLifetime, err = parseDays(getenv, "ARGUS_SESSION_EXPIRES_AFTER_DAYS", 14); err != nil {
		return c, err
	}
	if c.KnoxTokenLifetime, err = parseDuration(getenv, "ARGUS_AUTH_TOKEN_TTL", 10*time.Hour); err != nil {
		return c, err
	}
	c.MetricsToken = getenv("ARGUS_METRICS_TOKEN")
	if c.TrustedProxies, err = parsePrefixes(getenv("ARGUS_TRUSTED_PROXIES")); err != nil {
		return c, err
	}
	if err := c.loadNotifications(getenv); err != nil {
		return c, err
	}
	if err := c.loadLogin(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// loadLogin reads the login providers.
func (c *Config) loadLogin(getenv func(string) string) error {
	l := &c.Login
	l.SecretKey = getenv("SECRET_KEY")
	if first, _, _ := strings.Cut(getenv("ARGUS_FRONTEND_URL"), ","); strings.TrimSpace(first) != "" {
		l.FrontendURL = strings.TrimSpace(first) // checked by parseOrigins
	}
	l.CookieDomain = strings.TrimSpace(getenv("ARGUS_COOKIE_DOMAIN"))
	l.DataportenKey, l.DataportenSecret = getenv("ARGUS_DATAPORTEN_KEY"), getenv("ARGUS_DATAPORTEN_SECRET")
	if (l.DataportenKey == "") != (l.DataportenSecret == "") {
		return errors.New("config: ARGUS_DATAPORTEN_KEY and ARGUS_DATAPORTEN_SECRET go together")
	}
	l.OIDCIssuer = strings.TrimSpace(getenv("ARGUS_OIDC_ISSUER"))
	l.OIDCClientID, l.OIDCClientSecret = getenv("ARGUS_OIDC_CLIENT_ID"), getenv("ARGUS_OIDC_CLIENT_SECRET")
	if l.OIDCName = strings.TrimSpace(getenv("ARGUS_OIDC_NAME")); l.OIDCName == "" {
		l.OIDCName = "oidc"
	}
	if l.OIDCIssuer != "" {
		u, err := url.Parse(l.OIDCIssuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("config: ARGUS_OIDC_ISSUER: %q is not an http(s) URL", l.OIDCIssuer)
		}
		if l.OIDCClientID == "" {
			return errors.New("config: ARGUS_OIDC_ISSUER needs ARGUS_OIDC_CLIENT_ID")
		}
	}
	for _, r := range l.OIDCName {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("config: ARGUS_OIDC_NAME: %q may hold only a–z, 0–9, _ and -", l.OIDCName)
		}
	}
	if l.OIDCName == "dataporten_feide" {
		return errors.New("config: ARGUS_OIDC_NAME: dataporten_feide is Dataporten's")
	}
	return nil
}

// loadNotifications reads the settings of notification delivery.
func (c *Config) loadNotifications(getenv func(string) string) error {
	var err error
	if c.SendNotifications, err = parseBool(getenv, "ARGUS_SEND_NOTIFICATIONS", false); err != nil {
		return err
	}
	fallback := strings.TrimSpace(getenv("ARGUS_FALLBACK_FILTER"))
	if fallback == "" {
		fallback = "{}"
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(fallback), &obj); err != nil || obj == nil {
		return fmt.Errorf("config: ARGUS_FALLBACK_FILTER: %q is not a JSON object of filter keys", fallback)
	}
	c.FallbackFilter = argus.ParseStoredBlob([]byte(fallback))
	if c.NotificationWorkers, err = parseInt(getenv, "ARGUS_NOTIFICATION_WORKERS", 4, 1, 256); err != nil {
		return err
	}
	if c.NotificationRetryFor, err = parseDuration(getenv, "ARGUS_NOTIFICATION_RETRY_FOR", 24*time.Hour); err != nil {
		return err
	}
	if c.NotificationKeep, err = parseDuration(getenv, "ARGUS_NOTIFICATION_KEEP", 30*24*time.Hour); err != nil {
		return err
	}
	c.SiteURL = strings.TrimRight(strings.TrimSpace(getenv("ARGUS_SITE_URL")), "/")
	if c.SiteURL != "" {
		u, err := url.Parse(c.SiteURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("config: ARGUS_SITE_URL: %q is not an http(s) URL", c.SiteURL)
		}
	}
	if c.SMSGateway = strings.TrimSpace(getenv("ARGUS_SMS_GATEWAY_ADDRESS")); c.SMSGateway != "" {
		if _, err := mail.ParseAddress(c.SMSGateway); err != nil {
			return fmt.Errorf("config: ARGUS_SMS_GATEWAY_ADDRESS: %q is not an email address", c.SMSGateway)
		}
	}
	e := &c.Email
	if e.Host = strings.TrimSpace(getenv("EMAIL_HOST")); e.Host == "" {
		e.Host = "localhost"
	}
	e.User = getenv("EMAIL_HOST_USER")
	e.Password = getenv("EMAIL_HOST_PASSWORD")
	if e.UseSSL, err = parseBool(getenv, "EMAIL_USE_SSL", false); err != nil {
		return err
	}
	// STARTTLS is the default, as in the original; asking for implicit
	// TLS turns it off unless it was asked for too, which is a mistake.
	tlsSet := strings.TrimSpace(getenv("EMAIL_USE_TLS")) != ""
	if e.UseTLS, err = parseBool(getenv, "EMAIL_USE_TLS", !e.UseSSL); err != nil {
		return err
	}
	if e.UseSSL && e.UseTLS && tlsSet {
		return fmt.Errorf("config: EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive: set only one to true")
	}
	port := 587
	if e.UseSSL {
		port = 465
	}
	if e.Port, err = parseInt(getenv, "EMAIL_PORT", port, 1, 65535); err != nil {
		return err
	}
	seconds, err := parseInt(getenv, "EMAIL_TIMEOUT", 10, 1, 3600)
	if err != nil {
		return err
	}
	e.Timeout = time.Duration(seconds) * time.Second
	if e.From = strings.TrimSpace(getenv("DEFAULT_FROM_EMAIL")); e.From == "" {
		e.From = "argus@localhost"
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		return fmt.Errorf("config: DEFAULT_FROM_EMAIL: %q is not an email address", e.From)
	}
	return nil
}

// parseInt reads a whole number from lo to hi.
func parseInt(getenv func(string) string, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("config: %s: %q is not a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// parseDuration reads a Go duration (90m, 24h) or a number of days (30d),
// positive and at most a century.
func parseDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	bad := fmt.Errorf("config: %s: %q is not a duration (use 90m, 24h or 30d)", name, v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > maxDays {
			return def, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > maxDays*24*time.Hour {
		return def, bad
	}
	return d, nil
}

// DatabaseDSN is the database to open: DATABASE_URL, or the SQLite file
// argus.db in DataDir when it is unset.
func (c Config) DatabaseDSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite://" + filepath.Join(c.DataDir, "argus.db")
}

// parseBool reads a boolean as the original did: 1/on/true/yes and
// 0/off/false/no, in any case.
func parseBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := strings.TrimSpace(getenv(name))
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "1", "on", "true", "yes":
		return true, nil
	case "0", "off", "false", "no":
		return false, nil
	}
	return def, fmt.Errorf("config: %s: %q is not a boolean (use true or false)", name, v)
}

// maxDays bounds lifetimes (a century) far below time.Duration's limit.
const maxDays = 36500

func parseDays(getenv func(string) string, name string, def int) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	n := def
	if v != "" {
		var err error
		n, err = strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDays {
			return 0, fmt.Errorf("config: %s: %q is not a number of days from 1 to %d", name, v, maxDays)
		}
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// parseOrigins turns comma-separated URLs into CORS origins
// (scheme://host[:port]), ignoring any path.
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("config: ARGUS_FRONTEND_URL: %q is not an http(s) URL", s)
		}
		origins = append(origins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return origins, nil
}

// parsePrefixes reads comma-separated IP addresses and CIDR prefixes; an
// address is the prefix of that one address.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("config: ARGUS_TRUSTED_PROXIES: %q is not an IP address or CIDR prefix", s)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
