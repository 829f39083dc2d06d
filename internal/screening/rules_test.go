package screening

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Hand-written cases for the rules a generated table cannot state plainly.
// Each builds a small chart and says what the front desk should see.

var v = day("2026-11-24")

func TestAgeOnTheVisitDay(t *testing.T) {
	for _, c := range []struct {
		birth, on string
		age       int
	}{
		{"1981-11-24", "2026-11-24", 45}, // birthday today
		{"1981-11-25", "2026-11-24", 44}, // birthday tomorrow
		{"2008-02-29", "2026-02-28", 17}, // a leap-day birthday in a common year...
		{"2008-02-29", "2026-03-01", 18}, // ...is reached on Mar 1
		{"2008-02-29", "2028-02-29", 20}, // and on the day in a leap year
		{"2008-02-29", "2028-02-28", 19},
	} {
		if got := Age(day(c.birth), day(c.on)); got != c.age {
			t.Errorf("born %s, on %s: age %d, want %d", c.birth, c.on, got, c.age)
		}
	}
	if Age(time.Time{}, v) != -1 {
		t.Error("an unknown birth date must give -1")
	}
	cat := Default()
	// Depression screening starts at 18: a leap-day child is not 18 on Feb 28.
	p := person("female", day("2008-02-29"))
	check(t, result(t, cat, chart(p), day("2026-02-28"), "depression"), NotApplicable)
	check(t, result(t, cat, chart(p), day("2026-03-01"), "depression"), Due)
	// The visit's own calendar day counts, whatever its time zone: 23:30 in
	// New York on the 23rd is the 23rd, not the 24th.
	ny := time.FixedZone("EST", -5*3600)
	p = person("female", day("2008-11-24"))
	check(t, result(t, cat, chart(p), time.Date(2026, 11, 23, 23, 30, 0, 0, ny), "depression"), NotApplicable)
	check(t, result(t, cat, chart(p), time.Date(2026, 11, 24, 0, 30, 0, 0, ny), "depression"), Due)
}

func TestOnlyFinishedCareCounts(t *testing.T) {
	cat := Default()
	p := person("female", bornAged(55, v))
	fit := func(status string) record.Item {
		return with(item("Observation", loinc, "2335-8", v.AddDate(0, -2, 0)), func(it *record.Item) { it.Status = status })
	}
	colonoscopy := func(status string) record.Item {
		return with(item("Procedure", cpt, "45378", v.AddDate(-2, 0, 0)), func(it *record.Item) { it.Status = status })
	}
	for _, c := range []struct {
		name string
		it   record.Item
		want Status
	}{
		{"final FIT", fit("final"), Complete},
		{"amended FIT", fit("amended"), Complete},
		{"corrected FIT", fit("corrected"), Complete},
		{"preliminary FIT", fit("preliminary"), Due},
		{"registered FIT", fit("registered"), Due},
		{"cancelled FIT", fit("cancelled"), Due},
		{"FIT entered in error", fit("entered-in-error"), Due},
		{"FIT with no status", fit(""), Due},
		{"completed colonoscopy", colonoscopy("completed"), Complete},
		{"colonoscopy in progress", colonoscopy("in-progress"), Due},
		{"colonoscopy not done", colonoscopy("not-done"), Due},
		{"colonoscopy entered in error", colonoscopy("entered-in-error"), Due},
		{"colonoscopy code on an Observation", item("Observation", cpt, "45378", v.AddDate(-2, 0, 0)), Due},
		{"a CPT code under the LOINC system", item("Procedure", loinc, "45378", v.AddDate(-2, 0, 0)), Due},
		{"an unknown code", item("Procedure", cpt, "99999", v.AddDate(-2, 0, 0)), Due},
		{"a code with no system", item("Procedure", "", "45378", v.AddDate(-2, 0, 0)), Due},
		{"colonoscopy dated tomorrow", item("Procedure", cpt, "45378", v.AddDate(0, 0, 1)), Due},
	} {
		r := result(t, cat, chart(p, c.it), v, "colorectal_cancer")
		if r.Status != c.want {
			t.Errorf("%s: %s, want %s (%s)", c.name, r.Status, c.want, r.Reason)
		}
	}
	// A newer entered-in-error copy must not hide the real, older result.
	r := result(t, cat, chart(p, colonoscopy("completed"), with(colonoscopy("entered-in-error"), func(it *record.Item) { it.Date = v.AddDate(0, 0, -1) })), v, "colorectal_cancer")
	if r.Status != Complete || ymdOf(r.LastDone) != ymdOf(v.AddDate(-2, 0, 0)) {
		t.Errorf("entered-in-error copy: %s last %s", r.Status, ymdOf(r.LastDone))
	}
	// Vaccines: not done or subpotent doses do not count.
	old := person("male", bornAged(70, v))
	rsv := item("Immunization", cvx, "303", v.AddDate(0, -3, 0))
	check(t, result(t, cat, chart(person("male", bornAged(80, v)), rsv), v, "rsv"), Complete)
	check(t, result(t, cat, chart(person("male", bornAged(80, v)), with(rsv, func(it *record.Item) { it.Status = "not-done" })), v, "rsv"), Due)
	check(t, result(t, cat, chart(person("male", bornAged(80, v)), with(rsv, func(it *record.Item) { it.Subpotent = true })), v, "rsv"), Due)
	_ = old
}

