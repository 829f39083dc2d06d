package epicsim

import (
	"net/http"
	"testing"
)

func TestKnobsChangeDiscoveryAndRegistration(t *testing.T) {
	s := start(t, nil)
	if err := s.SetKnobs(Knobs{NoRegistration: true, NoPKCES256: true}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	getJSON(t, s.FHIRBase()+"/.well-known/smart-configuration", "", &doc)
	if _, ok := doc["registration_endpoint"]; ok {
		t.Fatal("registration_endpoint still listed")
	}
	if m := doc["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "plain" {
		t.Fatalf("PKCE methods: %v", m)
	}
	resp, err := http.Post(s.Issuer()+"/register", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	// The zero value puts everything back.
	s.SetKnobs(Knobs{})
	doc = nil
	getJSON(t, s.Issuer()+"/.well-known/openid-configuration", "", &doc)
	if doc["registration_endpoint"] != s.Issuer()+"/register" {
		t.Fatalf("openid configuration: %v", doc)
	}
}
