package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/doctext"
	"github.com/healthprep/desk/internal/epicsim/docgen"
)

// hostileCap is the cap or fault each hostile file must end on.
var hostileCap = map[docgen.Hostile]error{
	docgen.CorruptPDF:  doctext.ErrCorrupt,
	docgen.PasswordPDF: doctext.ErrEncrypted,
	docgen.PDFBomb:     nil, // any reason: its text, time or memory cap, whichever the machine reaches first
	docgen.PNGBomb:     doctext.ErrTooManyPix,
	docgen.LongPDF:     doctext.ErrTooManyPage,
	docgen.ManyFrames:  doctext.ErrTooManyPage,
	docgen.HugeFile:    doctext.ErrTooLarge,
}

// quietDay is a day in reach (the last two weeks) with visits due for a
// screening documents evidence and the fewest outside records of its
// own, so the test reads mostly what it filed.
func quietDay(t *testing.T, a *Agent) string {
	t.Helper()
	pr := a.demo.Practice()
	best, fewest := "", -1
	for back := 1; back <= 10; back++ {
		date := time.Now().AddDate(0, 0, -back).Format(time.DateOnly)
		if len(pr.Appointments[date]) == 0 {
			continue
		}
		n := 0
		for _, ap := range pr.Appointments[date] {
			if p := pr.PatientByID(ap.PatientID); p != nil {
				for _, r := range p.Resources {
					if _, ok := a.demo.OutsideRecord(r.ID); ok {
						n++
					}
				}
			}
		}
		if fewest < 0 || n < fewest {
			best, fewest = date, n
		}
	}
	if best == "" {
		t.Fatal("no day in reach has visits")
	}
	return best
}

// The hostile files and the outside reports, filed on a day the agent
// syncs: reading runs in the background, every hostile document ends on
// its sheet as "could not be read: <its cap>", the reports' presentedForm
// is read and its evidence is true, and the agent answers Status and Day
// while reading and after.
func TestHostileFilesAndReportsEndToEnd(t *testing.T) {
	needOCR(t)
	ctx := context.Background()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	// The PDF bomb runs to its processor-time cap: 2 s rather than a
	// minute keeps the test short, and the wall-clock limit stays the
	// default, so a real scan waiting on a loaded machine is never cut.
	lim := doctext.DefaultLimits
	lim.CPU = 2 * time.Second
	a, err := Open(ctx, Options{Dir: t.TempDir(), ReadingLimits: &lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	date := quietDay(t, a)
	hostile, err := a.demo.FileHostileFiles(date, 3)
	if err != nil {
		t.Fatal(err)
	}
	reports, err := a.demo.FileOutsideReports(date, 2)
	if err != nil {
		t.Fatal(err)
	}
	events, err := a.SyncEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
		t.Fatal(err)
	}
	answered := 0
	var last api.SyncEvent
	for ev := range events {
		if ev.Date != date {
			continue
		}
		if ev.Phase == api.PhaseReading {
			// The agent answers between documents, while the next is read.
			st, err := a.Status(ctx)
			if err != nil || st.Mode != api.ModeDemo {
				t.Fatalf("Status while reading (%s): %+v, %v", ev.Message, st, err)
			}
			if l, err := a.Day(ctx, date); err != nil || len(l.Rows) == 0 {
				t.Fatalf("Day while reading (%s): %d rows, %v", ev.Message, len(l.Rows), err)
			}
			answered++
		}
		if ev.Phase == api.PhaseRead {
			last = ev
			break
		}
	}
	t.Logf("%s; answered %d times while reading", last.Message, answered)
	if answered < len(hostile) {
		t.Errorf("answered %d times while reading %d hostile files and more", answered, len(hostile))
	}
	if _, err := a.Status(ctx); err != nil {
		t.Fatal(err)
	}

	list, err := a.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	sheets := map[string]api.Sheet{}
	sheet := func(patient string) api.Sheet {
		if sh, ok := sheets[patient]; ok {
			return sh
		}
		ap := ""
		for _, row := range list.Rows {
			if row.PatientID == patient {
				ap = row.AppointmentID
			}
		}
		sh, err := a.Sheet(ctx, date, ap)
		if err != nil {
			t.Fatal(err)
		}
		sheets[patient] = sh
		return sh
	}
	for _, f := range hostile {
		var line *api.Line
		for _, l := range sheet(f.PatientID).Unread {
			if l.Title == f.Title {
				line = &l
			}
		}
		switch want := hostileCap[f.Hostile]; {
		case line == nil:
			t.Errorf("%s (%s) is not on the sheet as unread", f.Title, f.Hostile)
		case !strings.HasPrefix(line.Detail, "could not be read: "):
			t.Errorf("%s: %q", f.Hostile, line.Detail)
		case want != nil && !strings.Contains(line.Detail, want.Error()):
			t.Errorf("%s: %q, want %q", f.Hostile, line.Detail, want)
		default:
			t.Logf("%-13s %s", f.Hostile, line.Detail)
		}
	}

	fromReport := 0
	for _, f := range reports {
		id := strings.TrimPrefix(f.Ref, "DiagnosticReport/")
		sh := sheet(f.PatientID)
		for _, l := range sh.Unread {
			if l.Title == f.Title && l.Date.Equal(f.Report.Date) {
				t.Errorf("report %s (%s): %s", f.Title, f.Report.Format, l.Detail)
			}
		}
		for _, r := range sh.Results {
			for _, ev := range r.Evidence {
				if ev.ID != id || ev.Text == nil {
					continue
				}
				tr := f.Report.Truth
				if ev.Type != "DiagnosticReport" || tr.Kind != docgen.Evidence || tr.Screening != r.ID || !tr.Performed.Equal(ev.Date) || !r.Review || ev.Text.Org != f.Report.Org {
					t.Errorf("%s: evidence %+v (%+v) from %s, truth %+v", r.ID, ev, ev.Text, f.Title, tr)
				}
				fromReport++
			}
		}
	}
	// Each screening a true report evidences shows one of them (the
	// newest when two evidence it).
	want := map[string]bool{}
	for _, f := range reports {
		if f.Report.Truth.Kind == docgen.Evidence {
			want[f.PatientID+"/"+f.Report.Truth.Screening] = true
		}
	}
	if fromReport != len(want) {
		t.Errorf("text evidence from %d reports' presentedForm, want %d", fromReport, len(want))
		for k := range want {
			patient, scr, _ := strings.Cut(k, "/")
			for _, r := range sheet(patient).Results {
				if r.ID == scr {
					t.Logf("%s: %s, evidence %+v", scr, r.Status, r.Evidence)
				}
			}
		}
	}
	t.Logf("%d reports filed, evidence from %d", len(reports), fromReport)
}
