package screening

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// groupCode returns a code of the first catalogue group with that name
// (measures first, then the screenings' exclusion rules and the shared
// exclusion concepts), as a chart
// would carry it.
func groupCode(t *testing.T, c *Catalogue, name string) (string, string) {
	t.Helper()
	var sys, code string
	find := func(g *Group) {
		if code == "" && g != nil && g.Name == name {
			sys, code = firstCode(g)
		}
	}
	for _, m := range c.Measures {
		m.walkGroups(find)
	}
	for _, s := range c.Screenings {
		for _, r := range s.Exclusions {
			walkRule(r, find)
		}
	}
	for _, x := range c.Exclusions {
		for _, r := range x.Rules {
			walkRule(r, find)
		}
	}
	if code == "" {
		t.Fatalf("no group %q in the catalogue", name)
	}
	return sys, code
}

// withSex gives a patient the us-core-sex extension's sex.
func withSex(p record.Patient, sex string) record.Patient { p.USCoreSex = sex; return p }

// bpVisit is a finished CMS22 visit with its period.
func bpVisit(t *testing.T, c *Catalogue, from, to string) record.Item {
	sys, code := measureGroupCode(t, c, "CMS22", "Encounter to Screen for Blood Pressure")
	return with(item("Encounter", sys, code, day(from)), func(it *record.Item) {
		it.Status, it.Class, it.Period = "finished", "AMB", record.Period{Start: day(from), End: day(to)}
	})
}

// A finished encounter of one of a measure's visit groups.
func visitOf(t *testing.T, c *Catalogue, measure, group, on string) record.Item {
	t.Helper()
	for _, m := range c.Measures {
		if m.ID != measure {
			continue
		}
		for _, g := range m.Visits {
			if g.Name == group {
				sys, code := firstCode(g)
				return with(item("Encounter", sys, code, day(on)), func(it *record.Item) { it.Status = "finished" })
			}
		}
	}
	t.Fatalf("%s has no visit group %q", measure, group)
	return record.Item{}
}

