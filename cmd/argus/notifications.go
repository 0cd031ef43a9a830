package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/config"
	"github.com/argus-go/argus/internal/notify"
	"github.com/argus-go/argus/internal/store"
)

// newNotifier makes the notification service of cfg: email always, SMS
// through the gateway when one is configured (D13).
func newNotifier(cfg config.Config, st *store.Store, log *slog.Logger, e *env, observer notify.Observer) *notify.Service {
	smtp := notify.SMTPConfig{
		Host: cfg.Email.Host, Port: cfg.Email.Port, Username: cfg.Email.User, Password: cfg.Email.Password,
		UseTLS: cfg.Email.UseTLS, UseSSL: cfg.Email.UseSSL, Timeout: cfg.Email.Timeout, From: cfg.Email.From,
	}
	media := map[argus.Medium]notify.Medium{argus.MediumEmail: notify.NewEmail(smtp)}
	if cfg.SMSGateway != "" {
		media[argus.MediumSMS] = notify.NewSMS(smtp, cfg.SMSGateway)
	}
	return notify.New(st, notify.Options{
		Media:       media,
		Location:    cfg.Location,
		SiteURL:     cfg.SiteURL,
		Fallback:    cfg.FallbackFilter,
		Workers:     cfg.NotificationWorkers,
		RetryFor:    cfg.NotificationRetryFor,
		Keep:        cfg.NotificationKeep,
		SendTimeout: 3 * cfg.Email.Timeout,
		Logger:      log,
		Now:         e.now,
		Observer:    observer,
	})
}

// startNotifier runs the notification service in the background when
// notifications are on; the store's change feed wakes it for each
// committed event. The returned stop ends it and waits until it has
// finished or given back the messages in flight.
func startNotifier(cfg config.Config, st *store.Store, log *slog.Logger, e *env, observer notify.Observer) (stop func()) {
	if !cfg.SendNotifications {
		log.Info("notifications are off (ARGUS_SEND_NOTIFICATIONS=false)")
		return func() {}
	}
	svc := newNotifier(cfg, st, log, e, observer)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx) // returns nil when ctx ends
	}()
	log.Info("notifications are on", "workers", cfg.NotificationWorkers,
		"smtp", fmt.Sprintf("%s:%d", cfg.Email.Host, cfg.Email.Port), "sms", cfg.SMSGateway != "")
	return func() {
		cancel()
		<-done
	}
}

// cmdWorker dispatches and delivers notifications without serving HTTP,
// for processes dedicated to it next to `serve` (D20).
func cmdWorker(ctx context.Context, e *env, args []string) error {
	if err := flags(e, "worker", 0).parse(args); err != nil {
		return err
	}
	cfg, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if !cfg.SendNotifications {
		return errors.New("notifications are off: set ARGUS_SEND_NOTIFICATIONS=true to run a worker")
	}
	log := newLogger(e.stderr, cfg.Debug)
	svc := newNotifier(cfg, st, log, e, nil)
	log.Info("Argus worker is running", "workers", cfg.NotificationWorkers, "database", st.String())
	if e.ready != nil {
		e.ready("")
	}
	err = svc.Run(ctx)
	log.Info("Argus worker stopped")
	return err
}

// cmdNotifications lists messages or queues failed ones again.
func cmdNotifications(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New(`name a subcommand: "list" or "retry ID…" (see argus notifications --help)`)
	}
	if isHelp(args[0]) {
		return flags(e, "notifications", 0).parse(args[:1])
	}
	switch sub, args := args[0], args[1:]; sub {
	case "list":
		return notificationsList(ctx, e, args)
	case "retry":
		return notificationsRetry(ctx, e, args)
	default:
		return fmt.Errorf(`unknown subcommand %q: use "list" or "retry ID…"`, sub)
	}
}

func notificationsList(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "notifications list", 0)
	status := fs.String("status", "", "only messages with this status: queued, sending, sent or failed")
	incident := fs.Int64("incident", 0, "only messages about this incident")
	limit := fs.Int("limit", 50, "show at most this many, newest first")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *status != "" && !store.ValidStatus(*status) {
		return fmt.Errorf("--status: %q is not queued, sending, sent or failed", *status)
	}
	if *limit < 1 {
		return fmt.Errorf("--limit: must be at least 1")
	}
	cfg, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	msgs, more, err := st.Messages(ctx, store.MessageFilter{Status: *status, IncidentID: *incident}, *limit)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tMEDIUM\tRECIPIENT\tINCIDENT\tEVENT\tATTEMPTS\tUPDATED\tLAST ERROR")
	for _, m := range msgs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", m.ID, m.Status, m.Medium, m.Recipient,
			m.IncidentID, m.EventID, m.Attempts, m.Updated.In(cfg.Location).Format("2006-01-02 15:04:05"), flat(m.LastError))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(e.stdout, "(more than %d; use --limit)\n", *limit)
	}
	return nil
}

// flat keeps a table row on one line: SMTP replies span several.
func flat(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func notificationsRetry(ctx context.Context, e *env, args []string) error {
	if len(args) == 1 && isHelp(args[0]) {
		return flags(e, "notifications retry", 0).parse(args)
	}
	if len(args) == 0 {
		return errors.New("name the ids of the messages to send again")
	}
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%q is not a message id", a)
		}
		ids[i] = id
	}
	cfg, st, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	now := e.now()
	for _, id := range ids {
		m, err := st.RetryMessage(ctx, id, now, now.Add(cfg.NotificationRetryFor))
		if errors.Is(err, argus.ErrNotFound) {
			return fmt.Errorf("no message %d", id)
		}
		if errors.Is(err, store.ErrNotRetryable) {
			if m.Recipient == "" {
				return fmt.Errorf("message %d has no recipient (%s); fix that and wait for the next event", id, flat(m.LastError))
			}
			return fmt.Errorf("message %d is %s; only failed or queued messages can be retried", id, m.Status)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "message %d queued again for %s\n", m.ID, m.Recipient)
	}
	if !cfg.SendNotifications {
		fmt.Fprintln(e.stderr, "note: ARGUS_SEND_NOTIFICATIONS is false, so no process will send it until it is turned on")
	}
	return nil
}
