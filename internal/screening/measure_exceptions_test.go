package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// The measures' exceptions and CMS69's follow-up reasons (measures.md):
// an exception applies only to a patient the numerator does not count,
// and shows as excluded with its record.

// CMS349: the patient died on or before the end of the reporting year.
func TestMeasureHIVDeceasedException(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	office := with(item("Encounter", sct, "185349003", day("2026-02-10")), func(it *record.Item) { it.Status = "finished" })
	hivTest := obs(loinc, "75622-1", day("2024-05-05"), 0, "")
	died := func(on string) record.Patient {
		p := person("male", day("1980-05-05"))
		p.Deceased = true
		if on != "" {
			p.DeceasedDate = day(on)
		}
		return p
	}
	checkMeasure(t, c, vd, "CMS349", []measureCase{
		{"alive, no test", chart(person("male", day("1980-05-05")), office), MeasureNotMet, "no HIV test"},
		{"died on the year's last day", chart(died("2026-12-31"), office), MeasureExcluded, "excepted from CMS349 in 2026: no HIV test at 15-65 on record; the patient died on 2026-12-31"},
		{"died on the first day of the year", chart(died("2026-01-01"), office), MeasureExcluded, "the patient died on 2026-01-01"},
		{"died the day after the year", chart(died("2027-01-01"), office), MeasureNotMet, "no HIV test"},
		{"deceased with no date", chart(died(""), office), MeasureNotMet, "the chart says the patient died but not when"},
		{"died, but tested: met stays met", chart(died("2026-06-01"), office, hivTest), MeasureMet, "HIV test"},
	})
}

// CMS22: a blood pressure not done, a cancelled Observation for 85354-9,
// 8480-6 or 8462-4 issued during the visit with a Patient Declined or
// Medical Reason reason, excepts a visit with no reading.
func TestMeasureBloodPressureNotDone(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	adult := person("male", day("1970-05-05"))
	mrSys, mrCode := measureGroupCode(t, c, "CMS22", "Medical Reason")
	pdSys, pdCode := measureGroupCode(t, c, "CMS22", "Patient Declined")
	notDone := func(code, issued, reasonSys, reasonCode string) record.Item {
		return with(item("Observation", loinc, code, day(issued)), func(it *record.Item) {
			it.Status, it.Issued = "cancelled", day(issued)
			it.Reasons = []record.Coding{{System: reasonSys, Code: reasonCode, Display: "a reason"}}
		})
	}
	checkMeasure(t, c, vd, "CMS22", []measureCase{
		{"no reading, nothing said", chart(adult), MeasureNotMet, "no blood pressure reading at today's visit"},
		{"panel not done, medical reason", chart(adult, notDone("85354-9", "2026-11-24", mrSys, mrCode)), MeasureExcluded, "the blood pressure was not taken: display of 85354-9, for a reason (2026-11-24)"},
		{"systolic not done, patient declined", chart(adult, notDone("8480-6", "2026-11-24", pdSys, pdCode)), MeasureExcluded, "not taken"},
		{"diastolic not done, medical reason", chart(adult, notDone("8462-4", "2026-11-24", mrSys, mrCode)), MeasureExcluded, "not taken"},
		{"issued the day before the visit", chart(adult, notDone("85354-9", "2026-11-23", mrSys, mrCode)), MeasureNotMet, "no blood pressure reading"},
		{"a reason outside both value sets", chart(adult, notDone("85354-9", "2026-11-24", sct, "22298006")), MeasureNotMet, "no blood pressure reading"},
		{"another vital not done", chart(adult, notDone("39156-5", "2026-11-24", mrSys, mrCode)), MeasureNotMet, "no blood pressure reading"},
		{"not cancelled: a reading without values", chart(adult, withStatus(notDone("85354-9", "2026-11-24", mrSys, mrCode), "final")), MeasureNotMet, "lacks a systolic and diastolic value"},
		{"a reading that day: no exception", chart(adult, bpReading(day("2026-11-24"), 118, 70), notDone("85354-9", "2026-11-24", mrSys, mrCode)), MeasureMet, "each of its 1 visits"},
	})
}

