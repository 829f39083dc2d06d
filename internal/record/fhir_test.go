package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func raws(ss ...string) []json.RawMessage {
	var out []json.RawMessage
	for _, s := range ss {
		out = append(out, json.RawMessage(s))
	}
	return out
}

func TestPatient(t *testing.T) {
	rec, errs := FromFHIR(raws(`{"resourceType":"Patient","id":"eABC","gender":"Female","birthDate":"1987-09-12",
		"identifier":[{"system":"urn:oid:1.2.3","value":"X1"},{"type":{"text":"MRN"},"system":"urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14","value":"203713"}],
		"name":[{"use":"usual","text":"Cami Lopez"},{"use":"official","given":["Camila","Maria"],"family":"Lopez"}]}`))
	p := rec.Patient
	if len(errs) > 0 || p.ID != "eABC" || p.Sex != "female" || p.MRN != "203713" || p.Name != "Camila Maria Lopez" || p.BirthDate.Format(time.DateOnly) != "1987-09-12" {
		t.Fatalf("%+v %v", p, errs)
	}
	// Missing facts stay missing: no guessed sex or birth date.
	rec, _ = FromFHIR(raws(`{"resourceType":"Patient","id":"p","birthDate":"1987-09"}`))
	if rec.Patient.Sex != "" || !rec.Patient.BirthDate.IsZero() {
		t.Fatalf("guessed: %+v", rec.Patient)
	}
	// Sex for clinical use, Epic's and HL7's, over the administrative gender.
	for ext, want := range map[string]string{
		`{"url":"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use","valueCodeableConcept":{"coding":[{"code":"female"}]}}`:                                                                                     "female",
		`{"url":"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use","valueCode":"F"}`:                                                                                                                           "female",
		`{"url":"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse","extension":[{"url":"value","valueCodeableConcept":{"coding":[{"code":"female-typical"}]}},{"url":"period","valuePeriod":{"start":"2020"}}]}`: "female",
		`{"url":"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse","extension":[{"url":"value","valueCodeableConcept":{"coding":[{"code":"specified"}]}}]}`:                                                      "male",
		`{"url":"http://example.org/other","valueCode":"female"}`: "male",
	} {
		rec, _ := FromFHIR(raws(`{"resourceType":"Patient","id":"p","gender":"male","extension":[` + ext + `]}`))
		if rec.Patient.Sex != want {
			t.Errorf("%s: sex %q, want %q", ext, rec.Patient.Sex, want)
		}
	}
}

