// Package config turns the environment into one Config (D21). Every setting
// is an environment variable; Vars lists them with their defaults so that
// `argus serve --help` and the README say the same thing.
package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

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
	{"ARGUS_LISTEN", "127.0.0.1:8000", "address the HTTP server listens on (serve --addr overrides it)"},
	{"ARGUS_AUTO_MIGRATE", "true", "apply pending database migrations when serve starts"},
	{"TIME_ZONE", "Europe/Oslo", "zone in which datetimes are rendered and naive datetimes are read"},
	{"DEBUG", "false", "debug logging as text; otherwise info logging as JSON"},
	{"ARGUS_FRONTEND_URL", "", "comma-separated frontend URLs whose origins CORS allows, with credentials"},
	{"ARGUS_TOKEN_EXPIRES_AFTER_DAYS", "14", "days an API token stays valid after it is issued"},
	{"ARGUS_SESSION_EXPIRES_AFTER_DAYS", "14", "days a web login session stays valid"},
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
		c.Listen = "127.0.0.1:8000"
	}
	var err error
	if c.AutoMigrate, err = parseBool(getenv, "ARGUS_AUTO_MIGRATE", true); err != nil {
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
	return c, nil
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
