// Generating the practice: patients, their screening scenarios, background history and the schedule.

package epicsim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

const numPatients = 320

var (
	givenF = []string{"Camila", "Maria", "Ava", "Olivia", "Grace", "Linda", "Desiree", "Sofia", "Hannah", "Ruth", "Aisha", "Mei", "Priya", "Fatima", "Elena", "Nora", "Joan", "Tamika", "Lucia", "Beatrice", "Rosa", "Ingrid", "Keiko", "Ana"}
	givenM = []string{"Derrick", "Warren", "Elijah", "James", "Mateo", "Omar", "Liam", "Noah", "Samuel", "Hiro", "Raj", "Kwame", "Luis", "Ivan", "Peter", "Marcus", "Andre", "Tomas", "Arjun", "Dmitri", "Felix", "George", "Hassan", "Owen"}
	family = []string{"Lopez", "Lin", "Powell", "McGinnis", "Davis", "Ross", "Nguyen", "Okafor", "Patel", "Kowalski", "Haddad", "Johansson", "Tanaka", "Garcia", "Smith", "Brown", "Mensah", "Rossi", "Schmidt", "Ivanova", "Cohen", "Walker", "Reyes", "Chen", "Murphy", "Osei", "Dubois", "Silva", "Kim", "Ahmed"}
)

// Generate builds the practice for seed, with "today" taken from today's
// calendar date in its location.
func Generate(seed int64, today time.Time) *Practice {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_ca11))
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	pr := &Practice{
		Name:     "Demo Family Medicine",
		Today:    day,
		Location: Location{ID: "eLoc-DFM-MAIN", Name: "Demo Family Medicine - Main Street"},
		Providers: []Provider{
			{ID: "ePrac-PARK", EpicID: "E1001", Name: "Ada Park, MD"},
			{ID: "ePrac-OSEI", EpicID: "E1002", Name: "Ben Osei, DO"},
			{ID: "ePrac-DIAZ", EpicID: "E1003", Name: "Cruz Diaz, NP"},
		},
		Appointments: map[string][]Appointment{},
		byID:         map[string]*Patient{},
		byMRN:        map[string]*Patient{},
		res:          map[string]*Resource{},
	}
	// Variations (how a fact is coded, later smoking statuses) draw from
	// their own stream, so adding one leaves the rest of the practice as
	// it was.
	g := &gen{rng: rng, vary: rand.New(rand.NewPCG(uint64(seed), 0x0a17_c0de)), pr: pr, day: day}
	for i := 0; i < numPatients; i++ {
		p := g.patient(i)
		pr.Patients = append(pr.Patients, p)
		pr.byID[p.ID] = p
		pr.byMRN[p.MRN] = p
	}
	g.screenings()
	for _, p := range pr.Patients {
		g.background(p)
	}
	for _, p := range pr.Patients {
		g.encounterDiagnoses(p)
	}
	g.measureDemo()
	for _, p := range pr.Patients {
		sort.SliceStable(p.Resources, func(i, j int) bool { return p.Resources[i].Date.After(p.Resources[j].Date) })
		for _, r := range p.Resources {
			pr.res[r.Type+"/"+r.ID] = r
		}
	}
	g.schedule()
	g.deceasedDemo()
	g.rejectedOrderDemo()
	return pr
}

