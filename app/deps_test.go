package app

import (
	"os/exec"
	"strings"
	"testing"
)

// The desktop app speaks to the agent through agent/api's wire types only:
// it must not link the screening engine, its embedded catalogue and value
// sets, or a YAML parser (a renamed field inside the engine would otherwise
// reach the UI unnoticed, and the app would carry the engine's weight).
func TestAppLinksNoEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/healthprep/desk").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "/internal/screening") || strings.Contains(dep, "/internal/prep") || strings.Contains(dep, "yaml") {
			t.Errorf("the desktop app links %s", dep)
		}
	}
}