func TestDatelessEvidenceAsksForReview(t *testing.T) {
	cat := Default()
	p := person("male", bornAged(60, v))
	undated := item("Procedure", cpt, "45378", time.Time{})
	r := result(t, cat, chart(p, undated), v, "colorectal_cancer")
	// Never treated as today: it cannot complete the screening.
	if r.Status != NeedsReview || !r.LastDone.IsZero() || !r.NextDue.IsZero() || !strings.Contains(r.Reason, "without a date") {
		t.Fatalf("undated colonoscopy: %+v", r)
	}
	if len(r.Evidence) != 1 || r.Evidence[0].ID != undated.ID {
		t.Fatalf("the undated evidence is not shown: %+v", r.Evidence)
	}
	// Next to an overdue dated one, the undated one may be the newer: review.
	r = result(t, cat, chart(p, undated, item("Procedure", cpt, "45378", v.AddDate(-12, 0, 0))), v, "colorectal_cancer")
	if r.Status != NeedsReview || ymdOf(r.LastDone) != ymdOf(v.AddDate(-12, 0, 0)) || !strings.Contains(r.Reason, "no date") {
		t.Fatalf("undated beside overdue: %+v", r)
	}
	// Next to a current dated one, it changes nothing.
	check(t, result(t, cat, chart(p, undated, item("Procedure", cpt, "45378", v.AddDate(-2, 0, 0))), v, "colorectal_cancer"), Complete)
	// A vaccine series with an undated dose.
	z := []record.Item{item("Immunization", cvx, "187", v.AddDate(-1, 0, 0)), item("Immunization", cvx, "187", time.Time{})}
	check(t, result(t, cat, chart(p, z...), v, "zoster"), NeedsReview)
	// An undated exclusion still excludes (a condition with no onset date).
	check(t, result(t, cat, chart(p, item("Condition", icd10, "C18.9", time.Time{})), v, "colorectal_cancer"), Excluded)
}

func TestMissingDemographics(t *testing.T) {
	cat := Default()
	noSex := person("", bornAged(50, v))
	got := map[string]Status{}
	for _, r := range Evaluate(chart(noSex), cat, v) {
		got[r.ID] = r.Status
	}
	// Sex-specific screenings cannot be decided; the rest can.
	for id, want := range map[string]Status{"breast_cancer": NeedsReview, "cervical_cancer": NeedsReview, "aaa": NotApplicable,
		"blood_pressure": Due, "colorectal_cancer": Due, "diabetes_a1c": NotApplicable} {
		if got[id] != want {
			t.Errorf("no sex recorded, %s: %s, want %s", id, got[id], want)
		}
	}
	// aaa is 65-75: at 50 the age alone rules it out.
	for _, r := range Evaluate(chart(person("female", time.Time{})), cat, v) {
		want := NeedsReview
		if len(cat.Find(r.ID).Triggers) > 0 {
			want = NotApplicable // no diabetes on record: no age needed to say so
		}
		if r.ID == "aaa" || r.ID == "prostate_psa" {
			want = NotApplicable // for men only
		}
		if r.Status != want {
			t.Errorf("no birth date, %s: %s, want %s (%s)", r.ID, r.Status, want, r.Reason)
		}
	}
}

