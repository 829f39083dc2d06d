package send

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/prep"
)

// BenchmarkSendDay sends a 20-visit day against the simulated tenant over
// loopback HTTP, with the real encrypted cache for the ledger, and reports
// the requests each note costs (a search, then the create).
func BenchmarkSendDay(b *testing.B) {
	sim, s, _, sh := fixture(b)
	s.DailyCap = MaxDailyCap * 1000
	var sheets []prep.Sheet
	for i := range 20 {
		x := sh
		x.AppointmentID, x.Patient.ID = fmt.Sprintf("appt-%d", i), sim.Practice().Patients[i].ID
		sheets = append(sheets, x)
	}
	ctx := context.Background()
	before := s.FHIR.Stats().Requests
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		outs, err := s.Send(ctx, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), sheets)
		if err != nil || outs[19].Err != nil {
			b.Fatal(err, outs[19].Err)
		}
	}
	b.ReportMetric(float64(s.FHIR.Stats().Requests-before)/float64(b.N*len(sheets)), "requests/note")
}