// Patient.deceased[x] (CMS349's exception): the date when sent, the
// boolean alone otherwise; absent or false is alive.
func TestDeceased(t *testing.T) {
	for body, want := range map[string]string{
		`"deceasedDateTime":"2026-03-04T10:00:00-05:00"`: "true 2026-03-04",
		`"deceasedBoolean":true`:                         "true ",
		`"deceasedBoolean":false`:                        "false ",
		`"deceasedDateTime":"not a date"`:                "false ",
		`"gender":"male"`:                                "false ",
	} {
		rec, _ := FromFHIR(raws(`{"resourceType":"Patient","id":"p",` + body + `}`))
		got := fmt.Sprint(rec.Patient.Deceased, " ")
		if !rec.Patient.DeceasedDate.IsZero() {
			got += rec.Patient.DeceasedDate.Format(time.DateOnly)
		}
		if got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}

func TestItems(t *testing.T) {
	rec, errs := FromFHIR(raws(
		`{"resourceType":"Observation","id":"o1","status":"Final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
		  "code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}],"text":"HbA1c"},
		  "effectivePeriod":{"start":"2026-05-01T08:30:00-05:00"},"valueQuantity":{"value":6.8,"unit":"%"}}`,
		`{"resourceType":"Observation","id":"o2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},
		  "issued":"2026-02-03T10:00:00Z","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"449868002"}]}}`,
		`{"resourceType":"Condition","id":"c1","clinicalStatus":{"coding":[{"code":"Resolved"}]},"verificationStatus":{"coding":[{"code":"confirmed"}]},
		  "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"Z90.12"},{"system":"http://snomed.info/sct","code":"429009003"}]},
		  "recordedDate":"2019-04-01","bodySite":[{"coding":[{"code":"7771000"}]}]}`,
		`{"resourceType":"Procedure","id":"pr1","status":"completed","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"45378"}]},"performedPeriod":{"start":"2019-03-02"}}`,
		`{"resourceType":"Immunization","id":"i1","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"occurrenceDateTime":"2025-10-01","isSubpotent":true}`,
		`{"resourceType":"DocumentReference","id":"d1","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"11488-4"}],"text":"Consult note"},
		  "description":"Outside colonoscopy report","date":"2024-06-01T12:00:00Z","category":[{"text":"clinical-note"}]}`,
		`{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"IMP"},"type":[{"text":"Hospital Admission"}],"period":{"start":"2026-01-10T03:00:00Z"}}`,
		`{"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"XR Chest"}}`,
		`{"resourceType":"OperationOutcome","id":"oo"}`,
	))
	if len(errs) > 0 || len(rec.Items) != 8 {
		t.Fatalf("%d items, errors %v", len(rec.Items), errs)
	}
	by := map[string]Item{}
	for _, it := range rec.Items {
		by[it.ID] = it
	}
	o := by["o1"]
	if o.Status != "final" || o.Title != "HbA1c" || o.Codes[0].Code != "4548-4" || o.Value.Value != 6.8 || o.Category[0].Code != "laboratory" ||
		o.Date.Format(time.RFC3339) != "2026-05-01T08:30:00-05:00" {
		t.Errorf("observation: %+v", o)
	}
	if o := by["o2"]; o.ValueCodes[0].Code != "449868002" || o.Date.IsZero() {
		t.Errorf("observation value and issued date: %+v", o)
	}
	if c := by["c1"]; c.Status != "resolved" || c.Verification != "confirmed" || len(c.Codes) != 2 || c.Date.Format(time.DateOnly) != "2019-04-01" || c.BodySite[0].Code != "7771000" {
		t.Errorf("condition: %+v", c)
	}
	if p := by["pr1"]; p.Date.Format(time.DateOnly) != "2019-03-02" {
		t.Errorf("procedure period start: %+v", p)
	}
	if i := by["i1"]; !i.Subpotent || i.Codes[0].Code != "187" {
		t.Errorf("immunization: %+v", i)
	}
	if d := by["d1"]; d.Title != "Outside colonoscopy report" || d.Codes[0].Code != "11488-4" || d.Category[0].Code != "clinical-note" {
		t.Errorf("document: %+v", d)
	}
	if e := by["e1"]; e.Class != "IMP" || e.Title != "Hospital Admission" || e.Date.IsZero() {
		t.Errorf("encounter: %+v", e)
	}
	if r := by["r1"]; !r.Date.IsZero() || r.Title != "XR Chest" {
		t.Errorf("report without a date: %+v", r)
	}
}

func TestOddInput(t *testing.T) {
	rec, errs := FromFHIR(raws(
		`{"resourceType":"Procedure","id":"ok","status":"completed"}`,
		`not json`,
		`{"id":"no-type"}`,
		`{"resourceType":"Observation","id":"bad-value","valueQuantity":{"value":"six"}}`,
		`{"resourceType":"Observation","id":"dup","status":"preliminary","status":"final"}`,
		"{\"resourceType\":\"Observation\",\"id\":\"utf\",\"status\":\"final\",\"code\":{\"text\":\"bad \xff byte\"}}",
		`{"resourceType":"Observation","id":"case","Status":"final","effectiveDateTime":"not a date"}`,
		`null`,
		`[]`,
	))
	ids := []string{}
	for _, it := range rec.Items {
		ids = append(ids, it.ID)
	}
	if got := strings.Join(ids, ","); got != "ok,dup,utf,case" {
		t.Fatalf("items %s", got)
	}
	if len(errs) != 5 { // not json, no type (twice, with null), a string for a number, an array
		t.Fatalf("%d errors: %v", len(errs), errs)
	}
	for _, it := range rec.Items {
		switch it.ID {
		case "dup":
			if it.Status != "final" {
				t.Errorf("duplicate names: the last should win, got %q", it.Status)
			}
		case "case":
			// FHIR names are case-sensitive: "Status" is not status.
			if it.Status != "" || !it.Date.IsZero() {
				t.Errorf("case or bad date: %+v", it)
			}
		}
	}
}

// byID reads resources that must all be readable, by id.
func byID(t *testing.T, ss ...string) map[string]Item {
	t.Helper()
	rec, errs := FromFHIR(raws(ss...))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	out := map[string]Item{}
	for _, it := range rec.Items {
		out[it.ID] = it
	}
	return out
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Each type is read by its own shape: an element whose shape differs
// between types does not make a valid resource unreadable, and types the
// prep does not use are skipped without a word (issue 19).
func TestShapesPerType(t *testing.T) {
	rec, errs := FromFHIR(raws(
		`{"resourceType":"Organization","id":"org","name":"Valley Clinic","type":[{"text":"prov"}]}`,
		`{"resourceType":"Goal","id":"g","lifecycleStatus":"active","description":{"text":"Lose weight"},"subject":{"reference":"Patient/p"}}`,
		`{"resourceType":"Provenance","id":"pv","target":[{"reference":"Observation/bp"}],"recorded":"2026-01-01T00:00:00Z","agent":[{"who":{"display":"x"}}]}`,
		`{"resourceType":"Observation","id":"bp","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
		  "effectiveDateTime":"2026-03-02","bodySite":{"coding":[{"system":"http://snomed.info/sct","code":"368209003","display":"Right arm"}]},
		  "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":142,"unit":"mmHg","code":"mm[Hg]"}},
		               {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":91,"unit":"mmHg"}}]}`,
		`{"resourceType":"Procedure","id":"pr","status":"completed","category":{"coding":[{"code":"387713003"}]},"code":{"text":"x"},"bodySite":[{"text":"breast"}]}`,
		`{"resourceType":"Encounter","id":"e","status":"finished","class":{"code":"AMB"},"type":[{"coding":[{"code":"99213"}]},{"coding":[{"code":"185349003"}]}]}`,
	))
	if len(errs) > 0 {
		t.Fatalf("valid resources reported unreadable: %v", errs)
	}
	if len(rec.Items) != 3 {
		t.Fatalf("%d items, want the Observation, Procedure and Encounter: %+v", len(rec.Items), rec.Items)
	}
	bp := rec.Items[0]
	if bp.ID != "bp" || len(bp.BodySite) != 1 || bp.BodySite[0].Code != "368209003" || len(bp.Components) != 2 ||
		bp.Components[0].Value.Value != 142 || bp.Components[0].Value.Code != "mm[Hg]" || bp.Components[1].Codes[0].Code != "8462-4" || !bp.HasValue {
		t.Errorf("blood pressure with a body site: %+v", bp)
	}
	if pr := rec.Items[1]; pr.Category[0].Code != "387713003" {
		t.Errorf("Procedure.category is one CodeableConcept: %+v", pr)
	}
	if e := rec.Items[2]; len(e.Codes) != 2 || e.Codes[1].Code != "185349003" {
		t.Errorf("every Encounter.type is read: %+v", e)
	}
	// Cardinality slips (a list where one is defined, one where a list
	// is) are read, not dropped.
	it := byID(t,
		`{"resourceType":"Observation","id":"o","status":"final","category":{"coding":[{"code":"laboratory"}]},"code":[{"coding":[{"code":"4548-4"}]}],"bodySite":[{"coding":[{"code":"7771000"}]}]}`)["o"]
	if it.Category[0].Code != "laboratory" || it.Codes[0].Code != "4548-4" || it.Laterality != Left {
		t.Errorf("cardinality slips: %+v", it)
	}
}

// Dates are read as the measures read them (measures.md: the END of an
// effective period; issued only as a flagged fallback).
func TestDates(t *testing.T) {
	by := byID(t,
		`{"resourceType":"Observation","id":"period","status":"final","code":{"text":"a"},"effectivePeriod":{"start":"2025-12-30","end":"2026-01-02"},"issued":"2026-01-05T00:00:00Z"}`,
		`{"resourceType":"Observation","id":"open","status":"final","code":{"text":"a"},"effectivePeriod":{"start":"2025-12-30"}}`,
		`{"resourceType":"Observation","id":"issued","status":"final","code":{"text":"a"},"issued":"2026-01-05T10:00:00Z"}`,
		`{"resourceType":"Observation","id":"instant","status":"final","code":{"text":"a"},"effectiveInstant":"2026-01-06T10:00:00Z","issued":"2026-01-07T10:00:00Z"}`,
		`{"resourceType":"DiagnosticReport","id":"dr","status":"final","code":{"text":"a"},"effectivePeriod":{"start":"2025-12-31","end":"2026-01-01"}}`,
		`{"resourceType":"DiagnosticReport","id":"dri","status":"final","code":{"text":"a"},"issued":"2026-01-03T10:00:00Z"}`,
		`{"resourceType":"Procedure","id":"pp","status":"completed","code":{"text":"a"},"performedPeriod":{"start":"2019-03-02","end":"2019-03-03"}}`,
		`{"resourceType":"Immunization","id":"im","status":"completed","vaccineCode":{"text":"a"},"occurrenceDateTime":"2025-10-01"}`,
		`{"resourceType":"Condition","id":"onp","code":{"text":"a"},"onsetPeriod":{"start":"2010-05-01","end":"2010-06-01"},"abatementPeriod":{"start":"2020-01-01","end":"2020-02-01"},"recordedDate":"2011-01-01"}`,
		`{"resourceType":"Condition","id":"rec","code":{"text":"a"},"recordedDate":"2011-01-01","abatementDateTime":"2021-03-04"}`,
		`{"resourceType":"Encounter","id":"enc","status":"finished","period":{"start":"2026-01-10T03:00:00Z","end":"2026-01-14T12:00:00Z"}}`,
	)
	for id, want := range map[string][3]string{ // date, dateFrom, period end
		"period":  {"2026-01-02", "", "2026-01-02"},
		"open":    {"2025-12-30", DateFromPeriodStart, ""},
		"issued":  {"2026-01-05", DateFromIssued, ""},
		"instant": {"2026-01-06", "", ""},
		"dr":      {"2026-01-01", "", "2026-01-01"},
		"dri":     {"2026-01-03", DateFromIssued, ""},
		"pp":      {"2019-03-03", "", "2019-03-03"},
		"im":      {"2025-10-01", "", ""},
		"onp":     {"2010-05-01", "", "2010-06-01"},
		"rec":     {"2011-01-01", DateFromRecorded, ""},
		"enc":     {"2026-01-10", "", "2026-01-14"},
	} {
		it := by[id]
		if got := [3]string{day(it.Date), it.DateFrom, day(it.Period.End)}; got != want {
			t.Errorf("%s: date, from, period end %q, want %q", id, got, want)
		}
	}
	if by["period"].Period.Start.Format(time.DateOnly) != "2025-12-30" || day(by["period"].Issued) != "2026-01-05" {
		t.Errorf("period start and issued kept: %+v", by["period"])
	}
	if day(by["onp"].Abatement) != "2020-02-01" || day(by["onp"].Recorded) != "2011-01-01" || day(by["rec"].Abatement) != "2021-03-04" {
		t.Errorf("abatement, recorded: %+v %+v", by["onp"], by["rec"])
	}
}

func TestValues(t *testing.T) {
	by := byID(t,
		`{"resourceType":"Observation","id":"q","status":"final","code":{"text":"A1c"},"valueQuantity":{"value":14,"comparator":">","unit":"%","system":"http://unitsofmeasure.org","code":"%"}}`,
		`{"resourceType":"Observation","id":"cc","status":"final","code":{"text":"a"},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"160734000"}]}}`,
		`{"resourceType":"Observation","id":"s","status":"final","code":{"text":"a"},"valueString":" Negative "}`,
		`{"resourceType":"Observation","id":"b","status":"final","code":{"text":"a"},"valueBoolean":false}`,
		`{"resourceType":"Observation","id":"i","status":"final","code":{"text":"a"},"valueInteger":3}`,
		`{"resourceType":"Observation","id":"r","status":"final","code":{"text":"a"},"valueRange":{"low":{"value":1}}}`,
		`{"resourceType":"Observation","id":"none","status":"final","code":{"text":"kidney panel"}}`,
		`{"resourceType":"Observation","id":"absent","status":"final","code":{"text":"a"},"dataAbsentReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"not-performed"}]}}`,
		`{"resourceType":"Observation","id":"declined","status":"cancelled","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"extension":[{"url":"http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-notDoneReason","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"105480006"}]}}]}`,
		`{"resourceType":"Observation","id":"otherext","status":"cancelled","code":{"text":"a"},"extension":[{"url":"http://example.org/reason","valueCodeableConcept":{"coding":[{"code":"x"}]}}]}`,
		`{"resourceType":"Observation","id":"emptycomp","status":"final","code":{"text":"a"},"component":[{"code":{"text":"x"},"dataAbsentReason":{"coding":[{"code":"unknown"}]}}]}`,
	)
	if q := by["q"]; q.Value == nil || q.Value.Value != 14 || q.Value.Comparator != ">" || q.Value.Unit != "%" || q.Value.Code != "%" || !q.HasValue {
		t.Errorf("quantity: %+v", q)
	}
	if c := by["cc"]; c.ValueCodes[0].Code != "160734000" || !c.HasValue {
		t.Errorf("coded value: %+v", c)
	}
	if s := by["s"]; s.ValueText != "Negative" || !s.HasValue {
		t.Errorf("string value: %+v", s)
	}
	if b := by["b"]; !b.HasValue {
		t.Errorf("a false boolean is a value: %+v", b)
	}
	if i := by["i"]; i.Value == nil || i.Value.Value != 3 {
		t.Errorf("integer: %+v", i)
	}
	if r := by["r"]; !r.HasValue || r.Value != nil {
		t.Errorf("range: %+v", r)
	}
	if n := by["none"]; n.HasValue {
		t.Errorf("no value reported as one: %+v", n)
	}
	if a := by["absent"]; a.HasValue || a.DataAbsent != "not-performed" {
		t.Errorf("data absent: %+v", a)
	}
	if d := by["declined"]; d.Status != "cancelled" || len(d.Reasons) != 1 || d.Reasons[0].Code != "105480006" || d.Reasons[0].System != "http://snomed.info/sct" {
		t.Errorf("not-done reason: %+v", d)
	}
	if o := by["otherext"]; len(o.Reasons) != 0 {
		t.Errorf("another extension read as a reason: %+v", o)
	}
	if e := by["emptycomp"]; e.HasValue || e.Components[0].DataAbsent != "unknown" || e.Components[0].HasValue {
		t.Errorf("component without a value: %+v", e)
	}
}

// Laterality (SNOMED CT 7771000 left, 24028007 right, 51440002 both) as a
// coding of its own bodySite, a second coding, a post-coordinated
// qualifier or a qualifier extension (issue 12's left + right mastectomy).
func TestLaterality(t *testing.T) {
	const sct = `"system":"http://snomed.info/sct"`
	cond := func(id, sites string) string {
		return `{"resourceType":"Condition","id":"` + id + `","code":{"coding":[{` + sct + `,"code":"429009003"}]},"bodySite":` + sites + `}`
	}
	by := byID(t,
		cond("sep", `[{"coding":[{`+sct+`,"code":"80248007"}]},{"coding":[{`+sct+`,"code":"7771000"}]}]`),
		cond("two", `[{"coding":[{`+sct+`,"code":"80248007"},{`+sct+`,"code":"24028007"}]}]`),
		cond("both", `[{"coding":[{`+sct+`,"code":"51440002"}]}]`),
		cond("lr", `[{"coding":[{`+sct+`,"code":"7771000"}]},{"coding":[{`+sct+`,"code":"24028007"}]}]`),
		cond("expr", `[{"coding":[{`+sct+`,"code":"80248007:272741003=7771000"}]}]`),
		cond("terms", `[{"coding":[{`+sct+`,"code":"80248007 |Breast| : 272741003 |Laterality| = 24028007 |Right|"}]}]`),
		cond("ext", `[{"coding":[{`+sct+`,"code":"80248007"}],"extension":[{"url":"http://example.org/laterality","valueCodeableConcept":{"coding":[{`+sct+`,"code":"7771000"}]}}]}]`),
		cond("other", `[{"coding":[{"system":"http://example.org","code":"7771000"}]}]`),
		cond("none", `[{"coding":[{`+sct+`,"code":"80248007"}]}]`),
		`{"resourceType":"Procedure","id":"proc","status":"completed","code":{"text":"mastectomy"},"bodySite":[{"coding":[{`+sct+`,"code":"24028007"}]}]}`,
		`{"resourceType":"ServiceRequest","id":"sr","status":"active","intent":"order","code":{"text":"x"},"bodySite":[{"coding":[{`+sct+`,"code":"7771000"}]}]}`,
	)
	for id, want := range map[string]string{"sep": Left, "two": Right, "both": Both, "lr": Both, "expr": Left, "terms": Right, "ext": Left, "other": "", "none": "", "proc": Right, "sr": Left} {
		if got := by[id].Laterality; got != want {
			t.Errorf("%s: laterality %q, want %q (%+v)", id, got, want, by[id].BodySite)
		}
	}
	if len(by["sep"].BodySite) != 2 {
		t.Errorf("every body site coding kept: %+v", by["sep"].BodySite)
	}
}

func TestRequestsAndEncounters(t *testing.T) {
	by := byID(t,
		`{"resourceType":"MedicationRequest","id":"mr","status":"active","intent":"Order","subject":{"reference":"Patient/p"},
		  "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"997224","display":"donepezil 10 MG"}]},
		  "authoredOn":"2026-02-01","reasonCode":[{"coding":[{"code":"26929004"}]}],
		  "dosageInstruction":[{"text":"daily"},{"timing":{"repeat":{"boundsPeriod":{"start":"2026-02-01","end":"2026-08-01"}}}}]}`,
		`{"resourceType":"MedicationRequest","id":"mref","status":"completed","intent":"order","subject":{"reference":"Patient/p"},
		  "medicationReference":{"reference":"Medication/m","display":"Galantamine"},"dispenseRequest":{"validityPeriod":{"start":"2025-01-01","end":"2025-12-31"}}}`,
		`{"resourceType":"ServiceRequest","id":"sr","status":"completed","intent":"original-order","doNotPerform":true,"subject":{"reference":"Patient/p"},
		  "category":[{"coding":[{"system":"http://snomed.info/sct","code":"386053000"}]}],"code":{"coding":[{"system":"http://snomed.info/sct","code":"385763009","display":"Hospice care"}]},
		  "occurrencePeriod":{"start":"2026-03-01","end":"2026-03-31"},"authoredOn":"2026-02-20T10:00:00Z","reasonCode":[{"coding":[{"code":"183932001"}]}]}`,
		`{"resourceType":"DeviceRequest","id":"dr","status":"active","intent":"order","subject":{"reference":"Patient/p"},
		  "codeCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"58938008","display":"Wheelchair"}]},"occurrenceDateTime":"2026-04-02","authoredOn":"2026-04-01"}`,
		`{"resourceType":"DeviceRequest","id":"dref","status":"completed","intent":"order","subject":{"reference":"Patient/p"},"codeReference":{"reference":"Device/d","display":"Walker"}}`,
		`{"resourceType":"Encounter","id":"hosp","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
		  "type":[{"coding":[{"system":"http://snomed.info/sct","code":"183452005"}]}],"period":{"start":"2026-01-10","end":"2026-01-14"},
		  "hospitalization":{"dischargeDisposition":{"coding":[{"system":"http://snomed.info/sct","code":"428361000124107"}]}}}`,
	)
	if m := by["mr"]; m.Type != "MedicationRequest" || m.Status != "active" || m.Intent != "order" || m.Codes[0].Code != "997224" || m.Title != "donepezil 10 MG" ||
		day(m.Date) != "2026-02-01" || day(m.Period.End) != "2026-08-01" || m.Reasons[0].Code != "26929004" {
		t.Errorf("medication request: %+v", m)
	}
	if m := by["mref"]; m.Title != "Galantamine" || len(m.Codes) != 0 || day(m.Period.Start) != "2025-01-01" || !m.Date.IsZero() {
		t.Errorf("medication by reference: %+v", m)
	}
	if s := by["sr"]; s.Intent != "original-order" || !s.DoNotPerform || s.Codes[0].Code != "385763009" || s.Category[0].Code != "386053000" ||
		day(s.Date) != "2026-02-20" || day(s.Period.Start) != "2026-03-01" || day(s.Period.End) != "2026-03-31" || s.Reasons[0].Code != "183932001" {
		t.Errorf("service request: %+v", s)
	}
	if d := by["dr"]; d.Codes[0].Code != "58938008" || d.Title != "Wheelchair" || day(d.Date) != "2026-04-01" || day(d.Period.Start) != "2026-04-02" || day(d.Period.End) != "2026-04-02" {
		t.Errorf("device request: %+v", d)
	}
	if d := by["dref"]; d.Title != "Walker" {
		t.Errorf("device by reference: %+v", d)
	}
	if e := by["hosp"]; e.Class != "IMP" || e.Codes[0].Code != "183452005" || len(e.Discharge) != 1 || e.Discharge[0].Code != "428361000124107" || day(e.Period.End) != "2026-01-14" {
		t.Errorf("encounter: %+v", e)
	}
}

// The us-core-sex extension (the sex the eCQMs use) is read beside the
// gender and the sex for clinical use.
func TestSexes(t *testing.T) {
	for _, c := range []struct {
		ext                   string
		usCore, clinical, sex string
	}{
		{`{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCode":"248152002"}`, "female", "", "female"},
		{`{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCoding":{"system":"http://snomed.info/sct","code":"248152002"}}`, "female", "", "female"},
		{`{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCode":"F"}`, "female", "", "female"},
		{`{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCode":"UNK"}`, "unk", "", "male"},
		{`{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCode":"F"},{"url":"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use","valueCode":"male"}`, "female", "male", "male"},
	} {
		rec, errs := FromFHIR(raws(`{"resourceType":"Patient","id":"p","gender":"male","extension":[` + c.ext + `]}`))
		p := rec.Patient
		if len(errs) > 0 || p.USCoreSex != c.usCore || p.ClinicalSex != c.clinical || p.Sex != c.sex || p.Gender != "male" {
			t.Errorf("%s: %+v %v", c.ext, p, errs)
		}
	}
}

// A Task's focus is matched against an order's "Type/id" however the
// server wrote the reference.
func TestTaskFocusReference(t *testing.T) {
	for ref, want := range map[string]string{
		"MedicationRequest/mr1":                                  "MedicationRequest/mr1",
		"https://epic.example/api/FHIR/R4/MedicationRequest/mr1": "MedicationRequest/mr1",
		"MedicationRequest/mr1/_history/3":                       "MedicationRequest/mr1",
		"#contained1":                                            "#contained1",
		"":                                                       "",
	} {
		rec, errs := FromFHIR(raws(`{"resourceType":"Task","id":"t1","status":"rejected","intent":"order","focus":{"reference":"` + ref + `"}}`))
		if len(errs) > 0 || len(rec.Items) != 1 || rec.Items[0].Focus != want {
			t.Errorf("focus %q: got %+v %v, want %q", ref, rec.Items, errs, want)
		}
	}
}
