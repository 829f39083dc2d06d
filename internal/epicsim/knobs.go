package epicsim

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Knobs make the tenant depart from a well-behaved Epic, so a client's
// refusals can be tested against real HTTP. The zero value changes nothing.
type Knobs struct {
	// NoRegistration leaves registration_endpoint out of discovery, and
	// /oauth2/register answers 404.
	NoRegistration bool
	// RefuseRegistration keeps the endpoint listed but refuses every
	// registration (403 with an OAuth error).
	RefuseRegistration bool
	// NoPKCES256 offers only the "plain" PKCE method in discovery.
	NoPKCES256 bool
	// RotateRefresh gives a new refresh token with every refresh (Epic
	// does not; other servers do).
	RotateRefresh bool

	// The id_token departures.
	IDTokenIssuer     string // iss set to this
	IDTokenAudience   string // aud set to this
	IDTokenNonce      string // nonce set to this
	IDTokenExpired    bool   // issued 15 minutes ago, expired 10 minutes ago
	IDTokenForeignKey bool   // signed by a key the JWKS does not hold (same kid)
}

// knobState is a tenant's current knobs and the key a foreign-key
// id_token is signed with.
type knobState struct {
	mu      sync.Mutex
	k       Knobs
	foreign *rsa.PrivateKey
}

// SetKnobs switches the departures; the next request sees them.
func (s *Server) SetKnobs(k Knobs) error {
	var foreign *rsa.PrivateKey
	if k.IDTokenForeignKey {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		foreign = key
	}
	s.knobs.mu.Lock()
	defer s.knobs.mu.Unlock()
	s.knobs.k, s.knobs.foreign = k, foreign
	return nil
}

func (s *Server) currentKnobs() Knobs {
	s.knobs.mu.Lock()
	defer s.knobs.mu.Unlock()
	return s.knobs.k
}

// discoveryKnobs adjusts a discovery document.
func (s *Server) discoveryKnobs(doc map[string]any) map[string]any {
	k := s.currentKnobs()
	if k.NoRegistration {
		delete(doc, "registration_endpoint")
	}
	if k.NoPKCES256 {
		doc["code_challenge_methods_supported"] = []string{"plain"}
	}
	return doc
}

// registrationKnobs answers a registration the knobs refuse; it reports
// whether it did.
func (s *Server) registrationKnobs(w http.ResponseWriter) bool {
	k := s.currentKnobs()
	switch {
	case k.NoRegistration:
		http.NotFound(w, nil)
		return true
	case k.RefuseRegistration:
		tokenError(w, http.StatusForbidden, "access_denied", "dynamic client registration is not enabled for this application")
		return true
	}
	return false
}

// idTokenKnobs spoils an id_token's claims and returns the key to sign it
// with.
func (s *Server) idTokenKnobs(t jwt.Token) *rsa.PrivateKey {
	s.knobs.mu.Lock()
	k, foreign := s.knobs.k, s.knobs.foreign
	s.knobs.mu.Unlock()
	if k.IDTokenIssuer != "" {
		t.Set(jwt.IssuerKey, k.IDTokenIssuer)
	}
	if k.IDTokenAudience != "" {
		t.Set(jwt.AudienceKey, []string{k.IDTokenAudience})
	}
	if k.IDTokenNonce != "" {
		t.Set("nonce", k.IDTokenNonce)
	}
	if k.IDTokenExpired {
		now := s.now()
		t.Set(jwt.IssuedAtKey, now.Add(-15*time.Minute))
		t.Set(jwt.ExpirationKey, now.Add(-10*time.Minute))
	}
	if foreign != nil {
		return foreign
	}
	return s.key
}

// refreshKnobs reports whether a refresh should carry a new refresh token.
func (s *Server) refreshKnobs() bool { return s.currentKnobs().RotateRefresh }

// IssuedSecrets lists every access and refresh token the tenant has
// issued, so tests can check none of them leaked into files or logs.
func (s *Server) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens)+len(s.refresh))
	for t := range s.tokens {
		out = append(out, t)
	}
	for t := range s.refresh {
		out = append(out, t)
	}
	return out
}
