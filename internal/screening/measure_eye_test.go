package screening

import (
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// CMS131's numerators 3-5 (measures.md): an autonomous AI exam in the
// year, a severity finding for each eye in the year, or no apparent
// retinopathy in both eyes in the year before, at their boundary days.
func TestMeasureEyeExamAlternatives(t *testing.T) {
	c := Default()
	vd := day("2026-11-24")
	dm := onList(item("Condition", icd10, "E11.9", day("2026-02-10")), "encounter-diagnosis")
	finding := func(code, answer, on string) record.Item {
		return with(item("Observation", loinc, code, day(on)), func(it *record.Item) {
			it.ValueCodes = []record.Coding{{System: loinc, Code: answer}}
			it.Category = []record.Coding{{Code: "exam"}}
		})
	}
	ai := func(answer, on string) record.Item { return finding("105914-6", answer, on) }
	left := func(answer, on string) record.Item { return finding("71490-7", answer, on) }
	right := func(answer, on string) record.Item { return finding("71491-5", answer, on) }
	const none, mild = "LA18643-9", "LA18644-7"
	rec := func(items ...record.Item) record.Record {
		return chart(person("male", day("1970-05-05")), append([]record.Item{dm}, items...)...)
	}
	cases := []struct {
		name   string
		rec    record.Record
		want   MeasureStatus
		reason string
	}{
		{"AI exam on Jan 1", rec(ai("LA34398-0", "2026-01-01")), MeasureMet, "autonomous AI"},
		{"AI exam on Dec 31 last year", rec(ai("LA34398-0", "2025-12-31")), MeasureNotMet, ""},
		{"AI exam without a result in the value set", rec(ai("LA18644-7", "2026-03-01")), MeasureNotMet, ""},
		{"severity for each eye in the year", rec(left(mild, "2026-01-01"), right(none, "2026-06-01")), MeasureMet, "left and the right eye"},
		{"severity for one eye only", rec(left(mild, "2026-03-01")), MeasureNotMet, ""},
		{"one eye's severity last year", rec(left(mild, "2026-03-01"), right(mild, "2025-12-31")), MeasureNotMet, ""},
		// Numerator 4's mixed form: one eye's severity in the year, the
		// other eye without retinopathy in 2025.
		{"left severity this year, right none on Jan 1 last year", rec(left(mild, "2026-03-01"), right(none, "2025-01-01")), MeasureMet, "no apparent retinopathy in the right eye the year before"},
		{"right severity on Jan 1, left none on Dec 31 last year", rec(right(mild, "2026-01-01"), left(none, "2025-12-31")), MeasureMet, "left eye the year before"},
		{"left severity this year, right none two years back", rec(left(mild, "2026-03-01"), right(none, "2024-12-31")), MeasureNotMet, ""},
		{"left severity this year, right mild last year", rec(left(mild, "2026-03-01"), right(mild, "2025-06-01")), MeasureNotMet, ""},
		{"left severity last year, right none last year", rec(left(mild, "2025-12-31"), right(none, "2025-06-01")), MeasureNotMet, ""},
		{"left severity this year, left none last year", rec(left(mild, "2026-03-01"), left(none, "2025-06-01")), MeasureNotMet, ""},
		{"no retinopathy in both eyes last year", rec(left(none, "2025-01-01"), right(none, "2025-12-31")), MeasureMet, "no apparent retinopathy"},
		{"no retinopathy in one eye two years back", rec(left(none, "2024-12-31"), right(none, "2025-06-01")), MeasureNotMet, ""},
		{"retinopathy last year is not 'no retinopathy'", rec(left(mild, "2025-03-01"), right(none, "2025-03-01")), MeasureNotMet, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := measureLine(t, c, tc.rec, vd, "CMS131")
			if l.Status != tc.want || !strings.Contains(l.Reason, tc.reason) {
				t.Fatalf("CMS131: %s (%s), want %s with %q", l.Status, l.Reason, tc.want, tc.reason)
			}
		})
	}
}