// The audit of every rule measures.md states, measure by measure, at the
// boundary days the existing tables did not reach (visit 2026-11-24, the
// 2026 reporting year). Each case names the rule it pins.
func TestMeasureAudit(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	woman := func(birth string) record.Patient { return person("female", day(birth)) }
	man := func(birth string) record.Patient { return person("male", day(birth)) }
	code := func(name string) (string, string) { return groupCode(t, c, name) }
	labObs := func(name, on string, v float64, unit string) record.Item {
		sys, cd := code(name)
		return obs(sys, cd, day(on), v, unit)
	}
	proc := func(name, on string) record.Item {
		sys, cd := code(name)
		return item("Procedure", sys, cd, day(on))
	}
	cond := func(name, on string) record.Item {
		sys, cd := code(name)
		return item("Condition", sys, cd, day(on))
	}
	colo := proc("Colonoscopy", "2020-01-01")
	pap := func(on string) record.Item { return labObs("Pap Test", on, 1, "") }
	dmOld := onList(item("Condition", icd10, "E11.9", day("2015-03-01")), "encounter-diagnosis")
	a1c := func(on string, v float64, unit string) record.Item { return obs(loinc, "4548-4", day(on), v, unit) }
	dmVisit := onList(item("Condition", icd10, "E11.9", day("2026-02-10")), "encounter-diagnosis")
	eye := func(on string) record.Item {
		sys, cd := code("Retinal or Dilated Eye Exam")
		return with(item("Observation", sys, cd, day(on)), func(it *record.Item) { it.Category = []record.Coding{{Code: "exam"}} })
	}
	retinopathy := func(on string) record.Item {
		return onList(item("Condition", icd10, "E11.319", day(on)), "problem-list-item")
	}
	smoking := func(answer, on string) record.Item {
		sys, cd := code(answer)
		return with(item("Observation", loinc, "72166-2", day(on)), func(it *record.Item) { it.ValueCodes = []record.Coding{{System: sys, Code: cd}} })
	}
	egfr := obs(loinc, "98979-8", day("2026-05-10"), 78, "mL/min/{1.73_m2}")
	pregnancy := func(on string) record.Item {
		sys, cd := code("Pregnancy Obstetric or Maternal Diagnoses")
		return onList(item("Condition", sys, cd, day(on)), "problem-list-item")
	}
	pregnancyStatus := func(answer, on string) record.Item {
		return with(item("Observation", loinc, "82810-3", day(on)), func(it *record.Item) { it.ValueCodes = []record.Coding{{System: sct, Code: answer}} })
	}
	imaging := func(it record.Item) record.Item {
		it.Category = []record.Coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category", Code: "imaging"}}
		return it
	}
	answered := func(question, answer, on string) record.Item {
		return with(item("Observation", loinc, question, day(on)), func(it *record.Item) { it.ValueCodes = []record.Coding{{System: sct, Code: answer}} })
	}
	dementiaMed := func(status string) record.Item {
		sys, cd := code("Dementia Medications")
		return with(item("MedicationRequest", sys, cd, day("2025-06-01")), func(it *record.Item) {
			it.Status, it.Intent, it.Period = status, "order", record.Period{Start: day("2025-06-01"), End: day("2026-06-01")}
		})
	}
	discharged := func(typ, end string) record.Item {
		return with(item("Encounter", sct, typ, day(end).AddDate(0, 0, -7)), func(it *record.Item) {
			it.Status, it.Period = "finished", record.Period{Start: day(end).AddDate(0, 0, -7), End: day(end)}
			it.Discharge = []record.Coding{{System: sct, Code: "428361000124107"}}
		})
	}
	period := func(it record.Item, from, to string) record.Item {
		it.Period = record.Period{Start: day(from), End: day(to)}
		return it
	}

	cases := []struct {
		name, measure string
		rec           record.Record
		want          MeasureStatus
		reason        string // a phrase the reason must hold
	}{
		// CMS130: each modality's first window day and the day before.
		{"CMS130 sDNA-FIT on Jan 1 two years back", "CMS130", chart(man("1960-05-05"), labObs("sDNA FIT Test", "2024-01-01", 1, "")), MeasureMet, "stool DNA"},
		{"CMS130 sDNA-FIT the day before", "CMS130", chart(man("1960-05-05"), labObs("sDNA FIT Test", "2023-12-31", 1, "")), MeasureNotMet, ""},
		{"CMS130 sDNA-FIT with no value", "CMS130", chart(man("1960-05-05"), with(labObs("sDNA FIT Test", "2025-01-01", 1, ""), func(it *record.Item) { it.Value, it.HasValue = nil, false })), MeasureNotMet, ""},
		{"CMS130 sigmoidoscopy on Jan 1 four years back", "CMS130", chart(man("1960-05-05"), proc("Flexible Sigmoidoscopy", "2022-01-01")), MeasureMet, "sigmoidoscopy"},
		{"CMS130 sigmoidoscopy the day before", "CMS130", chart(man("1960-05-05"), proc("Flexible Sigmoidoscopy", "2021-12-31")), MeasureNotMet, ""},
		{"CMS130 sigmoidoscopy not completed", "CMS130", chart(man("1960-05-05"), withStatus(proc("Flexible Sigmoidoscopy", "2025-01-01"), "in-progress")), MeasureNotMet, ""},
		{"CMS130 CT colonography on Jan 1 four years back", "CMS130", chart(man("1960-05-05"), imaging(with(labObs("CT Colonography", "2022-01-01", 0, ""), func(it *record.Item) { it.Value, it.HasValue = nil, false }))), MeasureMet, "CT colonography"},
		{"CMS130 CT colonography the day before", "CMS130", chart(man("1960-05-05"), imaging(labObs("CT Colonography", "2021-12-31", 0, ""))), MeasureNotMet, ""},
		{"CMS130 CT colonography not an imaging result", "CMS130", chart(man("1960-05-05"), labObs("CT Colonography", "2025-01-01", 0, "")), MeasureNotMet, ""},
		{"CMS130 75 on Dec 31", "CMS130", chart(man("1951-01-01"), colo), MeasureMet, ""},
		{"CMS130 76 on Dec 31", "CMS130", chart(man("1950-12-31"), colo), MeasureOutside, "ages 46-75"},
		{"CMS130 46 on Dec 31", "CMS130", chart(man("1980-12-31"), colo), MeasureMet, ""},
		{"CMS130 colorectal cancer resolved long ago still excludes", "CMS130", chart(man("1960-05-05"), with(cond("Malignant Neoplasm of Colon", "2010-01-01"), func(it *record.Item) { it.Status, it.Abatement = "resolved", day("2011-01-01") })), MeasureExcluded, "colorectal cancer"},
		{"CMS130 total colectomy any time", "CMS130", chart(man("1960-05-05"), proc("Total Colectomy", "1999-05-01")), MeasureExcluded, "colectomy"},
		// Hospice: a hospice care order active or completed, authored in the year.
		{"CMS130 hospice care ordered (active) this year", "CMS130", chart(man("1960-05-05"), with(proc("Hospice Care Ambulatory", "2026-06-01"), func(it *record.Item) { it.Type, it.Status, it.Intent = "ServiceRequest", "active", "order" })), MeasureExcluded, "hospice"},
		{"CMS130 hospice care order completed this year", "CMS130", chart(man("1960-05-05"), with(proc("Hospice Care Ambulatory", "2026-06-01"), func(it *record.Item) { it.Type, it.Status, it.Intent = "ServiceRequest", "completed", "order" })), MeasureExcluded, "hospice"},
		{"CMS130 hospice care ordered last year", "CMS130", chart(man("1960-05-05"), with(proc("Hospice Care Ambulatory", "2025-12-31"), func(it *record.Item) { it.Type, it.Status, it.Intent = "ServiceRequest", "active", "order" })), MeasureNotMet, ""},
		{"CMS130 hospice care only proposed", "CMS130", chart(man("1960-05-05"), with(proc("Hospice Care Ambulatory", "2026-06-01"), func(it *record.Item) { it.Type, it.Status, it.Intent = "ServiceRequest", "active", "proposal" })), MeasureNotMet, ""},
		{"CMS130 inpatient stay discharged to hospice", "CMS130", chart(man("1960-05-05"), discharged("32485007", "2026-03-09")), MeasureExcluded, "hospice"},
		{"CMS130 inpatient stay discharged to hospice, ended last year", "CMS130", chart(man("1960-05-05"), discharged("32485007", "2025-12-31")), MeasureNotMet, ""},
		{"CMS130 office visit with a hospice discharge disposition", "CMS130", chart(man("1960-05-05"), discharged("185349003", "2026-03-09")), MeasureNotMet, ""},
		{"CMS130 hospice assessment answered yes this year", "CMS130", chart(man("1960-05-05"), answered("45755-6", "373066001", "2026-02-01")), MeasureExcluded, "hospice"},
		{"CMS130 hospice assessment answered no", "CMS130", chart(man("1960-05-05"), answered("45755-6", "373067005", "2026-02-01")), MeasureNotMet, ""},
		{"CMS130 hospice assessment answered yes last year", "CMS130", chart(man("1960-05-05"), answered("45755-6", "373066001", "2025-12-31")), MeasureNotMet, ""},
		// Advanced illness and frailty: a dementia medication order counts while active, not completed.
		{"CMS130 frail at 66, dementia medication active", "CMS130", chart(man("1955-06-01"), cond("Frailty Diagnosis", "2026-02-01"), dementiaMed("active")), MeasureExcluded, "frail"},
		{"CMS130 frail at 66, dementia medication completed", "CMS130", chart(man("1955-06-01"), cond("Frailty Diagnosis", "2026-02-01"), dementiaMed("completed")), MeasureNotMet, ""},
		// CMS124: ages 24-64 on Dec 31; HPV from 2022-01-01.
		{"CMS124 24 on Dec 31", "CMS124", chart(woman("2002-12-31"), pap("2026-02-01")), MeasureMet, ""},
		{"CMS124 23 on Dec 31", "CMS124", chart(woman("2003-01-01"), pap("2026-02-01")), MeasureOutside, "ages 24-64"},
		{"CMS124 64 on Dec 31", "CMS124", chart(woman("1962-01-01"), pap("2026-02-01")), MeasureMet, ""},
		{"CMS124 65 on Dec 31", "CMS124", chart(woman("1961-12-31"), pap("2026-02-01")), MeasureOutside, ""},
		{"CMS124 HPV on Jan 1 four years back", "CMS124", chart(woman("1980-05-05"), labObs("HPV Test", "2022-01-01", 1, "")), MeasureMet, "HPV"},
		{"CMS124 HPV the day before", "CMS124", chart(woman("1980-05-05"), labObs("HPV Test", "2021-12-31", 1, "")), MeasureNotMet, ""},
		{"CMS124 Pap with no value", "CMS124", chart(woman("1980-05-05"), with(pap("2026-02-01"), func(it *record.Item) { it.Value, it.HasValue = nil, false })), MeasureNotMet, ""},
		{"CMS124 a hysterectomy with no cervix left", "CMS124", chart(woman("1980-05-05"), proc("Hysterectomy with No Residual Cervix", "2010-01-01")), MeasureExcluded, "hysterectomy"},
		{"CMS124 absence of cervix", "CMS124", chart(woman("1980-05-05"), cond("Congenital or Acquired Absence of Cervix", "1990-01-01")), MeasureExcluded, "cervix"},
		{"CMS124 an annual wellness visit does not qualify", "CMS124", chart(woman("1980-05-05"), pap("2026-02-01"), visitOf(t, c, "CMS125", "Annual Wellness Visit", "2026-02-01")), MeasureMet, "counting today's visit"},
		// CMS122: ages 18-75 on Dec 31.
		{"CMS122 75 on Dec 31", "CMS122", chart(man("1951-01-01"), dmOld, a1c("2026-04-01", 7, "%")), MeasureMet, ""},
		{"CMS122 76 on Dec 31", "CMS122", chart(man("1950-12-31"), dmOld, a1c("2026-04-01", 7, "%")), MeasureOutside, "ages 18-75"},
		{"CMS122 18 on Dec 31", "CMS122", chart(man("2008-12-31"), dmOld, a1c("2026-04-01", 7, "%")), MeasureMet, ""},
		{"CMS122 17 on Dec 31", "CMS122", chart(man("2009-01-01"), dmOld, a1c("2026-04-01", 7, "%")), MeasureOutside, ""},
		{"CMS122 newest reading without a value", "CMS122", chart(man("1970-05-05"), dmOld, a1c("2026-02-01", 7, "%"), with(a1c("2026-04-01", 0, "%"), func(it *record.Item) { it.Value, it.HasValue = nil, false })), MeasureNotMet, "without a value"},
		{"CMS122 glucose management indicator above 9", "CMS122", chart(man("1970-05-05"), dmOld, obs(loinc, "97506-0", day("2026-04-01"), 9.5, "%")), MeasureNotMet, "poor control"},
		// CMS122 compares a Quantity with 9 '%': another unit or a value that is not a number is not poor control.
		{"CMS122 reading in mmol/mol", "CMS122", chart(man("1970-05-05"), dmOld, a1c("2026-04-01", 75, "mmol/mol")), MeasureMet, "mmol/mol"},
		{"CMS122 reading as text", "CMS122", chart(man("1970-05-05"), dmOld, with(a1c("2026-04-01", 0, "%"), func(it *record.Item) { it.Value, it.ValueText = nil, "see note" })), MeasureMet, "not a number"},
		{"CMS122 reading above 9 in %, unit coded only", "CMS122", chart(man("1970-05-05"), dmOld, with(a1c("2026-04-01", 9.5, ""), func(it *record.Item) { it.Value.Code = "%" })), MeasureNotMet, "poor control"},
		{"CMS122 reading above 9 with no unit", "CMS122", chart(man("1970-05-05"), dmOld, a1c("2026-04-01", 9.5, "")), MeasureNotMet, "poor control"},
		{"CMS122 preliminary reading does not count", "CMS122", chart(man("1970-05-05"), dmOld, withStatus(a1c("2026-04-01", 7, "%"), "preliminary")), MeasureNotMet, "no HbA1c"},
		// CMS131: last year's exam counts unless diabetic retinopathy's onset overlaps the year.
		{"CMS131 last year's exam, retinopathy begun Dec 31 last year", "CMS131", chart(man("1970-05-05"), dmVisit, eye("2025-06-01"), retinopathy("2025-12-31")), MeasureMet, "no retinopathy"},
		{"CMS131 last year's exam, retinopathy begun on the visit day", "CMS131", chart(man("1970-05-05"), dmVisit, eye("2025-06-01"), retinopathy("2026-11-24")), MeasureNotMet, "Diabetic Retinopathy"},
		{"CMS131 last year's exam, retinopathy onset period into the year", "CMS131", chart(man("1970-05-05"), dmVisit, eye("2025-06-01"), period(retinopathy("2025-06-01"), "2025-06-01", "2026-01-01")), MeasureNotMet, "Diabetic Retinopathy"},
		{"CMS131 last year's exam, retinopathy this year refuted", "CMS131", chart(man("1970-05-05"), dmVisit, eye("2025-06-01"), with(retinopathy("2026-02-01"), func(it *record.Item) { it.Verification = "refuted" })), MeasureMet, ""},
		{"CMS131 this year's exam with retinopathy this year", "CMS131", chart(man("1970-05-05"), dmVisit, eye("2026-01-01"), retinopathy("2026-02-01")), MeasureMet, ""},
		{"CMS131 exam not an exam result (preliminary)", "CMS131", chart(man("1970-05-05"), dmVisit, withStatus(eye("2026-01-01"), "preliminary")), MeasureNotMet, ""},
		{"CMS131 75 on Dec 31", "CMS131", chart(man("1951-01-01"), dmVisit, eye("2026-03-01")), MeasureMet, ""},
		{"CMS131 76 on Dec 31", "CMS131", chart(man("1950-12-31"), dmVisit, eye("2026-03-01")), MeasureOutside, "ages 18-75"},
		{"CMS131 18 on Dec 31", "CMS131", chart(man("2008-12-31"), dmVisit, eye("2026-03-01")), MeasureMet, ""},
		{"CMS131 17 on Dec 31", "CMS131", chart(man("2009-01-01"), dmVisit, eye("2026-03-01")), MeasureOutside, ""},
		// Sex is the us-core-sex extension where the chart has it (Patient.sex()), not gender.
		{"CMS125 us-core-sex female, gender male", "CMS125", chart(withSex(man("1970-05-05"), "female"), item("DiagnosticReport", loinc, "24606-6", day("2025-10-01"))), MeasureMet, ""},
		{"CMS124 us-core-sex male, gender female", "CMS124", chart(withSex(woman("1980-05-05"), "male"), pap("2026-02-01")), MeasureOutside, "female"},
		// An onset period overlapping the year counts as an onset in it (measures.md "onset overlaps").
		{"CMS131 diabetes onset period from December into January", "CMS131", chart(man("1970-05-05"), period(onList(item("Condition", icd10, "E11.9", day("2025-12-01")), "encounter-diagnosis"), "2025-12-01", "2026-01-15"), eye("2026-03-01")), MeasureMet, ""},
		{"CMS131 diabetes onset period ended Dec 31 last year", "CMS131", chart(man("1970-05-05"), period(onList(item("Condition", icd10, "E11.9", day("2025-12-01")), "encounter-diagnosis"), "2025-12-01", "2025-12-31"), eye("2026-03-01")), MeasureOutside, ""},
		{"CMS69 pregnancy onset period from December into January", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), period(pregnancy("2025-12-01"), "2025-12-01", "2026-01-10")), MeasureExcluded, "pregnancy"},
		// CMS951: ages 18-85 on Jan 1; diabetes begun before the year and not ended before it.
		{"CMS951 18 on Jan 1", "CMS951", chart(man("2008-01-01"), dmOld), MeasureNotMet, ""},
		{"CMS951 17 on Jan 1", "CMS951", chart(man("2008-01-02"), dmOld), MeasureOutside, "ages 18-85"},
		{"CMS951 diabetes begun Dec 31 last year", "CMS951", chart(man("1970-05-05"), item("Condition", icd10, "E11.9", day("2025-12-31"))), MeasureNotMet, ""},
		{"CMS951 diabetes ended Dec 31 last year", "CMS951", chart(man("1970-05-05"), with(item("Condition", icd10, "E11.9", day("2015-01-01")), func(it *record.Item) { it.Status, it.Abatement = "resolved", day("2025-12-31") })), MeasureOutside, "diabetes"},
		{"CMS951 diabetes ended Jan 1", "CMS951", chart(man("1970-05-05"), with(item("Condition", icd10, "E11.9", day("2015-01-01")), func(it *record.Item) { it.Status, it.Abatement = "resolved", day("2026-01-01") })), MeasureNotMet, ""},
		{"CMS951 refuted diabetes", "CMS951", chart(man("1970-05-05"), with(item("Condition", icd10, "E11.9", day("2015-01-01")), func(it *record.Item) { it.Verification = "refuted" })), MeasureOutside, ""},
		{"CMS951 unconfirmed diabetes", "CMS951", chart(man("1970-05-05"), with(item("Condition", icd10, "E11.9", day("2015-01-01")), func(it *record.Item) { it.Verification = "unconfirmed" })), MeasureNotMet, ""},
		// CMS951's uACR: a Quantity, or a code for "undetectable".
		{"CMS951 uACR as a number", "CMS951", chart(man("1970-05-05"), dmOld, egfr, labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 20, "mg/g")), MeasureMet, ""},
		{"CMS951 uACR undetectable", "CMS951", chart(man("1970-05-05"), dmOld, egfr, with(labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 0, ""), func(it *record.Item) {
			it.Value, it.ValueCodes = nil, []record.Coding{{System: sct, Code: "260415000"}}
		})), MeasureMet, ""},
		{"CMS951 uACR as text", "CMS951", chart(man("1970-05-05"), dmOld, egfr, with(labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 0, ""), func(it *record.Item) { it.Value, it.ValueText = nil, "see note" })), MeasureNotMet, "urine albumin"},
		{"CMS951 uACR coded other than undetectable", "CMS951", chart(man("1970-05-05"), dmOld, egfr, with(labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 0, ""), func(it *record.Item) { it.Value, it.ValueCodes = nil, []record.Coding{{System: sct, Code: "10828004"}} })), MeasureNotMet, ""},
		{"CMS951 albumin as text with a creatinine", "CMS951", chart(man("1970-05-05"), dmOld, egfr, with(labObs("Urine Albumin", "2026-02-01", 0, ""), func(it *record.Item) { it.Value, it.ValueText = nil, "trace" }), labObs("Urine Creatinine", "2026-02-02", 80, "mg/dL")), MeasureMet, "within 4 days"},
		// The albumin's effective within 4 days before the creatinine's start to 4 days after its end.
		{"CMS951 albumin 4 days before a creatinine period's start", "CMS951", chart(man("1970-05-05"), dmOld, egfr, period(labObs("Urine Creatinine", "2026-05-12", 80, "mg/dL"), "2026-05-10", "2026-05-12"), labObs("Urine Albumin", "2026-05-06", 20, "mg/L")), MeasureMet, "within 4 days"},
		{"CMS951 albumin period begun 5 days before the creatinine", "CMS951", chart(man("1970-05-05"), dmOld, egfr, labObs("Urine Creatinine", "2026-05-10", 80, "mg/dL"), period(labObs("Urine Albumin", "2026-05-07", 20, "mg/L"), "2026-05-05", "2026-05-07")), MeasureNotMet, ""},
		{"CMS951 CKD stage 5", "CMS951", chart(man("1970-05-05"), dmOld, cond("Chronic Kidney Disease, Stage 5", "2024-01-01")), MeasureExcluded, "kidney failure"},
		// CMS349: ages 15-65 on Jan 1.
		{"CMS349 15 on Jan 1", "CMS349", chart(man("2011-01-01"), obs(loinc, "75622-1", day("2026-02-01"), 0, "")), MeasureMet, ""},
		{"CMS349 14 on Jan 1", "CMS349", chart(man("2011-01-02"), obs(loinc, "75622-1", day("2026-02-01"), 0, "")), MeasureOutside, "ages 15-65"},
		{"CMS349 test at 66", "CMS349", chart(man("1960-01-02"), obs(loinc, "75622-1", day("2026-02-01"), 0, "")), MeasureNotMet, ""},
		{"CMS349 test at 65", "CMS349", chart(man("1960-01-02"), obs(loinc, "75622-1", day("2026-01-01"), 0, "")), MeasureMet, ""},
		{"CMS349 test with no value", "CMS349", chart(man("1980-05-05"), with(obs(loinc, "75622-1", day("2020-02-01"), 0, ""), func(it *record.Item) { it.Value, it.HasValue = nil, false })), MeasureNotMet, ""},
		{"CMS349 HIV begun before the year, abated since", "CMS349", chart(man("1980-05-05"), with(item("Condition", icd10, "B20", day("2019-01-01")), func(it *record.Item) { it.Status, it.Abatement = "resolved", day("2020-01-01") })), MeasureExcluded, "before the reporting year"},
		{"CMS349 HIV begun before the year, refuted", "CMS349", chart(man("1980-05-05"), with(item("Condition", icd10, "B20", day("2019-01-01")), func(it *record.Item) { it.Verification = "refuted" })), MeasureNotMet, ""},
		// CMS153: ages 16-24 on Dec 31.
		// CMS139: every visit type of the list qualifies.
		{"CMS139 an audiology visit on record", "CMS139", chart(man("1950-05-05"), visitOf(t, c, "CMS139", "Audiology Visit", "2026-02-01")), MeasureNotMet, ""},
		{"CMS139 falls screening without a value", "CMS139", chart(man("1950-05-05"), with(labObs("Falls Screening", "2026-01-01", 0, ""), func(it *record.Item) { it.Value, it.HasValue = nil, false })), MeasureMet, "fall risk"},
		{"CMS139 falls screening last year", "CMS139", chart(man("1950-05-05"), labObs("Falls Screening", "2025-12-31", 0, "")), MeasureNotMet, ""},
		{"CMS139 preliminary falls screening", "CMS139", chart(man("1950-05-05"), withStatus(labObs("Falls Screening", "2026-01-01", 0, ""), "preliminary")), MeasureNotMet, ""},
		// CMS69: age 18 at the visit.
		{"CMS69 18 on the visit day", "CMS69", chart(man("2008-11-24"), labObs("BMI", "2026-03-03", 22, "kg/m2")), MeasureMet, ""},
		{"CMS69 17 on the visit day", "CMS69", chart(man("2008-11-25"), labObs("BMI", "2026-03-03", 22, "kg/m2")), MeasureOutside, "18 and over"},
		{"CMS69 BMI of 0 is no reading", "CMS69", chart(man("1970-05-05"), labObs("BMI", "2026-03-03", 0, "kg/m2")), MeasureNotMet, "no BMI"},
		{"CMS69 BMI last year", "CMS69", chart(man("1970-05-05"), labObs("BMI", "2025-12-31", 22, "kg/m2")), MeasureNotMet, ""},
		{"CMS69 a normal and a high BMI", "CMS69", chart(man("1970-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), labObs("BMI", "2026-01-03", 27, "kg/m2")), MeasureNotMet, "no follow-up"},
		{"CMS69 BMI 18.4", "CMS69", chart(man("1970-05-05"), labObs("BMI", "2026-03-03", 18.4, "kg/m2")), MeasureNotMet, ""},
		// "During": the whole effective period in the window (CMS131, CMS951,
		// CMS139, CMS138, CMS69); elsewhere its end decides (CMS125, CMS130,
		// CMS124, CMS122, CMS153: latest(effective)).
		{"CMS139 falls screening period begun Dec 31 last year", "CMS139", chart(man("1950-05-05"), period(labObs("Falls Screening", "2026-01-01", 0, ""), "2025-12-31", "2026-01-01")), MeasureNotMet, ""},
		{"CMS139 falls screening period begun Jan 1", "CMS139", chart(man("1950-05-05"), period(labObs("Falls Screening", "2026-01-02", 0, ""), "2026-01-01", "2026-01-02")), MeasureMet, ""},
		{"CMS131 exam period begun Dec 31 two years back", "CMS131", chart(man("1970-05-05"), dmVisit, period(eye("2025-01-01"), "2024-12-31", "2025-01-01")), MeasureNotMet, ""},
		{"CMS131 exam period begun Jan 1 last year", "CMS131", chart(man("1970-05-05"), dmVisit, period(eye("2025-01-02"), "2025-01-01", "2025-01-02")), MeasureMet, ""},
		{"CMS69 BMI period begun Dec 31 last year", "CMS69", chart(man("1970-05-05"), period(labObs("BMI", "2026-01-01", 22, "kg/m2"), "2025-12-31", "2026-01-01")), MeasureNotMet, "no BMI"},
		{"CMS69 BMI period begun Jan 1", "CMS69", chart(man("1970-05-05"), period(labObs("BMI", "2026-01-01", 22, "kg/m2"), "2026-01-01", "2026-01-01")), MeasureMet, ""},
		{"CMS951 eGFR period begun Dec 31 last year", "CMS951", chart(man("1970-05-05"), dmOld, period(obs(loinc, "98979-8", day("2026-01-01"), 78, "mL/min"), "2025-12-31", "2026-01-01"), labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 20, "mg/g")), MeasureNotMet, "eGFR"},
		{"CMS951 eGFR period begun Jan 1", "CMS951", chart(man("1970-05-05"), dmOld, period(obs(loinc, "98979-8", day("2026-01-02"), 78, "mL/min"), "2026-01-01", "2026-01-02"), labObs("Urine Albumin Creatinine Ratio", "2026-02-01", 20, "mg/g")), MeasureMet, ""},
		{"CMS138 smoking status period begun Dec 31 last year", "CMS138", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), period(smoking("Tobacco Non User", "2026-01-01"), "2025-12-31", "2026-01-01")), MeasureNotMet, ""},
		{"CMS138 smoking status period begun Jan 1", "CMS138", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), period(smoking("Tobacco Non User", "2026-01-02"), "2026-01-01", "2026-01-02")), MeasureMet, ""},
		// The most recent smoking status is the one that started last.
		{"CMS138-3 latest status by start: non-user", "CMS138-3", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), period(smoking("Tobacco User", "2026-06-01"), "2026-02-01", "2026-06-01"), smoking("Tobacco Non User", "2026-03-01")), MeasureMet, "non-user"},
		{"CMS138-3 latest status by start: user", "CMS138-3", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), period(smoking("Tobacco Non User", "2026-06-01"), "2026-02-01", "2026-06-01"), smoking("Tobacco User", "2026-03-01")), MeasureNotMet, ""},
		{"CMS130 FOBT period begun Dec 31 last year, ended Jan 1", "CMS130", chart(man("1960-05-05"), period(labObs("Fecal Occult Blood Test (FOBT)", "2026-01-01", 1, ""), "2025-12-31", "2026-01-01")), MeasureMet, ""},
		// CMS22: 18 or older on Jan 1; hypertension begun on or before the visit day excludes it.
		{"CMS22 18 on Jan 1", "CMS22", chart(man("2008-01-01")), MeasureNotMet, ""},
		{"CMS22 17 on Jan 1", "CMS22", chart(man("2008-01-02")), MeasureOutside, "18 and over"},
		{"CMS22 hypertension begun on the visit day", "CMS22", chart(man("1970-05-05"), onList(item("Condition", icd10, "I10", day("2026-11-24")), "problem-list-item")), MeasureExcluded, "hypertension"},
		{"CMS22 refuted hypertension", "CMS22", chart(man("1970-05-05"), with(onList(item("Condition", icd10, "I10", day("2020-01-01")), "problem-list-item"), func(it *record.Item) { it.Verification = "refuted" })), MeasureNotMet, ""},
		{"CMS22 a visit from Dec 31 last year to Jan 1 is this year's", "CMS22", chart(man("1970-05-05"), bpVisit(t, c, "2025-12-31", "2026-01-01"), bpReading(day("2025-12-31"), 134, 70), bpReading(day("2026-11-24"), 118, 70)), MeasureNotMet, "2025-12-31: 134/70, first hypertensive reading"},
		{"CMS22 a visit from Dec 30 to Dec 31 last year is not", "CMS22", chart(man("1970-05-05"), bpVisit(t, c, "2025-12-30", "2025-12-31"), bpReading(day("2025-12-30"), 134, 70), bpReading(day("2026-11-24"), 118, 70)), MeasureMet, "each of its 1 visits"},
		// CMS138: tobacco counseling charted as a diagnosis (Z71.6), by its onset from Jul 1 last year.
		{"CMS138-2 Z71.6 begun Jul 1 last year", "CMS138-2", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco User", "2026-03-01"), item("Condition", icd10, "Z71.6", day("2025-07-01"))), MeasureMet, ""},
		{"CMS138-2 Z71.6 begun Jun 30 last year", "CMS138-2", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco User", "2026-03-01"), item("Condition", icd10, "Z71.6", day("2025-06-30"))), MeasureNotMet, ""},
		{"CMS138-2 Z71.6 refuted", "CMS138-2", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco User", "2026-03-01"), with(item("Condition", icd10, "Z71.6", day("2026-03-01")), func(it *record.Item) { it.Verification = "refuted" })), MeasureNotMet, ""},
		{"CMS138 one office visit on record, today.s the second", "CMS138", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco Non User", "2026-03-01")), MeasureMet, "one of its 2 qualifying visits"},
		{"CMS138 user: screened", "CMS138", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco User", "2026-03-01")), MeasureMet, ""},
		{"CMS138-3 user without cessation", "CMS138-3", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco User", "2026-03-01")), MeasureNotMet, ""},
		{"CMS138-2 non-user is outside population 2", "CMS138-2", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), smoking("Tobacco Non User", "2026-03-01")), MeasureOutside, ""},
		{"CMS138 smoking status amended (the measure reads final only)", "CMS138", chart(man("1970-05-05"), visitOf(t, c, "CMS138", "Office Visit", "2026-02-01"), withStatus(smoking("Tobacco Non User", "2026-03-01"), "amended")), MeasureNotMet, ""},
		// The problem list the measures read holds health concerns too (QI-Core ConditionProblemsHealthConcerns).
		{"CMS22 hypertension as a health concern", "CMS22", chart(man("1970-05-05"), onList(item("Condition", icd10, "I10", day("2020-01-01")), "health-concern")), MeasureExcluded, "hypertension"},
		{"CMS22 hypertension as a health concern from the day after", "CMS22", chart(man("1970-05-05"), onList(item("Condition", icd10, "I10", day("2026-11-25")), "health-concern")), MeasureNotMet, ""},
		{"CMS2 bipolar disorder as a health concern", "CMS2", chart(man("1970-05-05"), onList(cond("Bipolar Disorder", "2020-01-01"), "health-concern")), MeasureExcluded, "bipolar"},
		// CMS69 pregnancy: a diagnosis by its onset in the year, or the pregnancy status answered so.
		{"CMS69 pregnancy begun Jan 1", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), pregnancy("2026-01-01")), MeasureExcluded, "pregnancy"},
		{"CMS69 pregnancy begun Dec 31 last year", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), pregnancy("2025-12-31")), MeasureMet, ""},
		{"CMS69 pregnancy status answered pregnant", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), pregnancyStatus("77386006", "2026-01-01")), MeasureExcluded, "pregnancy status"},
		{"CMS69 pregnancy status answered pregnant last year", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), pregnancyStatus("77386006", "2025-12-31")), MeasureMet, ""},
		{"CMS69 pregnancy status answered not pregnant", "CMS69", chart(woman("1990-05-05"), labObs("BMI", "2026-03-03", 22, "kg/m2"), pregnancyStatus("60001007", "2026-03-01")), MeasureMet, ""},
		// Period effective: the measures read its end (latest(effective)).
		{"CMS125 mammogram period ending Oct 1 two years back", "CMS125", chart(woman("1970-05-05"), imaging(period(item("Observation", loinc, "24606-6", day("2024-10-01")), "2024-09-30", "2024-10-01"))), MeasureMet, ""},
		{"CMS125 mammogram report with no category", "CMS125", chart(woman("1970-05-05"), item("DiagnosticReport", loinc, "24606-6", day("2025-10-01"))), MeasureMet, ""},
		{"CMS125 mammogram Observation charted as a lab result", "CMS125", chart(woman("1970-05-05"), with(item("Observation", loinc, "24606-6", day("2025-10-01")), func(it *record.Item) { it.Category = []record.Coding{{Code: "laboratory"}} })), MeasureNotMet, "no mammogram"},
		{"CMS125 mammogram Observation, an imaging result", "CMS125", chart(woman("1970-05-05"), imaging(item("Observation", loinc, "24606-6", day("2025-10-01")))), MeasureMet, "mammogram"},
		{"CMS131 eye exam not an exam result", "CMS131", chart(man("1970-05-05"), dmVisit, with(eye("2026-03-01"), func(it *record.Item) { it.Category = nil })), MeasureNotMet, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, tc.measure)
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("%s: %s (%s), want %s with %q", tc.measure, l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}

