package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// measureLine evaluates the guideline and the measure view and returns the
// measure's line.
func measureLine(t *testing.T, c *Catalogue, rec record.Record, on time.Time, id string) MeasureLine {
	t.Helper()
	for _, l := range EvaluateMeasures(rec, c, on, Evaluate(rec, c, on)) {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("no measure line for %s", id)
	return MeasureLine{}
}

// partCode returns a code of a measure part's first evidence group (or of
// the named group), as a chart would carry it.
func partCode(t *testing.T, c *Catalogue, measure, part, group string) (string, string) {
	t.Helper()
	for _, m := range c.Measures {
		if m.ID != measure {
			continue
		}
		for _, p := range m.Numerator {
			if p.ID != part {
				continue
			}
			gs := append(append([]*Group{}, p.Evidence...), p.FollowUp...)
			if p.Pair != nil {
				gs = append(append(gs, p.Pair.First...), p.Pair.Second...)
			}
			for _, g := range gs {
				if group == "" || g.Name == group {
					return firstCode(g)
				}
			}
		}
	}
	t.Fatalf("%s part %s group %q not found", measure, part, group)
	return "", ""
}

// onList puts a condition on one list: problem-list-item or encounter-diagnosis.
func onList(it record.Item, category string) record.Item {
	it.Category = []record.Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-category", Code: category}}
	return it
}

func obs(system, code string, on time.Time, value float64, unit string) record.Item {
	return with(item("Observation", system, code, on), func(it *record.Item) {
		it.Value = &record.Quantity{Value: value, Unit: unit, Code: unit}
	})
}

// Each measure's rules at their boundary days, as measures.md states them
// for the 2026 reporting year (visit 2026-11-24).
func TestMeasureBoundaries(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	woman := func(birth string) record.Patient { return person("female", day(birth)) }
	man := func(birth string) record.Patient { return person("male", day(birth)) }
	mg := func(on string) record.Item { return item("DiagnosticReport", loinc, "24606-6", day(on)) }
	colo := func(on string) record.Item { return item("Procedure", cpt, "45378", day(on)) }
	fobtSys, fobtCode := partCode(t, c, "CMS130", "fobt", "")
	papSys, papCode := partCode(t, c, "CMS124", "cytology", "")
	hpvSys, hpvCode := partCode(t, c, "CMS124", "hpv", "")
	dm := item("Condition", icd10, "E11.9", day("2015-03-01"))
	// CMS122 and CMS131 count diabetes only as an encounter diagnosis.
	dmVisit := onList(item("Condition", icd10, "E11.9", day("2026-02-10")), "encounter-diagnosis")
	a1c := func(on string, v float64) record.Item { return obs(loinc, "4548-4", day(on), v, "%") }
	egfr := obs(loinc, "98979-8", day("2026-05-10"), 78, "mL/min/{1.73_m2}")
	albSys, albCode := partCode(t, c, "CMS951", "urine_albumin", "Urine Albumin")
	creSys, creCode := partCode(t, c, "CMS951", "urine_albumin", "Urine Creatinine")
	eyeSys, eyeCode := partCode(t, c, "CMS131", "retinal_exam_two_years", "")
	eye := func(on string) record.Item {
		return with(item("Observation", eyeSys, eyeCode, day(on)), func(it *record.Item) {
			it.Category = []record.Coding{{Code: "exam"}}
		})
	}
	hiv := func(on string) record.Item { return obs(loinc, "75622-1", day(on), 0, "") }
	hivDx := func(on string) record.Item { return item("Condition", icd10, "B20", day(on)) }
	bmi := func(v float64) record.Item { return obs(loinc, "39156-5", day("2026-03-03"), v, "kg/m2") }
	fuSys, fuCode := partCode(t, c, "CMS69", "bmi", "Follow Up for Above Normal BMI")
	owSys, owCode := partCode(t, c, "CMS69", "bmi", "Overweight or Obese")
	overweight := func(it record.Item) record.Item {
		it.Reasons = []record.Coding{{System: owSys, Code: owCode}}
		return it
	}
	hospice := item("Encounter", sct, "183919006", day("2026-02-01"))
	hospice.Status = "finished"
	hospiceLastYear := item("Encounter", sct, "183919006", day("2025-12-31"))
	hospiceLastYear.Status = "finished"
	office := with(item("Encounter", sct, "185349003", day("2026-02-10")), func(it *record.Item) { it.Status = "finished" })

	cases := []struct {
		name, measure string
		rec           record.Record
		want          MeasureStatus
		reason        string // a phrase the reason must hold
	}{
		// CMS125: 42-74 on 2026-12-31; mammogram from 2024-10-01.
		{"CMS125 turns 42 on Dec 31", "CMS125", chart(woman("1984-12-31"), mg("2025-03-01")), MeasureMet, "since 2024-10-01"},
		{"CMS125 41 on Dec 31", "CMS125", chart(woman("1985-01-01"), mg("2025-03-01")), MeasureOutside, "ages 42-74"},
		{"CMS125 74 on Dec 31", "CMS125", chart(woman("1952-01-01"), mg("2025-03-01")), MeasureMet, ""},
		{"CMS125 75 on Dec 31", "CMS125", chart(woman("1951-12-31"), mg("2025-03-01")), MeasureOutside, ""},
		{"CMS125 mammogram on Oct 1 two years back", "CMS125", chart(woman("1970-05-05"), mg("2024-10-01")), MeasureMet, "2024-10-01"},
		{"CMS125 mammogram the day before", "CMS125", chart(woman("1970-05-05"), mg("2024-09-30")), MeasureNotMet, "no mammogram since 2024-10-01"},
		{"CMS125 a man", "CMS125", chart(man("1970-05-05"), mg("2025-03-01")), MeasureOutside, "female"},
		{"CMS125 hospice this year", "CMS125", chart(woman("1970-05-05"), hospice), MeasureExcluded, "hospice"},
		{"CMS125 hospice last year only", "CMS125", chart(woman("1970-05-05"), hospiceLastYear), MeasureNotMet, ""},
		// CMS130: 46-75 on Dec 31; colonoscopy from 2017-01-01, FOBT in 2026 with a value.
		{"CMS130 colonoscopy on Jan 1 nine years back", "CMS130", chart(man("1960-05-05"), colo("2017-01-01")), MeasureMet, "colonoscopy"},
		{"CMS130 colonoscopy the day before", "CMS130", chart(man("1960-05-05"), colo("2016-12-31")), MeasureNotMet, ""},
		{"CMS130 FOBT on Jan 1", "CMS130", chart(man("1960-05-05"), obs(fobtSys, fobtCode, day("2026-01-01"), 1, "")), MeasureMet, ""},
		{"CMS130 FOBT on Dec 31 last year", "CMS130", chart(man("1960-05-05"), obs(fobtSys, fobtCode, day("2025-12-31"), 1, "")), MeasureNotMet, ""},
		{"CMS130 FOBT appended", "CMS130", chart(man("1960-05-05"), withStatus(obs(fobtSys, fobtCode, day("2026-01-01"), 1, ""), "appended")), MeasureNotMet, ""},
		{"CMS130 FOBT corrected", "CMS130", chart(man("1960-05-05"), withStatus(obs(fobtSys, fobtCode, day("2026-01-01"), 1, ""), "corrected")), MeasureMet, ""},
		{"CMS130 FOBT with no value", "CMS130", chart(man("1960-05-05"), with(item("Observation", fobtSys, fobtCode, day("2026-03-01")), func(it *record.Item) { it.HasValue = false })), MeasureNotMet, ""},
		{"CMS130 45 on Dec 31", "CMS130", chart(man("1981-01-01"), colo("2020-01-01")), MeasureOutside, "ages 46-75"},
		// CMS124: Pap from 2024-01-01; HPV from 2022-01-01 at 30 or older on the test date.
		{"CMS124 Pap on Jan 1 two years back", "CMS124", chart(woman("1980-05-05"), obs(papSys, papCode, day("2024-01-01"), 1, "")), MeasureMet, ""},
		{"CMS124 Pap the day before", "CMS124", chart(woman("1980-05-05"), obs(papSys, papCode, day("2023-12-31"), 1, "")), MeasureNotMet, ""},
		{"CMS124 HPV on the 30th birthday", "CMS124", chart(woman("1993-06-01"), obs(hpvSys, hpvCode, day("2023-06-01"), 1, "")), MeasureMet, "HPV"},
		{"CMS124 HPV the day before the 30th birthday", "CMS124", chart(woman("1993-06-01"), obs(hpvSys, hpvCode, day("2023-05-31"), 1, "")), MeasureNotMet, ""},
		// CMS122 (inverse): newest 2026 reading, lowest of its day, above 9 % is poor control.
		{"CMS122 9.0 %", "CMS122", chart(man("1970-05-05"), dm, dmVisit, a1c("2026-04-01", 9.0)), MeasureMet, "not above 9"},
		{"CMS122 9.1 %", "CMS122", chart(man("1970-05-05"), dm, dmVisit, a1c("2026-04-01", 9.1)), MeasureNotMet, "poor control"},
		{"CMS122 lowest of the newest day", "CMS122", chart(man("1970-05-05"), dm, dmVisit, a1c("2026-04-01", 9.8), a1c("2026-04-01", 8.2)), MeasureMet, "8.2"},
		{"CMS122 newest day decides", "CMS122", chart(man("1970-05-05"), dm, dmVisit, a1c("2026-02-01", 7), a1c("2026-04-01", 9.8)), MeasureNotMet, "9.8"},
		{"CMS122 only last year's test", "CMS122", chart(man("1970-05-05"), dm, dmVisit, a1c("2025-12-31", 7)), MeasureNotMet, "no HbA1c since 2026-01-01"},
		{"CMS122 no diabetes", "CMS122", chart(man("1970-05-05"), a1c("2026-04-01", 7)), MeasureOutside, "diabetes"},
		{"CMS122 diabetes on the problem list only", "CMS122", chart(man("1970-05-05"), onList(dm, "problem-list-item"), a1c("2026-04-01", 7)), MeasureOutside, "encounter diagnosis"},
		{"CMS122 encounter diagnosis of 2024, still active", "CMS122", chart(man("1970-05-05"), onList(item("Condition", icd10, "E11.9", day("2024-05-01")), "encounter-diagnosis"), a1c("2026-04-01", 7)), MeasureMet, ""},
		{"CMS122 encounter diagnosis abated Dec 31 last year", "CMS122", chart(man("1970-05-05"), with(onList(item("Condition", icd10, "E11.9", day("2024-05-01")), "encounter-diagnosis"), func(it *record.Item) { it.Status, it.Abatement = "resolved", day("2025-12-31") }), a1c("2026-04-01", 7)), MeasureOutside, ""},
		{"CMS131 diabetes on the problem list only", "CMS131", chart(man("1970-05-05"), onList(dm, "problem-list-item"), eye("2026-01-01")), MeasureOutside, "encounter diagnosis"},
		{"CMS131 encounter diagnosis on Jan 1", "CMS131", chart(man("1970-05-05"), onList(item("Condition", icd10, "E11.9", day("2026-01-01")), "encounter-diagnosis"), eye("2026-01-01")), MeasureMet, ""},
		{"CMS131 encounter diagnosis on Dec 31 last year", "CMS131", chart(man("1970-05-05"), onList(item("Condition", icd10, "E11.9", day("2025-12-31")), "encounter-diagnosis"), eye("2026-01-01")), MeasureOutside, ""},
		{"CMS22 hypertension on the problem list", "CMS22", chart(man("1970-05-05"), onList(item("Condition", icd10, "I10", day("2020-01-01")), "problem-list-item")), MeasureExcluded, "hypertension"},
		{"CMS22 hypertension as an encounter diagnosis only", "CMS22", chart(man("1970-05-05"), onList(item("Condition", icd10, "I10", day("2020-01-01")), "encounter-diagnosis")), MeasureNotMet, ""},
		{"CMS951 diabetes on the problem list", "CMS951", chart(man("1970-05-05"), onList(dm, "problem-list-item")), MeasureNotMet, ""},
		{"CMS951 diabetes as an encounter diagnosis", "CMS951", chart(man("1970-05-05"), onList(dm, "encounter-diagnosis")), MeasureNotMet, ""},
		// CMS951: eGFR and urine albumin; albumin + creatinine within 4 days.
		{"CMS951 albumin 4 days after creatinine", "CMS951", chart(man("1970-05-05"), dm, egfr, obs(creSys, creCode, day("2026-05-10"), 80, "mg/dL"), obs(albSys, albCode, day("2026-05-14"), 20, "mg/L")), MeasureMet, "within 4 days"},
		{"CMS951 albumin 5 days after creatinine", "CMS951", chart(man("1970-05-05"), dm, egfr, obs(creSys, creCode, day("2026-05-10"), 80, "mg/dL"), obs(albSys, albCode, day("2026-05-15"), 20, "mg/L")), MeasureNotMet, "urine albumin"},
		{"CMS951 albumin 4 days before creatinine", "CMS951", chart(man("1970-05-05"), dm, egfr, obs(creSys, creCode, day("2026-05-10"), 80, "mg/dL"), obs(albSys, albCode, day("2026-05-06"), 20, "mg/L")), MeasureMet, ""},
		{"CMS951 diabetes begun in 2026", "CMS951", chart(man("1970-05-05"), item("Condition", icd10, "E11.9", day("2026-01-01")), egfr), MeasureOutside, "diabetes"},
		{"CMS951 85 on Jan 1", "CMS951", chart(man("1940-01-02"), dm), MeasureNotMet, ""},
		{"CMS951 86 on Jan 1", "CMS951", chart(man("1940-01-01"), dm), MeasureOutside, ""},
		// CMS131: an exam in 2025 counts without retinopathy.
		{"CMS131 exam on Jan 1 last year", "CMS131", chart(man("1970-05-05"), dm, dmVisit, eye("2025-01-01")), MeasureMet, ""},
		{"CMS131 exam the day before", "CMS131", chart(man("1970-05-05"), dm, dmVisit, eye("2024-12-31")), MeasureNotMet, ""},
		{"CMS131 last year's exam with retinopathy begun this year", "CMS131", chart(man("1970-05-05"), dm, dmVisit, eye("2025-06-01"), item("Condition", icd10, "E11.319", day("2026-01-01"))), MeasureNotMet, "Diabetic Retinopathy"},
		// CMS349: 15-65 on Jan 1; an HIV diagnosis before the year excludes, one during it does not.
		{"CMS349 HIV diagnosed Dec 31 last year", "CMS349", chart(man("1980-05-05"), hivDx("2025-12-31")), MeasureExcluded, "before the reporting year"},
		{"CMS349 HIV diagnosed Jan 1", "CMS349", chart(man("1980-05-05"), hivDx("2026-01-01")), MeasureNotMet, ""},
		{"CMS349 65 on Jan 1", "CMS349", chart(man("1960-01-02"), hiv("2000-01-01")), MeasureMet, ""},
		{"CMS349 66 on Jan 1", "CMS349", chart(man("1960-01-01"), hiv("2000-01-01")), MeasureOutside, "ages 15-65"},
		{"CMS349 test at 14", "CMS349", chart(man("1990-06-01"), hiv("2005-05-31")), MeasureNotMet, ""},
		{"CMS349 test on the 15th birthday", "CMS349", chart(man("1990-06-01"), hiv("2005-06-01")), MeasureMet, ""},
		// CMS69: BMI 18.5 to under 25 is normal; out of range needs a follow-up in the year.
		{"CMS69 BMI 24.9", "CMS69", chart(man("1970-05-05"), bmi(24.9)), MeasureMet, "normal range"},
		{"CMS69 BMI 25", "CMS69", chart(man("1970-05-05"), bmi(25)), MeasureNotMet, "no follow-up"},
		{"CMS69 BMI 18.5", "CMS69", chart(man("1970-05-05"), bmi(18.5)), MeasureMet, ""},
		{"CMS69 BMI 25 with a follow-up", "CMS69", chart(man("1970-05-05"), bmi(25), overweight(item("Procedure", fuSys, fuCode, day("2026-03-03")))), MeasureMet, "follow-up"},
		{"CMS69 BMI 25 with a follow-up ordered, still open", "CMS69", chart(man("1970-05-05"), bmi(25), overweight(with(item("ServiceRequest", fuSys, fuCode, day("2026-03-03")), func(it *record.Item) { it.Status, it.Intent = "active", "order" }))), MeasureMet, "order placed"},
		// CMS139: 65 or older on Jan 1.
		{"CMS139 65 on Jan 1", "CMS139", chart(man("1961-01-01")), MeasureNotMet, ""},
		{"CMS139 64 on Jan 1", "CMS139", chart(man("1961-01-02")), MeasureOutside, "65 and over"},
		// A qualifying visit on record; without one, today's visit stands in and the line says so.
		{"CMS130 office visit on record", "CMS130", chart(man("1960-05-05"), colo("2020-01-01"), office), MeasureMet, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, tc.measure)
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("%s: %s (%s), want %s with %q", tc.measure, l.Status, l.Reason, tc.want, tc.reason)
			}
			if l.Year != 2026 || l.Screening == "" {
				t.Fatalf("line %+v", l)
			}
			visitNote := strings.Contains(l.Reason, "counting today's visit")
			if l.Status == MeasureMet || l.Status == MeasureNotMet {
				if hasOffice := len(tc.rec.Items) > 0 && tc.rec.Items[len(tc.rec.Items)-1].ID == office.ID; visitNote == hasOffice {
					t.Fatalf("visit note %v with an office visit on record %v: %s", visitNote, hasOffice, l.Reason)
				}
			}
		})
	}
}

