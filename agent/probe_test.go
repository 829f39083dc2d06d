package agent

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
)

// Issue 20: with Epic away the status says so from a background probe,
// before any update is tried, in the same words a failed sync uses; when
// Epic is back it says Online again. The probe asks only for the public
// SMART configuration: no patient, no token.
func TestProbeSaysEpicIsAwayBeforeAnyUpdate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := openDemo(t)
	a.mu.Lock()
	sim := a.demo
	a.mu.Unlock()
	if st, err := a.Status(ctx); err != nil || !st.Online {
		t.Fatalf("a fresh demo agent: online %v, %v", st.Online, err)
	}
	before := sim.Requests()
	if err := sim.SetFaults(epicsim.Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	go a.runProbe(ctx, 5*time.Millisecond)
	until(t, 20*time.Second, "the status to say Epic cannot be reached", func() bool {
		st, err := a.Status(ctx)
		return err == nil && !st.Online
	})
	st, _ := a.Status(ctx)
	if st.OfflineReason != "Epic cannot be reached" || st.OfflineSince == nil || st.LastSync != nil {
		t.Fatalf("offline status: reason %q, since %v, last sync %+v (no update was tried)", st.OfflineReason, st.OfflineSince, st.LastSync)
	}
	if err := sim.SetFaults(epicsim.Faults{}); err != nil {
		t.Fatal(err)
	}
	until(t, 20*time.Second, "the status to say Online again", func() bool {
		st, err := a.Status(ctx)
		return err == nil && st.Online && st.OfflineReason == ""
	})
	cancel()
	after := sim.Requests()
	var asked []string
	for k, n := range after {
		if n != before[k] {
			asked = append(asked, k)
		}
	}
	if len(asked) != 1 || asked[0] != "discovery" {
		t.Fatalf("the probe asked for %v (all: %v); want only the SMART configuration", asked, slices.Sorted(maps.Keys(after)))
	}
	t.Logf("probe endpoint: %s", asked[0])
}

// A stopping agent's probe is no news: a cancelled probe leaves the state.
func TestProbeCancelledLeavesTheState(t *testing.T) {
	a := openDemo(t)
	a.mu.Lock()
	sim := a.demo
	a.mu.Unlock()
	sim.SetFaults(epicsim.Faults{Down: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.probe(ctx)
	if st, _ := a.Status(context.Background()); !st.Online {
		t.Fatal("a cancelled probe marked Epic away")
	}
}
