package fhir

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// TestSlotsGoByPriority: with one slot busy, waiting requests are sent
// lowest priority number first, ties in the order they asked, and a
// waiter that gives up takes no slot.
func TestSlotsGoByPriority(t *testing.T) {
	hold := make(chan struct{})
	var (
		mu    sync.Mutex
		order []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query().Get("p")
		if p == "first" {
			<-hold
		}
		mu.Lock()
		order = append(order, p)
		mu.Unlock()
		w.Write([]byte(`{"resourceType":"Bundle"}`))
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL, MaxInFlight: 1}
	ctx := context.Background()
	var wg sync.WaitGroup
	search := func(ctx context.Context, p string) {
		defer wg.Done()
		c.Search(ctx, "Observation", map[string][]string{"p": {p}})
	}
	wg.Add(1)
	go search(ctx, "first")
	waitFor := func(inFlight, waiting int) {
		for {
			c.slots.mu.Lock()
			ok := c.slots.inFlight == inFlight && len(c.slots.waiting) == waiting
			c.slots.mu.Unlock()
			if ok {
				return
			}
			runtime.Gosched()
		}
	}
	waitFor(1, 0)
	gone, giveUp := context.WithCancel(ctx)
	for i, p := range []int{5, 3, 9, 1, 3} {
		wg.Add(1)
		c := ctx
		if p == 9 {
			c = gone
		}
		go search(WithPriority(c, p), strconv.Itoa(p)+"."+strconv.Itoa(i))
		waitFor(1, i+1)
	}
	giveUp()
	waitFor(1, 4)
	close(hold)
	wg.Wait()
	want := []string{"first", "1.3", "3.1", "3.4", "5.0"}
	if !slices.Equal(order, want) {
		t.Fatalf("requests went out as %v, want %v", order, want)
	}
	if c.slots.inFlight != 0 || len(c.slots.waiting) != 0 {
		t.Fatalf("slots left taken: %d in flight, %d waiting", c.slots.inFlight, len(c.slots.waiting))
	}
}
