package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Results matter, not only dates: a lab with no result value is not a test
// done, and an HbA1c above 9 % (CMS122: the newest day's lowest reading) is
// done but flagged "poor control".
func TestValueRules(t *testing.T) {
	c := Default()
	p := person("male", bornAged(55, v))
	dm := item("Condition", sct, "44054006", day("2018-01-01"))
	a1c := func(on time.Time, val float64, unit string) record.Item {
		return with(item("Observation", loinc, "4548-4", on), func(it *record.Item) {
			it.Codes[0].Display = "Hemoglobin A1c"
			it.Value = &record.Quantity{Value: val, Unit: unit, Code: unit}
		})
	}
	valueless := func(it record.Item) record.Item { it.HasValue, it.Value = false, nil; return it }
	recent := v.AddDate(0, -1, 0)
	cases := []struct {
		name      string
		items     []record.Item
		want      Status
		attention string
		reason    string
	}{
		{"9.0 % is not above 9", []record.Item{a1c(recent, 9.0, "%")}, Complete, "", ""},
		{"9.1 % is poor control", []record.Item{a1c(recent, 9.1, "%")}, Complete, "poor control: 9.1 % on 2026-10-24", ""},
		{"the lowest reading of the newest day decides", []record.Item{a1c(recent, 9.8, "%"), a1c(recent, 8.7, "%")}, Complete, "", ""},
		{"an older high reading does not flag a newer good one", []record.Item{a1c(v.AddDate(0, -4, 0), 10.2, "%"), a1c(recent, 7.9, "%")}, Complete, "", ""},
		{"a reading in mmol/mol is not compared", []record.Item{a1c(recent, 86, "mmol/mol")}, Complete, "", ""},
		{"a reported >14 % is above 9", []record.Item{with(a1c(recent, 14, "%"), func(it *record.Item) { it.Value.Comparator = ">" })}, Complete, "poor control: 14 % on 2026-10-24", ""},
		{"an A1c with no value is not a test done", []record.Item{valueless(a1c(recent, 0, ""))}, Due, "", "it has no result value"},
		{"a newer value-less A1c leaves the older one deciding", []record.Item{a1c(v.AddDate(0, -4, 0), 7.1, "%"), valueless(a1c(recent, 0, ""))}, Complete, "", "2026-07-24"},
		{"poor control on the last day of the interval is still done", []record.Item{a1c(v.AddDate(0, -6, 1), 9.5, "%")}, DueSoon, "poor control: 9.5 % on 2026-05-25", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(p, append(tc.items, dm)...), v, "diabetes_a1c")
			check(t, r, tc.want)
			if r.Attention != tc.attention || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("attention %q, reason %q; want %q and %q", r.Attention, r.Reason, tc.attention, tc.reason)
			}
		})
	}
	// A kidney panel "performed" with nothing reported does not count.
	egfr := valueless(item("Observation", loinc, "98979-8", recent))
	uacr := valueless(item("Observation", loinc, "9318-7", recent))
	r := result(t, c, chart(p, dm, egfr, uacr), v, "diabetes_kidney")
	check(t, r, Due)
	if !strings.Contains(r.Reason, "it has no result value") {
		t.Fatalf("reason %q", r.Reason)
	}
}

// A misspelt threshold is refused, not read as 0 (which would flag every
// reading).
func TestValueFlagIsReadStrictly(t *testing.T) {
	b := strings.Replace(string(DefaultYAML()), "      above: 9\n", "      abov: 9\n", 1)
	_, err := Parse([]byte(b))
	if err == nil || !strings.Contains(err.Error(), `unknown field "abov" in a result flag`) {
		t.Fatalf("err = %v", err)
	}
}

// CMS349 counts an HIV test taken at 15 to 65 with a result; a test dated
// before the patient's birth is a wrong date, not a test.
func TestHIVTestAgeAndDate(t *testing.T) {
	c := Default()
	born := day("2000-06-15")
	p := person("male", born)
	test := func(on time.Time) record.Item {
		return with(item("Observation", loinc, "75622-1", on), func(it *record.Item) { it.Codes[0].Display = "HIV 1 and 2 tests" })
	}
	cases := []struct {
		name   string
		it     record.Item
		want   Status
		reason string
	}{
		{"on the 15th birthday", test(day("2015-06-15")), Complete, ""},
		{"the day before the 15th birthday", test(day("2015-06-14")), Due, "was done at age 14 and counts only from age 15"},
		{"dated before birth", test(day("1999-01-01")), Due, "dated before the patient's birth"},
		{"with no result", with(test(day("2020-01-01")), func(it *record.Item) { it.HasValue = false }), Due, "it has no result value"},
		{"as a screening procedure (no value needed)", item("Procedure", sct, "171121004", day("2020-01-01")), Complete, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(p, tc.it), v, "hiv")
			check(t, r, tc.want)
			if !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("reason %q, want %q", r.Reason, tc.reason)
			}
		})
	}
}

// A result dated only by when it was reported (issued) still counts, but
// the sheet says so (issue 12: issued stood in without saying so).
func TestIssuedDateIsSaid(t *testing.T) {
	p := person("female", bornAged(35, v))
	pap := with(item("Observation", loinc, "10524-7", v.AddDate(-1, 0, 0)), func(it *record.Item) { it.DateFrom = record.DateFromIssued })
	r := result(t, Default(), chart(p, pap), v, "cervical_cancer")
	check(t, r, Complete)
	if !r.Review || !strings.Contains(r.ReviewNote, "dated by when the result was reported") {
		t.Fatalf("review %v %q", r.Review, r.ReviewNote)
	}
	// With its own date it needs no check.
	pap.DateFrom = ""
	if r := result(t, Default(), chart(p, pap), v, "cervical_cancer"); r.Review {
		t.Fatalf("checked without cause: %q", r.ReviewNote)
	}
}
