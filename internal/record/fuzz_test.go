package record

import (
	"encoding/json"
	"os"
	"testing"
)

// FuzzFromFHIR reads charts (a JSON array of resources) seeded with the
// conformance examples built from the FHIR R4 definitions, each alone and
// all together, plus odd input: nothing panics, and every resource is
// accounted for (an item, the Patient, a reported error, or a type the
// prep does not use). Run: go test -run '^$' -fuzz FromFHIR ./internal/record/
func FuzzFromFHIR(f *testing.F) {
	f.Add([]byte(`[{"resourceType":"Observation","id":"o","status":"final","bodySite":{"text":"arm"}},{"resourceType":"Organization","name":"x"}]`))
	f.Add([]byte(`[null,[],"x",{"resourceType":7},{"id":"n"},{"resourceType":"Patient","resourceType":"Condition"}]`))
	if _, err := os.Stat(defsDir); err == nil {
		raws, _ := conformanceResources(f, loadDefs(f), false)
		all, _ := json.Marshal(raws)
		f.Add(all)
		for _, r := range raws {
			f.Add([]byte("[" + string(r) + "]"))
		}
	}
	f.Fuzz(func(t *testing.T, chart []byte) {
		var raws []json.RawMessage
		if json.Unmarshal(chart, &raws) != nil {
			return
		}
		rec, errs := FromFHIR(raws)
		read, patients := 0, 0
		for _, raw := range raws {
			var h struct {
				ResourceType string `json:"resourceType"`
			}
			json.Unmarshal(raw, &h)
			switch {
			case h.ResourceType == "Patient":
				patients++
			case readers[h.ResourceType] != nil:
				read++
			}
		}
		if len(rec.Items) > read || len(rec.Items)+len(errs) < read {
			t.Fatalf("%d items and %d errors for %d resources of the types read", len(rec.Items), len(errs), read)
		}
		for _, it := range rec.Items {
			if readers[it.Type] == nil || it.Type == "Patient" {
				t.Fatalf("an item of type %q", it.Type)
			}
		}
		if rec.Patient.ID != "" && patients == 0 {
			t.Fatalf("a patient from no Patient resource: %+v", rec.Patient)
		}
	})
}
