package screening

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// Evaluate leaves Details out (a day list never reads them) and is
// otherwise the same as EvaluateWithDetails, for every patient of the
// demo practice, in either order on the same pooled evaluator.
func TestDetailsOnlyWhenAsked(t *testing.T) {
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return visit }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := Default()
	withDetails := 0
	for i, p := range srv.Practice().Patients {
		rec, _ := record.FromFHIR(srv.Chart(p.ID))
		var plain, full []Result
		if i%2 == 0 {
			plain, full = Evaluate(rec, cat, visit), EvaluateWithDetails(rec, cat, visit)
		} else {
			full, plain = EvaluateWithDetails(rec, cat, visit), Evaluate(rec, cat, visit)
		}
		for j := range full {
			if plain[j].Details != "" {
				t.Fatalf("patient %d: Evaluate built Details for %s", i, plain[j].ID)
			}
			if full[j].Details != "" {
				withDetails++
			}
			r := full[j]
			r.Details = ""
			if !reflect.DeepEqual(plain[j], r) {
				t.Fatalf("patient %d, %s: results differ beyond Details:\n%+v\n%+v", i, r.ID, plain[j], r)
			}
		}
	}
	if withDetails < 1000 {
		t.Fatalf("EvaluateWithDetails gave Details for only %d results", withDetails)
	}
}
