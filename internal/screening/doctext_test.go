package screening

import (
	"strings"
	"testing"
	"time"
)

// dateOf is a day at midnight UTC, as dates read from text are.
func dateOf(s string) time.Time { return day(s).Truncate(24 * time.Hour) }

func findOne(t *testing.T, doc TextDoc, screening string) *TextFinding {
	t.Helper()
	for _, f := range Default().FindInText(doc) {
		if f.Screening == screening {
			return &f
		}
	}
	return nil
}

func TestFindInTextEvidenceNegationPostponement(t *testing.T) {
	doc := func(text string) TextDoc {
		return TextDoc{ID: "d1", Title: "Outside report", Text: text, Clinical: dateOf("2025-06-20").Add(14*time.Hour + 20*time.Minute), Indexed: dateOf("2025-06-22")}
	}
	for _, tc := range []struct {
		text, screening, dismissed, phrase string
		date                               string
		from                               string
	}{
		{"Bilateral screening mammogram was performed on 03/14/2025.", "breast_cancer", "", "mammogram", "2025-03-14", "text"},
		{"EXAM: Digital screening mammography, March 14, 2025.", "breast_cancer", "", "mammography", "2025-03-14", "text"},
		{"Mammogram done Mar. 4, 2025. BI-RADS 1.", "breast_cancer", "", "Mammogram", "2025-03-04", "text"},
		{"Screening mammogram 14 Mar 2025: BI-RADS 2.", "breast_cancer", "", "mammogram", "2025-03-14", "text"},
		{"Procedure: colonoscopy on 2025-01-02.\nThe cecum was\nreached.", "colorectal_cancer", "", "colonoscopy", "2025-01-02", "text"},
		{"The cecum was reached. Withdrawal time 9 minutes.", "colorectal_cancer", "", "cecum was reached", "2025-06-20", "clinical"},
		// A document's own date counts as its day, whatever the hour.
		{"The colonoscope was advanced to the cecum.", "colorectal_cancer", "", "colonoscope", "2025-06-20", "clinical"},
		{"Date of service: 5/2/25\n\nThe cecum was reached.", "colorectal_cancer", "", "cecum was reached", "2025-05-02", "text"},
		{"The patient declined a screening mammogram.", "breast_cancer", "negated", "mammogram", "", ""},
		{"Pap smear not done today.", "cervical_cancer", "negated", "Pap smear", "", ""},
		{"Screening mammogram scheduled for 07/01/2025.", "breast_cancer", "postponed", "mammogram", "", ""},
		{"Recommend a DEXA scan in two years.", "osteoporosis", "postponed", "DEXA", "", ""},
		{"She is due for a Pap test.", "cervical_cancer", "postponed", "Pap test", "", ""},
		{"No history of colonoscopy.", "colorectal_cancer", "negated", "colonoscopy", "", ""},
		// A birth date is never the test's date, nor one after the document.
		{"Patient DOB: 04/17/1961 had a Pap smear.", "cervical_cancer", "", "Pap smear", "2025-06-20", "clinical"},
		{"Dilated retinal exam on 12/01/2025: normal.", "diabetes_eye", "", "retinal exam", "2025-06-20", "clinical"},
		// Whole words only: "papers" is not a Pap test.
		{"Mammography papers were filed.", "cervical_cancer", "", "", "", ""},
	} {
		f := findOne(t, doc(tc.text), tc.screening)
		if tc.phrase == "" {
			if f != nil {
				t.Errorf("%q: found %+v", tc.text, f)
			}
			continue
		}
		if f == nil {
			t.Errorf("%q: nothing found for %s", tc.text, tc.screening)
			continue
		}
		if f.Dismissed != tc.dismissed || f.Phrase != tc.phrase || f.Sentence[f.Start:f.End] != tc.phrase {
			t.Errorf("%q: dismissed %q phrase %q (%d:%d), want %q %q", tc.text, f.Dismissed, f.Phrase, f.Start, f.End, tc.dismissed, tc.phrase)
		}
		if tc.date != "" && (!f.Date.Equal(dateOf(tc.date)) || f.DateFrom != tc.from) {
			t.Errorf("%q: date %s from %s, want %s from %s", tc.text, f.Date.Format("2006-01-02"), f.DateFrom, tc.date, tc.from)
		}
	}
}

