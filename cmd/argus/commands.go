package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/argus-go/argus/internal/api"
	"github.com/argus-go/argus/internal/apidoc"
	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/config"
	"github.com/argus-go/argus/internal/health"
	"github.com/argus-go/argus/internal/httpserver"
	"github.com/argus-go/argus/internal/metrics"
	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
	"github.com/argus-go/argus/internal/web"
)

// cmdServe runs the HTTP server until ctx ends, then lets in-flight
// requests finish (up to 30 seconds).
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", 0)
	addr := fs.String("addr", "", "address to listen on (default $ARGUS_LISTEN or 127.0.0.1:8000)")
	if err := fs.parse(args); err != nil {
		return err
	}
	cfg, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if *addr == "" {
		*addr = cfg.Listen
	}
	n, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := initialSetup(ctx, e, st, "admin", "", ""); err != nil {
			return err
		}
	}
	log := newLogger(e.stderr, cfg.Debug)
	// The hub of live updates hears every committed change: this
	// process's, and on PostgreSQL every other instance's (D36).
	hub := realtime.NewHub(1000)
	meters := metrics.New(st, metrics.Options{Token: cfg.MetricsToken, Subscribers: hub.Subscribers, Logger: log, Now: e.now})
	stopNotifier := startNotifier(cfg, st, log, e, meters)
	// Deferred after st.Close, so it runs before: in-flight messages are
	// finished or given back while the database is still open.
	defer stopNotifier()
	accounts := auth.NewAccounts(st, e.now, cfg.TokenLifetime)
	accounts.SessionLifetime = cfg.SessionLifetime
	accounts.KnoxTTL = cfg.KnoxTokenLifetime
	hubCtx, stopHub := context.WithCancel(context.Background())
	defer stopHub()
	hub.Follow(hubCtx, st, func(err error) {
		log.Warn("lost the database's change notifications; live views reload", "err", err)
	})
	providers := loginProviders(cfg.Login)
	var names []string
	for _, p := range providers {
		names = append(names, p.Name())
	}
	if len(providers) > 0 && cfg.Login.SecretKey == "" {
		log.Warn("SECRET_KEY is not set: a login with a provider must finish on the instance that began it")
	}
	rest := api.New(st, api.Options{
		Location: cfg.Location, Accounts: accounts, Logger: log, Now: e.now, Hub: hub,
		FrontendOrigins: cfg.FrontendOrigins, LoginProviders: names, DeletableIncidents: !cfg.IndelibleIncidents,
		FallbackFilter: cfg.FallbackFilter,
	})
	ui, err := web.New(st, web.Options{
		Location: cfg.Location, Accounts: accounts, Logger: log, Now: e.now, Hub: hub,
		Providers: providers, SecretKey: cfg.Login.SecretKey,
		FrontendURL: cfg.Login.FrontendURL, CookieDomain: cfg.Login.CookieDomain,
	})
	if err != nil {
		return err
	}
	probes := health.New(st)
	handler := httpserver.Handler(httpserver.Options{
		Logger: log, TrustedProxies: cfg.TrustedProxies, FrontendOrigins: cfg.FrontendOrigins,
		Observe: meters.Observe,
	}, rest, ui, probes, meters, apidoc.Face{})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for requests to end; the live views' streams end
	// when the hub closes (the browsers reconnect elsewhere or later).
	srv.RegisterOnShutdown(hub.Close)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("Argus is listening", "url", "http://"+ln.Addr().String(), "database", st.String())
	if e.ready != nil {
		e.ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Readiness fails first, so that a balancer that probes /readyz
	// stops sending requests; then the server stops taking them and
	// finishes those in flight.
	probes.Drain()
	log.Info("shutting down; finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	if err := flags(e, "migrate", 0).parse(args); err != nil {
		return err
	}
	_, st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "No migrations to apply; %s is up to date.\n", st)
	} else {
		fmt.Fprintf(e.stdout, "Applied %d migration(s) to %s.\n", n, st)
	}
	return nil
}

func cmdInitialSetup(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "initial-setup", 0)
	username := fs.String("username", "admin", "the superuser's username")
	password := fs.String("password", "", "the superuser's password (default: a random one, printed)")
	email := fs.String("email", "", "the superuser's email address")
	if err := fs.parse(args); err != nil {
		return err
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	return initialSetup(ctx, e, st, *username, *password, *email)
}

// initialSetup creates the superuser unless it exists, then the "argus"
// user, source type and source (api-v1.md §8). A second run changes
// nothing and says so.
func initialSetup(ctx context.Context, e *env, st *store.Store, username, password, email string) error {
	if username == "argus" {
		return errors.New(`the username "argus" belongs to Argus's own source system; choose another`)
	}
	_, err := st.UserByUsername(ctx, username)
	switch {
	case err == nil:
		fmt.Fprintf(e.stdout, "The superuser %q already exists; its password is unchanged.\n", username)
	case errors.Is(err, argus.ErrNotFound):
		generated := password == ""
		if generated {
			password = auth.NewPassword()
		}
		_, err = accounts(e, st).CreateUser(ctx, store.NewUser{
			Username: username, Email: email, FirstName: capitalize(username),
			IsStaff: true, IsSuperuser: true,
		}, password)
		if err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(e.stdout, "Created superuser %q with the generated password %q.\nPlease change it with \"argus setpassword %s NEWPASSWORD\".\n", username, password, username)
		} else {
			fmt.Fprintf(e.stdout, "Created superuser %q with the chosen password.\n", username)
		}
	default:
		return err
	}
	created, err := st.EnsureDefaults(ctx, e.now())
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(e.stdout, `Created the user, source type and source "argus".`)
	} else {
		fmt.Fprintln(e.stdout, `The user, source type and source "argus" already exist; nothing changed.`)
	}
	return nil
}