func TestSexForClinicalUse(t *testing.T) {
	cat := Default()
	patient := func(ext string) record.Record {
		raw := `{"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1970-03-01"` + ext + `}`
		rec, errs := record.FromFHIR([]json.RawMessage{json.RawMessage(raw)})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return rec
	}
	epic := `,"extension":[{"url":"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use",
		"valueCodeableConcept":{"coding":[{"system":"urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130.657370.19999000","code":"female"}]}}]`
	hl7 := `,"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse",
		"extension":[{"url":"value","valueCodeableConcept":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/sex-parameter-for-clinical-use","code":"female-typical"}]}}]}]`
	unsure := `,"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse",
		"extension":[{"url":"value","valueCodeableConcept":{"coding":[{"code":"specified"}]}}]}]`
	check(t, result(t, cat, patient(""), v, "breast_cancer"), NotApplicable)
	check(t, result(t, cat, patient(epic), v, "breast_cancer"), Due)
	check(t, result(t, cat, patient(hl7), v, "breast_cancer"), Due)
	check(t, result(t, cat, patient(unsure), v, "breast_cancer"), NotApplicable) // the gender stands
	check(t, result(t, cat, patient(epic), v, "aaa"), NotApplicable)
}

func TestRiskGroupVariants(t *testing.T) {
	cat := Default()
	p := person("male", bornAged(50, v))
	diabetes := item("Condition", icd10, "E11.9", v.AddDate(-5, 0, 0))
	bmi := with(item("Observation", loinc, "39156-5", v.AddDate(-1, 0, 0)), func(it *record.Item) { it.Value = &record.Quantity{Value: 31} })
	glucose := item("Observation", loinc, "4548-4", v.AddDate(0, -7, 0)) // an A1C seven months ago

	// Without diabetes the general screening applies: glycemic test every 3 years.
	check(t, result(t, cat, chart(p, bmi, glucose), v, "prediabetes_t2d"), Complete)
	check(t, result(t, cat, chart(p, bmi, glucose), v, "diabetes_a1c"), NotApplicable)
	// With diabetes the specific one replaces it: A1C every 6 months.
	r := result(t, cat, chart(p, bmi, glucose, diabetes), v, "prediabetes_t2d")
	if r.Status != Excluded || r.Rule != "diabetes_dx" {
		t.Fatalf("prediabetes screening for a diabetic: %s %s", r.Status, r.Rule)
	}
	r = result(t, cat, chart(p, bmi, glucose, diabetes), v, "diabetes_a1c")
	if r.Status != Due || ymdOf(r.NextDue) != ymdOf(v.AddDate(0, -1, 0)) || r.Rule != "diabetes" {
		t.Fatalf("A1C seven months ago for a diabetic: %s next %s rule %s", r.Status, ymdOf(r.NextDue), r.Rule)
	}
	check(t, result(t, cat, chart(p, diabetes, item("Observation", loinc, "4548-4", v.AddDate(0, -5, 0))), v, "diabetes_a1c"), DueSoon)
	check(t, result(t, cat, chart(p, diabetes, item("Observation", loinc, "4548-4", v.AddDate(0, -4, 0))), v, "diabetes_a1c"), Complete)
	// An A1C coded without the ICD-10 dot (E119) is the same code.
	check(t, result(t, cat, chart(p, item("Condition", icd10, "E119", v.AddDate(-1, 0, 0))), v, "diabetes_a1c"), Due)

	// Hypertension: blood pressure yearly at 30 instead of every 3 years.
	young := person("female", bornAged(30, v))
	bp := item("Observation", loinc, "85354-9", v.AddDate(-2, 0, 0))
	r = result(t, cat, chart(young, bp), v, "blood_pressure")
	if r.Status != Complete || r.Variant != "" || ymdOf(r.NextDue) != ymdOf(v.AddDate(1, 0, 0)) {
		t.Fatalf("BP at 30 without hypertension: %+v", r)
	}
	htn := item("Condition", icd10, "I10", v.AddDate(-3, 0, 0))
	r = result(t, cat, chart(young, bp, htn), v, "blood_pressure")
	if r.Status != Due || r.Variant != "essential_hypertension" || r.Title != "Hypertension: blood pressure control check" {
		t.Fatalf("BP at 30 with hypertension: %+v", r)
	}
	// A resolved condition no longer changes the interval.
	check(t, result(t, cat, chart(young, bp, with(htn, func(it *record.Item) { it.Status = "resolved" })), v, "blood_pressure"), Complete)

	// Diabetes: lipids yearly instead of 5-yearly, a variant no guideline fixes.
	ldl := item("Observation", loinc, "13457-7", v.AddDate(-2, 0, 0))
	check(t, result(t, cat, chart(p, ldl), v, "lipid_cv_risk"), Complete)
	r = result(t, cat, chart(p, ldl, diabetes), v, "lipid_cv_risk")
	if r.Status != Due || !r.Review || r.Variant != "diabetes" {
		t.Fatalf("lipids for a diabetic: %+v", r)
	}

	// Diabetes lifts hepatitis B vaccination's upper age.
	old := person("female", bornAged(65, v))
	check(t, result(t, cat, chart(old), v, "hepatitis_b_vaccine"), NotApplicable)
	check(t, result(t, cat, chart(old, diabetes), v, "hepatitis_b_vaccine"), Due)
}

