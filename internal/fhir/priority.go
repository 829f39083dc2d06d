// Request slots handed out by priority, so a sync fills the pipe with the
// work that lets the first charts land first.

package fhir

import (
	"container/heap"
	"context"
	"sync"
)

type priorityKey struct{}

// WithPriority marks the requests made with ctx: when more requests wait
// for a slot than MaxInFlight allows, the lowest number goes first, and
// equal numbers in the order they asked. A sync gives each patient its
// place in the day, so the pipe stays full with every patient's searches
// while the first patients' charts (and pages) come back first, and the
// last chart does not start behind a queue of later ones. Unmarked
// requests have priority 0.
func WithPriority(ctx context.Context, p int) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

type queuedKey struct{}

// WithQueued has f called as soon as each request made with ctx holds a
// slot or waits in line for one (or has given up), so that a caller can
// start its requests in a set order: priorities order only the requests
// already waiting, and a request that finds a slot free takes it.
func WithQueued(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, queuedKey{}, f)
}

func queued(ctx context.Context) {
	if f, ok := ctx.Value(queuedKey{}).(func()); ok {
		f()
	}
}

// PriorityOf is the priority WithPriority gave ctx (0 when none), for a
// transport or a test that sorts requests by it.
func PriorityOf(ctx context.Context) int {
	p, _ := ctx.Value(priorityKey{}).(int)
	return p
}

// slots bounds the requests on the wire. A channel semaphore serves
// waiters in no particular order; this one serves them by priority.
type slots struct {
	mu       sync.Mutex
	inFlight int
	seq      uint64
	waiting  waiters
}

type waiter struct {
	pri     int
	seq     uint64
	index   int
	ready   chan struct{}
	granted bool
}

func (s *slots) take(ctx context.Context, limit int) (func(), error) {
	s.mu.Lock()
	if s.inFlight < limit && len(s.waiting) == 0 {
		s.inFlight++
		s.mu.Unlock()
		queued(ctx)
		return s.release, nil
	}
	s.seq++
	w := &waiter{pri: PriorityOf(ctx), seq: s.seq, ready: make(chan struct{})}
	heap.Push(&s.waiting, w)
	s.mu.Unlock()
	queued(ctx)
	select {
	case <-w.ready:
		return s.release, nil
	case <-ctx.Done():
		s.mu.Lock()
		granted := w.granted
		if !granted {
			heap.Remove(&s.waiting, w.index)
		}
		s.mu.Unlock()
		if granted {
			s.release() // handed over as we gave up: pass it on
		}
		return nil, ctx.Err()
	}
}

// release hands the slot to the first waiter, or frees it.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) > 0 {
		w := heap.Pop(&s.waiting).(*waiter)
		w.granted = true
		close(w.ready)
		return
	}
	s.inFlight--
}

// waiters is a heap by (priority, arrival).
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].pri != h[j].pri {
		return h[i].pri < h[j].pri
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}

type heldKey struct{}

// heldSlot is a slot a search keeps between its pages.
type heldSlot struct{ release func() }

// take hands over the held slot, if any.
func (h *heldSlot) take() func() {
	if h == nil {
		return nil
	}
	r := h.release
	h.release = nil
	return r
}

func (h *heldSlot) drop() {
	if r := h.take(); r != nil {
		r()
	}
}