// CMS69: a follow-up counts for its own side of the range with its
// reason (reasonCode, or the Condition on record by then); a completed
// do-not-perform follow-up order for a medical reason, or a BMI declined
// or not taken for a medical reason, on a qualifying visit's day is the
// exception.
func TestMeasureBMIFollowUpReasonsAndExceptions(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	adult := person("male", day("1970-05-05"))
	code := func(g string) (string, string) { return partCode(t, c, "CMS69", "bmi", g) }
	bmi := func(v float64) record.Item { return obs(loinc, "39156-5", day("2026-03-03"), v, "kg/m2") }
	reasoned := func(it record.Item, g string) record.Item {
		s, k := code(g)
		it.Reasons = []record.Coding{{System: s, Code: k, Display: "a reason"}}
		return it
	}
	order := func(g, on string) record.Item {
		s, k := code(g)
		typ := "ServiceRequest"
		if strings.HasPrefix(g, "Medications") {
			typ = "MedicationRequest"
		}
		return with(item(typ, s, k, day(on)), func(it *record.Item) { it.Status, it.Intent = "completed", "order" })
	}
	proc := func(g, on string) record.Item {
		s, k := code(g)
		return withStatus(item("Procedure", s, k, day(on)), "completed")
	}
	condition := func(g, onset, category string) record.Item {
		s, k := code(g)
		return onList(item("Condition", s, k, day(onset)), category)
	}
	// SNOMED CT codes in one side's follow-up set only (the two share most).
	lowOnly := with(item("ServiceRequest", sct, "429095004", day("2026-03-03")), func(it *record.Item) { it.Status, it.Intent = "completed", "order" })
	highOnly := with(item("ServiceRequest", sct, "183059007", day("2026-03-03")), func(it *record.Item) { it.Status, it.Intent = "completed", "order" })
	office := func(on string) record.Item {
		return with(item("Encounter", sct, "185349003", day(on)), func(it *record.Item) { it.Status = "finished" })
	}
	notOrdered := func(on string, reason string) record.Item {
		return reasoned(with(order("Follow Up for Above Normal BMI", on), func(it *record.Item) { it.DoNotPerform = true }), reason)
	}
	bmiNotDone := func(on, reason string) record.Item {
		s, k := code("BMI")
		return reasoned(withStatus(item("Observation", s, k, day(on)), "cancelled"), reason)
	}
	checkMeasure(t, c, vd, "CMS69", []measureCase{
		{"high, order with its reason", chart(adult, bmi(30), reasoned(order("Follow Up for Above Normal BMI", "2026-03-03"), "Overweight or Obese")), MeasureMet, "with a follow-up"},
		{"high, medication with its reason", chart(adult, bmi(30), reasoned(order("Medications for Above Normal BMI", "2026-03-03"), "Overweight or Obese")), MeasureMet, "with a follow-up"},
		{"high, referral with its reason", chart(adult, bmi(30), reasoned(order("Referrals Where Weight Assessment May Occur", "2026-03-03"), "Overweight or Obese")), MeasureMet, "with a follow-up"},
		{"high, order without a reason", chart(adult, bmi(30), order("Follow Up for Above Normal BMI", "2026-03-03")), MeasureNotMet, "no follow-up for a BMI of 25 or more with its reason"},
		{"high, order with the underweight reason", chart(adult, bmi(30), reasoned(order("Follow Up for Above Normal BMI", "2026-03-03"), "Underweight")), MeasureNotMet, "no follow-up"},
		{"high, order without a reason, overweight on the order's day", chart(adult, bmi(30), order("Follow Up for Above Normal BMI", "2026-03-03"), condition("Overweight or Obese", "2026-03-03", "encounter-diagnosis")), MeasureMet, "with a follow-up"},
		{"high, order without a reason, overweight a day after", chart(adult, bmi(30), order("Follow Up for Above Normal BMI", "2026-03-03"), condition("Overweight or Obese", "2026-03-04", "problem-list-item")), MeasureNotMet, "no follow-up"},
		{"high, an order only in the low side's set, with the overweight reason", chart(adult, bmi(30), reasoned(lowOnly, "Overweight or Obese")), MeasureNotMet, "no follow-up"},
		{"high, do-not-perform order with its reason", chart(adult, bmi(30), with(reasoned(order("Follow Up for Above Normal BMI", "2026-03-03"), "Overweight or Obese"), func(it *record.Item) { it.DoNotPerform = true })), MeasureNotMet, "no follow-up"},
		{"high, procedure, overweight on the problem list", chart(adult, bmi(30), proc("Follow Up for Above Normal BMI", "2026-03-03"), condition("Overweight or Obese", "2025-01-01", "problem-list-item")), MeasureMet, "with a follow-up"},
		{"high, procedure, overweight only an encounter diagnosis", chart(adult, bmi(30), proc("Follow Up for Above Normal BMI", "2026-03-03"), condition("Overweight or Obese", "2025-01-01", "encounter-diagnosis")), MeasureNotMet, "no follow-up"},
		{"high, procedure, overweight abated before it", chart(adult, bmi(30), proc("Follow Up for Above Normal BMI", "2026-03-03"), with(condition("Overweight or Obese", "2025-01-01", "problem-list-item"), func(it *record.Item) { it.Abatement = day("2026-03-02") })), MeasureNotMet, "no follow-up"},
		{"high, follow-up last year", chart(adult, bmi(30), reasoned(order("Follow Up for Above Normal BMI", "2025-12-31"), "Overweight or Obese")), MeasureNotMet, "no follow-up"},
		{"low, order with its reason", chart(adult, bmi(18.4), reasoned(order("Follow Up for Below Normal BMI", "2026-03-03"), "Underweight")), MeasureMet, "with a follow-up"},
		{"low, procedure, underweight a health concern", chart(adult, bmi(18.4), proc("Follow Up for Below Normal BMI", "2026-03-03"), condition("Underweight", "2026-01-01", "health-concern")), MeasureMet, "with a follow-up"},
		{"low, procedure, underweight on the problem list", chart(adult, bmi(18.4), proc("Follow Up for Below Normal BMI", "2026-03-03"), condition("Underweight", "2026-01-01", "problem-list-item")), MeasureNotMet, "no follow-up for a BMI under 18.5"},
		{"low, an order only in the high side's set, with the underweight reason", chart(adult, bmi(18.4), reasoned(highOnly, "Underweight")), MeasureNotMet, "no follow-up"},
		{"low, an order in both sides' sets, with the underweight reason", chart(adult, bmi(18.4), reasoned(order("Follow Up for Above Normal BMI", "2026-03-03"), "Underweight")), MeasureMet, "with a follow-up"},
		{"not ordered for a medical reason at the visit", chart(adult, bmi(30), office("2026-03-03"), notOrdered("2026-03-03", "Medical Reason")), MeasureExcluded, "excepted from CMS69 in 2026: BMI out of range"},
		{"not ordered for a medical reason the day after the visit", chart(adult, bmi(30), office("2026-03-03"), notOrdered("2026-03-04", "Medical Reason")), MeasureNotMet, "no follow-up"},
		{"not ordered for a medical reason at today's visit", chart(adult, bmi(30), notOrdered("2026-11-24", "Medical Reason")), MeasureExcluded, "not ordered: display of"},
		{"not ordered, the patient declined", chart(adult, bmi(30), office("2026-03-03"), notOrdered("2026-03-03", "Patient Declined")), MeasureNotMet, "no follow-up"},
		{"not ordered, not completed", chart(adult, bmi(30), office("2026-03-03"), withStatus(notOrdered("2026-03-03", "Medical Reason"), "active")), MeasureNotMet, "no follow-up"},
		{"BMI declined at the visit", chart(adult, office("2026-05-05"), bmiNotDone("2026-05-05", "Patient Declined")), MeasureExcluded, "not done: display of 39156-5, for a reason (2026-05-05)"},
		{"BMI not taken for a medical reason at the visit", chart(adult, office("2026-05-05"), bmiNotDone("2026-05-05", "Medical Reason")), MeasureExcluded, "not done"},
		{"BMI declined on a day with no visit", chart(adult, office("2026-05-05"), bmiNotDone("2026-05-06", "Patient Declined")), MeasureNotMet, "no BMI reading"},
		{"BMI declined, a reason outside the sets", chart(adult, office("2026-05-05"), reasoned(withStatus(item("Observation", loinc, "39156-5", day("2026-05-05")), "cancelled"), "Overweight or Obese")), MeasureNotMet, "no BMI reading"},
		{"met stays met with a declined BMI", chart(adult, bmi(22), office("2026-05-05"), bmiNotDone("2026-05-05", "Patient Declined")), MeasureMet, "normal range"},
	})
}

