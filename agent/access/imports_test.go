package access_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Only this package opens the keychain: no other package of the module
// (tests aside) imports internal/keychain, so secrets have one owner.
func TestOnlyAccessImportsTheKeychain(t *testing.T) {
	const kc = "github.com/healthprep/desk/internal/keychain"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "github.com/healthprep/desk/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			if imp != kc {
				continue
			}
			seen = true
			if pkg != "github.com/healthprep/desk/agent/access" {
				t.Errorf("%s imports the keychain; only agent/access may", pkg)
			}
		}
	}
	if !seen {
		t.Fatal("nothing imports the keychain: the check looked at the wrong packages")
	}
}
