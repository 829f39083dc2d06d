package schedule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
)

func writeFile(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "schedule.csv")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A file naming the same patients over and over searches Epic once per
// distinct MRN and once per distinct name and birth date.
func TestOneSearchPerDistinctPatient(t *testing.T) {
	srv, fc := sim(t)
	var a, b *epicsim.Patient
	for _, p := range srv.Practice().Patients {
		if !p.BirthDate.IsZero() {
			if a == nil {
				a = p
			} else if b == nil && p.Family != a.Family {
				b = p
			}
		}
	}
	lines := []string{"Appt Time,Provider,MRN,Last Name,First Name,DOB,Visit Type"}
	for i := 0; i < 300; i++ {
		clock := fmt.Sprintf("%02d:%02d", 8+i/60%9, i%60)
		lines = append(lines, clock+",Park,"+a.MRN+",,,,Follow-Up")
		lines = append(lines, clock+",Park,,"+strings.ToUpper(b.Family)+","+b.Given+","+b.BirthDate.Format("01/02/2006")+",Follow-Up")
	}
	got, err := File{FHIR: fc, Path: writeFile(t, lines)}.Appointments(context.Background(), clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 600 {
		t.Fatalf("%d appointments, want 600", len(got))
	}
	for _, ap := range got {
		if ap.PatientID != a.ID && ap.PatientID != b.ID {
			t.Fatalf("wrong patient %q", ap.PatientID)
		}
	}
	if n := fc.Stats().ByType["Patient"]; n != 2 {
		t.Fatalf("%d Patient searches for two distinct patients", n)
	}
}

// A failure every look-up would meet (Epic unreachable, the sign-in
// refused, the sync cancelled) stops the look-ups: no more than the ones
// already in flight are sent.
func TestLookupsStopAtTheFirstFatalError(t *testing.T) {
	lines := []string{"Appt Time,Provider,MRN,Visit Type"}
	for i := 0; i < 400; i++ {
		lines = append(lines, fmt.Sprintf("%02d:%02d,Park,%07d,Follow-Up", 8+i/60%9, i%60, 3000000+i))
	}
	path := writeFile(t, lines)
	const conc = 4

	srv, fc := sim(t)
	if err := srv.SetFaults(epicsim.Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	_, err := File{FHIR: fc, Path: path, Concurrency: conc}.Appointments(context.Background(), clinicDay)
	if fhir.KindOf(err) != fhir.KindUnreachable {
		t.Fatalf("Epic down: %v", err)
	}
	if n := fc.Stats().Requests; n > conc*int(fc.MaxTries) {
		t.Fatalf("Epic down: %d requests for 400 rows; want at most %d (those in flight)", n, conc*int(fc.MaxTries))
	}

	srv2, _ := sim(t)
	bad := &fhir.Client{Base: srv2.FHIRBase(), Tokens: staticToken("not-a-token"), MaxTries: 2}
	_, err = File{FHIR: bad, Path: path, Concurrency: conc}.Appointments(context.Background(), clinicDay)
	if fhir.KindOf(err) != fhir.KindSignIn {
		t.Fatalf("sign-in refused: %v", err)
	}
	if n := bad.Stats().Requests; n > conc*int(bad.MaxTries) {
		t.Fatalf("sign-in refused: %d requests for 400 rows; want at most %d", n, conc*int(bad.MaxTries))
	}

	_, fc3 := sim(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = File{FHIR: fc3, Path: path, Concurrency: conc}.Appointments(ctx, clinicDay)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if n := fc3.Stats().Requests; n > conc {
		t.Fatalf("cancelled: %d requests", n)
	}
}

// A file that cannot be a day's schedule is refused, with the limit.
func TestImplausibleFilesAreRefused(t *testing.T) {
	_, fc := sim(t)
	lines := []string{"Appt Time,Provider,FHIR ID,Visit Type"}
	for i := 0; i <= MaxPerDay; i++ {
		lines = append(lines, fmt.Sprintf("%02d:%02d,Park,p%d,Follow-Up", 8+i/60%9, i%60, i))
	}
	_, err := File{FHIR: fc, Path: writeFile(t, lines)}.Appointments(context.Background(), clinicDay)
	if err == nil || !strings.Contains(err.Error(), "2001 appointments on 2026-11-24") || !strings.Contains(err.Error(), "at most 2000") {
		t.Fatalf("a day of %d appointments: %v", MaxPerDay+1, err)
	}
	if n := fc.Stats().Requests; n != 0 {
		t.Fatalf("%d requests for a refused file", n)
	}
	rows, _, err := ParseCSV(strings.NewReader(strings.Join(lines[:MaxPerDay+1], "\n")), time.UTC)
	if err != nil || CheckPlausible(rows, "2026-11-24") != nil {
		t.Fatalf("a day of exactly %d appointments is refused: %v", MaxPerDay, err)
	}
	if _, probs, _ := ParseCSV(strings.NewReader("Appt Time,Provider,FHIR ID,Visit Type\n8:00,Park,a/b,Follow-Up\n"), time.UTC); len(probs) != 1 {
		t.Fatalf("a FHIR id with a slash was taken: %v", probs)
	}
}
