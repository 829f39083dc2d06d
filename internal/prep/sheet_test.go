package prep

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
)

const (
	loinc = "http://loinc.org"
	icd10 = "http://hl7.org/fhir/sid/icd-10-cm"
	cvx   = "http://hl7.org/fhir/sid/cvx"
	cpt   = "http://www.ama-assn.org/go/cpt"
)

func ago(years, months, days int) time.Time { return clinic.AddDate(-years, -months, -days) }

func it(typ, status, system, code, title string, on time.Time, f ...func(*record.Item)) record.Item {
	i := record.Item{Type: typ, ID: typ + code + on.Format("20060102") + status, Status: status, Date: on, Title: title,
		Codes: []record.Coding{{System: system, Code: code, Display: title}}}
	for _, g := range f {
		g(&i)
	}
	return i
}

func category(c string) func(*record.Item) {
	return func(i *record.Item) { i.Category = []record.Coding{{Code: c}} }
}

// A 58-year-old woman's chart with something in every section, and things
// that must stay out of them.
func sampleChart() record.Record {
	return record.Record{
		Patient: record.Patient{ID: "pat1", Name: "Grace Okafor", MRN: "2001234", Sex: "female", BirthDate: time.Date(1968, 3, 2, 0, 0, 0, 0, time.UTC)},
		Items: []record.Item{
			it("Condition", "active", icd10, "I10", "Essential hypertension", ago(4, 0, 0), category("problem-list-item")),
			it("Condition", "resolved", icd10, "J30.9", "Allergic rhinitis", ago(2, 0, 0)),
			it("Condition", "active", icd10, "K21.9", "GERD", ago(1, 0, 0), func(i *record.Item) { i.Verification = "entered-in-error" }),
			it("Condition", "active", icd10, "C18.9", "Colon cancer", ago(6, 0, 0), func(i *record.Item) { i.Verification = "refuted" }),
			it("Condition", "active", icd10, "J02.9", "Acute pharyngitis", ago(0, 1, 0), category("encounter-diagnosis")), // a visit's diagnosis, not a problem
			it("Observation", "final", loinc, "718-7", "Hemoglobin", ago(0, 2, 0), category("laboratory"), func(i *record.Item) { i.Value = &record.Quantity{Value: 13.456, Unit: "g/dL"} }),
			it("Observation", "final", loinc, "718-7", "Hemoglobin", ago(0, 8, 0), category("laboratory")),
			it("Observation", "final", loinc, "2160-0", "Creatinine", ago(0, 9, 0), category("laboratory")),
			it("Observation", "final", loinc, "3016-3", "TSH", ago(1, 1, 0), category("laboratory")),
			it("Observation", "preliminary", loinc, "1742-6", "ALT", ago(0, 1, 0), category("laboratory")),
			it("Observation", "final", loinc, "8867-4", "Heart rate", ago(0, 1, 0), category("vital-signs")),
			it("Observation", "final", loinc, "24606-6", "MG Breast Screening", ago(0, 6, 0), category("imaging")), // mammogram (an imaging result): complete
			it("DiagnosticReport", "final", loinc, "36643-5", "XR Chest 2 Views", ago(0, 3, 0), category("imaging")),
			it("DiagnosticReport", "final", loinc, "36643-5", "XR Chest 2 Views", ago(2, 0, 0), category("imaging")),
			it("DocumentReference", "current", loinc, "11488-4", "Cardiology Consult Note", ago(0, 4, 0)),
			it("DocumentReference", "current", loinc, "11506-3", "Progress Note", ago(0, 1, 0)),
			it("DocumentReference", "superseded", loinc, "11488-4", "Old Consult Note", ago(0, 5, 0)),
			it("Encounter", "finished", "", "", "Hospital Admission", ago(0, 7, 0), func(i *record.Item) { i.Class = "IMP"; i.Codes = nil }),
			it("Encounter", "finished", "", "", "Emergency Department Visit", ago(2, 0, 0), func(i *record.Item) { i.Class = "EMER"; i.Codes = nil }),
			it("Encounter", "finished", "", "", "Office Visit", ago(0, 1, 0), func(i *record.Item) { i.Class = "AMB"; i.Codes = nil }),
			it("Immunization", "completed", cvx, "43", "Hepatitis B", ago(3, 0, 0)),
			it("Immunization", "completed", cvx, "43", "Hepatitis B", ago(3, 1, 0)),
			it("Immunization", "completed", cvx, "43", "Hepatitis B", ago(2, 6, 0)),
			it("Immunization", "completed", cvx, "150", "Influenza", ago(0, 2, 0)),
			it("Immunization", "not-done", cvx, "187", "Zoster recombinant", ago(0, 1, 0)),
			it("Immunization", "completed", cvx, "115", "Tdap", ago(12, 0, 0), func(i *record.Item) { i.Subpotent = true }),
			it("Procedure", "completed", cpt, "45378", "Colonoscopy", time.Time{}), // undated: needs review
			it("Observation", "final", loinc, "85354-9", "Blood pressure", ago(0, 11, 10), category("vital-signs")),
			it("Observation", "final", loinc, "13955-0", "HCV antibody", ago(2, 0, 0), category("laboratory")), // a code to check
			it("Observation", "final", loinc, "72109-2", "AUDIT-C", ago(0, 6, 0), category("survey")),          // another, yearly
		},
	}
}

