package valuesets

import (
	"bytes"
	"testing"
)

// The embedded JSON is what the YAML files say: run `go generate` in this
// directory after changing either of them.
func TestJSONMatchesTheYAML(t *testing.T) {
	want, err := CompiledFromYAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compiled, want) {
		t.Fatal("valuesets.json is not what valuesets.yaml and exclusions.yaml make: run go generate ./internal/screening/valuesets/")
	}
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	y, err := fromYAML()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.byID) != len(y.byID) || len(s.byID) == 0 {
		t.Fatalf("%d value sets from the JSON, %d from the YAML", len(s.byID), len(y.byID))
	}
}