func TestVaccines(t *testing.T) {
	cat := Default()
	p := person("female", bornAged(66, v))
	dose := func(code string, on time.Time) record.Item { return item("Immunization", cvx, code, on) }
	for _, c := range []struct {
		name, id string
		doses    []record.Item
		want     Status
		reason   string
	}{
		// Influenza: one dose since this season began (Aug 1).
		{"flu on Aug 1", "influenza", []record.Item{dose("150", day("2026-08-01"))}, Complete, ""},
		{"flu on Jul 31", "influenza", []record.Item{dose("150", day("2026-07-31"))}, Due, "before this season"},
		{"flu by CPT", "influenza", []record.Item{item("Procedure", cpt, "90686", day("2026-10-01"))}, Complete, ""},
		// Zoster: two RZV doses at least 4 weeks apart; the live vaccine (121) is not RZV.
		{"RZV x2, 8 weeks apart", "zoster", []record.Item{dose("187", v.AddDate(-1, 0, 0)), dose("187", v.AddDate(-1, 2, 0))}, Complete, ""},
		{"RZV x2, 2 weeks apart", "zoster", []record.Item{dose("187", v.AddDate(-1, 0, 0)), dose("187", v.AddDate(-1, 0, 14))}, Due, "does not count"},
		{"RZV x1", "zoster", []record.Item{dose("187", v.AddDate(-1, 0, 0))}, Due, "1 of 2 doses"},
		{"live zoster x2", "zoster", []record.Item{dose("121", v.AddDate(-9, 0, 0)), dose("121", v.AddDate(-8, 0, 0))}, Due, "nothing on record"},
		// Pneumococcal (50+): PCV20/21 alone, or PCV15 then PPSV23 a year later.
		{"PCV20", "pneumococcal", []record.Item{dose("216", v.AddDate(-1, 0, 0))}, Complete, ""},
		{"PCV21", "pneumococcal", []record.Item{dose("327", v.AddDate(-1, 0, 0))}, Complete, ""},
		{"PCV13 alone", "pneumococcal", []record.Item{dose("133", v.AddDate(-6, 0, 0))}, Due, ""},
		{"PCV15 then PPSV23 a year later", "pneumococcal", []record.Item{dose("215", v.AddDate(-2, 0, 0)), dose("33", v.AddDate(-1, 0, 0))}, Complete, ""},
		{"PCV15 then PPSV23 too soon", "pneumococcal", []record.Item{dose("215", v.AddDate(-2, 0, 0)), dose("33", v.AddDate(-1, 0, -1))}, Due, "PPSV23 from " + ymdOf(v.AddDate(-1, 0, 0))},
		{"PPSV23 then PCV15", "pneumococcal", []record.Item{dose("33", v.AddDate(-3, 0, 0)), dose("215", v.AddDate(-1, 0, 0))}, Due, "PPSV23 from"},
		{"PCV15 alone", "pneumococcal", []record.Item{dose("215", v.AddDate(0, -3, 0))}, Due, "completes it"},
		// RSV (75+): once.
		{"RSV once", "rsv", []record.Item{dose("303", v.AddDate(-1, 0, 0))}, NotApplicable, ""}, // 66 is under 75
		// Td/Tdap every 10 years, due soon 90 days ahead.
		{"Tdap 9 years 10 months ago", "td_tdap", []record.Item{dose("115", v.AddDate(-9, -10, 0))}, DueSoon, ""},
		{"Tdap by CVX 09 (leading zero)", "td_tdap", []record.Item{dose("09", v.AddDate(-1, 0, 0))}, Complete, ""},
	} {
		r := result(t, cat, chart(p, c.doses...), v, c.id)
		if r.Status != c.want || !strings.Contains(r.Reason, c.reason) {
			t.Errorf("%s: %s (%s), want %s with %q", c.name, r.Status, r.Reason, c.want, c.reason)
		}
	}
	// Hepatitis B at 40: three doses, or two of Heplisav-B.
	p = person("male", bornAged(40, v))
	hep := func(code string, months ...int) []record.Item {
		var out []record.Item
		for _, m := range months {
			out = append(out, dose(code, v.AddDate(-2, m, 0)))
		}
		return out
	}
	check(t, result(t, cat, chart(p, hep("43", 0, 1, 6)...), v, "hepatitis_b_vaccine"), Complete)
	check(t, result(t, cat, chart(p, hep("43", 0, 1)...), v, "hepatitis_b_vaccine"), Due)
	check(t, result(t, cat, chart(p, hep("189", 0, 1)...), v, "hepatitis_b_vaccine"), Complete)
	// Flu in July 2026 of the 2025 season: still covered until Aug 1.
	r := result(t, cat, chart(p, dose("150", day("2025-10-01"))), day("2026-07-15"), "influenza")
	if r.Status != Complete || ymdOf(r.NextDue) != "2026-08-01" {
		t.Fatalf("last season's dose in July: %s next %s", r.Status, ymdOf(r.NextDue))
	}
}

