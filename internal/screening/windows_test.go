package screening

import (
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// The measures' windows where they are right for a prep list (issue 12),
// at their boundary days.
func TestMeasureWindows(t *testing.T) {
	c := Default()
	woman := person("female", day("1970-05-05"))
	diabetic := person("male", day("1970-05-05"))
	dm := item("Condition", icd10, "E11.9", day("2015-03-01"))
	mg := func(on string) record.Item { return item("DiagnosticReport", loinc, "24606-6", day(on)) }
	eyeSys, eyeCode := firstCode(c.Find("diabetes_eye").Modalities[0].Evidence[0])
	eye := func(on string) record.Item { return item("Procedure", eyeSys, eyeCode, day(on)) }
	retinopathy := item("Condition", icd10, "E11.319", day("2020-01-01"))
	lab := func(code string, on string, v float64) record.Item { return obs(loinc, code, day(on), v, "") }
	egfr := lab("98979-8", "2026-05-10", 78)
	cre := lab("2161-8", "2026-05-10", 80)                               // urine creatinine
	alb := func(on string) record.Item { return lab("14957-5", on, 20) } // urine albumin
	pregnant := item("Condition", icd10, "O09.90", day("2026-04-01"))
	bmi := lab("39156-5", "2025-12-01", 23)

	cases := []struct {
		name, id string
		rec      record.Record
		visit    string
		want     Status
		next     string
	}{
		// CMS125: from October 1 two years back, a mammogram counts through the year.
		{"mammogram Oct 1 two years back", "breast_cancer", chart(woman, mg("2024-10-01")), "2026-11-24", DueSoon, "2027-01-01"},
		{"mammogram Sep 30 two years back", "breast_cancer", chart(woman, mg("2024-09-30")), "2026-11-24", Due, "2026-09-30"},
		{"mammogram Oct 1, on Dec 31", "breast_cancer", chart(woman, mg("2024-10-01")), "2026-12-31", DueSoon, "2027-01-01"},
		{"mammogram Oct 1, on Jan 1 the year after", "breast_cancer", chart(woman, mg("2024-10-01")), "2027-01-01", Due, "2027-01-01"},
		{"mammogram in March: its interval is later", "breast_cancer", chart(woman, mg("2025-03-01")), "2026-11-24", Complete, "2027-03-01"},
		// CMS131: with no retinopathy, last year's exam covers this year.
		{"eye exam Jan 1 last year", "diabetes_eye", chart(diabetic, dm, eye("2025-01-01")), "2026-11-24", DueSoon, "2027-01-01"},
		{"eye exam Dec 31 the year before", "diabetes_eye", chart(diabetic, dm, eye("2024-12-31")), "2026-11-24", Due, "2026-01-01"},
		{"eye exam last year with retinopathy", "diabetes_eye", chart(diabetic, dm, retinopathy, eye("2025-06-01")), "2026-11-24", Due, "2026-06-01"},
		// CMS951: urine albumin within 4 days of urine creatinine stands for a uACR.
		{"albumin 4 days after creatinine", "diabetes_kidney", chart(diabetic, dm, egfr, cre, alb("2026-05-14")), "2026-11-24", Complete, "2027-05-10"},
		{"albumin 4 days before creatinine", "diabetes_kidney", chart(diabetic, dm, egfr, cre, alb("2026-05-06")), "2026-11-24", Complete, "2027-05-06"},
		{"albumin 5 days after creatinine", "diabetes_kidney", chart(diabetic, dm, egfr, cre, alb("2026-05-15")), "2026-11-24", Due, ""},
		// CMS69: pregnancy this year leaves the BMI out.
		{"pregnant this year", "bmi", chart(woman, bmi, pregnant), "2026-11-24", Excluded, ""},
		{"pregnancy ended Dec 31 last year", "bmi", chart(woman, bmi, with(pregnant, func(it *record.Item) {
			it.Date, it.Status, it.Abatement = day("2025-03-01"), "resolved", day("2025-12-31")
		})), "2026-11-24", DueSoon, "2026-12-01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, tc.rec, day(tc.visit), tc.id)
			check(t, r, tc.want)
			if tc.want != Excluded && ymdOf(r.NextDue) != tc.next && !(tc.next == "" && r.NextDue.IsZero()) {
				t.Fatalf("next due %s, want %s (%s)", ymdOf(r.NextDue), tc.next, r.Reason)
			}
		})
	}
}
