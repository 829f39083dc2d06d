//go:build ignore

// gen writes valuesets.json, the embedded value sets as the package loads
// them (codes by system URI, the exclusions' sets merged in), from
// valuesets.yaml and exclusions.yaml: decoding JSON at start costs a tenth
// of parsing the YAML. Run `go generate` after changing either YAML file;
// TestJSONMatchesTheYAML fails until then.
package main

import (
	"log"
	"os"

	"github.com/healthprep/desk/internal/screening/valuesets"
)

func main() {
	b, err := valuesets.CompiledFromYAML()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("valuesets.json", b, 0o644); err != nil {
		log.Fatal(err)
	}
}
