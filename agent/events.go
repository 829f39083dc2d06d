package agent

import (
	"sync"

	"github.com/healthprep/desk/agent/api"
)

// hub fans sync progress out to every listener (the app, CLI progress bars).
// A slow listener loses intermediate events rather than stalling the sync:
// each event is a full snapshot of progress, so the next one catches it up.
type hub struct {
	mu   sync.Mutex
	subs map[chan api.SyncEvent]struct{}
	last *api.SyncEvent
}

func newHub() *hub { return &hub{subs: map[chan api.SyncEvent]struct{}{}} }

// subscribe returns a channel of events and a cancel func that closes it.
// A new subscriber first gets the latest event, so a window opened mid-sync
// shows the progress bar at once.
func (h *hub) subscribe() (<-chan api.SyncEvent, func()) {
	ch := make(chan api.SyncEvent, 8)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	if h.last != nil {
		ch <- *h.last
	}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
			close(ch)
		})
	}
}

func (h *hub) publish(ev api.SyncEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = &ev
	for ch := range h.subs {
		select {
		case ch <- ev:
		default: // full: drop the oldest, keep the newest
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- ev:
			default:
			}
		}
	}
}
