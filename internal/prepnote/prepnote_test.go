package prepnote

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/screening"
)

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func sheet() prep.Sheet {
	return prep.Sheet{
		Date: "2026-11-27", AppointmentID: "appt-1", Time: time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC),
		Provider: "Ana Ruiz, MD", VisitType: "Office Visit",
		Patient: prep.SheetPatient{ID: "eP1", Name: "Rosa Diaz", MRN: "MRN-203713", BirthDate: "1961-03-04"},
		Notes:   []string{},
		Results: []screening.Result{
			{ID: "crc", Title: "Colorectal cancer screening", Status: screening.Due, LastDone: day("2014-05-02"), Modality: "colonoscopy",
				NextDue: day("2024-05-02"), Reason: "colonoscopy every 10 years", Details: "OID 2.16.840.1.113883.3.464.1003.108.12.1020",
				Evidence: []screening.Evidence{{Type: "Procedure", ID: "eProc1", Display: "Colonoscopy", Date: day("2014-05-02")}}},
			{ID: "a1c", Title: "HbA1c <test>", Status: screening.Complete, LastDone: day("2026-03-02"), NextDue: day("2026-09-02"),
				Attention: "poor control: 9.8 % on 2026-03-02", Reason: "every 6 months"},
			{ID: "mammo", Title: "Breast cancer screening", Status: screening.NeedsReview, Review: true, ReviewNote: "a title keyword matched",
				Evidence: []screening.Evidence{{Type: "DocumentReference", ID: "eDoc1", Display: "Mammogram report", Date: day("2025-11-28")}}},
		},
	}
}

func TestTextNote(t *testing.T) {
	n, err := Render(sheet(), Options{CatalogueVersion: "2026.11-3", PreparedBy: "Front Desk", PreparedAt: time.Date(2026, 11, 27, 7, 52, 0, 0, time.UTC), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	got := string(n.Data)
	for _, want := range []string{
		"Visit: 2026-11-27 09:30, Office Visit, with Ana Ruiz, MD",
		"Prepared 2026-11-27 07:52 by Front Desk from the Epic chart; screening catalogue 2026.11-3.",
		"DUE\n- Colorectal cancer screening: due; last done 2014-05-02 (colonoscopy); next due 2024-05-02.",
		"Evidence: Colonoscopy (procedure, 2014-05-02)",
		"Evidence: Mammogram report (document, 2025-11-28)",
		"TO REVIEW\n- Breast cancer screening: to review.",
		"[check: a title keyword matched]",
		"[attention: poor control: 9.8 % on 2026-03-02]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	// Due comes before complete; the chart says whose it is, support codes stay out.
	if strings.Index(got, "DUE") > strings.Index(got, "COMPLETE") {
		t.Error("due is not first")
	}
	for _, leak := range []string{"Rosa", "Diaz", "MRN-203713", "1961-03-04", "OID"} {
		if strings.Contains(got, leak) {
			t.Errorf("the note carries %q", leak)
		}
	}
	if n.ContentType != "text/plain; charset=utf-8" {
		t.Fatal(n.ContentType)
	}
}

func TestHTMLNoteEscapes(t *testing.T) {
	n, err := Render(sheet(), Options{Format: HTML, CatalogueVersion: "v9", PreparedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	got := string(n.Data)
	if !strings.Contains(got, "HbA1c &lt;test&gt;") || strings.Contains(got, "<test>") || n.ContentType != "text/html; charset=utf-8" {
		t.Fatalf("not escaped:\n%s", got)
	}
	if !strings.Contains(got, "screening catalogue v9") || !strings.Contains(got, "by HealthPrep Desk") {
		t.Fatalf("no catalogue version or preparer:\n%s", got)
	}
}

func TestNothingToSendForAnUnfetchedChart(t *testing.T) {
	s := sheet()
	s.NotFetched = true
	if _, err := Render(s, Options{}); !errors.Is(err, ErrNothingKnown) {
		t.Fatal(err)
	}
	if _, err := Render(sheet(), Options{Format: "rtf"}); err == nil {
		t.Fatal("an unknown format was rendered")
	}
	s = sheet()
	s.Results = nil
	n, _ := Render(s, Options{})
	if !strings.Contains(string(n.Data), "No screening applies") {
		t.Fatal(string(n.Data))
	}
}