var appt = record.Appointment{ID: "a1", Start: clinic, Provider: "Ada Park, MD", VisitType: "Annual Physical", Status: "booked", PatientID: "pat1", PatientName: "G. Okafor"}

func titles(ls []Line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Title)
	}
	return out
}

func TestSheetHeaderAndSections(t *testing.T) {
	s := BuildSheet(appt, sampleChart(), screening.Default(), Options{})
	p := s.Patient
	if p.Name != "Grace Okafor" || p.MRN != "2001234" || *p.Age != 58 || p.Sex != "female" || p.BirthDate != "1968-03-02" ||
		!s.Time.Equal(clinic) || s.Provider != "Ada Park, MD" || s.VisitType != "Annual Physical" || s.Status != "booked" || s.Date != "2026-11-24" {
		t.Fatalf("header: %+v %+v", p, s)
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"conditions", titles(s.Conditions), []string{"GERD", "Essential hypertension"}[1:]}, // entered in error, refuted, resolved and encounter diagnoses stay out
		{"labs (12 months, newest of each, final only)", titles(s.Labs), []string{"Hemoglobin", "Creatinine"}},
		{"imaging (12 months)", titles(s.Imaging), []string{"XR Chest 2 Views", "MG Breast Screening"}},
		{"consults (no progress notes, current only)", titles(s.Consults), []string{"Cardiology Consult Note"}},
		{"hospital (12 months, inpatient and emergency)", titles(s.Hospital), []string{"Hospital Admission"}},
		{"immunizations (one line per vaccine, given and valid)", titles(s.Immunizations), []string{"Influenza", "Hepatitis B"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	if s.Labs[0].Detail != "13.46 g/dL" || s.Conditions[0].Detail != "I10" || s.Hospital[0].Detail != "inpatient" || s.Immunizations[1].Detail != "3 doses" {
		t.Errorf("details: %q %q %q %q", s.Labs[0].Detail, s.Conditions[0].Detail, s.Hospital[0].Detail, s.Immunizations[1].Detail)
	}
	// Lookbacks are per section: six months of labs, two years of hospital.
	s = BuildSheet(appt, sampleChart(), screening.Default(), Options{Labs: 190 * 24 * time.Hour, Hospital: 2*365*24*time.Hour + 48*time.Hour})
	if got := titles(s.Labs); !slices.Equal(got, []string{"Hemoglobin"}) {
		t.Errorf("six months of labs: %q", got)
	}
	if got := titles(s.Hospital); len(got) != 2 || len(s.Imaging) != 2 {
		t.Errorf("two years of hospital stays: %q; imaging still 12 months: %d", got, len(s.Imaging))
	}
	// The appointment's name stands in when the chart has none.
	rec := sampleChart()
	rec.Patient.Name = ""
	if s := BuildSheet(appt, rec, screening.Default(), Options{}); s.Patient.Name != "G. Okafor" {
		t.Errorf("fallback name: %q", s.Patient.Name)
	}
}

func TestSheetResultsOrder(t *testing.T) {
	cat := screening.Default()
	s := BuildSheet(appt, sampleChart(), cat, Options{})
	seen := map[screening.Status]bool{}
	// The order the issue asks for, written out (not the package's table).
	rank := []screening.Status{screening.Due, screening.DueSoon, screening.NeedsReview, screening.Complete, screening.Excluded, screening.NotApplicable}
	last := -1
	for _, r := range s.Results {
		if slices.Index(rank, r.Status) < last {
			t.Fatalf("%s (%s) after rank %d", r.ID, r.Status, last)
		}
		last = slices.Index(rank, r.Status)
		seen[r.Status] = true
		if r.Status == screening.NotApplicable || !cat.Find(r.ID).On() {
			t.Fatalf("%s should not be on the sheet: %s", r.ID, r.Status)
		}
	}
	for _, st := range []screening.Status{screening.Due, screening.DueSoon, screening.NeedsReview, screening.Complete} {
		if !seen[st] {
			t.Errorf("the sample chart gives no %s result", st)
		}
	}
	all := BuildSheet(appt, sampleChart(), cat, Options{ShowNotApplicable: true})
	if n := len(all.Results); n != len(cat.Enabled()) || all.Results[n-1].Status != screening.NotApplicable {
		t.Fatalf("with not-applicable: %d results for %d enabled, last %s", n, len(cat.Enabled()), all.Results[n-1].Status)
	}
	// The day row counts what the sheet shows.
	d := BuildDay("2026-11-24", clinic, false, []record.Appointment{appt}, map[string]record.Record{"pat1": sampleChart()}, nil, cat)
	var c Counts
	for _, r := range s.Results {
		switch r.Status {
		case screening.Due:
			c.Due++
		case screening.DueSoon:
			c.DueSoon++
		case screening.NeedsReview:
			c.NeedsReview++
		case screening.Complete:
			c.Complete++
		case screening.Excluded:
			c.Excluded++
		}
	}
	if d.Rows[0].Counts != c {
		t.Fatalf("row counts %+v, sheet %+v", d.Rows[0].Counts, c)
	}
}

func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// The JSON the app and the CLI read (documented in the package comment and
// mirrored in frontend/src/api/types.ts) keeps its names.
func TestJSONIsStable(t *testing.T) {
	cat := screening.Default()
	s := BuildSheet(appt, sampleChart(), cat, Options{})
	d := BuildDay("2026-11-24", clinic, true, []record.Appointment{appt}, map[string]record.Record{"pat1": sampleChart()}, map[string]bool{"pat1": true}, cat)
	s.Stale = true
	var withReview screening.Result
	for _, r := range BuildSheet(appt, sampleChart(), cat, Options{}).Results {
		if r.Review && !r.NextDue.IsZero() {
			withReview = r
		}
	}
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"day", d, "asOf catalogueVersion date partial rows"},
		{"row", d.Rows[0], "age appointmentId counts due inactive mrn patientId patientName provider sex stale status time visitType"},
		{"counts", d.Rows[0].Counts, "attention complete due dueSoon excluded needsReview"},
		{"sheet", s, "appointmentId conditions consults date hospital imaging immunizations labs measures notes patient provider results stale status time visitType"},
		{"patient", s.Patient, "age birthDate id mrn name sex"},
		{"line", s.Labs[0], "date detail title"},
		{"result", withReview, "details evidence id lastDone modality nextDue reason review reviewNote status title"},
		{"evidence", withReview.Evidence[0], "code date display id system type"},
		{"measure", measureWith(s.Measures, func(l screening.MeasureLine) bool { return l.Differs != "" && len(l.Evidence) > 0 }), "details differs evidence id reason screening status title year"},
	} {
		if got := strings.Join(jsonKeys(t, c.v), " "); got != c.want {
			t.Errorf("%s JSON keys:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestPrintAndText(t *testing.T) {
	cat := screening.Default()
	rec := sampleChart()
	rec.Patient.Name = `Grace <script>alert("x")</script> Okafor`
	s := BuildSheet(appt, rec, cat, Options{})
	var out bytes.Buffer
	if err := WritePrintHTML(&out, "2026-11-24", []Sheet{s, s}); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	title := regexp.MustCompile(`<title>(.*)</title>`).FindStringSubmatch(html)[1]
	for _, phi := range []string{"Grace", "Okafor", "2001234", "1968"} {
		if strings.Contains(title, phi) {
			t.Errorf("PHI %q in the print title %q", phi, title)
		}
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") || strings.Count(html, `<div class="sheet">`) != 2 {
		t.Fatal("print view does not escape or paginate")
	}
	if !strings.Contains(html, "Check: ") || !strings.Contains(html, "2001234") {
		t.Fatal("print view lacks the review note or the MRN")
	}

}

func TestDaySorting(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, time.UTC) }
	appts := []record.Appointment{
		{ID: "3", Start: at(10, 0), Provider: "Ben Osei", PatientID: "x", Status: "booked"},
		{ID: "1", Start: at(8, 0), Provider: "Cruz Diaz", PatientID: "y", Status: "cancelled"},
		{ID: "2", Start: at(8, 0), Provider: "Ada Park", PatientID: "z", Status: "arrived"},
	}
	d := BuildDay("2026-11-24", time.Time{}, false, appts, map[string]record.Record{}, nil, screening.Default())
	ids := func() string {
		var s []string
		for _, r := range d.Rows {
			s = append(s, r.AppointmentID)
		}
		return strings.Join(s, ",")
	}
	if ids() != "2,1,3" || d.AsOf != nil || !d.Rows[1].Inactive {
		t.Fatalf("by time: %s", ids())
	}
	SortRows(d.Rows, "provider")
	if ids() != "2,3,1" {
		t.Fatalf("by provider: %s", ids())
	}
	// A patient with no cached chart still gets a row, all needing review.
	if d.Rows[0].PatientName != "" || d.Rows[0].Counts.NeedsReview == 0 {
		t.Fatalf("row without a chart: %+v", d.Rows[0])
	}
}

// A fact missing from the chart is said once, at the top of the sheet, not
// in every screening it keeps from being decided.
func TestMissingFactSaidOnce(t *testing.T) {
	rec := sampleChart()
	rec.Patient.BirthDate = time.Time{}
	s := BuildSheet(appt, rec, screening.Default(), Options{})
	if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "birth date is not recorded in Epic") {
		t.Fatalf("notes %q", s.Notes)
	}
	n := 0
	for _, r := range s.Results {
		if r.Missing == "birth date" {
			n++
			if strings.Contains(r.Reason, "not recorded in Epic") {
				t.Fatalf("%s repeats the note: %q", r.ID, r.Reason)
			}
		}
	}
	if n < 10 || !strings.Contains(s.Notes[0], strconv.Itoa(n)+" screenings") {
		t.Fatalf("%d results wait for the birth date; note %q", n, s.Notes[0])
	}

}

