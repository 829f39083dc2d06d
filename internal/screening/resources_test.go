package screening

import (
	"testing"

	"github.com/healthprep/desk/internal/record"
)

// The same test is charted as different resource types by different EHRs
// (and by the same EHR in different workflows): a Pap smear, an HIV test or
// a chlamydia test recorded as a Procedure with its SNOMED CT code, or as an
// order marked completed, counts like the lab result. An open order does
// not.
func TestEachResourceTypeCounts(t *testing.T) {
	c := Default()
	woman := func(age int) record.Patient { return person("female", bornAged(age, v)) }
	cases := []struct {
		name      string
		screening string
		patient   record.Patient
		typ       string
		system    string
		code      string
		status    string // "" = the finished status of the type
		want      Status
	}{
		{"Pap smear as a procedure (Synthea code)", "cervical_cancer", woman(35), "Procedure", sct, "90226004", "", Complete},
		{"Pap smear as a screening procedure", "cervical_cancer", woman(35), "Procedure", sct, "171149006", "", Complete},
		{"Pap smear as a lab result", "cervical_cancer", woman(35), "Observation", loinc, "10524-7", "", Complete},
		{"Pap smear as a report", "cervical_cancer", woman(35), "DiagnosticReport", loinc, "10524-7", "", Complete},
		{"Pap smear as a completed order", "cervical_cancer", woman(35), "ServiceRequest", loinc, "10524-7", "", Complete},
		{"Pap smear as an open order", "cervical_cancer", woman(35), "ServiceRequest", loinc, "10524-7", "active", Due},
		{"HPV test as a procedure", "cervical_cancer", woman(35), "Procedure", loinc, "30167-1", "", Complete},
		{"HIV test as a procedure", "hiv", woman(35), "Procedure", sct, "171121004", "", Complete},
		{"HIV test as a report", "hiv", woman(35), "DiagnosticReport", loinc, "75622-1", "", Complete},
		{"HIV test as a completed order", "hiv", woman(35), "ServiceRequest", sct, "171121004", "", Complete},
		{"HIV test ordered, not done", "hiv", woman(35), "ServiceRequest", sct, "171121004", "active", Due},
		{"chlamydia test as a procedure", "chlamydia_gonorrhea", woman(20), "Procedure", sct, "310861008", "", Complete},
		{"chlamydia test as a report", "chlamydia_gonorrhea", woman(20), "DiagnosticReport", loinc, "21613-5", "", Complete},
		{"mammogram as a SNOMED procedure", "breast_cancer", woman(55), "Procedure", sct, "24623002", "", Complete},
		{"mammogram as a CPT bill", "breast_cancer", woman(55), "Procedure", cpt, "77067", "", Complete},
		{"mammogram as an imaging report", "breast_cancer", woman(55), "DiagnosticReport", loinc, "24606-6", "", Complete},
		{"FOBT as a procedure (Synthea code)", "colorectal_cancer", woman(55), "Procedure", sct, "1015401000000102", "", Complete},
		{"colonoscopy as a report", "colorectal_cancer", woman(55), "DiagnosticReport", cpt, "45378", "", Complete},
		{"flu shot billed as a procedure", "influenza", woman(55), "Procedure", cpt, "90686", "", Complete},
		{"Tdap billed as a procedure", "td_tdap", woman(55), "Procedure", cpt, "90715", "", Complete},
		{"A1c as a report", "diabetes_a1c", woman(55), "DiagnosticReport", loinc, "4548-4", "", Complete},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := item(tc.typ, tc.system, tc.code, v.AddDate(0, -2, 0))
			if tc.status != "" {
				it.Status = tc.status
			}
			items := []record.Item{it}
			if tc.screening == "diabetes_a1c" {
				items = append(items, item("Condition", sct, "44054006", day("2019-01-01")))
			}
			r := result(t, c, chart(tc.patient, items...), v, tc.screening)
			check(t, r, tc.want)
			if tc.want == Complete && (len(r.Evidence) == 0 || r.Evidence[0].Type != tc.typ) {
				t.Fatalf("evidence %+v, want the %s", r.Evidence, tc.typ)
			}
		})
	}
}
