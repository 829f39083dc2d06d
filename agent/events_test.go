package agent

import (
	"testing"

	"github.com/healthprep/desk/agent/api"
)

func TestHubLateSubscriberGetsLatestAndSlowOneGetsNewest(t *testing.T) {
	h := newHub()
	slow, cancelSlow := h.subscribe()
	for i := 1; i <= 100; i++ {
		h.publish(api.SyncEvent{Phase: "patients", PatientsDone: i, PatientsTotal: 100})
	}
	late, cancelLate := h.subscribe()
	if ev := <-late; ev.PatientsDone != 100 {
		t.Fatalf("late subscriber first event = %d, want 100", ev.PatientsDone)
	}
	var last api.SyncEvent
	for len(slow) > 0 {
		last = <-slow
	}
	if last.PatientsDone != 100 {
		t.Fatalf("slow subscriber's newest event = %d, want 100", last.PatientsDone)
	}
	cancelSlow()
	cancelSlow() // idempotent
	cancelLate()
	h.publish(api.SyncEvent{Phase: "done"}) // no panic on closed subscribers
	if _, ok := <-slow; ok {
		t.Fatal("cancelled channel should be closed")
	}
}
