package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/store"
)

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	// Media are the configured media by code (D13). A profile's medium
	// that is missing here is skipped with a warning, once per event.
	Media map[argus.Medium]Medium
	// Location is TIME_ZONE: timeslots are checked at the event's
	// timestamp in it (D9) and times are shown in it.
	Location *time.Location
	// SiteURL is ARGUS_SITE_URL.
	SiteURL string
	// Fallback is ARGUS_FALLBACK_FILTER: it fills the unset keys of every
	// filter (D28).
	Fallback argus.FilterBlob
	// Workers is ARGUS_NOTIFICATION_WORKERS (default 4).
	Workers int
	// RetryFor is ARGUS_NOTIFICATION_RETRY_FOR: how long transient
	// failures are retried (default 24h).
	RetryFor time.Duration
	// Keep is ARGUS_NOTIFICATION_KEEP: how long sent and failed messages
	// are kept after they were sent or failed (default 30 days).
	Keep time.Duration
	// SendTimeout bounds one Send (default 30s); media have their own,
	// shorter timeouts (EMAIL_TIMEOUT).
	SendTimeout time.Duration
	// Batch is how many messages a worker claims at once (default 8).
	Batch int
	// Lease is how long a worker owns the messages it claimed before
	// another may take them (default Batch×SendTimeout + 30s), and
	// DispatchLease the same for an event being dispatched (default 1m).
	Lease, DispatchLease time.Duration
	// Poll is how often idle workers and the dispatcher look for work
	// that no wake-up announced: another instance's events, retries
	// coming due, expired leases (default 1s).
	Poll time.Duration
	// RetryBase is the first retry's delay, doubled for each attempt up
	// to RetryMax (defaults 10s and 1h), with jitter.
	RetryBase, RetryMax time.Duration
	// Logger receives delivery logs; permanent failures are errors.
	Logger *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// Observer, when set, hears what becomes of messages (metrics).
	Observer Observer
}

// Observer hears what becomes of messages, by medium; its methods must
// not block.
type Observer interface {
	// Queued: n messages were queued for an event.
	Queued(medium argus.Medium, n int)
	// Sent: a message was handed to its medium, this long after its
	// event was committed.
	Sent(medium argus.Medium, sinceCommit time.Duration)
	// Failed: a message failed for good (or could not be queued).
	Failed(medium argus.Medium)
	// Retried: a message failed and will be tried again.
	Retried(medium argus.Medium)
}

// noObserver hears nothing.
type noObserver struct{}

func (noObserver) Queued(argus.Medium, int)         {}
func (noObserver) Sent(argus.Medium, time.Duration) {}
func (noObserver) Failed(argus.Medium)              {}
func (noObserver) Retried(argus.Medium)             {}

// Service dispatches outbox events and delivers their messages (D10–D12).
// Any number of Services, in one process or many, may share a database
// (D20). While it runs, every event the store commits wakes it at once
// (store.Subscribe), and on PostgreSQL so does every event another
// process commits (store.Listen); the poll is the safety net.
type Service struct {
	st   *store.Store
	o    Options
	log  *slog.Logger
	dwak chan struct{} // wakes the dispatcher
	wwak chan struct{} // wakes a worker

	mu      sync.Mutex
	version int64
	matcher *argus.Matcher
	contact map[int64]store.Contact
}

// New makes a Service over st, which must have been opened with
// store.WithNotifications(true) for events to reach it.
func New(st *store.Store, o Options) *Service {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 24 * time.Hour
	}
	if o.Keep <= 0 {
		o.Keep = 30 * 24 * time.Hour
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 8
	}
	if o.Lease <= 0 {
		o.Lease = time.Duration(o.Batch)*o.SendTimeout + 30*time.Second
	}
	if o.DispatchLease <= 0 {
		o.DispatchLease = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 10 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	return &Service{
		st: st, o: o, log: o.Logger,
		dwak: make(chan struct{}, 1),
		wwak: make(chan struct{}, 1),
	}
}

// Dispatch wakes the dispatcher for an event already in the outbox. Run
// calls it for every event the store commits; tests call it to hand an
// event over without waiting for a poll.
func (s *Service) Dispatch(context.Context, argus.Event) { wake(s.dwak) }

