package epicsim

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

// searchOne returns a patient's resources of one type, as the sync
// searches them.
func searchOne(t *testing.T, s *Server, tok, typ, patient string) map[string]map[string]any {
	t.Helper()
	var b struct {
		Entry []struct{ Resource map[string]any }
	}
	if code := getJSON(t, s.FHIRBase()+"/"+typ+"?patient="+url.QueryEscape(patient)+"&_count=200", tok, &b); code != 200 {
		t.Fatalf("%s search: %d", typ, code)
	}
	out := map[string]map[string]any{}
	for _, e := range b.Entry {
		if id, _ := e.Resource["id"].(string); id != "" {
			out[id] = e.Resource
		}
	}
	return out
}

// Outside reports filed for a day's patients are DiagnosticReports whose
// presentedForm Binary serves the report's bytes, performed by its
// organisation; hostile files are DocumentReferences pointing at
// Binary/hostile-*. Both go to patients due for what documents evidence.
func TestFiledReportsAndHostileFilesAreServed(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	date := ""
	for d := today.AddDate(0, 0, -1); date == ""; d = d.AddDate(0, 0, -1) {
		if len(s.Practice().Appointments[d.Format(time.DateOnly)]) > 0 {
			date = d.Format(time.DateOnly)
		}
	}
	reports, err := s.FileOutsideReports(date, 3)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[docgen.Kind]int{}
	for _, f := range reports {
		d := f.Report
		kinds[d.Truth.Kind]++
		if d.Truth.Screening != "" && s.Practice().PatientByID(f.PatientID).Outcomes[d.Truth.Screening] != Due {
			t.Errorf("%s: a report about %s for a patient not due for it", f.Ref, d.Truth.Screening)
		}
		id := strings.TrimPrefix(f.Ref, "DiagnosticReport/")
		r := searchOne(t, s, tok, "DiagnosticReport", f.PatientID)[id]
		if r == nil {
			t.Fatalf("%s is not in the patient's DiagnosticReport search", f.Ref)
		}
		pf, _ := r["presentedForm"].([]any)
		if len(pf) != 1 || pf[0].(map[string]any)["url"] != "Binary/"+id || pf[0].(map[string]any)["contentType"] != "application/pdf" ||
			!strings.Contains(mustJSON(r["performer"]), d.Org) || r["effectiveDateTime"] == nil {
			t.Fatalf("%s: %s", f.Ref, mustJSON(r))
		}
		if got, ok := s.OutsideRecord(id); !ok || got.Truth != d.Truth {
			t.Errorf("%s: OutsideRecord %+v", id, got.Truth)
		}
		want, _ := d.Bytes()
		if code, ct, got := getBinary(t, s, tok, id, "application/pdf"); code != 200 || ct != "application/pdf" || !bytes.Equal(got, want) {
			t.Errorf("Binary/%s: %d %s, %d bytes (want %d)", id, code, ct, len(got), len(want))
		}
	}
	if kinds[docgen.Evidence] == 0 || kinds[docgen.Unrelated] == 0 {
		t.Errorf("filed reports %v", kinds)
	}

	hostile, err := s.FileHostileFiles(date, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hostile) != len(docgen.HostileFiles) {
		t.Fatalf("%d hostile files filed, want %d", len(hostile), len(docgen.HostileFiles))
	}
	for _, f := range hostile {
		id := strings.TrimPrefix(f.Ref, "DocumentReference/")
		r := searchOne(t, s, tok, "DocumentReference", f.PatientID)[id]
		att := mustJSON(r["content"])
		if r == nil || !strings.Contains(att, `"url":"Binary/hostile-`+string(f.Hostile)+`"`) || !strings.Contains(att, f.Hostile.ContentType()) {
			t.Fatalf("%s (%s): %s", f.Ref, f.Hostile, mustJSON(r))
		}
	}
}
