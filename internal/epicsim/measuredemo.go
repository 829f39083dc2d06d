package epicsim

import (
	"sort"
	"time"
)

// The demo records that give every quality measure met, not met and
// excluded patients (measures.md): encounter diagnoses, tobacco
// counselling, pregnancy-test-only women, blood pressure categories.

// encounterDiagnoses charts diabetes as the encounter diagnosis of a
// diabetic's latest office visit of the year, as the visit's coder would:
// CMS122 and CMS131 count a diabetic only by an encounter diagnosis, not
// the problem list. One in ten (MRN ending in 9) has diabetes on the
// problem list alone. Fixed ids and no random draws, so the rest of the
// practice stays as it was.
func (g *gen) encounterDiagnoses(p *Patient) {
	if !p.Diabetic || p.MRN[len(p.MRN)-1] == '9' {
		return
	}
	var last *Resource
	for _, r := range p.Resources {
		if r.Type == "Encounter" && r.Class == "AMB" && r.Date.Year() == g.day.Year() && r.Date.Before(g.day) && (last == nil || r.Date.After(last.Date)) {
			last = r
		}
	}
	if last == nil {
		return
	}
	g.add(p, &Resource{ID: "eCon-dx" + p.MRN, Type: "Condition", Category: "encounter-diagnosis", Code: diabetes.coding, Date: last.Date, Title: diabetes.coding.display})
}

// measureDemo rounds out the quality-measure view so every measure has
// patients met, not met and excluded: current smokers whose latest status
// is this year's get cessation counselling that day (CMS138 population 2
// met), every third of the rest is in hospice (excluded); three women
// 16-24 with no sign of sexual activity get a pregnancy test followed two
// days later by a chest X-ray (CMS153's pregnancy-test-only exclusion),
// and the next ten a sexual activity assessment answered yes (CMS153 met
// or not by their chlamydia test).
// Fixed ids, days and codes, no random draws: the rest of the practice
// stays as it was.
func (g *gen) measureDemo() {
	y := g.day.Year()
	smokers, women, pressures, assessed := 0, 0, 0, 0
	var ex exceptionCounts
	for _, p := range g.pr.Patients {
		if g.bloodPressureDemo(p, pressures) {
			pressures++
		}
		g.exceptionsDemo(p, &ex)
		var status *Resource
		for _, r := range p.Resources {
			if r.Type == "Observation" && r.Code.code == smokingStatus.code && (status == nil || r.Date.After(status.Date)) {
				status = r
			}
		}
		if p.Smoker && !p.FormerSmoker && p.Outcomes["tobacco_use"] == Complete && status != nil && status.Date.Year() == y {
			smokers++
			switch {
			case smokers%2 == 1:
				p.Cessation = true
				g.add(p, &Resource{ID: "eProc-quit" + p.MRN, Type: "Procedure", Code: coding{sysSCT, "225323000", "Smoking cessation education"}, Date: status.Date, Title: "Smoking cessation education"})
			case smokers%3 == 0 && !p.Hospice:
				p.Hospice = true
				g.add(p, &Resource{ID: "eEnc-hospice" + p.MRN, Type: "Encounter", Class: "HH", Code: coding{sysSCT, "183919006", "Urgent admission to hospice"}, Date: g.day.AddDate(0, 0, -20).Add(10 * time.Hour), Title: "Hospice admission"})
			}
		}
		if age := p.Age(time.Date(y, 12, 31, 0, 0, 0, 0, g.day.Location())); women < 3 && p.Gender == "female" && age >= 16 && age <= 24 && !p.Pregnant && !p.Hospice && noOrders(p) {
			women++
			p.PregnancyTestOnly = true
			d := time.Date(y, g.day.Month(), 1, 10, 0, 0, 0, g.day.Location()).AddDate(0, -1, 0)
			g.add(p, &Resource{ID: "eSR-hcg" + p.MRN, Type: "ServiceRequest", Status: "completed", Intent: "order", Code: coding{sysLOINC, "2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"}, Date: d, Title: "Pregnancy test, urine"})
			g.add(p, &Resource{ID: "eSR-xr" + p.MRN, Type: "ServiceRequest", Status: "completed", Intent: "order", Code: coding{sysLOINC, "24648-8", "XR Chest PA upright"}, Date: d.AddDate(0, 0, 2), Title: "XR Chest PA upright"})
		} else if assessed < 10 && p.Gender == "female" && age >= 16 && age <= 24 && !p.PregnancyTestOnly && !p.Hospice {
			// A sexual activity assessment answered yes this year: the
			// sign CMS153 counts (measures.md; the guideline asks the
			// clinician instead, so no screening state changes).
			assessed++
			g.add(p, &Resource{ID: "eObs-sex" + p.MRN, Type: "Observation", Status: "final", Category: "social-history", Code: coding{sysLOINC, "64728-9", "Have you ever had vaginal intercourse [PhenX]"},
				Date: time.Date(y, g.day.Month(), 1, 10, 0, 0, 0, g.day.Location()).AddDate(0, -2, 0), ValueCode: &coding{sysSCT, "373066001", "Yes"}, Title: "Sexual activity"})
		}
	}
}

