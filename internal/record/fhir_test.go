package record

import (
	"encoding/json"
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
