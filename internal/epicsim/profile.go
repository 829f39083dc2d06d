package epicsim

import (
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"
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
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
)

// clientAssertionType marks a private_key_jwt client assertion (RFC 7523).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

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
	return c.authenticates()
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

// assertedClient checks a private_key_jwt client assertion: signed RS384
// by the client's registered key, iss = sub = the client, aud = the token
// endpoint, at most 5 minutes ahead, its jti used once.
func (s *Server) assertedClient(r *http.Request) (Client, bool, string) {
	raw := r.PostForm.Get("client_assertion")
	unverified, err := jwt.ParseInsecure([]byte(raw))
	if err != nil {
		return Client{}, false, "the client assertion is not a JWT"
	}
	s.mu.Lock()
	c, ok := s.clients[unverified.Issuer()]
	s.mu.Unlock()
	if !ok || c.PublicKey == nil {
		return Client{}, false, "the client assertion's issuer is not an asymmetric client"
	}
	if id := r.PostForm.Get("client_id"); id != "" && id != c.ID {
		return Client{}, false, "client_id does not match the client assertion"
	}
	tok, err := jwt.Parse([]byte(raw), jwt.WithKey(jwa.RS384, c.PublicKey),
		jwt.WithClock(jwt.ClockFunc(s.now)), jwt.WithAcceptableSkew(5*time.Second),
		jwt.WithAudience(s.Issuer()+"/token"), jwt.WithSubject(c.ID),
		jwt.WithRequiredClaim("exp"), jwt.WithRequiredClaim("jti"))
	if err != nil {
		return Client{}, false, "the client assertion was refused: " + err.Error()
	}
	if tok.Expiration().After(s.now().Add(5*time.Minute + 5*time.Second)) {
		return Client{}, false, "the client assertion's exp must be at most 5 minutes ahead"
	}
	s.mu.Lock()
	_, replay := s.jtis[tok.JwtID()]
	s.jtis[tok.JwtID()] = tok.Expiration()
	s.mu.Unlock()
	if replay {
		return Client{}, false, "the client assertion's jti was already used"
	}
	return c, true, ""
}

// authenticates reports whether the client proves who it is at the token
// endpoint (a secret or a key), which Epic requires for refresh tokens.
func (c Client) authenticates() bool { return c.Secret != "" || c.PublicKey != nil }

// AddClient registers an app while the tenant runs, as an administrator
// would (an asymmetric client's key is known only once the app made it).
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	s.clients[c.ID] = c
	s.mu.Unlock()
}
