package epicsim

import (
	"net/url"
	"testing"
	"time"
)

// The demo's smoker whose varenicline order the pharmacy rejected: one
// Task (fulfill, rejected, focus the order), found by patient and code or
// by focus, and refused (403) to an app not granted Task.
func TestTaskSearch(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	var p *Patient
	for _, q := range s.Practice().Patients {
		if q.RejectedCessation {
			if p != nil {
				t.Fatal("more than one patient with a rejected cessation order")
			}
			p = q
		}
	}
	if p == nil {
		t.Fatal("no patient with a rejected cessation order")
	}
	onToday := false
	for _, a := range s.Practice().Appointments[today.Format(time.DateOnly)] {
		onToday = onToday || a.PatientID == p.ID
	}
	if !onToday {
		t.Fatal("the patient with a rejected order is not on the demo day")
	}
	base := s.FHIRBase()
	search := func(typ string, q url.Values) bundle {
		t.Helper()
		var b bundle
		if code := getJSON(t, base+"/"+typ+"?"+q.Encode(), tok, &b); code != 200 {
			t.Fatalf("%s?%s: %d", typ, q.Encode(), code)
		}
		return b
	}
	var order string
	for _, e := range search("MedicationRequest", url.Values{"patient": {p.ID}}).Entry {
		if e.Search.Mode == "match" && e.Resource["status"] == "active" &&
			containsCode(e.Resource["medicationCodeableConcept"], varenicline.code) {
			order = "MedicationRequest/" + e.Resource["id"].(string)
		}
	}
	if order == "" {
		t.Fatal("no active varenicline order")
	}
	b := search("Task", url.Values{"patient": {p.ID}, "code": {"fulfill"}})
	if b.Total != 1 {
		t.Fatalf("Task by patient and code: %d, want 1", b.Total)
	}
	task := b.Entry[0].Resource
	if task["status"] != "rejected" || mustJSON(task["focus"]) != `{"reference":"`+order+`"}` || !containsCode(task["code"], "fulfill") {
		t.Fatalf("Task: %s", mustJSON(task))
	}
	for _, q := range []url.Values{
		{"patient": {p.ID}, "code": {"approve"}},
		{"patient": {p.ID}, "focus": {"MedicationRequest/another"}},
		{"patient": {s.Practice().Patients[0].ID}, "code": {"fulfill"}},
	} {
		if b := search("Task", q); b.Total != 0 {
			t.Fatalf("Task?%s: %d, want none", q.Encode(), b.Total)
		}
	}
	if b := search("Task", url.Values{"patient": {p.ID}, "focus": {order}}); b.Total != 1 {
		t.Fatalf("Task by focus: %d, want 1", b.Total)
	}
	// Patient-scoped like the rest, and refused to an app without Task.
	var oo map[string]any
	if code := getJSON(t, base+"/Task?code=fulfill", tok, &oo); code != 400 {
		t.Fatalf("Task without a patient: %d", code)
	}
	if code := getJSON(t, base+"/Task?patient="+p.ID, s.MintAccessToken("narrow-app", time.Hour), nil); code != 403 {
		t.Fatalf("Task for an app not granted it: %d", code)
	}
}

// containsCode reports whether a CodeableConcept (as decoded JSON) has code.
func containsCode(cc any, code string) bool {
	m, _ := cc.(map[string]any)
	codings, _ := m["coding"].([]any)
	for _, c := range codings {
		if cm, _ := c.(map[string]any); cm["code"] == code {
			return true
		}
	}
	return false
}