// A done test with an out-of-range result is flagged on the sheet (with its
// value and date) and counted for the day's list.
func TestAttentionIsShownAndCounted(t *testing.T) {
	cat := screening.Default()
	rec := sampleChart()
	rec.Items = append(rec.Items,
		record.Item{Type: "Condition", ID: "dm", Status: "active", Date: clinic.AddDate(-5, 0, 0), Codes: []record.Coding{{System: "http://snomed.info/sct", Code: "44054006"}}},
		record.Item{Type: "Observation", ID: "a1c", Status: "final", Date: clinic.AddDate(0, -1, 0), HasValue: true, Title: "Hemoglobin A1c",
			Codes: []record.Coding{{System: loinc, Code: "4548-4", Display: "Hemoglobin A1c"}}, Value: &record.Quantity{Value: 9.8, Unit: "%"}})
	s := BuildSheet(appt, rec, cat, Options{})
	var flagged string
	for _, r := range s.Results {
		flagged += r.Attention
	}
	if flagged != "poor control: 9.8 % on "+clinic.AddDate(0, -1, 0).Format(time.DateOnly) {
		t.Fatalf("the sheet does not flag the A1c: %q", flagged)
	}
	d := BuildDay("2026-11-24", clinic, false, []record.Appointment{appt}, map[string]record.Record{"pat1": rec}, nil, cat)
	if d.Rows[0].Counts.Attention != 1 {
		t.Fatalf("counts %+v", d.Rows[0].Counts)
	}
}

