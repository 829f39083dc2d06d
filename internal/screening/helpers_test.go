package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Charts for tests, built so each case reads as what a patient has on file.

const (
	loinc = "http://loinc.org"
	cpt   = "http://www.ama-assn.org/go/cpt"
	sct   = "http://snomed.info/sct"
	cvx   = "http://hl7.org/fhir/sid/cvx"
	icd10 = "http://hl7.org/fhir/sid/icd-10-cm"
)

// day parses 2006-01-02 (noon UTC: the hour must never matter).
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func ymdOf(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// bornAged returns a birth date that makes the patient age on the visit day,
// with the next birthday 100 days away (far from any edge).
func bornAged(age int, on time.Time) time.Time {
	return on.AddDate(-age-1, 0, 100)
}

func person(sex string, birth time.Time) record.Patient {
	return record.Patient{ID: "p1", Name: "Test Patient", MRN: "100", Sex: sex, BirthDate: birth}
}

var itemSeq int

// item is a finished resource of type typ with one coding, dated on (zero:
// no date).
func item(typ, system, code string, on time.Time) record.Item {
	itemSeq++
	it := record.Item{Type: typ, ID: typ + "-" + strings.ReplaceAll(code, ".", "") + "-" + itoa(itemSeq), Date: on,
		Codes: []record.Coding{{System: system, Code: code, Display: "display of " + code}}}
	switch typ {
	case "Observation":
		it.Status, it.HasValue = "final", true // a result with a value (tests that need none clear it)
	case "DiagnosticReport":
		it.Status = "final"
	case "Procedure", "Immunization", "ServiceRequest":
		it.Status = "completed"
	case "MedicationRequest":
		it.Status = "active"
	case "Condition":
		it.Status = "active"
	case "DocumentReference":
		it.Status = "current"
	}
	return it
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func with(it record.Item, f func(*record.Item)) record.Item { f(&it); return it }

func chart(p record.Patient, items ...record.Item) record.Record {
	return record.Record{Patient: p, Items: items}
}

// result evaluates and returns the one screening's result; a missing
// result (switched off) fails the test.
func result(t *testing.T, c *Catalogue, rec record.Record, on time.Time, id string) Result {
	t.Helper()
	for _, r := range EvaluateWithDetails(rec, c, on) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return Result{}
}

// sampleCode turns a catalogue code into one a chart would carry: a prefix
// (E11.*) or an ICD-10-CM category (C34) gets a code under it.
func sampleCode(system, code string) string {
	if strings.HasSuffix(code, "*") {
		return strings.TrimSuffix(strings.TrimSuffix(code, "*"), ".") + ".9"
	}
	if system == icd10 && len(code) == 3 {
		return code + ".9"
	}
	return code
}

func firstCode(g *Group) (system, code string) {
	for _, sys := range sortedKeys(g.all) {
		return sys, sampleCode(sys, g.all[sys][0])
	}
	return "", ""
}

func sortedKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func check(t *testing.T, r Result, want Status) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %s, want %s (%s)", r.ID, r.Status, want, r.Reason)
	}
}
