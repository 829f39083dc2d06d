package agent

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim/docgen"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/screening"
)

func needOCR(t *testing.T) {
	t.Helper()
	for _, p := range []string{"tesseract", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("HEALTHPREP_REQUIRE_OCR") != "" {
				t.Fatalf("%s is not installed (make deps)", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
}

// After the day lands, its documents are read in the background: the
// feed says how far reading is, the day is usable meanwhile, the sheet
// shows text evidence as "check" with its sentence, Today's counts follow,
// the next sync reads nothing again, and a restarted agent shows the same
// evidence from the cache with no network.
func TestDocumentsReadAfterTheDayLands(t *testing.T) {
	needOCR(t)
	ctx := context.Background()
	a := openDemo(t)
	events, err := a.SyncEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	date := dayWithOutsideEvidence(t, a)
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
		t.Fatal(err)
	}
	var reading []api.SyncEvent
	usable := false
	for ev := range events {
		if ev.Date != date {
			continue
		}
		if ev.Phase == "reading" {
			t.Logf("%s: %s", time.Now().Format(time.TimeOnly), ev.Message)
			if len(reading) == 0 {
				l, err := a.Day(ctx, date)
				usable = err == nil && len(l.Rows) > 0
			}
			reading = append(reading, ev)
		}
		if ev.Phase == "read" {
			break
		}
	}
	if len(reading) < 2 || !usable {
		t.Fatalf("%d reading events, day usable while reading: %v", len(reading), usable)
	}
	first, last := reading[0], reading[len(reading)-1]
	if !strings.HasPrefix(first.Message, "reading ") || !strings.Contains(first.Message, " documents: 0 of ") || last.PatientsDone != last.PatientsTotal {
		t.Errorf("feed %q … %q", first.Message, last.Message)
	}
	list, err := a.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	d, recs, err := a.loadDay(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	cat := a.catalogue()
	found, recounted := 0, 0
	var seen []string
	for _, row := range list.Rows {
		sh, err := a.Sheet(ctx, date, row.AppointmentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Results {
			for _, ev := range r.Evidence {
				if ev.Text == nil {
					continue
				}
				found++
				doc, ok := a.demo.OutsideRecord(ev.ID)
				if !ok || doc.Truth.Kind != docgen.Evidence || doc.Truth.Screening != r.ID || !doc.Truth.Performed.Equal(ev.Date) {
					t.Errorf("%s: text evidence %+v from %s, truth %+v", r.ID, ev, ev.ID, doc.Truth)
				}
				if !r.Review || ev.Text.Sentence[ev.Text.Start:ev.Text.End] == "" || ev.Text.Org == "" {
					t.Errorf("%s: not marked check or no highlight: %+v %+v", r.ID, r, ev.Text)
				}
				seen = append(seen, row.AppointmentID+"/"+r.ID)
				// What prep --format json --patient prints: the sheet, as sent.
				if b, _ := json.Marshal(sh); !strings.Contains(string(b), `"text":{"sentence":`) {
					t.Errorf("the sheet's JSON lacks the sentence")
				}
			}
		}
		var start time.Time
		for _, ap := range d.Appointments {
			if ap.ID == row.AppointmentID {
				start = ap.Start
			}
		}
		if !row.NotFetched && row.Counts != api.Counts(prep.CountResults(screening.Evaluate(recs[row.PatientID], cat, start))) {
			recounted++
		}
	}
	if found == 0 || recounted == 0 {
		t.Fatalf("text evidence on %d results, %d rows recounted", found, recounted)
	}
	t.Logf("%d reading events; text evidence on %d results, %d rows recounted", len(reading), found, recounted)

	demo := a.demo
	before := demo.Requests()["Binary"]
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date, Full: true}); err != nil {
		t.Fatal(err)
	}
	dir := a.opts.Dir
	a.Close() // waits for the reading the sync started
	if n := demo.Requests()["Binary"] - before; n != 0 {
		t.Errorf("the second sync fetched %d documents again", n)
	}
	b, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	again := 0
	for _, row := range list.Rows {
		sh, err := b.Sheet(ctx, date, row.AppointmentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Results {
			for _, ev := range r.Evidence {
				if ev.Text != nil {
					again++
				}
			}
		}
	}
	if again != found {
		t.Errorf("after a restart, offline: %d text evidence, want %d", again, found)
	}
}

// dayWithOutsideEvidence is the day within reach (the last two weeks) whose
// patients have the most outside records that evidence a screening, so the
// test does not depend on the day it runs.
func dayWithOutsideEvidence(t *testing.T, a *Agent) string {
	t.Helper()
	pr := a.demo.Practice()
	best, most := "", 0
	now := time.Now()
	for back := 1; back <= 10; back++ {
		date := now.AddDate(0, 0, -back).Format(time.DateOnly)
		n := 0
		for _, ap := range pr.Appointments[date] {
			p := pr.PatientByID(ap.PatientID)
			if p == nil {
				continue
			}
			for _, r := range p.Resources {
				if doc, ok := a.demo.OutsideRecord(r.ID); ok && doc.Truth.Kind == docgen.Evidence && now.Sub(doc.Truth.Performed) < 365*24*time.Hour {
					n++
				}
			}
		}
		if n > most {
			best, most = date, n
		}
	}
	if most == 0 {
		t.Fatal("no day in reach has an outside record that evidences a screening")
	}
	t.Logf("%s: %d outside records with evidence", best, most)
	return best
}

// BenchmarkReadingBusiestDay syncs the demo practice's busiest day in
// reach and reads its documents with one worker, from an empty cache:
//
//	go test -run '^$' -bench ReadingBusiestDay -benchtime 1x ./agent/
//
// sync-s is the sync (reading starts after it returns), reading-s the
// background reading, docs and scanned the documents read.
func BenchmarkReadingBusiestDay(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		b.Setenv("HEALTHPREP_KEYRING", "file")
		b.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
		a, err := Open(context.Background(), Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		pr := a.demo.Practice()
		date, most := "", 0
		for back := 1; back <= 10; back++ {
			d := time.Now().AddDate(0, 0, -back).Format(time.DateOnly)
			if n := len(pr.Appointments[d]); n > most {
				date, most = d, n
			}
		}
		ctx := context.Background()
		events, _ := a.SyncEvents(ctx)
		b.StartTimer()
		start := time.Now()
		if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
			b.Fatal(err)
		}
		synced := time.Now()
		var last api.SyncEvent
		for ev := range events {
			if ev.Date == date && ev.Phase == "read" {
				last = ev
				break
			}
		}
		read := time.Now()
		b.StopTimer()
		scanned := 0
		for _, c := range func() []string {
			var ids []string
			for _, ap := range pr.Appointments[date] {
				if p := pr.PatientByID(ap.PatientID); p != nil {
					for _, r := range p.Resources {
						ids = append(ids, r.ID)
					}
				}
			}
			return ids
		}() {
			if d, ok := a.demo.OutsideRecord(c); ok && d.Format.Scanned() {
				scanned++
			}
		}
		b.ReportMetric(float64(most), "appointments")
		b.ReportMetric(synced.Sub(start).Seconds(), "sync-s")
		b.ReportMetric(read.Sub(synced).Seconds(), "reading-s")
		b.ReportMetric(float64(last.PatientsDone), "docs")
		b.ReportMetric(float64(scanned), "scanned-records-of-the-patients")
		a.Close()
		b.StartTimer()
	}
}
