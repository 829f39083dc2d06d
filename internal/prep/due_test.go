package prep

import (
	"slices"
	"testing"

	"github.com/healthprep/desk/internal/screening"
)

// Today's rows name what is due in the catalogue's short words, in
// catalogue order, and fall back to the title where a catalogue has none.
func TestDayRowsNameWhatIsDue(t *testing.T) {
	appts, recs := demoDay(t)
	cat := screening.Default()
	for _, s := range cat.Screenings {
		if s.Short == "" || len([]rune(s.Short)) > 14 {
			t.Errorf("%s: short label %q: every default screening needs one of at most 14 letters", s.ID, s.Short)
		}
	}
	d := BuildDay("2026-11-24", clinic, false, appts, recs, nil, cat)
	named := 0
	for _, r := range d.Rows {
		if len(r.Due) != r.Counts.Due {
			t.Fatalf("%d labels for %d due: %v", len(r.Due), r.Counts.Due, r.Due)
		}
		var want []string
		for _, res := range screening.Evaluate(recs[r.PatientID], cat, r.Time) {
			if res.Status == screening.Due {
				want = append(want, cat.Find(res.ID).Short)
			}
		}
		if !slices.Equal(r.Due, want) {
			t.Fatalf("row labels %v, want %v", r.Due, want)
		}
		named += len(r.Due)
	}
	if named == 0 {
		t.Fatal("the demo day should have something due")
	}
	// A practice catalogue without short labels shows the results' titles
	// (a risk group's own title where one applies).
	for _, s := range cat.Screenings {
		s.Short = ""
	}
	for _, r := range BuildDay("2026-11-24", clinic, false, appts, recs, nil, cat).Rows {
		var want []string
		for _, res := range screening.Evaluate(recs[r.PatientID], cat, r.Time) {
			if res.Status == screening.Due {
				want = append(want, res.Title)
			}
		}
		if !slices.Equal(r.Due, want) {
			t.Fatalf("without short labels: %v, want the titles %v", r.Due, want)
		}
	}
}
