package api

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/argus-go/argus/internal/argus"
	"github.com/argus-go/argus/internal/auth"
	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
)

// wsStartIncidents is how many open incidents a subscription starts with
// (api-v1.md §7).
const wsStartIncidents = 25

// wsOpen serves ws/open/ (api-v1.md §7) from the realtime hub, for the
// React frontend: after {"action": "subscribe"} the client gets
// {"type": "subscribed", "channel_name", "start_incidents"}, then
// {"type": "created" | "modified", "payload": <incident>} for every
// change to an incident (acks included, which the original left out).
// The caller is known by the session cookie, the "token" cookie the OIDC
// login sets, or ?token=; others are refused before the upgrade. Browsers
// of other sites than the configured frontends are refused too, as a
// cookie-authenticated socket must.
func (s *Server) wsOpen(w http.ResponseWriter, r *http.Request) {
	u, err := s.wsUser(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.wsOrigins})
	if err != nil {
		return // Accept has answered the client
	}
	defer c.CloseNow() //nolint:errcheck // closing is all that is left to do
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var once sync.Once
	for {
		var msg struct {
			Action string `json:"action"`
		}
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			return // the client went away, or sent something that is not JSON
		}
		if msg.Action != "subscribe" {
			if wsjson.Write(ctx, c, map[string]string{"error": "unknown action " + msg.Action}) != nil {
				return
			}
			continue
		}
		subscribed := false
		once.Do(func() {
			subscribed = true
			go s.wsPush(ctx, cancel, c, u)
		})
		if !subscribed {
			// Subscribed already: say so again, with the open incidents.
			if s.wsSubscribed(ctx, c) != nil {
				return
			}
		}
	}
}

// wsPush subscribes the socket to the hub and pushes every change. When
// the hub drops the subscription (the client fell behind, changes were
// lost, the server is stopping) it closes the socket, and the frontend
// connects again.
func (s *Server) wsPush(ctx context.Context, cancel context.CancelFunc, c *websocket.Conn, u *argus.User) {
	defer cancel()
	sub, _, ok := s.hub.Subscribe(0)
	if !ok {
		_ = c.Close(websocket.StatusGoingAway, "the server is stopping") // nothing to do if that fails too
		return
	}
	defer s.hub.Unsubscribe(sub)
	if s.wsSubscribed(ctx, c) != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case m, open := <-sub.C:
			if !open {
				_ = c.Close(websocket.StatusTryAgainLater, "missed changes: subscribe again") // as above
				return
			}
			msg, err := s.wsPayloads.get(m.ID, func() (any, error) { return s.wsMessage(ctx, m) })
			if err != nil {
				s.log.ErrorContext(ctx, "ws/open: read incident", "incident", m.IncidentID, "error", err)
				return
			}
			if msg == nil {
				continue // deleted since
			}
			if wsjson.Write(ctx, c, msg) != nil {
				return
			}
		}
	}
}

// wsMessage is the message of change m for every socket (wsPayloads):
// the incident as it is now, or only its pk when API v2 deleted it; nil
// when it is gone since. It reads the incident apart from the asking
// socket's context, so that one socket closing fails no other.
func (s *Server) wsMessage(ctx context.Context, m realtime.Message) (any, error) {
	if m.Kind == store.ChangeDeleted {
		return map[string]any{"type": "deleted", "payload": map[string]int64{"pk": m.IncidentID}}, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wsReadTimeout)
	defer cancel()
	now := s.now()
	inc, err := s.store.Incident(ctx, m.IncidentID, now)
	if errors.Is(err, argus.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	kind := "modified"
	if m.Kind == store.ChangeCreated {
		kind = "created"
	}
	return map[string]any{"type": kind, "payload": s.renderIncident(&inc, now)}, nil
}

// wsReadTimeout bounds the read of one change's incident for ws/open/.
const wsReadTimeout = 10 * time.Second

// wsSubscribed sends the subscription's confirmation with the newest open
// incidents.
func (s *Server) wsSubscribed(ctx context.Context, c *websocket.Conn) error {
	now := s.now()
	list, _, err := s.store.Incidents(ctx, store.IncidentFilter{Open: new(true)}, nil, wsStartIncidents, now)
	if err != nil {
		return err
	}
	return wsjson.Write(ctx, c, map[string]any{
		"type": "subscribed", "channel_name": "argus." + rand.Text(), "start_incidents": s.renderIncidents(v1, list, now),
	})
}

// wsUser is the caller of ws/open/: by session cookie, "token" cookie or
// ?token=. Nobody is 401.
func (s *Server) wsUser(r *http.Request) (*argus.User, error) {
	r, err := s.Authenticate(r) // the session cookie; a Token header is honoured too
	if err != nil {
		return nil, err
	}
	if u := UserFrom(r.Context()); u != nil {
		return u, nil
	}
	key := r.URL.Query().Get("token")
	if c, err := r.Cookie("token"); key == "" && err == nil {
		key = c.Value
	}
	if key == "" {
		return nil, errUnauthenticated(msgNotAuthenticated)
	}
	u, err := s.accounts.UserByToken(r.Context(), key)
	switch {
	case errors.Is(err, auth.ErrUnknownToken), errors.Is(err, auth.ErrInactive), errors.Is(err, auth.ErrTokenExpired):
		return nil, errUnauthenticated("Invalid token.")
	case err != nil:
		return nil, err
	}
	return &u, nil
}

// originHosts turns frontend origins ("https://argus.example.org") into
// the host patterns websocket.Accept allows besides the server's own.
func originHosts(origins []string) []string {
	var hosts []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}
