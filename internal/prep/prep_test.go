package prep

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
)

var clinic = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// demoDay returns the simulator's appointments for the clinic day and the
// charts of its patients, as the cache would hold them.
func demoDay(t testing.TB) ([]record.Appointment, map[string]record.Record) {
	t.Helper()
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return clinic }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var appts []record.Appointment
	recs := map[string]record.Record{}
	for _, a := range srv.Practice().Appointments["2026-11-24"] {
		appts = append(appts, record.Appointment{ID: a.ID, Start: a.Start, PatientID: a.PatientID, Provider: a.ProviderID, VisitType: a.VisitType, Status: a.Status})
		rec, _ := record.FromFHIR(srv.Chart(a.PatientID))
		recs[a.PatientID] = rec
	}
	return appts, recs
}

func TestDayList(t *testing.T) {
	appts, recs := demoDay(t)
	cat := screening.Default()
	asOf := clinic.Add(-2 * time.Hour)
	d := BuildDay("2026-11-24", asOf, false, appts, recs, map[string]bool{appts[3].PatientID: true}, cat)
	if len(d.Rows) != len(appts) || d.CatalogueVersion != cat.Version || d.AsOf == nil {
		t.Fatalf("%d rows for %d appointments", len(d.Rows), len(appts))
	}
	inactive, due := 0, 0
	for i, r := range d.Rows {
		if i > 0 && r.Time.Before(d.Rows[i-1].Time) {
			t.Fatal("rows not in time order")
		}
		if r.Inactive {
			inactive++
			if r.Status != "cancelled" && r.Status != "noshow" {
				t.Fatalf("inactive row with status %s", r.Status)
			}
		}
		due += r.Counts.Due
		if r.PatientName == "" || r.MRN == "" {
			t.Fatalf("row without name or MRN: %+v", r)
		}
	}
	if inactive == 0 || due == 0 {
		t.Fatalf("inactive=%d due=%d: the demo day should have both", inactive, due)
	}
	var staleRows int
	for _, r := range d.Rows {
		if r.Stale {
			staleRows++
		}
	}
	if staleRows == 0 {
		t.Fatal("stale flag lost")
	}
	SortRows(d.Rows, "provider")
	for i := 1; i < len(d.Rows); i++ {
		if d.Rows[i].Provider < d.Rows[i-1].Provider {
			t.Fatal("not sorted by provider")
		}
	}
	var cancelled int
	for _, r := range d.Rows {
		if r.Inactive && (r.Status == "cancelled" || r.Status == "noshow") {
			cancelled++
		}
	}
	if cancelled == 0 {
		t.Fatal("no cancelled or no-show visit is marked inactive")
	}
}

func TestSheet(t *testing.T) {
	appts, recs := demoDay(t)
	cat := screening.Default()
	var s Sheet
	for _, a := range appts {
		s = BuildSheet(a, recs[a.PatientID], cat, Options{})
		if len(s.Immunizations) > 0 && len(s.Conditions) > 0 && len(s.Labs) > 0 {
			break
		}
	}
	last := -1
	for _, r := range s.Results {
		if r.Status == screening.NotApplicable {
			t.Fatal("not-applicable screenings shown by default")
		}
		if order[r.Status] < last {
			t.Fatalf("results out of order: %v after rank %d", r.Status, last)
		}
		last = order[r.Status]
	}
	for _, l := range s.Labs {
		if clinic.Sub(l.Date) > 366*24*time.Hour {
			t.Fatalf("lab from %s is outside the 12-month lookback", l.Date)
		}
	}
	b, _ := json.Marshal(s)
	for _, key := range []string{`"results"`, `"conditions"`, `"immunizations"`, `"appointmentId"`, `"patient"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Fatalf("sheet JSON lacks %s", key)
		}
	}
}

func TestPrintHTMLOnePatientPerPageAndEscaped(t *testing.T) {
	appts, recs := demoDay(t)
	cat := screening.Default()
	var sheets []Sheet
	for _, a := range appts[:3] {
		sheets = append(sheets, BuildSheet(a, recs[a.PatientID], cat, Options{}))
	}
	sheets[1].Patient.Name = `<script>alert("x")</script>`
	var out bytes.Buffer
	if err := WritePrintHTML(&out, "2026-11-24", sheets); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	if n := strings.Count(html, `<div class="sheet">`); n != 3 {
		t.Fatalf("%d sheets in the print view", n)
	}
	if !strings.Contains(html, "page-break-after:always") || strings.Contains(html, "<script>") {
		t.Fatal("print view lacks page breaks or does not escape names")
	}
}

// BenchmarkBuildDay builds a clinic day's list from cached records (the
// cache read itself is measured in the agent). Goal: under 100 ms.
func BenchmarkBuildDay(b *testing.B) {
	appts, recs := demoDay(b)
	cat := screening.Default()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		BuildDay("2026-11-24", clinic, false, appts, recs, nil, cat)
	}
}

// BenchmarkDayFromCache is what the agent does per day view: every
// patient's raw cached FHIR resources through record.FromFHIR, then
// BuildDay. Goal: under 100 ms for a 40-appointment day.
// Run: go test -run '^$' -bench Day -cpu 1 ./internal/prep/
func BenchmarkDayFromCache(b *testing.B) {
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return clinic }})
	if err != nil {
		b.Fatal(err)
	}
	var appts []record.Appointment
	raw := map[string][]json.RawMessage{}
	resources := 0
	for _, a := range srv.Practice().Appointments["2026-11-24"] {
		appts = append(appts, record.Appointment{ID: a.ID, Start: a.Start, PatientID: a.PatientID, Provider: a.ProviderID, VisitType: a.VisitType, Status: a.Status})
		raw[a.PatientID] = srv.Chart(a.PatientID)
		resources += len(raw[a.PatientID])
	}
	srv.Close()
	cat := screening.Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs := make(map[string]record.Record, len(raw))
		for id, rs := range raw {
			recs[id], _ = record.FromFHIR(rs)
		}
		BuildDay("2026-11-24", clinic, false, appts, recs, nil, cat)
	}
	b.ReportMetric(float64(len(appts)), "appointments")
	b.ReportMetric(float64(resources), "resources")
}
