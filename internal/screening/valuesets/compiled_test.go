package valuesets

import (
	"bytes"
	"reflect"
	"slices"
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
	for oid, v := range y.byID {
		v.Raw = nil // the YAML's own form, not loaded from the JSON
		if !reflect.DeepEqual(s.byID[oid], v) {
			t.Fatalf("value set %s from the JSON differs from the YAML's", oid)
		}
	}
	if s.src.Repository != y.src.Repository || s.src.Commit != y.src.Commit || !slices.Equal(s.src.NotInRepo, y.src.NotInRepo) {
		t.Fatal("the value sets' source from the JSON differs from the YAML's")
	}
}
