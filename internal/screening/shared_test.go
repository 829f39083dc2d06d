package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Hospice and palliative care are exclusion concepts shared by the
// screenings whose measures use them, each in its window: records that
// overlap the measurement year of the visit (2026-01-01 to the visit).
func TestSharedExclusions(t *testing.T) {
	c := Default()
	woman := person("female", bornAged(60, v))
	enc := func(code string, start, end time.Time) record.Item {
		return with(item("Encounter", sct, code, start), func(it *record.Item) {
			it.Status = "finished"
			if !end.IsZero() {
				it.Period = record.Period{Start: start, End: end}
			}
		})
	}
	hospiceEnc := func(start, end time.Time) record.Item { return enc("183919006", start, end) }
	hospiceDx := func(onset, abated time.Time) record.Item {
		return with(item("Condition", sct, "170935008", onset), func(it *record.Item) {
			if !abated.IsZero() {
				it.Status, it.Abatement = "resolved", abated
			}
		})
	}
	discharged := with(enc("32485007", day("2026-03-02"), day("2026-03-09")), func(it *record.Item) {
		it.Discharge = []record.Coding{{System: sct, Code: "428361000124107", Display: "Discharge to home for hospice care"}}
	})
	none := time.Time{}
	cases := []struct {
		name      string
		screening string
		patient   record.Patient
		items     []record.Item
		want      Status
		rule      string
	}{
		{"hospice encounter on January 1", "breast_cancer", woman, []record.Item{hospiceEnc(day("2026-01-01"), none)}, Excluded, "hospice"},
		{"hospice encounter on December 31 before", "breast_cancer", woman, []record.Item{hospiceEnc(day("2025-12-31"), none)}, Due, ""},
		{"hospice stay into January 1", "breast_cancer", woman, []record.Item{hospiceEnc(day("2025-12-20"), day("2026-01-01"))}, Excluded, "hospice"},
		{"hospice stay ended December 31", "breast_cancer", woman, []record.Item{hospiceEnc(day("2025-12-20"), day("2025-12-31"))}, Due, ""},
		{"hospice encounter not finished", "breast_cancer", woman, []record.Item{with(hospiceEnc(day("2026-05-01"), none), func(it *record.Item) { it.Status = "in-progress" })}, Due, ""},
		{"discharged home for hospice care", "colorectal_cancer", woman, []record.Item{discharged}, Excluded, "hospice"},
		{"hospice diagnosis since 2024, ongoing", "cervical_cancer", woman, []record.Item{hospiceDx(day("2024-05-01"), none)}, Excluded, "hospice"},
		{"hospice diagnosis ended December 31", "cervical_cancer", woman, []record.Item{hospiceDx(day("2024-05-01"), day("2025-12-31"))}, Due, ""},
		{"hospice diagnosis ended January 1", "cervical_cancer", woman, []record.Item{hospiceDx(day("2024-05-01"), day("2026-01-01"))}, Excluded, "hospice"},
		{"hospice care order completed", "falls_risk", person("female", bornAged(80, v)), []record.Item{item("ServiceRequest", sct, "385763009", day("2026-02-01"))}, Excluded, "hospice"},
		{"hospice does not excuse a test its measure keeps", "hcv", woman, []record.Item{hospiceEnc(day("2026-02-01"), none)}, Due, ""},
		{"palliative care assessment", "breast_cancer", woman, []record.Item{item("Observation", loinc, "71007-9", day("2026-06-01"))}, Excluded, "palliative_care"},
		{"palliative care diagnosis (ICD-10-CM Z51.5)", "diabetes_a1c", person("male", bornAged(70, v)), []record.Item{item("Condition", icd10, "E11.9", day("2015-01-01")), item("Condition", icd10, "Z51.5", day("2026-09-01"))}, Excluded, "palliative_care"},
		{"palliative care is not a chlamydia exclusion", "chlamydia_gonorrhea", person("female", bornAged(20, v)), []record.Item{item("Observation", loinc, "71007-9", day("2026-06-01"))}, NeedsReview, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(tc.patient, tc.items...), v, tc.screening)
			check(t, r, tc.want)
			if r.Status == Excluded && (r.Rule != tc.rule || !strings.HasPrefix(r.Reason, "not needed: ") || len(r.Evidence) == 0) {
				t.Fatalf("rule %q, reason %q, evidence %v", r.Rule, r.Reason, r.Evidence)
			}
		})
	}
	// A practice can switch a concept off for every screening.
	b := strings.Replace(string(DefaultYAML()), "- id: hospice\n  title: in hospice care\n", "- id: hospice\n  title: in hospice care\n  enabled: false\n", 1)
	off, err := Parse([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := result(t, off, chart(woman, hospiceEnc(day("2026-01-01"), none)), v, "breast_cancer"); r.Status != Due {
		t.Fatalf("hospice switched off: %s (%s)", r.Status, r.Reason)
	}
	// A screening naming a concept the catalogue lacks is refused.
	if _, err := Parse([]byte(strings.Replace(string(DefaultYAML()), "shared_exclusions: [hospice]", "shared_exclusions: [hospise]", 1))); err == nil || !strings.Contains(err.Error(), `shared exclusion "hospise"`) {
		t.Fatalf("err = %v", err)
	}
}

// Nursing-home residence (CMS125/130/122/131): 66 or older at the end of the
// year, and the newest housing status (LOINC 71802-3) says nursing home.
func TestNursingHome(t *testing.T) {
	c := Default()
	housing := func(value string, on time.Time) record.Item {
		return with(item("Observation", loinc, "71802-3", on), func(it *record.Item) {
			it.ValueCodes = []record.Coding{{System: sct, Code: value, Display: map[string]string{"160734000": "Lives in nursing home", "160903007": "Lives in own home"}[value]}}
		})
	}
	turns66 := func(birthday string) record.Patient { return person("female", day(birthday)) }
	cases := []struct {
		name    string
		patient record.Patient
		items   []record.Item
		want    Status
	}{
		{"66 on the last day of the year", turns66("1960-12-31"), []record.Item{housing("160734000", day("2024-03-01"))}, Excluded},
		{"66 only the next year", turns66("1961-01-01"), []record.Item{housing("160734000", day("2024-03-01"))}, Due},
		{"a newer status: back home", turns66("1955-05-05"), []record.Item{housing("160734000", day("2024-03-01")), housing("160903007", day("2025-03-01"))}, Due},
		{"moved in after living at home", turns66("1955-05-05"), []record.Item{housing("160903007", day("2024-03-01")), housing("160734000", day("2025-03-01"))}, Excluded},
		{"moved in on the visit day", turns66("1955-05-05"), []record.Item{housing("160903007", day("2024-03-01")), housing("160734000", v)}, Excluded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(tc.patient, tc.items...), v, "colorectal_cancer")
			check(t, r, tc.want)
			if r.Status == Excluded && (r.Rule != "nursing_home" || !strings.Contains(r.Reason, "living in a nursing home — Lives in nursing home (result, ")) {
				t.Fatalf("rule %q, reason %q", r.Rule, r.Reason)
			}
		})
	}
	// Not a cervical screening exclusion (CMS124 has none).
	if r := result(t, c, chart(turns66("1960-01-01"), housing("160734000", day("2024-03-01"))), v, "cervical_cancer"); r.Status == Excluded {
		t.Fatalf("cervical: %s (%s)", r.Status, r.Reason)
	}
}

