package access

import (
	"slices"
	"testing"

	"github.com/healthprep/desk/internal/smart"
)

func TestWriteScopeFollowsDiscovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *smart.Config
		want string
	}{
		{"no discovery", nil, "user/DocumentReference.write"},
		{"Epic: no resource scopes listed", &smart.Config{ScopesSupported: []string{"openid", "fhirUser", "offline_access"}}, "user/DocumentReference.write"},
		{"v1 scopes listed", &smart.Config{ScopesSupported: []string{"user/Patient.read", "user/DocumentReference.write"}}, "user/DocumentReference.write"},
		{"v2 scopes listed", &smart.Config{ScopesSupported: []string{"openid", "user/Patient.rs", "user/DocumentReference.cruds"}}, "user/DocumentReference.c"},
		{"permission-v2 only", &smart.Config{Capabilities: []string{"permission-user", "permission-v2"}}, "user/DocumentReference.c"},
		{"both versions", &smart.Config{Capabilities: []string{"permission-v1", "permission-v2"}}, "user/DocumentReference.write"},
	} {
		if got := WriteScope(tc.cfg); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWriteScopeOnlyWhenSending(t *testing.T) {
	cfg := &smart.Config{OfflineAccess: true}
	off := SignInScopes(cfg, nil, false)
	for _, sc := range off {
		if CanWriteNotes([]string{sc}) {
			t.Fatalf("sending off, yet sign-in asks for %q", sc)
		}
	}
	on := SignInScopes(cfg, nil, true)
	if !slices.Contains(on, "user/DocumentReference.write") || len(on) != len(off)+1 {
		t.Fatalf("sending on: %v", on)
	}
	// A practice's own scope list gets the write scope too, once.
	if got := SignInScopes(cfg, []string{"user/*.read", "user/DocumentReference.write"}, true); len(got) != 3 {
		t.Fatalf("configured scopes: %v", got)
	}
}

func TestCanWriteNotes(t *testing.T) {
	for sc, want := range map[string]bool{
		"user/DocumentReference.write": true, "user/DocumentReference.c": true, "user/DocumentReference.cruds": true,
		"user/*.write": true, "user/DocumentReference.read": false, "user/DocumentReference.rs": false,
		"user/Patient.write": false, "openid": false,
	} {
		if CanWriteNotes([]string{sc}) != want {
			t.Errorf("%s: want %v", sc, want)
		}
	}
}

// The sign-in asks for Task (a pharmacy's refusal of an order, CMS138)
// with the other read scopes; a practice's own list decides for itself.
func TestSignInAsksForTasks(t *testing.T) {
	for _, cfg := range []*smart.Config{nil, {OfflineAccess: true}} {
		if got := SignInScopes(cfg, nil, false); !slices.Contains(got, "user/Task.read") || !slices.Contains(got, "user/MedicationRequest.read") {
			t.Fatalf("sign-in scopes %v: want user/Task.read beside the orders", got)
		}
	}
	if got := SignInScopes(nil, []string{"user/*.read"}, false); slices.Contains(got, "user/Task.read") {
		t.Fatalf("a practice's own scopes got Task added: %v", got)
	}
}
