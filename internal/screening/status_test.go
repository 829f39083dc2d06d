package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Smoking status is decided by the newest record across Conditions and
// Observations, with the quit date and pack-years when present (USPSTF
// lung: 50-80, 20 pack-years, smoking now or quit within 15 years).
func TestNewestSmokingStatusWins(t *testing.T) {
	c := Default()
	p := person("male", bornAged(62, v))
	status := func(value string, on time.Time) record.Item {
		return with(item("Observation", loinc, "72166-2", on), func(it *record.Item) {
			it.ValueCodes = []record.Coding{{System: sct, Code: value, Display: map[string]string{
				"266919005": "Never smoked tobacco", "449868002": "Smokes tobacco daily", "8517006": "Ex-smoker"}[value]}}
		})
	}
	smokerProblem := func(on time.Time) record.Item {
		return with(item("Condition", sct, "449868002", on), func(it *record.Item) { it.Codes[0].Display = "Smokes tobacco daily" })
	}
	resolved := func(on, quit time.Time) record.Item {
		return with(smokerProblem(on), func(it *record.Item) { it.Status, it.Abatement = "resolved", quit })
	}
	exSmoker := func(since time.Time) record.Item { return item("Condition", sct, "8517006", since) }
	packYears := func(n float64) record.Item {
		return with(item("Observation", loinc, "8664-5", day("2025-06-01")), func(it *record.Item) {
			it.Value = &record.Quantity{Value: n, Unit: "{pack-years}"}
		})
	}
	// 15 years before the visit (2026-11-24) is 2011-11-24: quitting that
	// day still counts, the day before does not.
	cases := []struct {
		name   string
		items  []record.Item
		want   Status
		reason string // a part of the reason, or of the check note
	}{
		{"2003 smoker problem, later never-smoker statuses", []record.Item{smokerProblem(day("2003-04-01")), status("266919005", day("2019-05-01")), status("266919005", day("2025-05-01"))},
			NotApplicable, "the newest record, Never smoked tobacco (result, 2025-05-01), outweighs the older Smokes tobacco daily (problem list, 2003-04-01)"},
		{"2003 smoker problem alone", []record.Item{smokerProblem(day("2003-04-01"))}, NeedsReview, "20 or more pack-years"},
		{"never smoker, then a smoker status", []record.Item{status("266919005", day("2020-01-01")), status("449868002", day("2025-01-01"))}, NeedsReview, ""},
		{"never and smoker the same day", []record.Item{status("266919005", day("2025-01-01")), status("449868002", day("2025-01-01"))}, NeedsReview, ""},
		{"ex-smoker, quit date not on record", []record.Item{smokerProblem(day("2003-04-01")), status("8517006", day("2025-01-01"))}, NeedsReview, "when the patient quit is not on record"},
		{"smoker problem resolved on the first day of the 15 years", []record.Item{resolved(day("2000-01-01"), day("2011-11-24"))}, NeedsReview, ""},
		{"smoker problem resolved the day before", []record.Item{resolved(day("2000-01-01"), day("2011-11-23"))}, NotApplicable, "quit 2011-11-23, more than 15 years ago"},
		{"ex-smoker since the first day of the 15 years", []record.Item{exSmoker(day("2011-11-24"))}, NeedsReview, ""},
		{"ex-smoker since the day before", []record.Item{exSmoker(day("2011-11-23"))}, NotApplicable, "more than 15 years ago"},
		{"smoker with 30 pack-years: nothing left to confirm", []record.Item{status("449868002", day("2025-01-01")), packYears(30)}, Due, ""},
		{"smoker with 20 pack-years exactly", []record.Item{status("449868002", day("2025-01-01")), packYears(20)}, Due, ""},
		{"smoker with 12 pack-years", []record.Item{status("449868002", day("2025-01-01")), packYears(12)}, NotApplicable, "12 pack-years on record (2025-06-01); 20 pack-years or more are needed"},
		{"ex-smoker with a recent quit and 25 pack-years", []record.Item{exSmoker(day("2020-02-01")), packYears(25)}, Due, ""},
		{"ex-smoker, unknown quit date, 25 pack-years", []record.Item{status("8517006", day("2025-01-01")), packYears(25)}, NeedsReview, "when the patient quit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(p, tc.items...), v, "lung_cancer")
			check(t, r, tc.want)
			if !strings.Contains(r.Reason+" | "+r.ReviewNote, tc.reason) {
				t.Fatalf("reason %q (check: %q), want it to say %q", r.Reason, r.ReviewNote, tc.reason)
			}
		})
	}
}