// wakeOnEvents is the Service's subscription to the store's changes: a
// committed event wakes the dispatcher, and so does nil (changes may have
// been missed).
func (s *Service) wakeOnEvents(changes []store.Change) {
	if changes == nil {
		wake(s.dwak)
		return
	}
	for _, c := range changes {
		if c.EventID != 0 {
			wake(s.dwak)
			return
		}
	}
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Run dispatches and delivers until ctx ends. It then stops claiming
// work, lets each worker finish the send it is in (bounded by
// SendTimeout), gives back the messages it had claimed but not tried, and
// returns.
func (s *Service) Run(ctx context.Context) error {
	defer s.st.Subscribe(s.wakeOnEvents)()
	var wg sync.WaitGroup
	if s.st.IsPostgres() {
		// Events committed by other processes sharing the database wake
		// this one too (D20), not only the poll.
		wg.Go(func() {
			s.st.Listen(ctx, s.wakeOnEvents, func(err error) { // returns when ctx ends
				s.log.Warn("notify: lost the database's change notifications; polling meanwhile", "err", err)
			})
		})
	}
	wg.Go(func() { s.loop(ctx, s.dwak, s.DispatchDue) })
	for range s.o.Workers {
		wg.Go(func() { s.loop(ctx, s.wwak, s.DeliverDue) })
	}
	wg.Go(func() { s.pruneLoop(ctx) })
	wg.Wait()
	return nil
}

// loop runs step until ctx ends: again at once while it finds work, else
// after a wake-up on c or Poll.
func (s *Service) loop(ctx context.Context, c chan struct{}, step func(context.Context) (int, error)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		n, err := step(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("notify: database", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		t.Reset(s.o.Poll)
		select {
		case <-ctx.Done():
			return
		case <-c:
		case <-t.C:
		}
	}
}

// pruneLoop deletes old sent and failed messages at start and then hourly.
func (s *Service) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("notify: prune", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes the messages sent or failed longer than Keep ago; queued
// ones stay, however old.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	n, err := s.st.PruneMessages(ctx, s.o.Now().Add(-s.o.Keep))
	if n > 0 {
		s.log.Info("notify: pruned sent and failed messages", "count", n)
	}
	return n, err
}

// dispatchBatch is how many outbox events a dispatcher claims at once.
const dispatchBatch = 64

// DispatchDue dispatches the events due in the outbox, a batch at a time,
// and returns how many it dispatched.
func (s *Service) DispatchDue(ctx context.Context) (int, error) {
	ids, err := s.st.ClaimOutbox(ctx, s.o.Now(), s.o.DispatchLease, dispatchBatch)
	if err != nil {
		return 0, err
	}
	done := 0
	var errs []error
	for _, id := range ids {
		if err := s.dispatch(ctx, id); err != nil {
			// The event stays in the outbox; its lease runs out and it is
			// tried again. The rest of the batch goes on: claims go in
			// event order, so an event that always fails would otherwise
			// hold up every event after it.
			errs = append(errs, fmt.Errorf("notify: dispatch event %d: %w", id, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// dispatch decides who hears about one event and queues their messages,
// both from the incident as the event left it (DispatchEvent).
func (s *Service) dispatch(ctx context.Context, eventID int64) error {
	now := s.o.Now()
	ev, inc, err := s.st.DispatchEvent(ctx, eventID, now)
	if errors.Is(err, argus.ErrNotFound) {
		// The event is gone (its incident was deleted): nothing to send.
		_, err = s.st.Enqueue(ctx, eventID, 0, nil, now, now)
		return err
	}
	if err != nil {
		return err
	}
	matcher, contacts, err := s.profiles(ctx)
	if err != nil {
		return err
	}
	out := s.recipients(&ev, &inc, matcher.Match(&inc, &ev, ev.Timestamp.In(s.o.Location)), contacts)
	queued, err := s.st.Enqueue(ctx, ev.ID, inc.ID, out, now, now.Add(s.o.RetryFor))
	if err != nil || !queued {
		return err
	}
	wakeWorker := false
	for _, o := range out {
		n := 0
		for _, r := range o.Recipients {
			if r.Error != "" {
				s.log.Error("notify: cannot notify", "incident", inc.ID, "event", ev.ID, "medium", o.Medium,
					"user", contacts[r.UserID].Username, "err", r.Error)
				s.o.Observer.Failed(o.Medium)
			} else {
				wakeWorker = true
				n++
			}
		}
		if n > 0 {
			s.o.Observer.Queued(o.Medium, n)
		}
	}
	if wakeWorker {
		wake(s.wwak) // a worker that claims a full batch wakes the next
	}
	return nil
}

// recipients turns the matching profiles into one message per address
// and medium (D11), with each medium's content rendered once.
func (s *Service) recipients(ev *argus.Event, inc *argus.Incident, matched []*argus.Profile, contacts map[int64]store.Contact) []store.Outgoing {
	var (
		out     []store.Outgoing
		missing []argus.Medium
	)
	index := map[argus.Medium]int{}
	seen := map[int64]bool{} // destinations: one message each (D29)
	add := func(m argus.Medium, r store.Recipient) {
		j, ok := index[m]
		if !ok {
			j = len(out)
			index[m] = j
			out = append(out, store.Outgoing{Medium: m})
		}
		out[j].Recipients = append(out[j].Recipients, r)
	}
	unreachable := map[string]bool{} // medium + user, once each
	for _, p := range matched {
		// A medium that API v1 set but that has no destination (an
		// account without an email, "SM" without a phone number) fails
		// at once, visibly, as before destinations (D29).
		for _, m := range p.Media {
			if s.o.Media[m] == nil || slices.ContainsFunc(p.Destinations, func(d argus.Destination) bool { return d.Medium == m }) {
				continue
			}
			key := fmt.Sprintf("%s %d", m, p.UserID)
			if unreachable[key] {
				continue
			}
			unreachable[key] = true
			why := fmt.Sprintf("notify: user %s has no email address", contacts[p.UserID].Username)
			if m == argus.MediumSMS {
				why = fmt.Sprintf("notify: profile %d has no phone number", p.Timeslot.ID)
			}
			add(m, store.Recipient{UserID: p.UserID, Error: why})
		}
		for i := range p.Destinations {
			d := &p.Destinations[i]
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			medium := s.o.Media[d.Medium]
			if medium == nil {
				if !slices.Contains(missing, d.Medium) {
					missing = append(missing, d.Medium)
				}
				continue
			}
			addr, err := medium.Recipient(d)
			r := store.Recipient{UserID: d.UserID, DestinationID: d.ID, Address: addr}
			if err != nil {
				r = store.Recipient{UserID: d.UserID, DestinationID: d.ID, Error: err.Error()}
			}
			add(d.Medium, r)
		}
	}
	for _, m := range missing {
		s.log.Warn("notify: no medium configured, nowhere to send notifications", "medium", m, "incident", inc.ID, "event", ev.ID)
	}
	n := &Notice{Event: *ev, Incident: *inc, Location: s.o.Location, SiteURL: s.o.SiteURL}
	for i := range out {
		out[i].Content = s.o.Media[out[i].Medium].Render(n)
	}
	return out
}

// profiles returns the matcher over every active profile and their
// users' contacts. They are loaded in full the first time; after that,
// when the profiles version moved, only the profiles of the users whose
// profiles changed are read again and replaced, so that one user's
// changes cost every instance the reload of that user alone.
func (s *Service) profiles(ctx context.Context) (*argus.Matcher, map[int64]store.Contact, error) {
	v, err := s.st.ProfilesVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matcher != nil && s.version == v {
		return s.matcher, s.contact, nil
	}
	if s.matcher == nil {
		list, contacts, v, err := s.st.ActiveProfiles(ctx)
		if err != nil {
			return nil, nil, err
		}
		s.matcher, s.contact, s.version = argus.NewMatcher(list, s.o.Fallback), contacts, v
		return s.matcher, s.contact, nil
	}
	u, err := s.st.ActiveProfilesSince(ctx, s.version)
	if err != nil {
		return nil, nil, err
	}
	if u.All {
		s.matcher, s.contact = argus.NewMatcher(u.Profiles, s.o.Fallback), u.Contacts
	} else {
		// Dispatches under way keep the matcher and contacts they have:
		// both are replaced, never modified.
		contacts := maps.Clone(s.contact)
		for _, id := range u.Users {
			delete(contacts, id)
		}
		maps.Copy(contacts, u.Contacts)
		s.matcher, s.contact = s.matcher.Replace(u.Users, u.Profiles), contacts
	}
	s.version = u.Version
	return s.matcher, s.contact, nil
}

// DeliverDue claims a batch of due messages and sends them, and returns
// how many it claimed. When ctx ends it finishes the send in progress and
// gives back the rest.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	msgs, err := s.st.ClaimMessages(ctx, s.o.Now(), s.o.Lease, s.o.Batch)
	if err != nil {
		return 0, err
	}
	if len(msgs) == s.o.Batch {
		wake(s.wwak) // there may be more: bring another worker
	}
	for i := range msgs {
		if ctx.Err() != nil {
			s.release(msgs[i:])
			return len(msgs), nil
		}
		s.deliver(ctx, &msgs[i])
	}
	return len(msgs), nil
}

// recordTimeout bounds recording an outcome after shutdown began.
const recordTimeout = 10 * time.Second

func (s *Service) release(msgs []store.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	for _, m := range msgs {
		if _, err := s.st.ReleaseMessage(ctx, m.ID, m.Attempts, s.o.Now()); err != nil {
			s.log.Error("notify: release message", "message", m.ID, "err", err)
		}
	}
}

// deliver sends one claimed message and records the outcome.
func (s *Service) deliver(ctx context.Context, m *store.Message) {
	// The send and its record survive the shutdown of ctx: a message in
	// flight is finished, not abandoned.
	ctx = context.WithoutCancel(ctx)
	var err error
	if medium := s.o.Media[m.Medium]; medium == nil {
		err = Permanent(fmt.Errorf("no %s medium is configured", m.Medium.Display()))
	} else {
		err = s.send(ctx, medium, &Message{
			ID: m.ID, EventID: m.EventID, IncidentID: m.IncidentID, Medium: m.Medium, Recipient: m.Recipient,
			Content: m.Content,
			Attempt: m.Attempts,
		})
	}
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	now := s.o.Now()
	attrs := []any{"message", m.ID, "incident", m.IncidentID, "event", m.EventID, "medium", m.Medium,
		"recipient", m.Recipient, "user", m.Username, "attempt", m.Attempts}
	var ok bool
	switch next := now.Add(s.backoff(m.Attempts)); {
	case err == nil:
		since := m.Committed
		if since.IsZero() {
			since = m.Created // its event is gone
		}
		s.o.Observer.Sent(m.Medium, now.Sub(since))
		ok, err = s.st.MessageSent(ctx, m.ID, m.Attempts, now)
		s.log.Debug("notify: sent", attrs...)
	case IsPermanent(err):
		s.log.Error("notify: delivery failed", append(attrs, "err", err)...)
		s.o.Observer.Failed(m.Medium)
		ok, err = s.st.MessageFailed(ctx, m.ID, m.Attempts, err.Error(), now)
	case next.After(m.Deadline):
		reason := fmt.Sprintf("gave up after %d attempts: %v", m.Attempts, err)
		s.log.Error("notify: delivery failed", append(attrs, "err", reason)...)
		s.o.Observer.Failed(m.Medium)
		ok, err = s.st.MessageFailed(ctx, m.ID, m.Attempts, reason, now)
	default:
		s.log.Warn("notify: delivery will be retried", append(attrs, "err", err, "next", next)...)
		s.o.Observer.Retried(m.Medium)
		ok, err = s.st.MessageRetry(ctx, m.ID, m.Attempts, err.Error(), now, next)
	}
	if err != nil {
		// The lease runs out and the message is tried again: at least
		// once (D12).
		s.log.Error("notify: record outcome", append(attrs, "err", err)...)
	} else if !ok {
		s.log.Warn("notify: lease lost before the outcome was recorded", attrs...)
	}
}

// send hands m to the medium within SendTimeout. A medium that panics
// fails the message for good instead of taking the process down.
func (s *Service) send(ctx context.Context, medium Medium, m *Message) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.SendTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("the %s medium panicked: %v", m.Medium.Display(), p))
		}
	}()
	return medium.Send(ctx, m)
}

// backoff is the delay before the retry after attempt: RetryBase doubled
// per attempt up to RetryMax, and jitter taking it down by up to half so
// that messages failing together do not retry together.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.o.RetryBase
	for i := 1; i < attempt && d < s.o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.o.RetryMax)
	return d - rand.N(d/2+1)
}