func TestICD10Prefixes(t *testing.T) {
	cat := Default()
	p := person("male", bornAged(60, v))
	smoker := item("Condition", sct, "77176002", v.AddDate(-10, 0, 0))
	for code, excluded := range map[string]bool{
		"C34.90": true, "C34.1": true, "C34": true, "C3490": true, // the C34 category, with or without the dot
		"C35": false, "C3": false, "C43.9": false,
	} {
		r := result(t, cat, chart(p, smoker, item("Condition", icd10, code, v.AddDate(-1, 0, 0))), v, "lung_cancer")
		if (r.Status == Excluded) != excluded {
			t.Errorf("lung cancer with %s: %s", code, r.Status)
		}
	}
	// An explicit prefix (E11.*) in a practice's catalogue.
	c, err := Parse([]byte(`version: t
screenings:
- id: t2d
  title: Type 2 diabetes follow-up
  sexes: [female, male]
  min_age: 18
  triggers:
  - id: t2d
    evidence:
    - name: Type 2 diabetes
      codes:
        icd10cm: [E11.*]
  modalities:
  - id: a1c
    interval: P6M
    resources: [Observation]
    evidence:
    - name: A1C
      codes:
        loinc: [4548-4]
`))
	if err != nil {
		t.Fatal(err)
	}
	for code, applies := range map[string]bool{"E11.9": true, "E11.65": true, "E1165": true, "E11": true, "E10.9": false, "E1": false, "E111.0": true} {
		r := result(t, c, chart(p, item("Condition", icd10, code, v.AddDate(-1, 0, 0))), v, "t2d")
		if (r.Status != NotApplicable) != applies {
			t.Errorf("E11.* with %s: %s", code, r.Status)
		}
	}
}

func TestKeywordsInTitles(t *testing.T) {
	cat := Default()
	p := person("female", bornAged(55, v))
	doc := func(title string, on time.Time) record.Item {
		return record.Item{Type: "DocumentReference", ID: "doc-" + title, Status: "current", Date: on, Title: title}
	}
	for title, matches := range map[string]bool{
		"Outside COLONOSCOPY report":   true,
		"colonoscopy":                  true,
		"Pre-colonoscopy instructions": true, // a hyphen ends a word: matched, and marked "check"
		"Colonoscopyreport":            false,
		"Colonoscopies 2019":           false,
		"Sigmoidoscopy":                false,
	} {
		r := result(t, cat, chart(p, doc(title, v.AddDate(-3, 0, 0))), v, "colorectal_cancer")
		if got := r.Status == Complete; got != matches {
			t.Errorf("document %q: %s", title, r.Status)
		}
		if matches && (!r.Review || !strings.Contains(r.ReviewNote, "title") || r.Evidence[0].Code != "") {
			t.Errorf("a title match is not marked for review: %+v", r)
		}
	}
	// Reports too; a superseded document does not count; an undated one asks.
	report := record.Item{Type: "DiagnosticReport", ID: "dr1", Status: "final", Date: v.AddDate(-1, 0, 0), Title: "Screening Mammogram bilateral"}
	check(t, result(t, cat, chart(p, report), v, "breast_cancer"), Complete)
	check(t, result(t, cat, chart(p, with(report, func(it *record.Item) { it.Status = "preliminary" })), v, "breast_cancer"), Due)
	check(t, result(t, cat, chart(p, with(doc("Mammogram", v.AddDate(-1, 0, 0)), func(it *record.Item) { it.Status = "superseded" })), v, "breast_cancer"), Due)
	check(t, result(t, cat, chart(p, doc("Mammogram", time.Time{})), v, "breast_cancer"), NeedsReview)
	// Coded evidence of the same day wins over the title: no "check".
	coded := with(report, func(it *record.Item) { it.Codes = []record.Coding{{System: loinc, Code: "24606-6"}} })
	if r := result(t, cat, chart(p, coded), v, "breast_cancer"); r.Status != Complete || r.Review {
		t.Fatalf("coded mammogram with a matching title: %+v", r)
	}
}