type gen struct {
	rng  *rand.Rand
	vary *rand.Rand
	pr   *Practice
	day  time.Time
	seq  int
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// epicID makes an id shaped like Epic's (a leading "e", 23 more characters).
func (g *gen) epicID() string {
	b := make([]byte, 24)
	b[0] = 'e'
	for i := 1; i < len(b); i++ {
		b[i] = idChars[g.rng.IntN(len(idChars))]
	}
	return string(b)
}

func (g *gen) patient(i int) *Patient {
	p := &Patient{ID: g.epicID(), MRN: fmt.Sprintf("20%05d", 1000+i*7), Outcomes: map[string]Outcome{}}
	if i%2 == 0 {
		p.Gender = "female"
		p.Given = givenF[g.rng.IntN(len(givenF))]
	} else {
		p.Gender = "male"
		p.Given = givenM[g.rng.IntN(len(givenM))]
	}
	p.Family = family[g.rng.IntN(len(family))]
	// Ages 18-92, a little heavier in the middle years like a real panel.
	age := 18 + g.rng.IntN(40) + g.rng.IntN(35)
	if i%10 == 4 {
		age = 18 + g.rng.IntN(8) // enough young adults for the 18-24 screenings
	}
	p.BirthDate = g.day.AddDate(-age, -g.rng.IntN(12), -g.rng.IntN(28))
	switch {
	case i%97 == 13:
		p.Gender = "" // not recorded: the engine must ask for review, not guess
	case i%89 == 7:
		p.BirthDate = time.Time{}
	case i%41 == 5:
		p.ClinicalSex = p.Gender // Epic's sex-for-clinical-use, sent alongside
	}
	p.Diabetic = g.rng.Float64() < 0.22
	p.Smoker = g.rng.Float64() < 0.2
	return p
}

func (g *gen) nextID(prefix string) string {
	g.seq++
	return fmt.Sprintf("%s%07d", prefix, g.seq)
}

func (g *gen) add(p *Patient, r *Resource) *Resource {
	r.PatientID = p.ID
	if r.ID == "" {
		r.ID = g.nextID("e" + r.Type[:3] + "-")
	}
	if r.Status == "" {
		switch r.Type {
		case "Observation", "DiagnosticReport":
			r.Status = "final"
		case "Procedure", "Immunization":
			r.Status = "completed"
		case "Condition":
			r.Status = "active"
		case "DocumentReference":
			r.Status = "current"
		case "Encounter":
			r.Status = "finished"
		}
	}
	if r.Updated.IsZero() {
		r.Updated = r.Date
		if r.Updated.IsZero() {
			r.Updated = g.day.AddDate(-1, 0, 0)
		}
	}
	p.Resources = append(p.Resources, r)
	return r
}

func (g *gen) addEvidence(p *Patient, e evidence, at time.Time) *Resource {
	r := &Resource{Type: e.kind, Category: e.category, Code: e.coding, Alt: e.alt, Value: e.value, Unit: e.unit, ValueCode: e.valueCode, Date: at, Title: e.coding.display}
	if e.coding.code == smokingStatus.code {
		// The smoking status this patient has, as of the record's date.
		r.ValueCode = &neverSmoked
		switch {
		case p.FormerSmoker:
			r.ValueCode = &exSmoker
		case p.Smoker:
			r.ValueCode = &dailySmoker
		}
	}
	return g.add(p, r)
}

// at returns a time on the given day at a plausible clinic hour.
func (g *gen) at(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 8+g.rng.IntN(9), 5*g.rng.IntN(12), 0, 0, d.Location())
}

func (sc Scenario) eligible(p *Patient, day time.Time) bool {
	age := p.Age(day)
	if age < 0 || p.Gender == "" {
		return false
	}
	if age < sc.minAge || (sc.maxAge > 0 && age > sc.maxAge) {
		return false
	}
	ok := false
	for _, s := range sc.sexes {
		ok = ok || s == p.Gender
	}
	if !ok {
		return false
	}
	switch sc.needs {
	case diabetes:
		return p.Diabetic
	case smoker:
		return p.Smoker
	}
	return true
}

func (sc Scenario) back(t time.Time) time.Time {
	return t.AddDate(-sc.every.years, -sc.every.months, 0)
}