// Which encounters are a measure's qualifying visit (measures.md's lists,
// with their direct codes): with one on record, today's visit does not
// have to stand in.
func TestMeasureAuditVisits(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	enc := func(system, code, on string) record.Item {
		return with(item("Encounter", system, code, day(on)), func(it *record.Item) { it.Status = "finished" })
	}
	const hcpcs = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	dm := onList(item("Condition", icd10, "E11.9", day("2015-03-01")), "encounter-diagnosis")
	a1c := obs(loinc, "4548-4", day("2026-04-01"), 7, "%")
	diabetic := func(v record.Item) record.Record { return chart(person("male", day("1970-05-05")), dm, a1c, v) }
	cases := []struct {
		name, measure string
		rec           record.Record
		qualifies     bool
	}{
		{"CMS122 medical nutrition therapy CPT 97802", "CMS122", diabetic(enc(cpt, "97802", "2026-03-01")), true},
		{"CMS122 medical nutrition therapy CPT 97804", "CMS122", diabetic(enc(cpt, "97804", "2026-03-01")), true},
		{"CMS122 medical nutrition therapy HCPCS G0270", "CMS122", diabetic(enc(hcpcs, "G0270", "2026-03-01")), true},
		{"CMS122 medical nutrition therapy HCPCS G0271", "CMS122", diabetic(enc(hcpcs, "G0271", "2026-03-01")), true},
		{"CMS122 nutrition therapy last year", "CMS122", diabetic(enc(cpt, "97802", "2025-12-31")), false},
		{"CMS122 nutrition therapy not finished", "CMS122", diabetic(with(enc(cpt, "97802", "2026-03-01"), func(it *record.Item) { it.Status = "in-progress" })), false},
		{"CMS131 nutrition therapy is not its visit", "CMS131", chart(person("male", day("1970-05-05")), onList(item("Condition", icd10, "E11.9", day("2026-02-01")), "encounter-diagnosis"), enc(cpt, "97802", "2026-03-01")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, tc.measure)
			if stands := strings.Contains(l.Reason, "counting today's visit"); stands == tc.qualifies || l.Status == MeasureOutside {
				t.Fatalf("%s: %s (%s): the visit on record qualifies %v, want %v", tc.measure, l.Status, l.Reason, !stands, tc.qualifies)
			}
		})
	}
}

