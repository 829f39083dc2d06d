package screening

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// catalogue.json must be what catalogue.yaml makes: an edit of the YAML
// without `go generate` would leave the agent on the old catalogue.
func TestCompactMatchesTheYAML(t *testing.T) {
	want, err := CompactFromYAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(defaultCompact, want) {
		t.Fatal("catalogue.json is not what catalogue.yaml makes: run go generate ./internal/screening/")
	}
}

// The default catalogue loaded from catalogue.json is the one Parse makes
// of catalogue.yaml: the same parts once compiled, the same editor
// summary (with the screenings' lines), and the same results and measure
// lines for every patient of the demo practice.
func TestCompactLoadsLikeTheYAML(t *testing.T) {
	fromYAML, err := Parse(defaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON := Default()
	same := func(what string, a, b any) {
		t.Helper()
		ja, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		jb, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ja, jb) {
			t.Fatalf("%s differ:\nYAML: %.600s\nJSON: %.600s", what, ja, jb)
		}
	}
	same("the compiled catalogues", fromYAML, fromJSON)
	same("the editor summaries", fromYAML.Summary(), fromJSON.Summary())
	same("the exclusion concepts", fromYAML.ExclusionConcepts(), fromJSON.ExclusionConcepts())
	if !reflect.DeepEqual(fromYAML.Summary(), fromJSON.Summary()) {
		t.Fatal("the editor summaries differ")
	}

	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return visit }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	n := 0
	for _, p := range srv.Practice().Patients {
		rec, errs := record.FromFHIR(srv.Chart(p.ID))
		if len(errs) > 0 {
			t.Fatalf("patient chart unreadable: %v", errs)
		}
		ry, rj := Evaluate(rec, fromYAML, visit), Evaluate(rec, fromJSON, visit)
		same("a patient's results", ry, rj)
		same("a patient's measure lines", EvaluateMeasures(rec, fromYAML, visit, ry), EvaluateMeasures(rec, fromJSON, visit, rj))
		n += len(ry)
	}
	if n == 0 {
		t.Fatal("no results to compare")
	}
}
