package tenant

import "testing"

// The web services hang off the server root: Epic's FHIR base cut at
// /api/FHIR/; a server with no cut (or a base without it) is its own root.
func TestServerRoot(t *testing.T) {
	generic := Epic
	generic.FHIRPathCut = ""
	for _, c := range []struct {
		p          Profile
		base, want string
	}{
		{Epic, "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4", "https://fhir.epic.com/interconnect-fhir-oauth"},
		{Epic, "https://epic.example.org/api/FHIR/R4/", "https://epic.example.org"},
		{Epic, "https://smart.example.org/fhir/", "https://smart.example.org/fhir"},
		{generic, "https://epic.example.org/api/FHIR/R4", "https://epic.example.org/api/FHIR/R4"},
	} {
		if got := c.p.ServerRoot(c.base); got != c.want {
			t.Errorf("ServerRoot(%q) = %q, want %q", c.base, got, c.want)
		}
	}
}

// practice.json names a profile; extra profiles come first, and an
// unknown name is refused rather than read as Epic.
func TestLookup(t *testing.T) {
	if p, ok := Lookup(""); !ok || p.Name != "" || p.InProcess {
		t.Errorf(`Lookup("") = %+v, %v; want Epic`, p, ok)
	}
	if p, ok := Lookup("demo"); !ok || !p.InProcess || p.CacheDir == Epic.CacheDir || p.KeychainID == "" {
		t.Errorf(`Lookup("demo") = %+v, %v`, p, ok)
	}
	if _, ok := Lookup("cerner"); ok {
		t.Error("an unknown profile was found")
	}
	mine := Profile{Name: "demo", CacheDir: "mine"}
	if p, _ := Lookup("demo", mine); p.CacheDir != "mine" {
		t.Errorf("an extra profile did not come first: %+v", p)
	}
}