// Reasons for care not given, from the measures' "Medical Reason"
// (2.16.840.1.113883.3.526.3.1007) and "Patient Declined"
// (2.16.840.1.113883.3.526.3.1582) value sets.
var (
	medicalReason   = coding{sysSCT, "183932001", "Procedure contraindicated"}
	patientDeclined = coding{sysSCT, "183945002", "Procedure refused for religious reason"}
	bmiCode         = coding{sysLOINC, "39156-5", "Body mass index (BMI) [Ratio]"}
	dietEducation   = coding{sysSCT, "11816003", "Diet education"}
	overweight      = coding{sysSCT, "238131007", "Overweight"} // "Overweight or Obese" (2.16.840.1.113762.1.4.1047.502)
)

type exceptionCounts struct{ bp, bmi int }

// exceptionsDemo gives the measures' exceptions a few patients each: at
// the latest office visit of the year before today, with no blood
// pressure or BMI taken that day, a blood pressure not taken for a
// medical reason (CMS22, 3 patients), a BMI the patient declined or a
// diet education not ordered for a medical reason (CMS69, 2 each). Fixed ids, days and codes, no random
// draws: the rest of the practice stays as it was.
func (g *gen) exceptionsDemo(p *Patient, n *exceptionCounts) {
	y := g.day.Year()
	if p.Hospice || p.Palliative || p.Pregnant || p.BirthDate.IsZero() || p.Age(time.Date(y, 1, 1, 0, 0, 0, 0, g.day.Location())) < 18 {
		return
	}
	var visit *Resource
	taken := map[string]bool{}
	for _, r := range p.Resources {
		switch {
		case r.Type == "Encounter" && r.Code.code == "185349003" && r.Date.Year() == y && r.Date.Before(g.day) && (visit == nil || r.Date.After(visit.Date)):
			visit = r
		case r.Type == "Observation":
			taken[r.Code.code+r.Date.Format(time.DateOnly)] = true
		case r.Type == "Condition" && r.Code.code == "I10":
			taken["hypertension"] = true // CMS22 leaves the visits out
		}
	}
	if visit == nil {
		return
	}
	d := visit.Date.Format(time.DateOnly)
	switch {
	case n.bp < 3 && !taken[bpPanel.code+d] && !taken["hypertension"]:
		n.bp++
		p.BPNotDone = true
		g.add(p, &Resource{ID: "eObs-bpnot" + p.MRN, Type: "Observation", Status: "cancelled", Category: "vital-signs", Code: bpPanel, Date: visit.Date, Reason: &medicalReason, Title: bpPanel.display})
	case n.bmi < 4 && !taken[bmiCode.code+d] && p.Outcomes["bmi"] != Complete:
		n.bmi++
		p.BMINotDone = true
		if n.bmi%2 == 1 {
			g.add(p, &Resource{ID: "eObs-bminot" + p.MRN, Type: "Observation", Status: "cancelled", Category: "vital-signs", Code: bmiCode, Date: visit.Date, Reason: &patientDeclined, Title: bmiCode.display})
			break
		}
		g.add(p, &Resource{ID: "eSR-dietnot" + p.MRN, Type: "ServiceRequest", Status: "completed", Intent: "order", DoNotPerform: true, Code: dietEducation, Date: visit.Date, Reason: &medicalReason, Title: dietEducation.display})
	}
}