// An order NOT to do something (doNotPerform: QI-Core's "not
// requested") is no care: a completed do-not-perform colonoscopy order
// does not make the screening complete, the same order without the flag
// does.
func TestDoNotPerformIsNoCare(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	sys, code := "", ""
	for _, m := range c.Find("colorectal_cancer").Modalities {
		if m.ID == "colonoscopy" {
			sys, code = firstCode(m.Evidence[0])
		}
	}
	order := with(item("ServiceRequest", sys, code, day("2025-06-01")), func(it *record.Item) { it.Status, it.Intent = "completed", "order" })
	notOrdered := with(order, func(it *record.Item) { it.DoNotPerform = true })
	status := func(it record.Item) Status {
		for _, r := range Evaluate(chart(person("male", day("1970-05-05")), it), c, vd) {
			if r.ID == "colorectal_cancer" {
				return r.Status
			}
		}
		return ""
	}
	if got := status(order); got != Complete {
		t.Fatalf("a completed colonoscopy order: %s, want complete", got)
	}
	if got := status(notOrdered); got == Complete {
		t.Fatalf("a do-not-perform colonoscopy order counted as done: %s", got)
	}
}

type measureCase struct {
	name   string
	rec    record.Record
	want   MeasureStatus
	reason string // a part of the line's reason
}

// checkMeasure runs table cases of one measure's line on visit day vd.
func checkMeasure(t *testing.T, c *Catalogue, vd time.Time, id string, cases []measureCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, id)
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("%s: %s (%s), want %s with %q", id, l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}
