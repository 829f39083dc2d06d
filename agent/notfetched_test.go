package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/report"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// A patient whose chart could not be fetched on the day's first sync is
// shown as "could not be fetched", with nothing as if it were known (no
// counts, no "birth date not recorded"); one kept from an earlier sync
// keeps its "older data" flag on the text sheet too.
func TestNotFetchedIsNotShownAsOlderOrKnown(t *testing.T) {
	ctx := context.Background()
	a := openDemo(t)
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const date = "2026-11-24"
	at := func(h int) time.Time { return time.Date(2026, 11, 24, h, 0, 0, 0, time.UTC) }
	chart := func(id, given string) []json.RawMessage {
		pt, _ := json.Marshal(map[string]any{"resourceType": "Patient", "id": id, "birthDate": "1961-03-02", "gender": "female",
			"name": []any{map[string]any{"family": "Okafor", "given": []string{given}}}})
		return []json.RawMessage{pt}
	}
	fetched := at(6).Add(30 * time.Minute)
	day := store.Day{Date: date, SyncedAt: fetched, Partial: true, Appointments: []record.Appointment{
		{ID: "a1", PatientID: "pFresh", PatientName: "Grace Okafor", Start: at(8), Status: "booked", VisitType: "Annual"},
		{ID: "a2", PatientID: "pKept", PatientName: "Ruth Okafor", Start: at(9), Status: "booked", VisitType: "Annual"},
		{ID: "a3", PatientID: "pNever", PatientName: "Ida Mensah", Start: at(10), Status: "booked", VisitType: "Annual"},
	}, Patients: map[string]store.PatientData{
		"pFresh": {Resources: chart("pFresh", "Grace"), FetchedAt: fetched},
		"pKept":  {Resources: chart("pKept", "Ruth"), FetchedAt: fetched.AddDate(0, 0, -1), Stale: true, Problem: "Epic answered 500"},
		"pNever": {Stale: true, Problem: "Epic answered 500"},
	}}
	if err := st.PutDay(ctx, day); err != nil {
		t.Fatal(err)
	}
	list, err := a.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]api.DayRow{}
	for _, r := range list.Rows {
		rows[r.PatientID] = r
	}
	if r := rows["pNever"]; !r.NotFetched || r.Stale || r.Counts != (api.Counts{}) || r.Due != nil || r.Age != nil {
		t.Fatalf("never fetched row: %+v", r)
	}
	if r := rows["pKept"]; !r.Stale || r.NotFetched || r.Counts == (api.Counts{}) {
		t.Fatalf("kept row: %+v", r)
	}
	var text bytes.Buffer
	report.WriteDayText(&text, list)
	if !strings.Contains(text.String(), "Ida Mensah (could not be fetched)") || !strings.Contains(text.String(), "Ruth Okafor (older data)") ||
		strings.Contains(text.String(), "Ida Mensah (older data)") {
		t.Fatalf("day text:\n%s", text.String())
	}

	never, err := a.Sheet(ctx, date, "a3")
	if err != nil {
		t.Fatal(err)
	}
	if !never.NotFetched || never.Stale || len(never.Results) != 0 || len(never.Measures) != 0 || never.Patient.Age != nil {
		t.Fatalf("never fetched sheet: %+v", never)
	}
	var sheet bytes.Buffer
	report.WriteSheetText(&sheet, never)
	for _, bad := range []string{"birth date", "older data", "Older data", "due", "none in the period"} {
		if strings.Contains(sheet.String(), bad) {
			t.Fatalf("never fetched sheet says %q:\n%s", bad, sheet.String())
		}
	}
	if !strings.Contains(sheet.String(), "Could not be fetched") {
		t.Fatalf("never fetched sheet does not say so:\n%s", sheet.String())
	}
	kept, err := a.Sheet(ctx, date, "a2")
	if err != nil {
		t.Fatal(err)
	}
	sheet.Reset()
	report.WriteSheetText(&sheet, kept)
	if !kept.Stale || !strings.Contains(sheet.String(), "Older data") {
		t.Fatalf("kept sheet lost its flag:\n%s", sheet.String())
	}
	html, err := a.PrintHTML(ctx, date, "a3")
	if err != nil || !strings.Contains(html, "Could not be fetched") || strings.Contains(html, "None in the period shown") {
		t.Fatalf("print of the never fetched sheet: %v", err)
	}
}