// The guideline stays the headline; where the measure counts the patient
// differently the line says why, in words.
func TestMeasureDiffers(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	// 41 on Dec 31: the guideline screens from 40, CMS125 from 42.
	young := chart(person("female", day("1985-03-01")))
	l := measureLine(t, c, young, vd, "CMS125")
	if l.Status != MeasureOutside || !strings.Contains(l.Differs, "from 40") {
		t.Fatalf("%s: %q", l.Status, l.Differs)
	}
	// An HbA1c of 7 % in April: due again by the 6-month guideline
	// interval, met for CMS122's 2026.
	rec := chart(person("male", day("1970-03-01")), onList(item("Condition", icd10, "E11.9", day("2015-01-01")), "encounter-diagnosis"), obs(loinc, "4548-4", day("2026-04-01"), 7, "%"))
	if r := result(t, c, rec, vd, "diabetes_a1c"); r.Status != Due || r.Measure != "CMS122" {
		t.Fatalf("guideline %s, measure %q", r.Status, r.Measure)
	}
	l = measureLine(t, c, rec, vd, "CMS122")
	if l.Status != MeasureMet || !strings.Contains(l.Differs, "due by the guideline") {
		t.Fatalf("%s: %q", l.Status, l.Differs)
	}
	// Agreement: nothing to explain.
	rec = chart(person("female", day("1970-03-01")), item("DiagnosticReport", loinc, "24606-6", day("2026-01-15")))
	if l = measureLine(t, c, rec, vd, "CMS125"); l.Status != MeasureMet || l.Differs != "" {
		t.Fatalf("%s: %q", l.Status, l.Differs)
	}
}

// Every measures.md measure is in the default catalogue, named by its
// screening's results.
func TestMeasuresNamed(t *testing.T) {
	c := Default()
	want := []string{"CMS125", "CMS130", "CMS124", "CMS122", "CMS131", "CMS951", "CMS349", "CMS153", "CMS139", "CMS138", "CMS2", "CMS22", "CMS69"}
	for _, id := range want {
		found := false
		for _, m := range c.Measures {
			if m.ID == id {
				found = true
				if s := c.Find(m.Screening); s == nil || !strings.Contains(s.measure, id) || m.Differs == "" {
					t.Errorf("%s: screening %q does not name it, or no differs text", id, m.Screening)
				}
			}
		}
		if !found {
			t.Errorf("measure %s missing", id)
		}
	}
}
