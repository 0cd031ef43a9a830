package realtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ssePing is how often an idle stream sends a comment, so that proxies
// and browsers keep it open.
const ssePing = 25 * time.Second

// ServeSSE streams the hub's messages as server-sent events: each an
// event "change" whose id is "<hub>.<n>" and whose data is the Message
// as JSON. A browser that reconnects (EventSource sends Last-Event-ID by
// itself) first gets what it missed; when that is no longer kept, or its
// id is another hub's, it gets an event "reset" and should reload. The
// caller authenticates the request.
func ServeSSE(h *Hub, w http.ResponseWriter, r *http.Request) {
	var last uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		hub, n, _ := strings.Cut(v, ".")
		id, err := strconv.ParseUint(n, 10, 64)
		if hub != h.ID || err != nil {
			last = ^uint64(0) // another process's: catching up is impossible
		} else {
			last = id
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	rc := http.NewResponseController(w)
	// The stream outlives the server's write timeout by design.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	sub, missed, ok := h.Subscribe(last)
	if !ok {
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprint(w, "retry: 2000\nevent: reset\ndata: {}\n\n")
		_ = rc.Flush()
		return
	}
	defer h.Unsubscribe(sub)
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	for _, m := range missed {
		if writeEvent(w, h.ID, m) != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	ping := time.NewTicker(ssePing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case m, open := <-sub.C:
			if !open {
				return // dropped, reset or closing: the browser reconnects
			}
			if writeEvent(w, h.ID, m) != nil {
				return
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, hub string, m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %s.%d\nevent: change\ndata: %s\n\n", hub, m.ID, data)
	return err
}
