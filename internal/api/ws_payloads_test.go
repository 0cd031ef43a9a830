package api

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestWSPayloadsMadeOnce checks that a change's ws/open/ message is made
// once however many sockets push it at the same time, that a failure is
// tried again, and that old changes are forgotten.
func TestWSPayloadsMadeOnce(t *testing.T) {
	var p wsPayloads
	var builds atomic.Int32
	build := func() (any, error) { builds.Add(1); return "msg", nil }
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if msg, err := p.get(7, build); msg != "msg" || err != nil {
				t.Errorf("get = %v, %v", msg, err)
			}
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("50 sockets built the message %d times; want once", n)
	}

	broken := errors.New("database away")
	if _, err := p.get(8, func() (any, error) { return nil, broken }); !errors.Is(err, broken) {
		t.Fatalf("failed build: %v", err)
	}
	if msg, err := p.get(8, build); msg != "msg" || err != nil {
		t.Errorf("after a failure: %v, %v; want the message built again", msg, err)
	}

	get := func(id uint64) {
		t.Helper()
		if _, err := p.get(id, build); err != nil {
			t.Fatal(err)
		}
	}
	for id := uint64(100); id < 100+wsPayloadsKept; id++ {
		get(id)
	}
	before := builds.Load()
	get(7)
	if builds.Load() != before+1 {
		t.Error("change 7 was still kept after wsPayloadsKept newer ones")
	}
	if len(p.byID) > wsPayloadsKept || len(p.order) > wsPayloadsKept {
		t.Errorf("%d payloads, %d ids kept; want at most %d", len(p.byID), len(p.order), wsPayloadsKept)
	}
}