func cmdCreateUser(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "create-user", 0)
	username := fs.String("username", "", "username (required)")
	password := fs.String("password", "", "password (default: none, the user cannot log in with a password)")
	email := fs.String("email", "", "email address")
	superuser := fs.Bool("superuser", false, "make the user superuser and staff")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("--username is required")
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := accounts(e, st).CreateUser(ctx, store.NewUser{
		Username: *username, Email: *email, IsStaff: *superuser, IsSuperuser: *superuser,
	}, *password)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created user %q (pk %d).\n", u.Username, u.ID)
	return nil
}

func cmdCreateSource(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "create-source", 0)
	name := fs.String("name", "", "the source system's name (required)")
	typ := fs.String("type", "", "its type, created if missing, e.g. nav, zabbix (required)")
	username := fs.String("username", "", "its user's username (default: the name)")
	baseURL := fs.String("base-url", "", "base URL for the incidents' relative details URLs")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *name == "" || *typ == "" {
		return errors.New("--name and --type are required")
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := st.CreateSource(ctx, store.NewSource{
		Name: *name, Type: *typ, Username: *username, BaseURL: *baseURL, CreateType: true,
	}, e.now())
	if err != nil {
		return err
	}
	u, err := st.User(ctx, src.UserID)
	if err != nil {
		return err
	}
	key, err := issueToken(ctx, e, st, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created source %q (pk %d, type %q) with user %q (pk %d). Its API token:\n%s\n",
		src.Name, src.ID, src.Type, u.Username, u.ID, key)
	return nil
}

func cmdCreateToken(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "create-token", 0)
	username := fs.String("username", "", "the user (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("--username is required")
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := lookupUser(ctx, st, *username)
	if err != nil {
		return err
	}
	key, err := issueToken(ctx, e, st, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key)
	return nil
}

// issueToken rotates the user's API token and returns the new key.
func issueToken(ctx context.Context, e *env, st *store.Store, userID int64) (string, error) {
	return accounts(e, st).IssueToken(ctx, userID)
}

// accounts are the account operations the API uses, on the command's
// clock. No command checks a token, so the token lifetime does not
// matter here.
func accounts(e *env, st *store.Store) *auth.Accounts {
	return auth.NewAccounts(st, e.now, 0)
}

func lookupUser(ctx context.Context, st *store.Store, username string) (argus.User, error) {
	u, err := st.UserByUsername(ctx, username)
	if errors.Is(err, argus.ErrNotFound) {
		return u, fmt.Errorf("no user named %q", username)
	}
	return u, err
}

func cmdSetPassword(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "setpassword", 2)
	if err := fs.parse(args); err != nil {
		return err
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := lookupUser(ctx, st, fs.Arg(0))
	if err != nil {
		return err
	}
	if fs.Arg(1) == "" {
		return errors.New("the password must not be empty")
	}
	if err := accounts(e, st).SetPassword(ctx, u.ID, fs.Arg(1)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Changed the password of %q.\n", u.Username)
	return nil
}

func cmdGrantSuperuser(ctx context.Context, e *env, args []string) error {
	return setSuperuser(ctx, e, "grantsuperuser", args, true)
}

func cmdRevokeSuperuser(ctx context.Context, e *env, args []string) error {
	return setSuperuser(ctx, e, "revokesuperuser", args, false)
}

func setSuperuser(ctx context.Context, e *env, name string, args []string, on bool) error {
	fs := flags(e, name, 1)
	if err := fs.parse(args); err != nil {
		return err
	}
	_, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := lookupUser(ctx, st, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := st.SetSuperuser(ctx, u.ID, on); err != nil {
		return err
	}
	if on {
		fmt.Fprintf(e.stdout, "%q is now a superuser.\n", u.Username)
	} else {
		fmt.Fprintf(e.stdout, "%q is no longer a superuser.\n", u.Username)
	}
	return nil
}

// loginProviders are the configured ways to log in besides passwords:
// Feide through Dataporten, and any OpenID Connect provider.
func loginProviders(l config.Login) []auth.Provider {
	var out []auth.Provider
	if l.DataportenKey != "" {
		out = append(out, auth.NewDataporten(l.DataportenKey, l.DataportenSecret))
	}
	if l.OIDCIssuer != "" {
		out = append(out, &auth.OIDC{
			Issuer: l.OIDCIssuer, ClientID: l.OIDCClientID, ClientSecret: l.OIDCClientSecret,
			BackendName: l.OIDCName, DisplayName: l.OIDCName,
		})
	}
	return out
}
