package api

import (
	"sync"
)

// wsPayloadsKept is how many changes' payloads wsPayloads keeps: more than
// a socket may fall behind the hub (its buffer), so that every socket
// still finds the payload its peers made.
const wsPayloadsKept = 512

// wsPayloads makes each change's ws/open/ message once for every socket:
// the first socket to push a change reads and renders its incident, the
// others wait for that and send the same. Without it a change cost one
// read of the database per connected frontend. The zero value is ready.
type wsPayloads struct {
	mu    sync.Mutex
	byID  map[uint64]*wsPayload
	order []uint64 // the kept ids, oldest first
}

// wsPayload is one change's message: nil when there is nothing to send
// (the incident is gone).
type wsPayload struct {
	once sync.Once
	msg  any
	err  error
}

// get returns the message of the hub's change id, made by build the first
// time it is asked for. build must not depend on the asking socket (its
// context ending, say): its result is every socket's. A failure is not
// kept; the next socket to ask tries again.
func (p *wsPayloads) get(id uint64, build func() (any, error)) (any, error) {
	p.mu.Lock()
	e, ok := p.byID[id]
	if !ok {
		if p.byID == nil {
			p.byID = map[uint64]*wsPayload{}
		}
		e = &wsPayload{}
		p.byID[id] = e
		p.order = append(p.order, id)
		if len(p.order) > wsPayloadsKept {
			delete(p.byID, p.order[0])
			p.order = p.order[1:]
		}
	}
	p.mu.Unlock()
	e.once.Do(func() {
		if e.msg, e.err = build(); e.err != nil {
			p.mu.Lock()
			if p.byID[id] == e {
				delete(p.byID, id) // order keeps the id until it ages out
			}
			p.mu.Unlock()
		}
	})
	return e.msg, e.err
}
