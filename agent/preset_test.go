package agent

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
)

// A preset Epic could not confirm at first start waits for the setup
// wizard, which sends only the fields it shows: the preset's sign-in port
// and schedule source are kept.
func TestWizardFinishingAPresetKeepsItsPortAndSchedule(t *testing.T) {
	ctx := context.Background()
	sim, err := epicsim.Start(ctx, epicsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sched := &api.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1003"}}
	pr, probs := NewPreset("Riverside", sim.FHIRBase(), epicsim.DemoClientID, 53999, sched)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	b, _ := json.Marshal(pr)
	file := filepath.Join(t.TempDir(), "practice.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HEALTHPREP_PRESET", file)
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")

	sim.SetFaults(epicsim.Faults{Down: true})
	a, err := Open(ctx, Options{Dir: t.TempDir(), ApplyPreset: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	st, _ := a.Status(ctx)
	if st.Mode != "demo" || st.Preset == nil || st.Preset.Error == "" {
		t.Fatalf("with Epic down: mode %q, preset %+v", st.Mode, st.Preset)
	}

	sim.SetFaults(epicsim.Faults{})
	if out, err := a.Setup(ctx, api.SetupRequest{FHIRBase: sim.FHIRBase(), ClientID: epicsim.DemoClientID, Name: "Riverside"}); err != nil || len(out.Problems) > 0 {
		t.Fatalf("the wizard's setup: %v %+v", err, out.Problems)
	}
	p, err := a.current()
	if err != nil {
		t.Fatal(err)
	}
	if p.RedirectPort != 53999 || p.Schedule.Kind != "provider-service" || !slices.Equal(p.Schedule.ProviderIDs, sched.ProviderIDs) {
		t.Fatalf("the preset's port and schedule were lost: port %d, schedule %+v", p.RedirectPort, p.Schedule)
	}
	if st, _ := a.Status(ctx); st.Preset != nil || st.Mode != "practice" {
		t.Fatalf("after setup: mode %q, preset %+v", st.Mode, st.Preset)
	}
}
