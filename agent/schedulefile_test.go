package agent

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// A practice whose schedule comes from a file exported from Epic: the
// front desk imports it, the sync resolves each row's patient by MRN, and
// the file (names, MRNs, birth dates) is kept only in the encrypted cache.
func TestScheduleFileImportThenSync(t *testing.T) {
	ctx := context.Background()
	a, sim, dir := openSignedIn(t, ScheduleSource{Kind: "file"})

	day := time.Now()
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, -1)
	}
	date := day.Format(time.DateOnly)
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); !api.IsKind(err, api.KindNotFound) {
		t.Fatalf("a sync with no file imported: %v, want a not-found telling to import one", err)
	}
	var b strings.Builder
	b.WriteString("Appt Time,Provider,MRN,Visit Type,Status\n")
	pr := sim.Practice()
	appts := pr.Appointments[date]
	for _, ap := range appts {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\n", ap.Start.Format("03:04 PM"), ap.ProviderID, pr.PatientByID(ap.PatientID).MRN, ap.VisitType, ap.Status)
	}
	b.WriteString("not a time,Dr X,123,Follow-Up,booked\n")
	imp, err := a.ImportSchedule(ctx, api.ScheduleImport{Date: date, CSV: b.String()})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Rows != len(appts) || len(imp.Problems) != 1 || imp.Problems[0].Line != len(appts)+2 {
		t.Fatalf("import: %+v, want %d rows and the bad last line reported", imp, len(appts))
	}
	sum, err := a.Sync(ctx, api.SyncRequest{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Day(ctx, date)
	if err != nil || sum.Appointments != len(appts) || len(list.Rows) != len(appts) {
		t.Fatalf("after the sync: %v, %d appointments, %d rows, want %d", err, sum.Appointments, len(list.Rows), len(appts))
	}
	if _, err := a.ImportSchedule(ctx, api.ScheduleImport{Date: date, CSV: "hello\nworld\n"}); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("a file with no schedule in it: %v", err)
	}
	// The file's MRNs are nowhere in the data directory in the clear.
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, _ := os.ReadFile(path)
		for _, ap := range appts[:5] {
			if mrn := pr.PatientByID(ap.PatientID).MRN; strings.Contains(string(raw), mrn) {
				t.Errorf("%s holds MRN %s", path, mrn)
			}
		}
		return nil
	})
}

// An import of a file that cannot be a day's schedule (an Epic report of
// 95,000 rows once made every later sync fail) is refused with the limit,
// and nothing is kept.
func TestImplausibleScheduleFileIsRefusedOnImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	p := Practice{Name: "File Practice", FHIRBase: "https://epic.example.org/api/FHIR/R4", ClientID: "x", Schedule: ScheduleSource{Kind: "file"}}
	if err := SavePractice(dir, p); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	date := time.Now().Format(time.DateOnly)
	var b strings.Builder
	b.WriteString("Appt Time,Provider,MRN,Visit Type\n")
	for i := 0; i < 95_000; i++ {
		fmt.Fprintf(&b, "%02d:%02d,Park,%07d,Follow-Up\n", 8+i/60%9, i%60, 2000000+i%5000)
	}
	_, err = a.ImportSchedule(ctx, api.ScheduleImport{Date: date, CSV: b.String()})
	if !api.IsKind(err, api.KindBadRequest) || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("a 95,000-row file: %v, want refused with the limit", err)
	}
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetFile(ctx, scheduleFileName); err == nil {
		t.Fatal("the refused file was kept")
	}
}
