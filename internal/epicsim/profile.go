package epicsim

import (
	"io"
	"net/http"
	"slices"
)

// Profile is the kind of server the tenant imitates. The agent reads no
// profile: what differs reaches it only through discovery and answers,
// as with a real server.
type Profile string

const (
	// ProfileEpic (the default) behaves like Epic: dynamic client
	// registration and the JWT bearer grant for devices, refresh tokens
	// only to clients that authenticate, JSON error bodies.
	ProfileEpic Profile = ""
	// ProfileGeneric behaves like a generic SMART on FHIR server: no
	// registration endpoint, refresh tokens only for offline_access (to
	// public clients too, rotated on every refresh), an id_token with no
	// kid and no name (the user's name is only on the fhirUser resource),
	// a refreshed id_token with no aud, text/plain 401 bodies, and
	// confidential clients held to the auth method they registered
	// (client_secret_basic or client_secret_post).
	ProfileGeneric Profile = "generic"
)

// Client authentication methods a Client may be held to.
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

func (s *Server) generic() bool { return s.opts.Profile == ProfileGeneric }

// authMethods are the token endpoint auth methods discovery advertises:
// Epic's list, or the generic server's clients' own methods.
func (s *Server) authMethods() []string {
	if !s.generic() {
		return []string{"client_secret_post", "client_secret_basic", "private_key_jwt"}
	}
	var out []string
	s.mu.Lock()
	for _, c := range s.clients {
		if c.AuthMethod != "" && !slices.Contains(out, c.AuthMethod) {
			out = append(out, c.AuthMethod)
		}
	}
	s.mu.Unlock()
	if len(out) == 0 {
		out = []string{AuthSecretBasic, AuthSecretPost}
	}
	slices.Sort(out)
	return out
}

// profileDiscovery adjusts a discovery document to the profile.
func (s *Server) profileDiscovery(doc map[string]any) map[string]any {
	if !s.generic() {
		return doc
	}
	delete(doc, "registration_endpoint")
	if _, ok := doc["token_endpoint_auth_methods_supported"]; ok {
		doc["token_endpoint_auth_methods_supported"] = s.authMethods()
	}
	if _, ok := doc["grant_types_supported"]; ok {
		doc["grant_types_supported"] = []string{"authorization_code", "refresh_token"}
	}
	return doc
}

// issuesRefresh reports whether a code grant gets a refresh token: on
// Epic, for clients that authenticate; on a generic server, for
// offline_access.
func (s *Server) issuesRefresh(c Client, g grant) bool {
	if s.generic() {
		return slices.Contains(g.scopes, "offline_access")
	}
	return c.Secret != ""
}

// unauthorized answers 401: Epic's OAuth JSON, or a generic server's
// text/plain body.
func (s *Server) unauthorized(w http.ResponseWriter, code, desc string) {
	if !s.generic() {
		tokenError(w, http.StatusUnauthorized, code, desc)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	io.WriteString(w, "Unauthorized\n")
}

// unauthorizedAPI answers a FHIR request without a valid token: Epic
// sends no body, a generic server a text/plain one.
func (s *Server) unauthorizedAPI(w http.ResponseWriter) {
	if s.generic() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "Unauthorized\n")
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
}
