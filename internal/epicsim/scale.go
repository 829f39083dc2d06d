package epicsim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Scale sizes the generated practice for load tests; the zero value is
// the demo practice as generated (320 patients, 3 providers, about 55
// appointments a day). It is applied after generation, so a scaled
// practice holds the demo's patients, charts and outcomes unchanged and
// adds to them.
type Scale struct {
	// Patients is the panel size: more than the 320 generated adds copies
	// of generated patients (their charts too) under new ids and MRNs.
	Patients int
	// Providers is how many providers have a schedule (E1001, E1002, ...);
	// more than 3 adds providers.
	Providers int
	// AppointmentsPerDay, when set, rebuilds every clinic day's schedule
	// with this many appointments (distinct patients), spread over the
	// providers from 08:00 to 16:40; the panel grows to hold them.
	AppointmentsPerDay int
	// History multiplies each chart's ordinary history: every Observation,
	// Encounter and DocumentReference appears this many times, each copy
	// a week further back, so a sync fetches History times as many of
	// them within its lookback. 0 and 1 leave charts as generated.
	History int
}

// apply grows pr to s; seed keeps it deterministic.
func (s Scale) apply(pr *Practice, seed int64) {
	if s == (Scale{}) {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ca1e))
	if s.History > 1 {
		for _, p := range pr.Patients {
			s.deepen(pr, p)
		}
	}
	want := max(s.Patients, s.AppointmentsPerDay+s.AppointmentsPerDay/4)
	for i, n := 0, len(pr.Patients); len(pr.Patients) < want; i++ {
		pr.copyPatient(pr.Patients[i%n], len(pr.Patients))
	}
	for len(pr.Providers) < s.Providers {
		n := len(pr.Providers) + 1
		pr.Providers = append(pr.Providers, Provider{ID: fmt.Sprintf("ePrac-GEN%03d", n), EpicID: fmt.Sprintf("E%d", 1000+n), Name: fmt.Sprintf("Provider %d, MD", n)})
	}
	if s.AppointmentsPerDay > 0 {
		pr.reschedule(s.AppointmentsPerDay, rng)
	}
}

// deepen repeats p's ordinary history s.History times, a week apart.
func (s Scale) deepen(pr *Practice, p *Patient) {
	var extra []*Resource
	for _, r := range p.Resources {
		if r.Type != "Observation" && r.Type != "Encounter" && r.Type != "DocumentReference" || r.Date.IsZero() {
			continue
		}
		for k := 1; k < s.History; k++ {
			c := *r
			c.ID = fmt.Sprintf("%s-h%d", r.ID, k)
			c.Date = r.Date.AddDate(0, 0, -7*k)
			extra = append(extra, &c)
			pr.res[c.Type+"/"+c.ID] = &c
		}
	}
	p.Resources = append(p.Resources, extra...)
	sort.SliceStable(p.Resources, func(i, j int) bool { return p.Resources[i].Date.After(p.Resources[j].Date) })
}

// copyPatient adds a copy of p, chart and all, as the n-th patient.
func (pr *Practice) copyPatient(p *Patient, n int) {
	c := *p
	c.ID = fmt.Sprintf("eScale%019d", n)
	c.MRN = fmt.Sprintf("30%06d", n)
	c.Outcomes = make(map[string]Outcome, len(p.Outcomes))
	for k, v := range p.Outcomes {
		c.Outcomes[k] = v
	}
	c.Resources = make([]*Resource, len(p.Resources))
	for i, r := range p.Resources {
		cr := *r
		cr.ID, cr.PatientID = fmt.Sprintf("%s-s%d", r.ID, n), c.ID
		c.Resources[i] = &cr
		pr.res[cr.Type+"/"+cr.ID] = &cr
	}
	pr.Patients = append(pr.Patients, &c)
	pr.byID[c.ID], pr.byMRN[c.MRN] = &c, &c
}

// reschedule gives every clinic day perDay appointments of distinct
// patients, the providers taking turns, evenly spaced over the clinic day.
func (pr *Practice) reschedule(perDay int, rng *rand.Rand) {
	open, hours := 8*time.Hour, 8*time.Hour+40*time.Minute
	perProvider := (perDay + len(pr.Providers) - 1) / len(pr.Providers)
	step := hours / time.Duration(perProvider)
	for key := range pr.Appointments {
		d, _ := time.ParseInLocation(time.DateOnly, key, pr.Today.Location())
		var day []Appointment
		for i, pi := range rng.Perm(len(pr.Patients))[:perDay] {
			p := pr.Patients[pi]
			prov := i % len(pr.Providers)
			t := d.Add(open + time.Duration(i/len(pr.Providers))*step)
			vt := visitTypes[rng.IntN(len(visitTypes))]
			status := "booked"
			if d.Before(pr.Today) {
				status = "fulfilled"
			}
			if rng.IntN(100) < 5 {
				status = "cancelled"
			}
			day = append(day, Appointment{
				ID:         fmt.Sprintf("eAppt-%s-%d-%04d", key, prov, i),
				CSN:        fmt.Sprintf("%d%05d", 1000+d.YearDay(), i),
				PatientID:  p.ID,
				ProviderID: pr.Providers[prov].ID,
				Start:      t,
				Minutes:    vt.minutes,
				VisitType:  vt.name,
				Status:     status,
			})
		}
		sort.SliceStable(day, func(i, j int) bool { return day[i].Start.Before(day[j].Start) })
		pr.Appointments[key] = day
	}
}

// generate is Generate at this scale.
func (s Scale) generate(seed int64, today time.Time) *Practice {
	pr := Generate(seed, today)
	s.apply(pr, seed)
	return pr
}
