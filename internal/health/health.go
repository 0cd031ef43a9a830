// Package health answers the probes of whoever runs Argus (a load
// balancer, Kubernetes, systemd): /healthz, the process is alive;
// /readyz, it can serve — the database answers, its migrations are
// applied, and the process is not shutting down.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/argus-go/argus/internal/store"
)

// checkTimeout bounds the database checks of one probe.
const checkTimeout = 3 * time.Second

// Checker serves the probes. Register mounts it on the top-level mux.
type Checker struct {
	st       *store.Store
	draining atomic.Bool
}

// New returns the probes of the process serving st.
func New(st *store.Store) *Checker { return &Checker{st: st} }

// Register adds GET /healthz and GET /readyz, open to anyone and exact:
// probes follow no redirects.
func (c *Checker) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", c.healthz)
	mux.HandleFunc("GET /readyz", c.readyz)
}

// Drain makes /readyz fail from now on, so that a load balancer stops
// sending requests before the server stops taking them (SIGTERM).
func (c *Checker) Drain() { c.draining.Store(true) }

type status struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

func write(w http.ResponseWriter, code int, s status) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(s) // a failed write means the prober went away
}

// healthz says the process is alive and serving HTTP.
func (c *Checker) healthz(w http.ResponseWriter, _ *http.Request) {
	write(w, http.StatusOK, status{Status: "ok"})
}

// readyz says whether the process can serve: 503 with the reason when it
// is shutting down, cannot reach the database, or finds migrations not
// applied.
func (c *Checker) readyz(w http.ResponseWriter, r *http.Request) {
	unavailable := func(reason string) {
		write(w, http.StatusServiceUnavailable, status{Status: "unavailable", Reason: reason})
	}
	if c.draining.Load() {
		unavailable("shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	if err := c.st.Ping(ctx); err != nil {
		unavailable("the database does not answer")
		return
	}
	pending, err := c.st.Pending(ctx)
	switch {
	case err != nil:
		unavailable("the database's migrations cannot be read")
		return
	case pending:
		unavailable("database migrations are pending")
		return
	}
	write(w, http.StatusOK, status{Status: "ok"})
}
