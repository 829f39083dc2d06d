package daysync

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/fhir"
)

// lockstep sends the sync's requests to the simulator in rounds, so
// round trips are counted without a clock: the first request (the
// schedule: nothing else can start before it) is round 1, and after it
// each round goes out when the pipe is full (width requests waiting),
// all at once. A request's round is the round it went out in. A client
// that kept a slot idle would stall it, so the test also shows the pipe
// stays full.
type lockstep struct {
	next  http.RoundTripper
	width int

	mu    sync.Mutex
	round int
	held  []chan int
	// firstRound is the highest round of a request at priority 0: the
	// schedule, the first Patient batch and the first patient's searches
	// and pages.
	firstRound int
	sent       int
}

func (l *lockstep) RoundTrip(req *http.Request) (*http.Response, error) {
	go_ := make(chan int, 1)
	l.mu.Lock()
	l.held = append(l.held, go_)
	l.sent++
	if l.round == 0 || len(l.held) == l.width {
		l.round++
		for _, c := range l.held {
			c <- l.round
		}
		l.held = nil
	}
	l.mu.Unlock()
	select {
	case round := <-go_:
		if fhir.PriorityOf(req.Context()) == 0 {
			l.mu.Lock()
			l.firstRound = max(l.firstRound, round)
			l.mu.Unlock()
		}
		return l.next.RoundTrip(req)
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// TestFirstChartWithinThreeRoundTrips: the sync is pipelined, so the first
// patient's chart is in the cache (its progress event says so) with every
// request it needed sent within 3 round trips (issue 17's goal): the
// schedule (round 1), then the Patient batch, the patient's ten searches
// and the second page of its Observations (12 requests: rounds 2 and 3,
// at 6 on the wire). Not after every Patient batch or behind other
// patients' requests.
func TestFirstChartWithinThreeRoundTrips(t *testing.T) {
	for _, concurrency := range []int{6, 12} {
		t.Run(fmt.Sprintf("concurrency=%d", concurrency), func(t *testing.T) {
			r := newRig(t, rigOpts{})
			steps := &lockstep{next: http.DefaultTransport, width: 6}
			r.fc.HTTP = &http.Client{Transport: steps}
			r.fc.MaxInFlight = 6
			appts, err := r.deps.Schedule.Appointments(context.Background(), clinicDay)
			if err != nil {
				t.Fatal(err)
			}
			steps.mu.Lock()
			steps.round, steps.sent, steps.firstRound = 0, 0, 0 // the look-up above is not the sync's
			steps.mu.Unlock()
			// Not a speed limit: a client that leaves the pipe part-empty
			// stalls the lockstep, and this turns the stall into a failure.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			first := ""
			r.deps.Concurrency = concurrency
			r.deps.Progress = func(e Event) {
				if e.Phase == "patients" && e.PatientID != "" && first == "" {
					first = e.PatientID
					cancel() // the rest of the day is not this test's
				}
			}
			Sync(ctx, r.deps, clinicDay)
			if first == "" {
				t.Fatal("no chart landed: the requests stalled with the pipe not full")
			}
			if first != appts[0].PatientID {
				t.Fatalf("the first chart to land was %q, not the first patient's", first)
			}
			steps.mu.Lock()
			defer steps.mu.Unlock()
			// Before the pipelining it took every Patient batch first; before
			// the searches were put in line in their list's order, one run in
			// four took 4: the Observations' first page, drawn into the
			// second round of searches, left its next page a fourth.
			if steps.firstRound > 3 {
				t.Fatalf("the first patient's requests went out up to round %d (of %d requests sent), want within 3", steps.firstRound, steps.sent)
			}
			t.Logf("first patient's requests within %d round trips; %d requests sent by then", steps.firstRound, steps.sent)
		})
	}
}
