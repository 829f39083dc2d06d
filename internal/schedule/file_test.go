package schedule

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
)

var update = flag.Bool("update", false, "rewrite testdata/epic-schedule-2026-11-24.csv from the simulator")

var clinicDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

const sampleFile = "testdata/epic-schedule-2026-11-24.csv"

type staticToken string

func (s staticToken) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s), TokenType: "Bearer"}, nil
}

func sim(t *testing.T) (*epicsim.Server, *fhir.Client) {
	t.Helper()
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return clinicDay.Add(6*time.Hour + 30*time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, &fhir.Client{Base: srv.FHIRBase(), Tokens: staticToken(srv.MintAccessToken(epicsim.DemoClientID, time.Hour)), MaxTries: 2}
}

// writeSample writes the simulator's clinic day as Epic's appointment
// report exports it: a BOM, "LAST,FIRST" names, US dates, 12-hour times.
// Every fifth row has no MRN, so its patient is found by name and birth date.
func writeSample(t *testing.T, srv *epicsim.Server) {
	pr := srv.Practice()
	var b strings.Builder
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Write([]string{"Appt Date", "Appt Time", "Provider", "MRN", "Patient Name", "DOB", "Visit Type", "Status", "Length", "Department", "CSN"})
	names := map[string]string{}
	for _, p := range pr.Providers {
		names[p.ID] = p.Name
	}
	status := map[string]string{"booked": "Scheduled", "arrived": "Arrived", "fulfilled": "Completed", "cancelled": "Canceled", "noshow": "No Show"}
	for i, a := range pr.Appointments[clinicDay.Format(time.DateOnly)] {
		p := pr.PatientByID(a.PatientID)
		mrn, dob := p.MRN, ""
		if !p.BirthDate.IsZero() {
			dob = p.BirthDate.Format("01/02/2006")
			if i%5 == 4 {
				mrn = ""
			}
		}
		w.Write([]string{a.Start.Format("01/02/2006"), a.Start.Format("03:04 PM"), names[a.ProviderID], mrn,
			strings.ToUpper(p.Family + "," + p.Given), dob, a.VisitType, status[a.Status], fmt.Sprint(a.Minutes),
			strings.ToUpper(pr.Location.Name), a.CSN})
	}
	w.Flush()
	if err := os.WriteFile(sampleFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSampleFileIsTheSimulatorDay(t *testing.T) {
	srv, fc := sim(t)
	if *update {
		writeSample(t, srv)
	}
	got, err := File{FHIR: fc, Path: sampleFile}.Appointments(context.Background(), clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ProviderService{FHIR: fc, ServerBase: srv.ServerBase(), ProviderIDs: []string{"E1001", "E1002", "E1003"}}.Appointments(context.Background(), clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) < 40 {
		t.Fatalf("%d appointments from the file, %d from Epic", len(got), len(want))
	}
	byName, inactive := 0, 0
	for i := range got {
		g, w := got[i], want[i]
		if g.PatientID != w.PatientID || !g.Start.Equal(w.Start) || g.Status != w.Status || g.VisitType != w.VisitType ||
			g.Minutes != w.Minutes || g.CSN != w.CSN || g.Provider != w.Provider || g.ID != w.ID || g.PatientName != w.PatientName {
			t.Fatalf("row %d:\nfile %+v\nepic %+v", i, g, w)
		}
		if i%5 == 4 {
			byName++
		}
		if g.Inactive() {
			inactive++
		}
	}
	if byName == 0 || inactive == 0 {
		t.Fatalf("the sample must exercise look-up by name (%d) and cancelled or no-show rows (%d)", byName, inactive)
	}
}

func TestBadRowsAreReportedByLineAndTheRestKept(t *testing.T) {
	srv, fc := sim(t)
	pr := srv.Practice()
	var withDOB []*epicsim.Patient
	for _, p := range pr.Patients {
		if !p.BirthDate.IsZero() {
			withDOB = append(withDOB, p)
		}
	}
	a, b, c, twin, other := withDOB[0], withDOB[1], withDOB[2], withDOB[3], withDOB[4]
	if _, err := srv.DuplicatePatient(twin.ID); err != nil {
		t.Fatal(err)
	}
	dob := func(p *epicsim.Patient) string { return p.BirthDate.Format("2006-01-02") }
	// Tab-separated, a report title first, other column names, date and
	// time in one column, names in two.
	lines := []string{
		"Daily Appointment Report - Demo Family Medicine",
		"",
		"Appointment Date/Time\tProvider Name\tMRN\tLast Name\tFirst Name\tBirth Date\tAppt Type\tAppt Status",
		"11/24/2026 8:00 AM\tPark, Ada\t" + a.MRN + "\t\t\t\tFollow-Up\tScheduled",                                   // 4 ok
		"11/24/2026 25:99\tPark, Ada\t" + b.MRN + "\t\t\t\tFollow-Up\tScheduled",                                     // 5 bad time
		"11/24/2026 8:40 AM\tPark, Ada\t9999999\t\t\t\tFollow-Up\tScheduled",                                         // 6 unknown MRN
		"11/24/2026 9:00 AM\tPark, Ada\t\t" + twin.Family + "\t" + twin.Given + "\t" + dob(twin) + "\tFollow-Up\t",   // 7 two charts
		"11/24/2026 9:20 AM\tPark, Ada\t" + b.MRN + "\t\t\t" + dob(other) + "\tFollow-Up\tScheduled",                 // 8 MRN and DOB disagree
		"11/24/2026 9:40 AM\tPark, Ada\t\t" + c.Family + "\t" + c.Given + "\t\tFollow-Up\tScheduled",                 // 9 no DOB
		"2026-11-24T10:00:00\tPark, Ada\t\t" + c.Family + "\t" + c.Given + " Q\t" + dob(c) + "\tSick Visit\tArrived", // 10 ok by name
		"11/25/2026 10:20 AM\tPark, Ada\t" + other.MRN + "\t\t\t\tFollow-Up\tScheduled",                              // 11 another day
		"11/24/2026 10:40 AM\tPark, Ada\t" + b.MRN + "\t\t\t" + dob(b) + "\tFollow-Up\tNo Show",                      // 12 ok, kept marked
	}
	path := filepath.Join(t.TempDir(), "export.tsv")
	os.WriteFile(path, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600)
	got, err := File{FHIR: fc, Path: path}.Appointments(context.Background(), clinicDay)
	var re *RowErrors
	if !errors.As(err, &re) {
		t.Fatalf("err = %v", err)
	}
	var bad []int
	for _, r := range re.Rows {
		bad = append(bad, r.Line)
		for _, phi := range []string{b.MRN, twin.Family, c.Family, dob(other), "9999999"} {
			if strings.Contains(r.Error(), phi) {
				t.Fatalf("row error leaks patient data: %v", r)
			}
		}
	}
	if fmt.Sprint(bad) != "[5 6 7 8 9]" {
		t.Fatalf("bad rows %v: %v", bad, re.Rows)
	}
	if !strings.Contains(re.Rows[2].Problem, "2 patients") || !strings.Contains(re.Rows[3].Problem, "different patients") {
		t.Fatalf("problems: %v", re.Rows)
	}
	if len(got) != 3 || got[0].PatientID != a.ID || got[1].PatientID != c.ID || got[2].PatientID != b.ID {
		t.Fatalf("kept %+v", got)
	}
	if got[1].Status != "arrived" || got[2].Status != "noshow" || !got[2].Inactive() || got[1].Start.Hour() != 10 || got[1].PatientName == "" {
		t.Fatalf("rows read wrongly: %+v", got)
	}
}

func TestUnusableFilesSayWhy(t *testing.T) {
	_, fc := sim(t)
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"no patient column", "Appt Time,Provider,Visit Type\n8:00 AM,Park,Follow-Up\n", "MRN"},
		{"no header", "hello\nworld\n", "header"},
		{"other day", "Appt Date,Appt Time,Provider,MRN,Visit Type\n11/25/2026,8:00 AM,Park,2001007,Follow-Up\n", "no appointments on 2026-11-24"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		os.WriteFile(p, []byte(tc.body), 0o600)
		_, err := File{FHIR: fc, Path: p}.Appointments(context.Background(), clinicDay)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	p := filepath.Join(dir, "undated")
	os.WriteFile(p, []byte("Time,Provider,MRN,Visit Type\n0800,Park,2001007,Follow-Up\n"), 0o600)
	if _, err := (File{FHIR: fc, Path: p, Date: "2026-11-23"}).Appointments(context.Background(), clinicDay); err == nil || !strings.Contains(err.Error(), "2026-11-23") {
		t.Errorf("an undated file for another day: %v", err)
	}
}

func TestTimesAndDatesEpicExports(t *testing.T) {
	for in, want := range map[string]string{"8:05 AM": "08:05", "08:05AM": "08:05", "1:30 pm": "13:30", "13:30": "13:30", "0805": "08:05", "8:05:00 AM": "08:05", "12:00 PM": "12:00"} {
		c, ok := parseClock(in)
		if !ok || c.Format("15:04") != want {
			t.Errorf("%q -> %v %v", in, c.Format("15:04"), ok)
		}
	}
	for _, in := range []string{"11/24/2026", "2026-11-24", "24-Nov-2026", "Nov 24, 2026", "20261124", "11/24/26"} {
		d, ok := parseDate(in, time.UTC)
		if !ok || d.Format(time.DateOnly) != "2026-11-24" {
			t.Errorf("%q -> %v %v", in, d, ok)
		}
	}
	if _, ok := parseDOB("09/12/87", time.UTC); ok {
		t.Error("a two-digit birth year was guessed")
	}
}