// screenings gives each eligible patient a built state for every screening,
// cycling through the states so each one is met, and writes the evidence.
func (g *gen) screenings() {
	seasonStart := time.Date(g.day.Year(), time.August, 1, 0, 0, 0, 0, g.day.Location())
	if g.day.Before(seasonStart) {
		seasonStart = seasonStart.AddDate(-1, 0, 0)
	}
	for _, p := range g.pr.Patients {
		if p.Diabetic {
			dx := *diabetes
			if g.vary.IntN(3) == 0 {
				dx = *diabetesSNOMED // charted in SNOMED CT only
			}
			g.addEvidence(p, dx, g.day.AddDate(-2-g.rng.IntN(10), -g.rng.IntN(12), 0))
		}
		if p.Smoker {
			since := g.day.AddDate(-3-g.rng.IntN(12), 0, 0)
			g.addEvidence(p, *smoker, since)
			if g.vary.IntN(3) == 0 {
				// Quit a year or two after the problem was charted: an
				// ex-smoker within 15 years, still eligible.
				p.FormerSmoker = true
				g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysSCT, exSmoker.code, exSmoker.display}}, since.AddDate(1+g.vary.IntN(2), 0, 0))
			}
		} else if age := p.Age(g.day); age >= 50 && age <= 80 && g.vary.IntN(6) == 0 {
			// A 2003-style "smoker" problem never resolved, and newer
			// statuses saying "never smoked" (dated over a year back, so the
			// tobacco-use screening keeps the state it is built in).
			p.StaleSmoker = true
			g.addEvidence(p, *smoker, g.day.AddDate(-20-g.vary.IntN(6), -g.vary.IntN(12), 0))
			g.addEvidence(p, evidence{kind: "Observation", category: "social-history", coding: smokingStatus}, g.at(g.day.AddDate(0, -13-g.vary.IntN(8), 0)))
		}
	}
	for _, p := range g.pr.Patients {
		age := p.Age(g.day)
		// This year's date for an episode of care (never last year's).
		thisYear := func() time.Time {
			d := g.day.AddDate(0, 0, -g.vary.IntN(90))
			if d.Year() != g.day.Year() {
				d = g.day
			}
			return g.at(d)
		}
		switch {
		case age >= 65 && g.vary.IntN(8) == 0:
			p.Hospice = true
			g.add(p, &Resource{Type: "Encounter", Class: "HH", Code: coding{sysSCT, "183919006", "Urgent admission to hospice"}, Date: thisYear(), Title: "Hospice admission"})
		case age >= 50 && g.vary.IntN(12) == 0:
			p.Palliative = true
			g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysICD10, "Z51.5", "Encounter for palliative care"}}, thisYear())
		case age >= 67 && g.vary.IntN(4) == 0:
			p.Frail = true
			g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysICD10, "M62.81", "Muscle weakness (generalized)"}}, thisYear())
			if g.vary.IntN(2) == 0 {
				// Frail and on a dementia medication (donepezil), no
				// advanced illness charted: the measures exclude them too.
				p.DementiaMed = true
				g.add(p, &Resource{Type: "MedicationRequest", Status: "active", Intent: "order", Code: coding{sysRxNorm, "997223", "donepezil hydrochloride 10 MG Oral Tablet"}, Date: g.at(g.day.AddDate(0, -2-g.vary.IntN(9), 0)), Title: "donepezil hydrochloride 10 MG Oral Tablet"})
			} else {
				g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysSCT, "26929004", "Alzheimer's disease"}}, g.day.AddDate(0, -1-g.vary.IntN(9), 0))
			}
		case age >= 67 && g.vary.IntN(6) == 0:
			p.NursingHome = true
			r := g.addEvidence(p, evidence{kind: "Observation", category: "social-history", coding: coding{sysLOINC, "71802-3", "Housing status"}}, g.at(g.day.AddDate(-1-g.vary.IntN(3), -g.vary.IntN(12), 0)))
			r.ValueCode = &coding{sysSCT, "160734000", "Lives in nursing home"}
		}
	}
	for _, p := range g.pr.Patients {
		if age := p.Age(g.day); p.Gender == "female" && age >= 20 && age <= 40 && !p.Hospice && !p.Palliative && g.vary.IntN(15) == 0 {
			p.Pregnant = true
			g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysSCT, "77386006", "Pregnancy"}}, g.at(g.day.AddDate(0, -3-g.vary.IntN(4), 0)))
		}
	}
	for si, sc := range Scenarios {
		states := []Outcome{Complete, Due}
		if sc.soon > 0 && !sc.once {
			states = append(states, DueSoon)
		}
		if sc.excludable() {
			states = append(states, Excluded)
		}
		k := si // stagger the cycle per screening so states spread over patients
		for _, p := range g.pr.Patients {
			if !sc.eligible(p, g.day) {
				continue
			}
			if sc.needs == bmi30 {
				// BMI >= 25 is the trigger. It is dated well over a year back so it
				// never changes what the BMI screening itself was built to be.
				g.addEvidence(p, *bmi30, g.at(g.day.AddDate(0, -25-g.rng.IntN(24), 0)))
			}
			// Diabetic patients cannot be built "excluded" for prediabetes
			// screening by anything but their diabetes: keep them consistent.
			if sc.ID == "prediabetes_t2d" && p.Diabetic {
				p.Outcomes[sc.ID] = Excluded
				continue
			}
			o := states[k%len(states)]
			k++
			if sc.excl == diabetes && o == Excluded {
				p.Diabetic = true // the diabetes screenings apply to them from now on
			}
			p.Outcomes[sc.ID] = o
			g.build(p, sc, o, seasonStart)
		}
	}
}