// CMS153's sexual-activity indicators as measures.md lists them: the
// assessment answered Yes on or before the year's end, a diagnosis whose
// onset is in the year, and lab or study orders placed (active) or done
// in the year.
func TestMeasureAuditChlamydiaIndicators(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	woman := func(birth string) record.Patient { return person("female", day(birth)) }
	assessment := func(answer, on string) record.Item {
		return with(item("Observation", loinc, "64728-9", day(on)), func(it *record.Item) {
			it.Category = []record.Coding{{Code: "survey"}}
			it.ValueCodes = []record.Coding{{System: sct, Code: answer}}
		})
	}
	const yes, no = "373066001", "373067005"
	order := func(group, on, status string) record.Item {
		sys, code := groupCode(t, c, group)
		return with(item("ServiceRequest", sys, code, day(on)), func(it *record.Item) { it.Status, it.Intent = status, "order" })
	}
	dx := func(on string) record.Item {
		sys, code := groupCode(t, c, "Diagnoses Used to Indicate Sexual Activity")
		return onList(item("Condition", sys, code, day(on)), "encounter-diagnosis")
	}
	cases := []struct {
		name string
		rec  record.Record
		want MeasureStatus
	}{
		{"16 on Dec 31", chart(woman("2010-12-31"), dx("2026-02-01")), MeasureNotMet},
		{"15 on Dec 31", chart(woman("2011-01-01"), dx("2026-02-01")), MeasureOutside},
		{"24 on Dec 31", chart(woman("2002-01-01"), dx("2026-02-01")), MeasureNotMet},
		{"25 on Dec 31", chart(woman("2001-12-31"), dx("2026-02-01")), MeasureOutside},
		{"assessment answered yes years ago", chart(woman("2006-05-05"), assessment(yes, "2023-04-01")), MeasureNotMet},
		{"assessment answered no", chart(woman("2006-05-05"), assessment(no, "2026-04-01")), MeasureOutside},
		{"yes answered to another question", chart(woman("2006-05-05"), with(assessment(yes, "2026-04-01"), func(it *record.Item) { it.Codes[0].Code = "72166-2" })), MeasureOutside},
		{"diagnosis with onset on Jan 1", chart(woman("2006-05-05"), dx("2026-01-01")), MeasureNotMet},
		// By its onset in the year (measures.md; the CQL's onset.toInterval()
		// overlaps the measurement period), not by lasting into it.
		{"diagnosis with onset Dec 31 last year, still active", chart(woman("2006-05-05"), dx("2025-12-31")), MeasureOutside},
		{"diagnosis with an onset period from December into January", chart(woman("2006-05-05"), with(dx("2025-12-01"), func(it *record.Item) { it.Period = record.Period{Start: day("2025-12-01"), End: day("2026-01-10")} })), MeasureNotMet},
		{"diagnosis with onset on the visit day", chart(woman("2006-05-05"), dx("2026-11-24")), MeasureNotMet},
		{"STI lab order placed (active) this year", chart(woman("2006-05-05"), order("Lab Tests for Sexually Transmitted Infections", "2026-03-01", "active")), MeasureNotMet},
		{"STI lab order revoked", chart(woman("2006-05-05"), order("Lab Tests for Sexually Transmitted Infections", "2026-03-01", "revoked")), MeasureOutside},
		{"pregnancy test placed (active), then an X-ray: excluded", chart(woman("2006-05-05"), order("Pregnancy Test", "2026-03-01", "active"), order("XRay Study", "2026-03-02", "completed")), MeasureExcluded},
		{"pregnancy test placed (active) alone counts her", chart(woman("2006-05-05"), order("Pregnancy Test", "2026-03-01", "active")), MeasureNotMet},
		{"study during pregnancy placed", chart(woman("2006-05-05"), order("Diagnostic Studies During Pregnancy", "2026-03-01", "active")), MeasureNotMet},
		{"STI lab order done this year", chart(woman("2006-05-05"), order("Lab Tests for Sexually Transmitted Infections", "2026-03-01", "completed")), MeasureNotMet},
		{"STI lab order last year", chart(woman("2006-05-05"), order("Lab Tests for Sexually Transmitted Infections", "2025-12-31", "completed")), MeasureOutside},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, "CMS153")
			if l.Status != tc.want {
				t.Fatalf("CMS153: %s (%s), want %s", l.Status, l.Reason, tc.want)
			}
		})
	}
}

