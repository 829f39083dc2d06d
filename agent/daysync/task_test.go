package daysync

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// withRejectable: the patients of appts whose chart has an order the
// catalogue's rejected-order rule names (CMS138's cessation drugs).
func withRejectable(t *testing.T, r *rig, appts []record.Appointment) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, a := range appts {
		rec, _ := record.FromFHIR(r.srv.Chart(a.PatientID))
		for _, it := range rec.Items {
			for _, c := range it.Codes {
				if it.Type == "MedicationRequest" && slices.Contains(r.deps.RejectedOrders.Codes[c.System], c.Code) {
					out[a.PatientID] = true
				}
			}
		}
	}
	return out
}

// The Tasks are searched only for the patients with a cessation order
// (one search each, after their orders), saved with the chart and decoded
// with their focus; every other patient notes Task as not searched, so a
// later order gets them whole.
func TestTasksOnlyForPatientsWithRejectableOrders(t *testing.T) {
	r := newRig(t, rigOpts{})
	ctx := context.Background()
	appts, err := r.deps.Schedule.Appointments(ctx, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	need := withRejectable(t, r, appts)
	if len(need) == 0 {
		t.Fatal("no patient of the demo day has a cessation order: the demo's rejected order is gone")
	}
	before := r.srv.Requests()["Task"]
	sum, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.srv.Requests()["Task"] - before; n != len(need) {
		t.Fatalf("%d Task searches for %d patients with a cessation order", n, len(need))
	}
	day := r.wantWholeDay(t) // the Tasks are saved as Epic has them
	_, recs, err := r.store.DayRecords(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for id, p := range day.Patients {
		if slices.Contains(p.Missing, "Task") == need[id] {
			t.Errorf("patient with a cessation order %v: missing %v", need[id], p.Missing)
		}
		for _, it := range recs[id].Items {
			if it.Type == "Task" && it.Status == "rejected" && strings.HasPrefix(it.Focus, "MedicationRequest/") && need[id] {
				rejected++
			}
		}
	}
	if rejected == 0 {
		t.Fatal("no rejected Task with its order's focus in the saved records")
	}
	t.Logf("%d patients, %d requests (%.2f per patient), %d Task searches", sum.Patients, sum.Requests, float64(sum.Requests)/float64(sum.Patients), len(need))

	// Without the rule (a catalogue with no rejected_by_task), no Task
	// search at all.
	d := r.deps
	d.RejectedOrders, d.Full = RejectedOrders{}, true
	before = r.srv.Requests()["Task"]
	if _, err := Sync(ctx, d, clinicDay); err != nil {
		t.Fatal(err)
	}
	if n := r.srv.Requests()["Task"] - before; n != 0 {
		t.Fatalf("%d Task searches with no rule that reads Tasks", n)
	}
}

// A server that refuses Task (the app is not granted it: 403
// insufficient_scope) fails nothing: the chart is saved without Tasks,
// Task is noted as not read (searched whole next time), and the summary
// warns once.
func TestTaskRefusedIsAWarning(t *testing.T) {
	r := newRig(t, rigOpts{sim: epicsim.Options{Clients: []epicsim.Client{epicsim.DemoClient(),
		{ID: "no-tasks", Scopes: []string{"user/Patient.read", "user/Condition.read", "user/Observation.read", "user/Procedure.read",
			"user/Immunization.read", "user/DiagnosticReport.read", "user/DocumentReference.read", "user/Encounter.read",
			"user/MedicationRequest.read", "user/ServiceRequest.read", "user/DeviceRequest.read"}}}}})
	ctx := context.Background()
	appts, err := r.deps.Schedule.Appointments(ctx, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	need := withRejectable(t, r, appts)
	r.deps.FHIR = fastClient(r.fc.Base, staticToken(r.srv.MintAccessToken("no-tasks", 48*time.Hour)))
	sum, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stale != 0 || sum.Partial || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "Task") {
		t.Fatalf("summary: stale %d partial %v warnings %q", sum.Stale, sum.Partial, sum.Warnings)
	}
	day, err := r.store.GetDay(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	for id := range need {
		p := day.Patients[id]
		if p.Stale || !slices.Contains(p.Missing, "Task") || len(p.Resources) != len(r.srv.Chart(id))-1 {
			t.Fatalf("patient whose Tasks were refused: stale %v, missing %v, %d of %d resources", p.Stale, p.Missing, len(p.Resources), len(r.srv.Chart(id)))
		}
	}
}

// A later sync of the day (only what changed) searches the Tasks of the
// same patients, from the orders it already has, and keeps the Tasks
// that did not change.
func TestTasksKeptByAnIncrementalSync(t *testing.T) {
	r := newRig(t, rigOpts{})
	ctx := context.Background()
	appts, err := r.deps.Schedule.Appointments(ctx, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	need := withRejectable(t, r, appts)
	if _, err := Sync(ctx, r.deps, clinicDay); err != nil {
		t.Fatal(err)
	}
	r.clock.add(5 * time.Hour) // no chart is fresh any more (maxChartAge)
	before := r.srv.Requests()["Task"]
	sum, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incremental == 0 {
		t.Fatal("the second sync was not incremental")
	}
	if n := r.srv.Requests()["Task"] - before; n != len(need) {
		t.Fatalf("%d Task searches on the incremental sync for %d patients with a cessation order", n, len(need))
	}
	r.wantWholeDay(t) // the unchanged Tasks are still there
}