// CMS125/130/122/131: 66 or older at the end of the year, frail this year,
// and with an advanced illness that began (or a dementia medication order
// running) since January 1 of the year before.
func TestAdvancedIllnessAndFrailty(t *testing.T) {
	c := Default()
	var parts = map[string]*Group{}
	for _, x := range c.Exclusions {
		if x.ID == "advanced_illness_and_frailty" {
			for _, p := range x.Rules[0].AllOf {
				for _, g := range p.Evidence {
					parts[g.Name] = g
				}
			}
		}
	}
	code := func(name, typ string, on time.Time) record.Item {
		sys, cd := firstCode(parts[name])
		return item(typ, sys, cd, on)
	}
	frailDx := code("Frailty Diagnosis", "Condition", day("2026-02-01"))
	illness := func(onset string) record.Item { return code("Advanced Illness", "Condition", day(onset)) }
	med := func(intent string, from, to string) record.Item {
		return with(code("Dementia Medications", "MedicationRequest", day(from)), func(it *record.Item) {
			it.Status, it.Intent, it.Period = "active", intent, record.Period{Start: day(from), End: day(to)}
		})
	}
	old := person("female", day("1955-06-01"))
	cases := []struct {
		name    string
		patient record.Patient
		items   []record.Item
		want    Status
		check   bool
	}{
		{"66 on December 31, frail, illness since January 1 of last year", person("female", day("1960-12-31")), []record.Item{frailDx, illness("2025-01-01")}, Excluded, false},
		{"65 on December 31", person("female", day("1961-01-01")), []record.Item{frailDx, illness("2025-01-01")}, Due, false},
		{"illness began December 31 the year before last", old, []record.Item{frailDx, illness("2024-12-31")}, Due, false},
		{"frailty encounter last December", old, []record.Item{with(code("Frailty Encounter", "Encounter", day("2025-12-31")), func(it *record.Item) { it.Status = "finished" }), illness("2025-06-01")}, Due, false},
		{"frailty encounter on January 1", old, []record.Item{with(code("Frailty Encounter", "Encounter", day("2026-01-01")), func(it *record.Item) { it.Status = "finished" }), illness("2025-06-01")}, Excluded, false},
		{"frail, on a dementia medication through 2025", old, []record.Item{frailDx, med("order", "2024-06-01", "2025-01-01")}, Excluded, false},
		{"frail, dementia medication ended 2024", old, []record.Item{frailDx, med("order", "2024-01-01", "2024-12-31")}, Due, true},
		{"frail, dementia medication only planned", old, []record.Item{frailDx, med("plan", "2025-06-01", "2026-06-01")}, Due, true},
		{"a walker ordered (frailty device) and an illness", old, []record.Item{with(code("Frailty Device", "DeviceRequest", day("2026-03-01")), func(it *record.Item) { it.Status, it.Intent = "active", "order" }), illness("2025-06-01")}, Excluded, false},
		{"frail, no advanced illness on record: the list is partial", old, []record.Item{frailDx}, Due, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := result(t, c, chart(tc.patient, tc.items...), v, "colorectal_cancer")
			check(t, r, tc.want)
			if r.Status == Excluded && r.Rule != "advanced_illness_and_frailty" {
				t.Fatalf("rule %q", r.Rule)
			}
			if partial := strings.Contains(r.ReviewNote, "published only in part"); partial != tc.check {
				t.Fatalf("check note %q, want the partial-list check: %v", r.ReviewNote, tc.check)
			}
		})
	}
}