func (g *gen) build(p *Patient, sc Scenario, o Outcome, seasonStart time.Time) {
	ev := sc.ev
	if sc.alt != nil && g.vary.IntN(3) == 0 {
		ev = *sc.alt // the same test charted as another resource type
	}
	var last *Resource
	pair := sc.ID == "diabetes_kidney" && o == Complete && g.vary.IntN(4) == 0
	evidenceAt := func(t time.Time) {
		last = g.addEvidence(p, ev, g.at(t))
		if pair {
			// A urine albumin, and a urine creatinine two days before it:
			// together a urine albumin-creatinine ratio (CMS951).
			p.KidneyPair = true
			g.addEvidence(p, urineAlbumin, g.at(t))
			g.addEvidence(p, urineCreatinine, g.at(t.AddDate(0, 0, -2)))
			return
		}
		for _, e := range sc.also {
			g.addEvidence(p, e, g.at(t)) // drawn the same day, as a kidney panel is
		}
	}
	switch o {
	case Complete:
		switch {
		case sc.season:
			evidenceAt(seasonStart.AddDate(0, 0, 20+g.rng.IntN(max(1, int(g.day.Sub(seasonStart).Hours()/24)-20))))
		case sc.doses > 0:
			first := g.day.AddDate(-1-g.rng.IntN(3), 0, 0)
			for d := 0; d < sc.doses; d++ {
				evidenceAt(first.AddDate(0, 2*d+2*d*d, 0))
			}
		case sc.once:
			t := g.day.AddDate(-1-g.rng.IntN(8), -g.rng.IntN(12), 0)
			if sc.ID == "hiv" && p.Age(t) < 15 {
				t = g.day.AddDate(-1, 0, 0) // CMS349 counts a test from 15
			}
			evidenceAt(t)
		default:
			// Inside the interval and outside the due-soon window.
			span := int(g.day.Sub(sc.back(g.day)).Hours()/24) - sc.soon - 10
			evidenceAt(g.day.AddDate(0, 0, -5-g.rng.IntN(max(1, span-5))))
			if g.rng.IntN(6) == 0 {
				// A newer entered-in-error copy that must not count.
				r := g.addEvidence(p, sc.ev, g.at(g.day.AddDate(0, 0, -2)))
				r.Status = "entered-in-error"
			}
		}
	case DueSoon:
		// Next due falls inside the due-soon window.
		nextDue := g.day.AddDate(0, 0, 1+g.rng.IntN(max(1, sc.soon-1)))
		t := sc.back(nextDue)
		// A measure window can carry it past the due-soon window: go back
		// to a day whose cover ends inside it, if there is one.
		for i := 0; i < 800 && sc.state(t, g.day) != DueSoon; i++ {
			t = t.AddDate(0, 0, -1)
		}
		if sc.state(t, g.day) != DueSoon {
			t = sc.back(nextDue)
			p.Outcomes[sc.ID] = sc.state(t, g.day) // honest about what it is
		}
		evidenceAt(t)
	case Due:
		switch {
		case sc.season:
			if g.rng.IntN(2) == 0 {
				evidenceAt(seasonStart.AddDate(0, -2-g.rng.IntN(8), 0)) // last season's dose
			}
		case sc.doses > 0:
			if g.rng.IntN(2) == 0 {
				evidenceAt(g.day.AddDate(0, -3-g.rng.IntN(20), 0)) // series started, not finished
			}
		case sc.once:
			// never done
		default:
			if g.rng.IntN(3) > 0 {
				t := sc.back(g.day).AddDate(0, 0, -15-g.rng.IntN(700))
				for sc.state(t, g.day) != Due {
					t = t.AddDate(0, 0, -30) // before the measure's window
				}
				evidenceAt(t)
			}
			if g.rng.IntN(8) == 0 {
				// A recent preliminary result that must not count.
				r := g.addEvidence(p, sc.ev, g.at(g.day.AddDate(0, 0, -7)))
				if r.Type == "Observation" || r.Type == "DiagnosticReport" {
					r.Status = "preliminary"
				} else {
					r.Status = "not-done"
				}
			}
		}
	case Excluded:
		x := sc.excl
		if sc.exclAlt != nil && g.vary.IntN(2) == 0 {
			x = sc.exclAlt // the diagnosis charted in SNOMED CT only
		}
		at := g.day.AddDate(-1-g.rng.IntN(10), -g.rng.IntN(12), 0)
		if sc.ID == "breast_cancer" && g.vary.IntN(3) == 0 {
			// A left mastectomy, and years later a right one charted as
			// "unilateral, unspecified side" with a body site.
			p.LeftRightMastectomy = true
			g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysICD10, "Z90.12", "Acquired absence of left breast and nipple"}}, at.AddDate(-4, 0, 0))
			r := g.addEvidence(p, evidence{kind: "Condition", coding: coding{sysICD10, "Z90.10", "Acquired absence of unspecified breast and nipple"}}, at)
			r.BodySite = &coding{sysSCT, "24028007", "Right"}
			break
		}
		g.addEvidence(p, *x, at)
	}
	switch {
	case sc.ID == "bmi" && last != nil && g.vary.IntN(3) > 0:
		// Most BMIs of 25 or more have a follow-up ordered that day; the
		// rest are flagged for attention (CMS69).
		p.BMIFollowUp = true
		// Its reason is the overweight finding CMS69 asks for, but for
		// MRNs ending in 7: a follow-up without one does not count there.
		r := g.add(p, &Resource{Type: "ServiceRequest", Status: "active", Intent: "order", Code: coding{sysSCT, "11816003", "Diet education"}, Date: last.Date, Title: "Diet education"})
		if p.MRN[len(p.MRN)-1] != '7' {
			r.Reason = &overweight
		}
	case sc.ID == "diabetes_eye" && o == Complete && last != nil && last.Type == "Procedure" && p.MRN[len(p.MRN)-1]%2 == 0:
		// Half of the eye exams charted as procedures have their result
		// too, the exam result CMS131 counts. Fixed ids and times: the
		// generator's sequence and random draws stay as they were.
		g.add(p, &Resource{ID: "eObs-eye" + p.MRN, Type: "Observation", Category: "exam", Code: last.Code, Date: last.Date, Title: "Diabetic eye exam result"})
	case sc.ID == "depression" && o == Complete && p.MRN[len(p.MRN)-1]%2 == 0:
		// Half of those screened also answered the adult depression
		// screening (CMS2's tool) negative in the days before today.
		d := g.day.AddDate(0, 0, -1-int(p.MRN[len(p.MRN)-1]-'0'))
		g.add(p, &Resource{ID: "eObs-dep" + p.MRN, Type: "Observation", Category: "survey", Code: coding{sysLOINC, "73832-8", "Adult depression screening assessment"},
			Date: time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, d.Location()), ValueCode: &coding{sysSCT, "428171000124102", "Depression screening negative"}, Title: "Adult depression screening assessment"})
	case sc.ID == "diabetes_a1c" && o == Complete && last != nil && g.vary.IntN(2) == 0:
		// Half are done, but poorly controlled: the sheet flags them.
		last.Value = f(9.1 + float64(g.vary.IntN(30))/10)
	case sc.ID == "diabetes_kidney" && o == Due:
		// A kidney panel "performed" with nothing reported: it does not
		// count, and the sheet says why.
		for _, e := range append([]evidence{sc.ev}, sc.also...) {
			r := g.addEvidence(p, e, g.at(g.day.AddDate(0, -2, 0)))
			r.Value = nil
		}
	}
}

