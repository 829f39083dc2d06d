package epicsim

import (
	"testing"
	"time"
)

// TestScale: the knobs give the day, panel, providers and history asked
// for, every appointment's patient exists with a whole chart, and the
// unscaled practice is the demo's.
func TestScale(t *testing.T) {
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	key := today.Format(time.DateOnly)
	base := Scale{}.generate(1, today)
	if len(base.Appointments[key]) != len(Generate(1, today).Appointments[key]) {
		t.Fatal("the zero Scale changed the practice")
	}
	count := func(pr *Practice, typ string) int {
		n := 0
		for _, p := range pr.Patients[:320] {
			for _, r := range p.Resources {
				if r.Type == typ {
					n++
				}
			}
		}
		return n
	}
	pr := Scale{AppointmentsPerDay: 600, Providers: 12, History: 4}.generate(1, today)
	day := pr.Appointments[key]
	if len(day) != 600 || len(pr.Providers) != 12 || len(pr.Patients) < 600 {
		t.Fatalf("%d appointments, %d providers, %d patients", len(day), len(pr.Providers), len(pr.Patients))
	}
	seen, perProvider := map[string]bool{}, map[string]int{}
	for _, a := range day {
		p := pr.PatientByID(a.PatientID)
		if p == nil || seen[a.PatientID] || len(p.Resources) == 0 {
			t.Fatalf("appointment %s: patient missing, twice in the day, or with no chart", a.ID)
		}
		seen[a.PatientID] = true
		perProvider[a.ProviderID]++
		if a.Start.Hour() < 8 || a.Start.Hour() > 16 {
			t.Fatalf("appointment at %s", a.Start.Format("15:04"))
		}
		for _, r := range p.Resources {
			if r.PatientID != p.ID || pr.res[r.Type+"/"+r.ID] != r {
				t.Fatalf("resource %s/%s not the patient's or not indexed", r.Type, r.ID)
			}
		}
	}
	if len(perProvider) != 12 {
		t.Fatalf("%d providers have appointments", len(perProvider))
	}
	for _, typ := range []string{"Observation", "Encounter", "DocumentReference"} {
		if got, want := count(pr, typ), 4*count(base, typ); got != want {
			t.Fatalf("%d %s at 4x history, want %d", got, typ, want)
		}
	}
	if got, want := count(pr, "Condition"), count(base, "Condition"); got != want {
		t.Fatalf("history changed the conditions: %d, want %d", got, want)
	}
}
