package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// CMS22 is encounter-based (measures.md): every qualifying visit of the
// year, today's included, is judged as of its own day; a virtual visit or
// last year's does not count, and hypertension on the problem list
// excludes the visits on or after its onset.
func TestMeasureBloodPressureEachVisit(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	adult := person("male", day("1970-05-05"))
	encSys, encCode := measureGroupCode(t, c, "CMS22", "Encounter to Screen for Blood Pressure")
	visit := func(on, class string) record.Item {
		return with(item("Encounter", encSys, encCode, day(on)), func(it *record.Item) { it.Status, it.Class = "finished", class })
	}
	bp := func(on string, systolic float64) record.Item { return bpReading(day(on), systolic, 70) }
	referral := func(on string) record.Item { return bpReferral(t, c, day(on)) }
	htn := func(on string) record.Item {
		return onList(item("Condition", icd10, "I10", day(on)), "problem-list-item")
	}
	rec := func(items ...record.Item) record.Record { return chart(adult, items...) }

	cases := []struct {
		name   string
		rec    record.Record
		want   MeasureStatus
		reason string
	}{
		{"today's visit only, normal", rec(bp("2026-11-24", 118)), MeasureMet, "each of its 1 visits"},
		{"an earlier visit and today's, both normal", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 112), bp("2026-11-24", 118)), MeasureMet, "each of its 2 visits"},
		{"an earlier visit high without a follow-up", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), bp("2026-11-24", 118)), MeasureNotMet, "in 2026: 2026-03-02: 134/70, first hypertensive reading: needs"},
		{"an earlier visit high with a referral that day", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), referral("2026-03-02"), bp("2026-11-24", 118)), MeasureMet, "each of its 2 visits"},
		{"an earlier visit high, the referral a day later", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), referral("2026-03-03"), bp("2026-11-24", 118)), MeasureNotMet, "2026-03-02: 134/70, first hypertensive reading: needs"},
		{"an earlier visit's reading does not serve today's", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 112)), MeasureNotMet, "the visit of 2026-11-24"},
		{"a visit on Jan 1", rec(visit("2026-01-01", "AMB"), bp("2026-01-01", 134), bp("2026-11-24", 118)), MeasureNotMet, "2026-01-01: 134/70, first hypertensive reading"},
		{"a visit on Dec 31 last year", rec(visit("2025-12-31", "AMB"), bp("2025-12-31", 134), bp("2026-11-24", 118)), MeasureMet, "each of its 1 visits"},
		{"a virtual visit does not count", rec(visit("2026-03-02", "VR"), bp("2026-03-02", 134), bp("2026-11-24", 118)), MeasureMet, "each of its 1 visits"},
		{"hypertension from after the earlier visit", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), htn("2026-05-01")), MeasureNotMet, "met at 0 of 1 visits"},
		{"hypertension from after the earlier visit, which was normal", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 112), htn("2026-05-01")), MeasureMet, "each of its 1 visits"},
		{"hypertension from the earlier visit's day", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), htn("2026-03-02")), MeasureExcluded, "each of its 2 visits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, "CMS22")
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("CMS22: %s (%s), want %s with %q", l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}

// bpReading is a US Core blood pressure (85354-9) with both components.
func bpReading(on time.Time, systolic, diastolic float64) record.Item {
	it := item("Observation", loinc, "85354-9", on)
	comp := func(code string, v float64) record.Component {
		return record.Component{Codes: []record.Coding{{System: loinc, Code: code}}, Value: &record.Quantity{Value: v, Unit: "mmHg", Code: "mm[Hg]"}, HasValue: true}
	}
	it.Components = []record.Component{comp("8480-6", systolic), comp("8462-4", diastolic)}
	return it
}

// bpOrder is an order (intent order) coded in one of CMS22's follow-up
// groups, authored on.
func bpOrder(t *testing.T, c *Catalogue, group string, on time.Time) record.Item {
	t.Helper()
	sys, code := measureGroupCode(t, c, "CMS22", group)
	typ := "ServiceRequest"
	if group == "Pharmacologic Therapy for Hypertension" {
		typ = "MedicationRequest"
	}
	return with(item(typ, sys, code, on), func(it *record.Item) { it.Intent = "order" })
}

// bpReferral is a referral with an elevated-blood-pressure reason.
func bpReferral(t *testing.T, c *Catalogue, on time.Time) record.Item {
	t.Helper()
	rs, rc := measureGroupCode(t, c, "CMS22", "Finding of Elevated Blood Pressure or Hypertension")
	return with(bpOrder(t, c, "Referral to Primary Care or Alternate Provider", on), func(it *record.Item) {
		it.Reasons = []record.Coding{{System: rs, Code: rc}}
	})
}

