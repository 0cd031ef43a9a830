package realtime_test

import (
	"testing"

	"github.com/argus-go/argus/internal/realtime"
	"github.com/argus-go/argus/internal/store"
)

func change(incident int64) []store.Change {
	return []store.Change{{Kind: store.ChangeEvent, IncidentID: incident, EventID: incident * 10}}
}

// drain reads what is waiting on the subscriber, without blocking.
func drain(s *realtime.Sub) (got []int64, open bool) {
	for {
		select {
		case m, ok := <-s.C:
			if !ok {
				return got, false
			}
			got = append(got, m.IncidentID)
		default:
			return got, true
		}
	}
}

func TestHub(t *testing.T) {
	h := realtime.NewHub(3)
	a, missed, ok := h.Subscribe(0)
	if !ok || len(missed) != 0 {
		t.Fatalf("Subscribe(0) = %v, %v; want a fresh subscription", missed, ok)
	}
	for i := int64(1); i <= 5; i++ {
		h.Publish(change(i))
	}
	if got, open := drain(a); len(got) != 5 || got[0] != 1 || got[4] != 5 || !open {
		t.Errorf("subscriber got %v (open %v); want 1…5", got, open)
	}

	t.Run("catching up", func(t *testing.T) {
		// Message ids are 1…5; three are kept (3, 4, 5).
		for _, tt := range []struct {
			last   uint64
			want   []int64
			wantOK bool
		}{
			{last: 5, want: nil, wantOK: true},
			{last: 4, want: []int64{5}, wantOK: true},
			{last: 2, want: []int64{3, 4, 5}, wantOK: true},
			{last: 1, wantOK: false}, // 2 is no longer kept
			{last: 99, wantOK: false},
		} {
			s, missed, ok := h.Subscribe(tt.last)
			if ok != tt.wantOK {
				t.Errorf("Subscribe(%d) ok = %v; want %v", tt.last, ok, tt.wantOK)
				continue
			}
			var got []int64
			for _, m := range missed {
				got = append(got, m.IncidentID)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("Subscribe(%d) missed = %v; want %v", tt.last, got, tt.want)
			}
			if s != nil {
				h.Unsubscribe(s)
			}
		}
	})

	t.Run("a subscriber that falls behind is dropped", func(t *testing.T) {
		slow, _, _ := h.Subscribe(0)
		for i := range 300 {
			h.Publish(change(int64(i)))
		}
		if _, open := drain(slow); open {
			t.Error("a subscriber 300 messages behind is still subscribed")
		}
		if _, open := drain(a); open {
			t.Error("the first subscriber, which read nothing, is still subscribed")
		}
	})

	t.Run("reset and close", func(t *testing.T) {
		s, _, _ := h.Subscribe(0)
		h.Publish(nil) // the database connection came back: changes may be lost
		if _, open := drain(s); open {
			t.Error("Reset left a subscriber")
		}
		if _, _, ok := h.Subscribe(1); ok {
			t.Error("after Reset, catching up from an old id is possible")
		}
		s, _, _ = h.Subscribe(0)
		if n := h.Subscribers(); n != 1 {
			t.Errorf("Subscribers = %d; want 1", n)
		}
		h.Close()
		if _, open := drain(s); open {
			t.Error("Close left a subscriber")
		}
		if _, _, ok := h.Subscribe(0); ok {
			t.Error("a closed hub takes subscribers")
		}
	})
}
