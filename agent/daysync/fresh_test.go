package daysync

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/schedule"
)

// dropPatients leaves some patients' appointments out of the schedule.
type dropPatients struct {
	schedule.Source
	ids []string
}

func (d dropPatients) Appointments(ctx context.Context, day time.Time) ([]record.Appointment, error) {
	all, err := d.Source.Appointments(ctx, day)
	return slices.DeleteFunc(all, func(a record.Appointment) bool { return slices.Contains(d.ids, a.PatientID) }), err
}

// TestRepeatSyncCostsWhatIsNew counts requests on the simulator: an
// unchanged day's repeat sync makes at most 10 % of the first sync's
// requests, and 3 new appointments then cost those 3 patients' charts
// plus the schedule and the day's Patient batch; the day saved still
// equals Epic's.
func TestRepeatSyncCostsWhatIsNew(t *testing.T) {
	r := newRig(t, rigOpts{})
	ctx := context.Background()
	full := r.deps.Schedule
	appts, err := full.Appointments(ctx, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	var late []string // three patients booked after the first syncs
	for i := len(appts) - 1; i >= 0 && len(late) < 3; i-- {
		if id := appts[i].PatientID; !slices.Contains(late, id) {
			late = append(late, id)
		}
	}
	r.deps.Schedule = dropPatients{full, late}
	first, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.add(time.Minute)
	before := r.srv.Requests()
	repeat, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if repeat.Requests*10 > first.Requests || repeat.Fresh != repeat.Patients {
		t.Fatalf("repeat sync: %d requests (first %d), %d of %d charts kept", repeat.Requests, first.Requests, repeat.Fresh, repeat.Patients)
	}
	for typ, n := range r.srv.Requests() {
		if typ != "Patient" && typ != "ProviderAppointments" && n != before[typ] {
			t.Fatalf("the repeat sync searched %s %d times", typ, n-before[typ])
		}
	}
	r.wantWholeDay(t)

	r.deps.Schedule = full
	r.clock.add(time.Minute)
	before = r.srv.Requests()
	third, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if third.Fresh != third.Patients-3 || third.Incremental != 0 {
		t.Fatalf("%d of %d charts kept, %d incremental; want all but the 3 new", third.Fresh, third.Patients, third.Incremental)
	}
	for _, typ := range []string{"Condition", "Observation", "Procedure", "Immunization", "DiagnosticReport", "DocumentReference", "Encounter", "MedicationRequest", "ServiceRequest"} {
		if n := r.srv.Requests()[typ] - before[typ]; n < 3 || n > 6 { // one search each, a second page at most
			t.Fatalf("%d %s requests for 3 new patients", n, typ)
		}
	}
	if extra := third.Requests - repeat.Requests; extra > 3*(len(searches("", "", nil, "", r.deps.RejectedOrders.TaskCode))+1) {
		t.Fatalf("3 new patients cost %d requests more than the repeat sync", extra)
	}
	r.wantWholeDay(t)
	t.Logf("first sync %d requests; unchanged repeat %d (%.1f %%); with 3 new patients %d", first.Requests, repeat.Requests,
		100*float64(repeat.Requests)/float64(first.Requests), third.Requests)
}

// TestChartsRefreshAsTheirVisitNears: a result that arrives after the
// morning sync is fetched for the patient whose visit is near, not for
// one seen late in the day, whose chart is still fresh.
func TestChartsRefreshAsTheirVisitNears(t *testing.T) {
	r := newRig(t, rigOpts{providers: []string{"E1001"}})
	ctx := context.Background()
	if _, err := Sync(ctx, r.deps, clinicDay); err != nil {
		t.Fatal(err)
	}
	fetched := r.clock.now()
	appts, _ := r.deps.Schedule.Appointments(ctx, clinicDay)
	at := visits(appts)
	var soon, late string
	for id, v := range at {
		if soon == "" || v.Before(at[soon]) {
			soon = id
		}
		if late == "" || v.After(at[late]) {
			late = id
		}
	}
	// Ten minutes before the first visit.
	r.clock.add(at[soon].Add(-10 * time.Minute).Sub(r.clock.now()))
	now := r.clock.now()
	if age := now.Sub(fetched); age < allowedAge(at[soon], now) || age >= allowedAge(at[late], now) {
		t.Fatalf("the schedule does not fit the test: visits %s and %s", at[soon].Format("15:04"), at[late].Format("15:04"))
	}
	ids := map[string]string{}
	for _, p := range []string{soon, late} {
		id, err := r.srv.AddResource(p, epicsim.Resource{Type: "Observation", Category: "laboratory", Date: now, Title: "Hemoglobin A1c"})
		if err != nil {
			t.Fatal(err)
		}
		ids[p] = id
	}
	sum, err := Sync(ctx, r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	refreshed := 0
	for _, v := range at {
		if now.Sub(fetched) >= allowedAge(v, now) {
			refreshed++
		}
	}
	if sum.Incremental != refreshed || sum.Fresh != sum.Patients-refreshed {
		t.Fatalf("%d incremental, %d kept; want %d refreshed of %d", sum.Incremental, sum.Fresh, refreshed, sum.Patients)
	}
	day, _ := r.store.GetDay(ctx, date)
	has := func(p string) bool {
		for _, raw := range day.Patients[p].Resources {
			if headOf(raw).ID == ids[p] {
				return true
			}
		}
		return false
	}
	if !has(soon) || has(late) {
		t.Fatalf("new result saved: near visit %v, late visit %v; want true, false", has(soon), has(late))
	}
}

// The boundaries of how old a chart may be.
func TestAllowedAge(t *testing.T) {
	now := clinicDay.Add(8 * time.Hour)
	for _, c := range []struct {
		visit time.Time
		want  time.Duration
	}{
		{time.Time{}, maxChartAge},                        // no visit that will happen
		{now.Add(-time.Minute), maxChartAge},              // the visit is over
		{now, maxChartAge},                                // starting now: over
		{now.Add(time.Minute), minChartAge},               // never below the floor
		{now.Add(2 * minChartAge), minChartAge},           // the floor exactly
		{now.Add(40 * time.Minute), 20 * time.Minute},     // half the time left
		{now.Add(2 * maxChartAge), maxChartAge},           // the ceiling exactly
		{now.Add(2*maxChartAge + time.Hour), maxChartAge}, // never above it
	} {
		if got := allowedAge(c.visit, now); got != c.want {
			t.Errorf("visit %v from now: %v, want %v", c.visit.Sub(now), got, c.want)
		}
	}
}