// deceasedDemo: two adults under 66 with an office visit this year, no
// HIV test on record and no appointment from today on died the day after
// their last visit or appointment (CMS349's exception). After the schedule, which it reads; no
// random draws.
func (g *gen) deceasedDemo() {
	last := map[string]time.Time{} // each patient's latest appointment
	for _, day := range g.pr.Appointments {
		for _, a := range day {
			if a.Start.After(last[a.PatientID]) {
				last[a.PatientID] = a.Start
			}
		}
	}
	today := time.Date(g.day.Year(), g.day.Month(), g.day.Day(), 0, 0, 0, 0, g.day.Location())
	y, n := g.day.Year(), 0
	for _, p := range g.pr.Patients {
		if n == 2 {
			return
		}
		if p.Outcomes["hiv"] != Due || p.BirthDate.IsZero() || p.Age(time.Date(y, 12, 31, 0, 0, 0, 0, g.day.Location())) > 65 {
			continue
		}
		if !last[p.ID].Before(today) {
			continue // booked for today or later
		}
		var visit time.Time
		for _, r := range p.Resources {
			if r.Type == "Encounter" && r.Code.code == "185349003" && r.Date.Year() == y && r.Date.After(visit) {
				visit = r.Date
			}
		}
		if visit.IsZero() {
			continue
		}
		if last[p.ID].After(visit) {
			visit = last[p.ID]
		}
		if died := time.Date(visit.Year(), visit.Month(), visit.Day(), 0, 0, 0, 0, g.day.Location()).AddDate(0, 0, 1); died.Before(today) {
			p.Deceased = died
			n++
		}
	}
}

// BP readings and CMS22 follow-ups for the demo (measures.md CMS22).
var (
	bpPanel     = coding{sysLOINC, "85354-9", "Blood pressure panel with all children optional"}
	bpSystolic  = coding{sysLOINC, "8480-6", "Systolic blood pressure"}
	bpDiastolic = coding{sysLOINC, "8462-4", "Diastolic blood pressure"}
	bpFollow4w  = coding{sysSCT, "183617005", "Follow-up arranged within 4 weeks"}
	bpFollow6m  = coding{sysSCT, "300042001", "Follow-up arranged within 6 months"}
	bpLifestyle = coding{sysSCT, "313204009", "Lifestyle recommendation"}
	bpReferral  = coding{sysSCT, "306206005", "Referral to primary care"}
	bpFinding   = coding{sysSCT, "24184005", "Finding of increased blood pressure"}
	bpECG       = coding{sysLOINC, "34534-8", "12 lead EKG panel"}
)

// bloodPressureDemo gives the n-th adult whose guideline blood pressure
// was taken this year (before today) that reading's systolic and
// diastolic values and an office visit that day, cycling through CMS22's
// categories (normal, elevated, first and second hypertensive), some with
// the follow-up their category needs and some without. Only readings older
// than the guideline's are added, so no built screening state changes;
// ids are fixed and no random draw is used, so the rest of the practice
// stays as it was.
func (g *gen) bloodPressureDemo(p *Patient, n int) bool {
	y := g.day.Year()
	if p.Outcomes["blood_pressure"] != Complete || p.Age(time.Date(y, 1, 1, 0, 0, 0, 0, g.day.Location())) < 18 {
		return false
	}
	var last *Resource
	for _, r := range p.Resources {
		if r.Type == "Observation" && r.Code.code == bpPanel.code && r.Status == "final" && (last == nil || r.Date.After(last.Date)) {
			last = r
		}
	}
	if last == nil || last.Date.Year() != y || !last.Date.Before(g.day) || len(last.Components) > 0 {
		return false
	}
	bp := func(r *Resource, sys, dia float64) {
		r.Components = []component{{bpSystolic, sys, "mm[Hg]"}, {bpDiastolic, dia, "mm[Hg]"}}
	}
	d := last.Date
	g.add(p, &Resource{ID: "eEnc-bp" + p.MRN, Type: "Encounter", Class: "AMB", Code: coding{sysSCT, "185349003", "Office Visit"}, Date: d, Title: "Office Visit"})
	order := func(id string, c coding, on time.Time) *Resource {
		return g.add(p, &Resource{ID: "eSR-bp" + id + p.MRN, Type: "ServiceRequest", Status: "active", Intent: "order", Code: c, Date: on, Title: c.display})
	}
	prior := func(sys, dia float64) {
		r := g.add(p, &Resource{ID: "eObs-bpprior" + p.MRN, Type: "Observation", Category: "vital-signs", Code: bpPanel, Date: d.AddDate(0, -6, 0), Title: bpPanel.display})
		bp(r, sys, dia)
	}
	switch n % 8 {
	case 0, 1:
		bp(last, 112+float64(n%7), 72)
	case 2: // elevated, with a 6-month follow-up and a lifestyle recommendation
		bp(last, 124, 76)
		order("6m", bpFollow6m, d)
		order("life", bpLifestyle, d)
	case 3: // elevated, no follow-up
		bp(last, 126, 74)
	case 4: // first hypertensive, with a 4-week follow-up and lifestyle
		bp(last, 134, 82)
		order("4w", bpFollow4w, d)
		order("life", bpLifestyle, d)
	case 5: // first hypertensive, no follow-up
		bp(last, 136, 78)
	case 6: // second hypertensive 130-139/80-89: a referral for it
		prior(138, 86)
		bp(last, 134, 84)
		r := order("ref", bpReferral, d)
		r.Reason = &bpFinding
	case 7: // second hypertensive 140/90 or more: an ECG only, not enough
		prior(150, 92)
		bp(last, 148, 94)
		order("ecg", bpECG, d)
	}
	return true
}

