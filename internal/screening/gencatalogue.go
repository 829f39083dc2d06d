//go:build ignore

// gencatalogue writes catalogue.json, the embedded default catalogue's
// parts as Default loads them, from catalogue.yaml. Run `go generate
// ./internal/screening/` after changing catalogue.yaml;
// TestCompactMatchesTheYAML fails until then.
package main

import (
	"log"
	"os"

	"github.com/healthprep/desk/internal/screening"
)

func main() {
	b, err := screening.CompactFromYAML()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("catalogue.json", b, 0o644); err != nil {
		log.Fatal(err)
	}
}
