package store_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/store"
)

// BenchmarkDayFromCache is the agent's day view of the demo's
// 55-appointment day (9,764 resources) from a real, encrypted Badger
// cache: read the day, then prep.BuildDay. "compact" reads the records
// saved beside the raw charts (the agent's path); "raw" reads the raw
// charts and decodes their FHIR, as the agent did before. Goal: compact
// under 15 ms. cpu-ms/op is the process's CPU time (user + system, GC
// included) per day view: on a machine shared with other work, wall time
// waits for a core and CPU time does not.
//
//	go test -run '^$' -bench DayFromCache -count 5 -cpu 1 ./internal/store/
func BenchmarkDayFromCache(b *testing.B) {
	ctx := context.Background()
	clinic := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	srv, err := epicsim.Start(ctx, epicsim.Options{Now: func() time.Time { return clinic }})
	if err != nil {
		b.Fatal(err)
	}
	d := store.Day{Date: "2026-11-24", SyncedAt: clinic, Patients: map[string]store.PatientData{}}
	for _, a := range srv.Practice().Appointments[d.Date] {
		d.Appointments = append(d.Appointments, record.Appointment{ID: a.ID, Start: a.Start, PatientID: a.PatientID, Provider: a.ProviderID, VisitType: a.VisitType, Status: a.Status})
		d.Patients[a.PatientID] = store.PatientData{Resources: srv.Chart(a.PatientID), FetchedAt: clinic}
	}
	srv.Close()
	s, err := store.Open(ctx, b.TempDir(), make([]byte, 32), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.PutDay(ctx, d); err != nil {
		b.Fatal(err)
	}
	cat := screening.Default()
	b.Run("compact", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			day, recs, err := s.DayRecords(ctx, d.Date)
			if err != nil || len(recs) != len(d.Patients) {
				b.Fatal(err)
			}
			prep.BuildDay(d.Date, day.SyncedAt, false, day.Appointments, recs, nil, cat)
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			day, err := s.GetDay(ctx, d.Date)
			if err != nil {
				b.Fatal(err)
			}
			recs := make(map[string]record.Record, len(day.Patients))
			for id, p := range day.Patients {
				recs[id], _ = record.FromFHIR(p.Resources)
			}
			prep.BuildDay(d.Date, day.SyncedAt, false, day.Appointments, recs, nil, cat)
		}
	})
}

// reportCPU reports the CPU time per op from now until the returned func.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