// CMS349's HIV test is dated by the start of its effective period, the
// age is taken then, and it must start before the year's last day.
func TestMeasureAuditHIVTestDate(t *testing.T) {
	c := Default()
	man := person("male", day("1990-06-01"))
	test := func(from, to string) record.Item {
		it := obs(loinc, "75622-1", day(to), 0, "")
		if from != "" {
			it.Period = record.Period{Start: day(from), End: day(to)}
		}
		return it
	}
	cases := []struct {
		name, visit string
		test        record.Item
		want        MeasureStatus
	}{
		{"period begun the day before the 15th birthday", "2026-11-24", test("2005-05-31", "2005-06-01"), MeasureNotMet},
		{"period begun on the 15th birthday", "2026-11-24", test("2005-06-01", "2005-06-02"), MeasureMet},
		{"on Dec 30, seen Dec 31", "2026-12-31", test("", "2026-12-30"), MeasureMet},
		{"on Dec 31 itself", "2026-12-31", test("", "2026-12-31"), MeasureNotMet},
		{"period begun Dec 30, ended Dec 31", "2026-12-31", test("2026-12-30", "2026-12-31"), MeasureMet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, chart(man, tc.test), day(tc.visit), "CMS349")
			if l.Status != tc.want {
				t.Fatalf("CMS349: %s (%s), want %s", l.Status, l.Reason, tc.want)
			}
		})
	}
}
