package epicsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func readWithETag(t *testing.T, u, tok, etag string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag")
}

func TestChangesShowInETagsAndLastUpdated(t *testing.T) {
	now := today
	s := start(t, func(o *Options) { o.Now = func() time.Time { return now } })
	tok := s.MintAccessToken(DemoClientID, 24*time.Hour)
	p := heavyPatient(t, s.Practice())
	var proc *Resource
	for _, r := range p.Resources {
		if r.Type == "Procedure" || r.Type == "Condition" {
			proc = r
			break
		}
	}
	if proc == nil {
		t.Fatal("no Procedure or Condition on the heavy chart")
	}
	u := s.FHIRBase() + "/" + proc.Type + "/" + proc.ID
	code, etag := readWithETag(t, u, tok, "")
	if code != 200 || etag != `W/"1"` {
		t.Fatalf("first read: %d etag %q", code, etag)
	}
	if code, _ := readWithETag(t, u, tok, etag); code != http.StatusNotModified {
		t.Fatalf("unchanged read with If-None-Match: %d", code)
	}
	mark := now
	now = now.Add(time.Hour)
	if !s.UpdateResource(proc.Type+"/"+proc.ID, func(r *Resource) { r.Status = "inactive" }) {
		t.Fatal("resource not found")
	}
	id, err := s.AddResource(p.ID, Resource{Type: "Observation", Category: "laboratory", Code: coding{sysLOINC, "4548-4", "Hemoglobin A1c"}, Date: now})
	if err != nil {
		t.Fatal(err)
	}
	if code, etag2 := readWithETag(t, u, tok, etag); code != 200 || etag2 != `W/"2"` {
		t.Fatalf("changed read: %d etag %q", code, etag2)
	}
	since := "gt" + mark.UTC().Format(time.RFC3339)
	var b bundle
	getJSON(t, s.FHIRBase()+"/"+proc.Type+"?patient="+p.ID+"&_lastUpdated="+url.QueryEscape(since), tok, &b)
	if b.Total != 1 || b.Entry[0].Resource["id"] != proc.ID || mustJSON(b.Entry[0].Resource["meta"]) != `{"lastUpdated":"`+now.Format(time.RFC3339)+`","versionId":"2"}` {
		t.Fatalf("_lastUpdated search: %s", mustJSON(b))
	}
	b = bundle{}
	getJSON(t, s.FHIRBase()+"/Observation?category=laboratory&patient="+p.ID+"&_lastUpdated="+url.QueryEscape(since), tok, &b)
	if b.Total != 1 || b.Entry[0].Resource["id"] != id {
		t.Fatalf("a new result is not found by _lastUpdated: %s", mustJSON(b))
	}
	// A server without incremental search returns everything, and its self
	// link shows it did not use the parameter.
	s.SetFaults(Faults{IgnoreLastUpdated: true})
	b = bundle{}
	getJSON(t, s.FHIRBase()+"/Observation?category=laboratory&patient="+p.ID+"&_lastUpdated="+url.QueryEscape(since), tok, &b)
	if b.Total < 10 || strings.Contains(b.Link[0].URL, "_lastUpdated") {
		t.Fatalf("ignoring _lastUpdated: total %d self %s", b.Total, b.Link[0].URL)
	}
	s.SetFaults(Faults{})
	if !s.DeleteResource("Observation/"+id) || s.DeleteResource("Observation/"+id) {
		t.Fatal("delete")
	}
	if code := getJSON(t, s.FHIRBase()+"/Observation/"+id, tok, nil); code != 404 {
		t.Fatalf("deleted resource read: %d", code)
	}
}

func TestPatientSearchByIDListAndDuplicates(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	pr := s.Practice()
	a, b2 := pr.Patients[3], pr.Patients[4]
	var b bundle
	getJSON(t, s.FHIRBase()+"/Patient?_id="+a.ID+","+b2.ID, tok, &b)
	if b.Total != 2 {
		t.Fatalf("_id list: %d", b.Total)
	}
	dup, err := s.DuplicatePatient(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	b = bundle{}
	q := url.Values{"family": {a.Family}, "given": {a.Given}, "birthdate": {a.BirthDate.Format(time.DateOnly)}}
	getJSON(t, s.FHIRBase()+"/Patient?"+q.Encode(), tok, &b)
	ids := map[any]bool{}
	for _, e := range b.Entry {
		ids[e.Resource["id"]] = true
	}
	if !ids[a.ID] || !ids[dup] {
		t.Fatalf("name and birth date should find both charts: %v", ids)
	}
}