var (
	vitals = []coding{
		{sysLOINC, "8867-4", "Heart rate"}, {sysLOINC, "29463-7", "Body weight"},
		{sysLOINC, "8302-2", "Body height"}, {sysLOINC, "8310-5", "Body temperature"},
	}
	labs = []coding{
		{sysLOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"}, {sysLOINC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count"},
		{sysLOINC, "777-3", "Platelets [#/volume] in Blood by Automated count"}, {sysLOINC, "2951-2", "Sodium [Moles/volume] in Serum or Plasma"},
		{sysLOINC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma"}, {sysLOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"},
		{sysLOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}, {sysLOINC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma"},
	}
	problems = []evidence{
		{kind: "Condition", coding: coding{sysICD10, "E78.5", "Hyperlipidemia, unspecified"}, alt: &coding{sysSCT, "55822004", "Hyperlipidemia"}},
		{kind: "Condition", coding: coding{sysICD10, "K21.9", "Gastro-esophageal reflux disease without esophagitis"}, alt: &coding{sysSCT, "235595009", "Gastroesophageal reflux disease"}},
		{kind: "Condition", coding: coding{sysICD10, "J30.9", "Allergic rhinitis, unspecified"}, alt: &coding{sysSCT, "61582004", "Allergic rhinitis"}},
		{kind: "Condition", coding: coding{sysICD10, "M54.50", "Low back pain, unspecified"}, alt: &coding{sysSCT, "279039007", "Low back pain"}},
		{kind: "Condition", coding: coding{sysICD10, "F41.1", "Generalized anxiety disorder"}, alt: &coding{sysSCT, "21897009", "Generalized anxiety disorder"}},
		{kind: "Condition", coding: coding{sysICD10, "I10", "Essential (primary) hypertension"}, alt: &coding{sysSCT, "59621000", "Essential hypertension"}},
		{kind: "Condition", coding: coding{sysICD10, "E03.9", "Hypothyroidism, unspecified"}, alt: &coding{sysSCT, "40930008", "Hypothyroidism"}},
		{kind: "Condition", coding: coding{sysICD10, "J45.909", "Unspecified asthma, uncomplicated"}, alt: &coding{sysSCT, "195967001", "Asthma"}},
	}
	consults = []string{"Cardiology Consult Note", "Dermatology Consult Note", "Orthopedics Consult Note", "Gastroenterology Consult Note", "Endocrinology Consult Note"}
)

// background adds the ordinary chart around the screening evidence: office
// visits with vitals and labs, problems, consult notes and hospital stays.
// None of it uses a screening code, so it cannot change a built state.
func (g *gen) background(p *Patient) {
	years := 4 + g.rng.IntN(11)
	heavy := p.MRN[len(p.MRN)-2:] == "03" // about 1 in 100: a chart long enough to page
	visitsPerYear := 1 + g.rng.IntN(3)
	if heavy {
		visitsPerYear = 12
	}
	for y := 0; y < years; y++ {
		for v := 0; v < visitsPerYear; v++ {
			d := g.at(g.day.AddDate(-y, -g.rng.IntN(12), -g.rng.IntN(28)))
			if !d.Before(g.day) {
				continue
			}
			g.add(p, &Resource{Type: "Encounter", Class: "AMB", Code: coding{sysSCT, "185349003", "Office Visit"}, Date: d, Title: "Office Visit"})
			for _, c := range vitals {
				val := 60 + g.rng.Float64()*40
				g.add(p, &Resource{Type: "Observation", Category: "vital-signs", Code: c, Date: d, Value: &val, Title: c.display})
			}
			for _, c := range labs[:g.rng.IntN(len(labs))] {
				val := 1 + g.rng.Float64()*100
				g.add(p, &Resource{Type: "Observation", Category: "laboratory", Code: c, Date: d, Value: &val, Title: c.display})
			}
			if g.rng.IntN(4) == 0 {
				g.add(p, &Resource{Type: "DocumentReference", Category: "clinical-note", Code: coding{sysLOINC, "11506-3", "Progress note"}, Date: d, Title: "Progress Note", Author: g.pr.Providers[g.rng.IntN(3)].Name})
			}
		}
	}
	for _, e := range problems {
		if g.rng.IntN(5) == 0 {
			r := g.addEvidence(p, e, g.day.AddDate(-g.rng.IntN(12), -g.rng.IntN(12), 0))
			if g.rng.IntN(6) == 0 {
				r.Status = "resolved"
			}
		}
	}
	if g.rng.IntN(4) == 0 {
		title := consults[g.rng.IntN(len(consults))]
		d := g.at(g.day.AddDate(0, -g.rng.IntN(18), -g.rng.IntN(28)))
		g.add(p, &Resource{Type: "DocumentReference", Category: "clinical-note", Code: coding{sysLOINC, "11488-4", "Consult note"}, Date: d, Title: title})
	}
	if g.rng.IntN(10) == 0 {
		d := g.at(g.day.AddDate(0, -g.rng.IntN(24), -g.rng.IntN(28)))
		class, title := "IMP", "Hospital Admission"
		if g.rng.IntN(2) == 0 {
			class, title = "EMER", "Emergency Department Visit"
		}
		g.add(p, &Resource{Type: "Encounter", Class: class, Code: coding{sysSCT, "32485007", title}, Date: d, Title: title})
		g.add(p, &Resource{Type: "DocumentReference", Category: "clinical-note", Code: coding{sysLOINC, "18842-5", "Discharge summary"}, Date: d.AddDate(0, 0, 2), Title: "Discharge Summary"})
	}
	if g.rng.IntN(30) == 0 {
		// A report with no date at all: it cannot complete anything.
		g.add(p, &Resource{Type: "DiagnosticReport", Category: "imaging", Code: coding{sysLOINC, "36643-5", "XR Chest 2 Views"}, Title: "XR Chest 2 Views"})
	}
}

var visitTypes = []struct {
	name    string
	minutes int
}{{"Annual Physical", 30}, {"Follow-Up", 20}, {"New Patient", 30}, {"Sick Visit", 20}, {"Medicare Wellness", 30}, {"Telehealth", 20}}

// schedule fills weekdays from three weeks back to a week ahead. Each day's
// draw is seeded by the date, so a day looks the same whatever "today" is.
func (g *gen) schedule() {
	adults := g.pr.Patients
	for off := -21; off <= 7; off++ {
		d := g.day.AddDate(0, 0, off)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		key := d.Format(time.DateOnly)
		rng := rand.New(rand.NewPCG(uint64(d.Unix()), uint64(len(adults))))
		used := map[string]bool{}
		var day []Appointment
		for pi, prov := range g.pr.Providers {
			t := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, d.Location())
			end := time.Date(d.Year(), d.Month(), d.Day(), 16, 40, 0, 0, d.Location())
			for t.Before(end) {
				if t.Hour() == 12 {
					t = t.Add(time.Hour) // lunch
					continue
				}
				vt := visitTypes[rng.IntN(len(visitTypes))]
				var p *Patient
				for p == nil || used[p.ID] {
					p = adults[rng.IntN(len(adults))]
				}
				used[p.ID] = true
				status := "booked"
				switch {
				case d.Before(g.day):
					status = "fulfilled"
				case off == 0 && t.Hour() < 9:
					status = "arrived"
				}
				switch r := rng.IntN(100); {
				case r < 5:
					status = "cancelled"
				case r < 8 && !d.After(g.day):
					status = "noshow"
				}
				day = append(day, Appointment{
					ID:         fmt.Sprintf("eAppt-%s-%d-%02d%02d", key, pi, t.Hour(), t.Minute()),
					CSN:        fmt.Sprintf("%d%02d%02d%d", 1000+d.YearDay(), t.Hour(), t.Minute(), pi),
					PatientID:  p.ID,
					ProviderID: prov.ID,
					Start:      t,
					Minutes:    vt.minutes,
					VisitType:  vt.name,
					Status:     status,
				})
				t = t.Add(time.Duration(vt.minutes) * time.Minute)
			}
		}
		sort.Slice(day, func(i, j int) bool { return day[i].Start.Before(day[j].Start) })
		g.pr.Appointments[key] = day
	}
}