func measureWith(ls []screening.MeasureLine, f func(screening.MeasureLine) bool) screening.MeasureLine {
	for _, l := range ls {
		if f(l) {
			return l
		}
	}
	return screening.MeasureLine{}
}

// The sheet carries the quality-measure view: one line per measure that
// counts the patient or whose screening applies, in JSON and in text.
func TestSheetMeasures(t *testing.T) {
	cat := screening.Default()
	s := BuildSheet(appt, sampleChart(), cat, Options{})
	byID := map[string]screening.MeasureLine{}
	for _, l := range s.Measures {
		byID[l.ID] = l
	}
	// 58, female, mammogram 6 months back: met for CMS125.
	if l := byID["CMS125"]; l.Status != screening.MeasureMet || l.Year != 2026 || l.Screening != "breast_cancer" {
		t.Fatalf("CMS125 %+v", l)
	}
	// Neither a screening that applies nor a measure that counts her: no
	// line (CMS153 chlamydia at 58, CMS124 is 24-64 and applies).
	if _, ok := byID["CMS153"]; ok {
		t.Fatal("CMS153 shown for a 58-year-old")
	}
	if _, ok := byID["CMS124"]; !ok {
		t.Fatal("CMS124 missing")
	}
	for _, r := range s.Results {
		if r.ID == "breast_cancer" && r.Measure != "CMS125" {
			t.Fatalf("breast_cancer names measure %q", r.Measure)
		}
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `"measures":[{"id":"`) {
		t.Fatal("no measures in the sheet JSON")
	}
	// A 41-year-old woman: due by the guideline, outside CMS125, and the
	// line says why.
	young := sampleChart()
	young.Patient.BirthDate = time.Date(1985, 3, 2, 0, 0, 0, 0, time.UTC)
	s = BuildSheet(appt, young, cat, Options{})
	l := measureWith(s.Measures, func(l screening.MeasureLine) bool { return l.ID == "CMS125" })
	if l.Status != screening.MeasureOutside || !strings.Contains(l.Differs, "from 40") {
		t.Fatalf("CMS125 for a 41-year-old: %+v", l)
	}
}

// A sheet carries each result's Details for support (the app shows them),
// though Evaluate alone leaves them out.
func TestSheetKeepsDetails(t *testing.T) {
	s := BuildSheet(appt, sampleChart(), screening.Default(), Options{})
	for _, r := range s.Results {
		if r.ID == "breast_cancer" && r.Status == screening.Complete {
			if !strings.Contains(r.Details, "24606-6") {
				t.Fatalf("the mammogram's details lack its code: %q", r.Details)
			}
			return
		}
	}
	t.Fatalf("no complete breast_cancer result on the sheet: %+v", s.Results)
}