// A practice that switches the hospice exclusion off sees its hospice
// patients due again; the catalogue itself and the measure view keep it.
func TestExclusionSwitchedOffByPractice(t *testing.T) {
	c := Default()
	hospice := with(item("Encounter", sct, "183919006", day("2026-02-01")), func(it *record.Item) { it.Status = "finished" })
	rec := chart(person("female", day("1960-05-05")), hospice)
	check(t, result(t, c, rec, v, "breast_cancer"), Excluded)
	off, err := c.WithExclusionsOff([]string{"hospice"})
	if err != nil {
		t.Fatal(err)
	}
	check(t, result(t, off, rec, v, "breast_cancer"), Due)
	check(t, result(t, c, rec, v, "breast_cancer"), Excluded) // the original is unchanged
	for _, x := range off.ExclusionConcepts() {
		if x.On == (x.ID == "hospice") || x.Title == "" {
			t.Fatalf("concept %+v", x)
		}
	}
	if l := measureLine(t, off, rec, v, "CMS125"); l.Status != MeasureExcluded {
		t.Fatalf("the measure's own exclusion: %s (%s)", l.Status, l.Reason)
	}
	if _, err := c.WithExclusionsOff([]string{"no_such"}); err == nil {
		t.Fatal("an unknown exclusion id was accepted")
	}
}