// noOrders: no prescription or procedure on the chart and no HIV
// diagnosis (each could be another sign of sexual activity).
func noOrders(p *Patient) bool {
	for _, r := range p.Resources {
		switch {
		case r.Type == "MedicationRequest", r.Type == "Procedure":
			return false
		case r.Type == "Condition" && (r.Code.code == "B20" || r.Code.code == "86406008" || r.Code.code == "Z21"):
			return false
		}
	}
	return true
}

// Varenicline (RxNorm 636676, in Tobacco Use Cessation Pharmacotherapy,
// 2.16.840.1.113883.3.526.3.1190) and the Task code of a pharmacy's
// refusal to fill it (QI-Core TaskRejected).
var (
	varenicline = coding{sysRxNorm, "636676", "varenicline 1 MG Oral Tablet"}
	taskFulfill = coding{"http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request"}
)

// rejectedOrderDemo gives one current smoker whose latest status is this
// year's and who got no cessation counselling (CMS138 population 2 not
// met) a varenicline order that day, and a Task saying the
// pharmacy rejected it: the order must not count, so the patient stays
// not met. The first such patient on today's schedule, else the first
// such patient; fixed ids and days, no random draws, after the schedule
// (which draws from its own streams), so the rest of the practice stays
// as it was.
func (g *gen) rejectedOrderDemo() {
	today := map[string]bool{}
	for _, a := range g.pr.Appointments[g.day.Format(time.DateOnly)] {
		today[a.PatientID] = true
	}
	var pick *Patient
	var on time.Time
	for _, p := range g.pr.Patients {
		if !p.Smoker || p.FormerSmoker || p.Cessation || p.Hospice || p.PregnancyTestOnly || p.Outcomes["tobacco_use"] != Complete {
			continue
		}
		var status *Resource
		for _, r := range p.Resources {
			if r.Type == "Observation" && r.Code.code == smokingStatus.code && (status == nil || r.Date.After(status.Date)) {
				status = r
			}
		}
		if status == nil || status.Date.Year() != g.day.Year() || !status.Date.Before(g.day) {
			continue
		}
		if pick == nil || today[p.ID] && !today[pick.ID] {
			pick, on = p, status.Date
		}
		if today[pick.ID] {
			break
		}
	}
	if pick == nil {
		return
	}
	pick.RejectedCessation = true
	order := g.add(pick, &Resource{ID: "eMed-quit" + pick.MRN, Type: "MedicationRequest", Status: "active", Intent: "order", Code: varenicline, Date: on, Title: varenicline.display})
	g.add(pick, &Resource{ID: "eTask-quit" + pick.MRN, Type: "Task", Status: "rejected", Intent: "order", Code: taskFulfill, Focus: "MedicationRequest/" + order.ID,
		Date: on, Title: "Pharmacy rejected the varenicline order"})
	sort.SliceStable(pick.Resources, func(i, j int) bool { return pick.Resources[i].Date.After(pick.Resources[j].Date) })
	for _, r := range pick.Resources {
		g.pr.res[r.Type+"/"+r.ID] = r
	}
}
