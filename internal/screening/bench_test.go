package screening

import (
	"context"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// BenchmarkEvaluate evaluates the whole default catalogue for one typical
// record (about 300 resources): one op is one patient against every enabled
// screening. Goal: at least 20,000 patient-catalogue evaluations per second
// on one core, i.e. at most 50 us/op.
// Run: go test -run '^$' -bench Evaluate -cpu 1 -count 6 ./internal/screening/
func BenchmarkEvaluate(b *testing.B) {
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return visit }})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var rec record.Record
	for _, p := range srv.Practice().Patients {
		if n := len(p.Resources); n >= 250 && n <= 350 {
			rec, _ = record.FromFHIR(srv.Chart(p.ID))
			break
		}
	}
	if len(rec.Items) == 0 {
		b.Fatal("no typical record found")
	}
	cat := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(rec, cat, visit)
	}
	// After the loop: ResetTimer drops metrics reported before it.
	b.ReportMetric(float64(len(rec.Items)), "resources")
}
