package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// After a sync and its reading, the app opens the text of each document
// a sheet cites, through the local API: the text holds the cited
// sentence, comes from the cache (no Binary read), and the audit says who
// viewed which document but never its text. An unknown document answers
// "not found" in words that name no patient and no id.
func TestDocumentTextOpensFromTheCache(t *testing.T) {
	needOCR(t)
	ctx := context.Background()
	a := openDemo(t)
	srv := httptest.NewServer(api.NewHandler(a, a.log))
	defer srv.Close()
	c := &api.Client{HTTP: srv.Client(), Base: srv.URL}

	events, err := a.SyncEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	date := dayWithOutsideEvidence(t, a)
	if _, err := a.Sync(ctx, api.SyncRequest{Date: date}); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.Date == date && ev.Phase == api.PhaseRead {
			break
		}
	}
	list, err := a.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	binary := a.demo.Requests()["Binary"]
	opened := 0
	var texts []string
	var anyAppt string
	for _, row := range list.Rows {
		sh, err := c.Sheet(ctx, date, row.AppointmentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Results {
			for _, ev := range r.Evidence {
				if ev.Text == nil {
					continue
				}
				dt, err := c.DocumentText(ctx, date, row.AppointmentID, ev.ID)
				if err != nil {
					t.Fatalf("%s: %v", r.ID, err)
				}
				if dt.DocID != ev.ID || dt.Title != ev.Display || dt.Org != ev.Text.Org || dt.Date.IsZero() || dt.Method == "" {
					t.Errorf("%s: document %+v for evidence %+v", r.ID, dt, ev)
				}
				if !strings.Contains(flat(dt.Text), flat(ev.Text.Sentence)) {
					t.Errorf("%s: the text does not hold the cited sentence %q", r.ID, ev.Text.Sentence)
				}
				opened++
				texts = append(texts, dt.Text)
				anyAppt = row.AppointmentID
			}
		}
	}
	if opened == 0 {
		t.Fatal("no text-derived evidence to open")
	}
	if n := a.demo.Requests()["Binary"] - binary; n != 0 {
		t.Errorf("opening the text fetched %d documents from Epic", n)
	}

	audit, err := a.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	viewed := 0
	for _, e := range audit {
		if e.Event == "document.viewed" {
			viewed++
			if e.Fields["patientId"] == "" || e.Fields["docId"] == "" || e.Fields["date"] != date {
				t.Errorf("audit entry %+v lacks who or what", e)
			}
		}
	}
	auditJSON, _ := json.Marshal(audit)
	for _, tx := range texts {
		if line := strings.TrimSpace(strings.SplitN(tx, "\n", 2)[0]); len(line) > 12 && strings.Contains(string(auditJSON), line) {
			t.Errorf("the audit holds the document's text %q", line)
		}
	}
	if viewed != opened {
		t.Errorf("%d documents opened, %d audit entries", opened, viewed)
	}

	// Unknown document, and a real document of another visit's patient.
	sh, _ := a.Sheet(ctx, date, anyAppt)
	_, err = c.DocumentText(ctx, date, anyAppt, "eDocNoSuchThing42")
	var e *api.Error
	if !errors.As(err, &e) || e.Kind != api.KindNotFound {
		t.Fatalf("unknown document: %v", err)
	}
	for _, needle := range []string{"eDocNoSuchThing42", sh.Patient.Name, sh.Patient.MRN, sh.Patient.ID, anyAppt} {
		if needle != "" && (strings.Contains(e.Message, needle) || strings.Contains(e.Detail, needle)) {
			t.Errorf("the error %q names %q", e.Message, needle)
		}
	}
	for _, row := range list.Rows {
		if row.PatientID == sh.Patient.ID {
			continue
		}
		// Some other patient's row: the first visit's documents are not theirs.
		for _, r := range sh.Results {
			for _, ev := range r.Evidence {
				if ev.Text == nil {
					continue
				}
				if _, err := c.DocumentText(ctx, date, row.AppointmentID, ev.ID); !errors.As(err, &e) || e.Kind != api.KindNotFound {
					t.Errorf("another patient's visit opened the document: %v", err)
				}
			}
		}
		break
	}
}
