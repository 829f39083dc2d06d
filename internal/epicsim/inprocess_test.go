package epicsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An in-process tenant answers through its Transport as it does over TCP,
// faults included, and listens nowhere.
func TestInProcessTransport(t *testing.T) {
	s, err := Start(context.Background(), Options{InProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.FHIRBase(), "http://"+InProcessHost+"/") {
		t.Fatalf("FHIR base %q", s.FHIRBase())
	}
	hc := &http.Client{Transport: s.Transport(), Timeout: 10 * time.Second}
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, s.FHIRBase()+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return hc.Do(req)
	}
	id := s.Practice().Patients[0].ID
	resp, err := get("/Patient/" + id)
	if err != nil {
		t.Fatal(err)
	}
	var pat map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&pat); err != nil || resp.StatusCode != http.StatusOK || pat["id"] != id {
		t.Fatalf("read: %d %v %v", resp.StatusCode, err, pat["id"])
	}
	resp.Body.Close()
	// The OAuth side too: discovery names in-process URLs.
	resp, err = get("/.well-known/smart-configuration")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), InProcessHost) {
		t.Fatalf("discovery: %s", b)
	}
	s.SetFaults(Faults{Rate429: 1, RetryAfter: 2 * time.Second})
	if resp, err := get("/Patient/" + id); err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("429: %v", err)
	}
	s.SetFaults(Faults{TruncateRate: 1})
	resp, _ = get("/Patient/" + id)
	if err := json.NewDecoder(resp.Body).Decode(&pat); err == nil {
		t.Fatal("a truncated body decoded")
	}
	s.SetFaults(Faults{Down: true})
	if _, err := get("/Patient/" + id); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("an outage answered: %v", err)
	}
	s.SetFaults(Faults{})
	if _, err := hc.Get("http://127.0.0.1:1/elsewhere"); err == nil {
		t.Fatal("the transport served another host")
	}
	s.Close()
	if _, err := get("/Patient/" + id); err == nil {
		t.Fatal("a closed tenant answered")
	}
}