// CMS22's reading categories at their boundaries (measures.md): normal
// 1..<120 and 1..<80; elevated 120-129 and <80; hypertensive 130+ or 80+,
// first without a prior hypertensive reading in the year before, second
// with one, split at 140/90; each with the follow-ups it needs.
func TestMeasureBloodPressureCategories(t *testing.T) {
	c := Default()
	vd := day("2026-03-02")
	adult := person("male", day("1970-05-05"))
	at := func(s string) time.Time { return day(s) }
	order := func(g string, on string) record.Item { return bpOrder(t, c, g, at(on)) }
	ref := bpReferral(t, c, vd)
	// 300042001 is in the 6-month set only (the 4-week set's codes are all
	// in the 6-month one too).
	six := func() record.Item {
		return with(item("ServiceRequest", sct, "300042001", vd), func(it *record.Item) { it.Intent = "order" })
	}
	four := func() record.Item { return order("Follow Up Within 4 Weeks", "2026-03-02") }
	life := func(on string) record.Item { return order("Lifestyle Recommendation", on) }
	lab := func(on string) record.Item { return order("Laboratory Tests for Hypertension", on) }
	ecg := func(on string) record.Item {
		return with(item("ServiceRequest", loinc, "34534-8", at(on)), func(it *record.Item) { it.Intent = "order" })
	}
	med := func(on string) record.Item { return order("Pharmacologic Therapy for Hypertension", on) }
	prior := func(on string, s, d float64) record.Item { return bpReading(at(on), s, d) }
	declined := func(it record.Item, reason string) record.Item {
		rs, rc := measureGroupCode(t, c, "CMS22", reason)
		it.DoNotPerform, it.Reasons = true, []record.Coding{{System: rs, Code: rc}}
		return it
	}
	today := func(s, d float64) record.Item { return bpReading(vd, s, d) }

	cases := []struct {
		name   string
		items  []record.Item
		want   MeasureStatus
		reason string
	}{
		{"119/79 normal", []record.Item{today(119, 79)}, MeasureMet, "119/79, normal reading"},
		{"1/1 normal", []record.Item{today(1, 1)}, MeasureMet, "1/1, normal reading"},
		{"0 systolic does not count", []record.Item{today(0, 70)}, MeasureNotMet, "above 0"},
		{"0 diastolic does not count", []record.Item{today(110, 0)}, MeasureNotMet, "above 0"},
		{"120/79 elevated without a follow-up", []record.Item{today(120, 79)}, MeasureNotMet, "120/79, elevated reading: needs a 6-month follow-up order and a lifestyle recommendation, or a referral for the blood pressure"},
		{"129/79 elevated with a 6-month order and lifestyle", []record.Item{today(129, 79), six(), life("2026-03-02")}, MeasureMet, "129/79, elevated reading, with"},
		{"elevated, the lifestyle order the day before", []record.Item{today(125, 70), six(), life("2026-03-01")}, MeasureNotMet, "needs a lifestyle recommendation, or a referral"},
		{"elevated with a referral", []record.Item{today(125, 70), ref}, MeasureMet, "elevated reading, with"},
		{"elevated, a referral without the reason", []record.Item{today(125, 70), with(ref, func(it *record.Item) { it.Reasons = nil })}, MeasureNotMet, "or a referral for the blood pressure"},
		{"elevated, a 6-month order planned, not ordered", []record.Item{today(125, 70), with(six(), func(it *record.Item) { it.Intent = "plan" }), life("2026-03-02")}, MeasureNotMet, "needs a 6-month follow-up order"},
		{"120/80 is hypertensive, not elevated", []record.Item{today(120, 80)}, MeasureNotMet, "120/80, first hypertensive reading: needs a 4-week follow-up order and a lifestyle recommendation, or a referral"},
		{"130/79 first hypertensive", []record.Item{today(130, 79)}, MeasureNotMet, "130/79, first hypertensive reading"},
		{"134/82 first hypertensive, 4-week order, lifestyle earlier in the year", []record.Item{today(134, 82), four(), life("2026-01-05")}, MeasureMet, "first hypertensive reading, with"},
		{"first hypertensive, lifestyle last year", []record.Item{today(134, 82), four(), life("2025-12-31")}, MeasureNotMet, "needs a lifestyle recommendation, or a referral"},
		{"first hypertensive, a 6-month order is not a 4-week one", []record.Item{today(134, 82), six(), life("2026-03-02")}, MeasureNotMet, "needs a 4-week follow-up order"},
		{"prior hypertensive reading exactly a year before", []record.Item{prior("2025-03-02", 131, 70), today(134, 82)}, MeasureNotMet, "134/82, second hypertensive reading, 130-139/80-89"},
		{"prior hypertensive reading a year and a day before", []record.Item{prior("2025-03-01", 131, 70), today(134, 82)}, MeasureNotMet, "134/82, first hypertensive reading"},
		{"prior reading 129/79 is not hypertensive", []record.Item{prior("2025-06-01", 129, 79), today(134, 82)}, MeasureNotMet, "first hypertensive reading"},
		{"prior reading 100/80 is hypertensive", []record.Item{prior("2025-06-01", 100, 80), today(134, 82)}, MeasureNotMet, "second hypertensive reading, 130-139/80-89"},
		{"prior reading with a 0 value is not", []record.Item{prior("2025-06-01", 150, 0), today(134, 82)}, MeasureNotMet, "first hypertensive reading"},
		{"139/89 second, stage 1, all three orders", []record.Item{prior("2025-06-01", 140, 90), today(139, 89), six(), lab("2026-02-01"), life("2026-01-10")}, MeasureMet, "139/89, second hypertensive reading, 130-139/80-89, with"},
		{"second stage 1 with an ECG as the lab order", []record.Item{prior("2025-06-01", 140, 90), today(139, 89), six(), ecg("2026-02-01"), life("2026-01-10")}, MeasureMet, "130-139/80-89, with"},
		{"second stage 1 without the lab order", []record.Item{prior("2025-06-01", 140, 90), today(139, 89), six(), life("2026-01-10")}, MeasureNotMet, "needs a lab or ECG order, or a referral"},
		{"140/80 second, stage 2", []record.Item{prior("2025-06-01", 140, 90), today(140, 80)}, MeasureNotMet, "140/80, second hypertensive reading, 140/90 or more: needs a 4-week follow-up order and a lab or ECG order and a lifestyle recommendation and a blood pressure medication, or a referral"},
		{"139/90 second, stage 2", []record.Item{prior("2025-06-01", 140, 90), today(139, 90)}, MeasureNotMet, "139/90, second hypertensive reading, 140/90 or more"},
		{"second stage 2 with all four", []record.Item{prior("2025-06-01", 140, 90), today(150, 95), four(), lab("2026-02-01"), life("2026-01-10"), med("2026-03-02")}, MeasureMet, "140/90 or more, with"},
		{"second stage 2 with a referral", []record.Item{prior("2025-06-01", 140, 90), today(150, 95), ref}, MeasureMet, "140/90 or more, with"},
		{"the last reading of the day decides", []record.Item{
			with(today(150, 95), func(it *record.Item) { it.Date = vd.Add(-2 * time.Hour) }),
			with(today(118, 76), func(it *record.Item) { it.Date = vd.Add(time.Hour) }),
		}, MeasureMet, "118/76, normal reading"},
		{"first hypertensive, the patient declined the 4-week follow-up", []record.Item{today(134, 82), declined(four(), "Patient Declined")}, MeasureExcluded, "excepted from CMS22: 2026-03-02: 134/82, first hypertensive reading: needs a 4-week follow-up order and a lifestyle recommendation, or a referral for the blood pressure; the patient declined the follow-up"},
		{"a declined follow-up without the reason is no exception", []record.Item{today(134, 82), with(four(), func(it *record.Item) { it.DoNotPerform = true })}, MeasureNotMet, "first hypertensive reading: needs a 4-week follow-up order"},
		{"a declined follow-up the category does not need is no exception", []record.Item{today(134, 82), declined(six(), "Patient Declined")}, MeasureNotMet, "first hypertensive reading: needs a 4-week follow-up order"},
		{"a declined follow-up the day before is no exception", []record.Item{today(134, 82), declined(order("Follow Up Within 4 Weeks", "2026-03-01"), "Patient Declined")}, MeasureNotMet, "needs a 4-week follow-up order"},
		{"a preliminary reading does not count", []record.Item{with(today(118, 76), func(it *record.Item) { it.Status = "preliminary" })}, MeasureNotMet, "no blood pressure reading"},
		{"a systolic-only observation is not a blood pressure", []record.Item{obs(loinc, "8480-6", vd, 118, "mm[Hg]")}, MeasureNotMet, "no blood pressure reading"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, chart(adult, tc.items...), vd, "CMS22")
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("CMS22: %s (%s), want %s with %q", l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}
