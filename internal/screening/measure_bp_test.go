package screening

import (
	"strings"
	"testing"

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
	bp := func(on string, systolic float64) record.Item {
		return obs(loinc, "8480-6", day(on), systolic, "mm[Hg]")
	}
	refSys, refCode := measureGroupCode(t, c, "CMS22", "Referral to Primary Care or Alternate Provider")
	referral := func(on string) record.Item { return item("ServiceRequest", refSys, refCode, day(on)) }
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
		{"an earlier visit high without a follow-up", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), bp("2026-11-24", 118)), MeasureNotMet, "the visit of 2026-03-02"},
		{"an earlier visit high with a referral that day", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), referral("2026-03-02"), bp("2026-11-24", 118)), MeasureMet, "each of its 2 visits"},
		{"an earlier visit high, the referral a day later", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 134), referral("2026-03-03"), bp("2026-11-24", 118)), MeasureNotMet, "the visit of 2026-03-02"},
		{"an earlier visit's reading does not serve today's", rec(visit("2026-03-02", "AMB"), bp("2026-03-02", 112)), MeasureNotMet, "the visit of 2026-11-24"},
		{"a visit on Jan 1", rec(visit("2026-01-01", "AMB"), bp("2026-01-01", 134), bp("2026-11-24", 118)), MeasureNotMet, "the visit of 2026-01-01"},
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