func TestRulesOnValuesAndParts(t *testing.T) {
	cat := Default()
	p := person("male", bornAged(60, v))
	// A tobacco user recorded as a smoking-status Observation's value.
	status := record.Item{Type: "Observation", ID: "o1", Status: "final", Date: v.AddDate(0, -1, 0),
		Codes: []record.Coding{{System: loinc, Code: "72166-2"}}, ValueCodes: []record.Coding{{System: sct, Code: "449868002", Display: "Smokes tobacco daily"}}}
	r := result(t, cat, chart(p, status), v, "lung_cancer")
	if r.Status != NeedsReview || r.Rule != "tobacco_user" || !strings.Contains(r.Reason, "pack-years") {
		t.Fatalf("smoker by value: %+v", r)
	}
	// The same code as a value does not count where values are not read.
	if r := result(t, cat, chart(p, status), v, "tobacco_use"); r.Status != Complete {
		t.Fatalf("tobacco screening from a smoking status: %+v", r)
	}
	// BMI threshold: the newest measurement decides.
	bmi := func(val float64, monthsAgo int) record.Item {
		return with(item("Observation", loinc, "39156-5", v.AddDate(0, -monthsAgo, 0)), func(it *record.Item) { it.Value = &record.Quantity{Value: val} })
	}
	check(t, result(t, cat, chart(p, bmi(31, 24), bmi(24.5, 2)), v, "prediabetes_t2d"), NotApplicable)
	check(t, result(t, cat, chart(p, bmi(24.5, 24), bmi(25, 2)), v, "prediabetes_t2d"), Due)
	// Left and right mastectomy together exclude; one side does not.
	f := person("female", bornAged(55, v))
	left := item("Procedure", sct, "428571003", v.AddDate(-5, 0, 0))
	right := item("Condition", icd10, "Z90.11", v.AddDate(-3, 0, 0))
	check(t, result(t, cat, chart(f, left), v, "breast_cancer"), Due)
	r = result(t, cat, chart(f, left, right), v, "breast_cancer")
	if r.Status != Excluded || len(r.Evidence) != 2 {
		t.Fatalf("both sides: %+v", r)
	}
}

func TestReviewFlags(t *testing.T) {
	cat := Default()
	p := person("male", bornAged(60, v))
	// A code from a group no value set confirms (CPT 81528, stool DNA).
	r := result(t, cat, chart(p, item("Observation", cpt, "81528", v.AddDate(-1, 0, 0))), v, "colorectal_cancer")
	if r.Status != Complete || !r.Review || !strings.Contains(r.ReviewNote, "outside the standard list") || !strings.Contains(r.Details, "CPT multitarget stool DNA") {
		t.Fatalf("unverified code: %+v", r)
	}
	// The same screening done by a confirmed code needs no check.
	if r := result(t, cat, chart(p, item("Observation", loinc, "77353-1", v.AddDate(-1, 0, 0))), v, "colorectal_cancer"); r.Review {
		t.Fatalf("a confirmed code marked for review: %+v", r)
	}
	// An interval no guideline fixes (bone density every 2 years), decided
	// by a confirmed code.
	f := person("female", bornAged(70, v))
	r = result(t, cat, chart(f, item("Observation", loinc, "38269-7", v.AddDate(-1, 0, 0))), v, "osteoporosis")
	if r.Status != Complete || !r.Review || !strings.Contains(r.ReviewNote, "every 2 years") || !strings.Contains(r.Details, "interval P2Y") {
		t.Fatalf("unverified interval: %+v", r)
	}
	// A lifetime modality has no interval to doubt.
	if r := result(t, cat, chart(p, item("Observation", loinc, "75622-1", v.AddDate(-1, 0, 0))), v, "hiv"); r.Status != Complete || r.Review {
		t.Fatalf("HIV test once: %+v", r)
	}
}
