package record_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// BenchmarkFromFHIR reads the demo clinic day's charts as the agent does per
// day view. Run: go test -run '^$' -bench FromFHIR -cpu 1 ./internal/record/
func BenchmarkFromFHIR(b *testing.B) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return at }})
	if err != nil {
		b.Fatal(err)
	}
	var charts [][]json.RawMessage
	n := 0
	for _, a := range srv.Practice().Appointments["2026-11-24"] {
		c := srv.Chart(a.PatientID)
		charts = append(charts, c)
		n += len(c)
	}
	srv.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range charts {
			record.FromFHIR(c)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/resource")
}