// The cue must be in the same sentence: a plan for the next test does not
// undo the test done.
func TestFindInTextSentenceScope(t *testing.T) {
	d := TextDoc{Text: "Screening mammogram performed on 01/10/2025. Next screening mammogram due in one year.", Indexed: dateOf("2025-01-15")}
	f := findOne(t, d, "breast_cancer")
	if f == nil || f.Dismissed != "" || f.Date != dateOf("2025-01-10") || !strings.HasPrefix(f.Sentence, "Screening mammogram performed") {
		t.Fatalf("finding = %+v", f)
	}
}

// Text-derived results are "check", carry the sentence, and count only
// within the interval: boundary days of a two-year mammogram.
func TestApplyTextBoundaries(t *testing.T) {
	c := Default()
	visit := dateOf("2026-11-30")
	base := []Result{{ID: "breast_cancer", Status: Due, Reason: "no mammogram on record"}}
	apply := func(done string) Result {
		doc := TextDoc{ID: "doc-1", Title: "Outside mammography report", Org: "Valley Imaging Center", Indexed: dateOf(done).AddDate(0, 0, 3),
			Text: "Screening mammogram performed on " + dateOf(done).Format("01/02/2006") + "."}
		return ApplyText(base, c, visit, []TextDoc{doc}, [][]TextFinding{c.FindInText(doc)})[0]
	}
	if r := apply("2024-11-30"); r.Status != Due {
		t.Errorf("two years to the day: %s, want due", r.Status)
	}
	r := apply("2024-12-01")
	if r.Status != DueSoon || !r.Review || r.LastDone != dateOf("2024-12-01") || r.NextDue != dateOf("2026-12-01") {
		t.Errorf("one day inside: %+v", r)
	}
	r = apply("2025-06-01")
	if r.Status != Complete || !r.Review || len(r.Evidence) != 1 {
		t.Fatalf("inside: %+v", r)
	}
	ev := r.Evidence[0]
	if ev.Text == nil || ev.Text.Sentence[ev.Text.Start:ev.Text.End] != "mammogram" || ev.Text.Org != "Valley Imaging Center" || ev.ID != "doc-1" {
		t.Errorf("evidence = %+v %+v", ev, ev.Text)
	}
	if !strings.Contains(r.Reason, "(check)") || !strings.Contains(r.Reason, "Valley Imaging Center") {
		t.Errorf("reason = %q", r.Reason)
	}
	// A coded complete is never replaced, and a negated mention decides nothing.
	done := []Result{{ID: "breast_cancer", Status: Complete}}
	doc := TextDoc{Text: "Screening mammogram performed on 06/01/2026.", Indexed: dateOf("2026-06-03")}
	if r := ApplyText(done, c, visit, []TextDoc{doc}, [][]TextFinding{c.FindInText(doc)})[0]; r.Review {
		t.Errorf("coded complete changed: %+v", r)
	}
	doc = TextDoc{Text: "Patient refused the screening mammogram on 06/01/2026.", Indexed: dateOf("2026-06-03")}
	if r := ApplyText(base, c, visit, []TextDoc{doc}, [][]TextFinding{c.FindInText(doc)})[0]; r.Status != Due {
		t.Errorf("negated: %+v", r)
	}
}

func TestDocumentTextValidation(t *testing.T) {
	y := string(DefaultYAML())
	for _, tc := range []struct{ from, to, want string }{
		{"  - screening: osteoporosis\n    modality: dxa\n", "  - screening: osteoporosis\n    modality: dexa\n", `has no modality "dexa"`},
		{"  - screening: osteoporosis\n    modality: dxa\n", "  - screening: bones\n    modality: dxa\n", `no screening "bones"`},
		{"    modality: dxa\n    phrases: [DXA,", "    modality: dxa\n    phrase: [DXA,", "phrase"},
		{"    modality: ldct\n    phrases: [low-dose CT, low dose computed tomography, LDCT, Lung-RADS]\n    date: [text, clinical, indexed]", "    modality: ldct\n    phrases: [low-dose CT]\n    date: [text, scanned]", `date source "scanned"`},
	} {
		if !strings.Contains(y, tc.from) {
			t.Fatalf("catalogue lacks %q", tc.from)
		}
		_, err := Parse([]byte(strings.Replace(y, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.to, err, tc.want)
		}
	}
}
