package access

import (
	"slices"
	"strings"

	"github.com/healthprep/desk/internal/smart"
)

// Note writing (sending the prep note to the chart) is opt-in per
// practice. Its scope is asked for only while the practice has it on, so
// a practice that never turns it on never holds a token that could write.
const (
	writeScopeV1 = "user/DocumentReference.write" // SMART v1
	writeScopeV2 = "user/DocumentReference.c"     // SMART v2: create
)

// WriteScope is the scope that lets a sign-in create DocumentReferences,
// in the syntax the server's discovery advertises: SMART v2's
// user/DocumentReference.c where scopes_supported lists v2 scopes or the
// capabilities name permission-v2 alone, else v1's .write (Epic).
func WriteScope(cfg *smart.Config) string {
	if cfg == nil {
		return writeScopeV1
	}
	v1, v2 := false, false
	for _, sc := range cfg.ScopesSupported {
		_, perm, ok := strings.Cut(sc, ".")
		switch {
		case !ok || !strings.Contains(sc, "/"):
		case perm == "read" || perm == "write" || perm == "*":
			v1 = true
		case strings.Trim(perm, "cruds") == "":
			v2 = true
		}
	}
	switch {
	case v2 && !v1:
		return writeScopeV2
	case v1:
		return writeScopeV1
	case slices.Contains(cfg.Capabilities, "permission-v2") && !slices.Contains(cfg.Capabilities, "permission-v1"):
		return writeScopeV2
	}
	return writeScopeV1
}

// SignInScopes are the resource scopes a sign-in asks for (see
// smart.RequestScopes), plus the write scope only when sending is on.
func SignInScopes(cfg *smart.Config, configured []string, sending bool) []string {
	out := smart.RequestScopes(cfg, configured)
	if sending {
		if ws := WriteScope(cfg); !slices.Contains(out, ws) {
			out = append(out, ws)
		}
	}
	return out
}

// CanWriteNotes reports whether granted scopes let the holder create a
// DocumentReference.
func CanWriteNotes(granted []string) bool {
	for _, sc := range granted {
		ctx, perm, ok := strings.Cut(sc, ".")
		if !ok || !(strings.HasSuffix(ctx, "/DocumentReference") || strings.HasSuffix(ctx, "/*")) {
			continue
		}
		if perm == "write" || perm == "*" || strings.Trim(perm, "cruds") == "" && strings.Contains(perm, "c") {
			return true
		}
	}
	return false
}
