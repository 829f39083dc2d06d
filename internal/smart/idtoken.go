package smart

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// ClockSkew is how far exp, iat and nbf may be off between this computer
// and the server.
const ClockSkew = 60 * time.Second

// KeySet is a server's published signing keys (its JWKS), fetched on first
// use and kept for KeySetMaxAge. A token naming a key id the set does not
// hold gets one refetch, at most once per KeySetMinRefetch, so a key
// rotation is picked up without letting bad tokens hammer the server.
// It is safe for concurrent use.
type KeySet struct {
	url string
	net NetOptions
	now func() time.Time

	mu      sync.Mutex
	set     jwk.Set
	fetched time.Time
	fetches int
}

// Key set cache timings.
const (
	KeySetMaxAge     = time.Hour
	KeySetMinRefetch = 30 * time.Second
)

// NewKeySet returns an empty cache of the keys at jwksURL.
func NewKeySet(jwksURL string, o NetOptions) *KeySet {
	return &KeySet{url: jwksURL, net: o, now: time.Now}
}

// Fetches counts the key set downloads, for tests and status.
func (k *KeySet) Fetches() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}

// keys returns the set, fetching it when missing or old, or when kid is
// not in it and the last fetch is not too recent.
func (k *KeySet) keys(ctx context.Context, kid string) (jwk.Set, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	stale := k.set == nil || now.Sub(k.fetched) >= KeySetMaxAge
	if !stale && kid != "" {
		if _, ok := k.set.LookupKeyID(kid); !ok && now.Sub(k.fetched) >= KeySetMinRefetch {
			stale = true
		}
	}
	if !stale {
		return k.set, nil
	}
	set, err := k.fetch(ctx)
	if err != nil {
		if k.set != nil {
			return k.set, nil // keep verifying with the keys we have
		}
		return nil, err
	}
	k.set, k.fetched = set, now
	return set, nil
}

func (k *KeySet) fetch(ctx context.Context) (jwk.Set, error) {
	k.fetches++
	b, status, err := get(ctx, k.net, k.url, "application/json")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, &Error{Kind: ErrUnreachable,
			Message: fmt.Sprintf("%s did not give out the keys that sign its sign-in answers; try again later.", hostOf(k.url)),
			Detail:  fmt.Sprintf("HTTP %d for %s", status, pathOf(k.url))}
	}
	set, err := jwk.Parse(b)
	if err != nil {
		return nil, &Error{Kind: ErrNotSMART,
			Message: fmt.Sprintf("The keys %s publishes could not be read, so who signed in cannot be checked. Tell your IT team.", hostOf(k.url)),
			Err:     err}
	}
	return set, nil
}

// IDTokenCheck is what an id_token must say to be accepted.
type IDTokenCheck struct {
	Issuer   string           // the issuer discovered for this practice
	ClientID string           // the app's client ID (the token's aud)
	Nonce    string           // the nonce the sign-in sent; required
	Now      func() time.Time // default time.Now
}

// Identity is who signed in, from a verified id_token.
type Identity struct {
	Subject  string `json:"sub"`
	FHIRUser string `json:"fhirUser,omitempty"` // e.g. https://.../Practitioner/abc
	Name     string `json:"name,omitempty"`
	Username string `json:"preferredUsername,omitempty"`
	Issuer   string `json:"issuer"`
}

// Display is the best name to show for the user.
func (i Identity) Display() string {
	for _, s := range []string{i.Name, i.Username, i.FHIRUser, i.Subject} {
		if s != "" {
			return s
		}
	}
	return ""
}

// asymmetric are the signature algorithms an id_token may use: never
// "none", never a shared-secret HMAC.
var asymmetric = []jwa.SignatureAlgorithm{jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512, jwa.ES256, jwa.ES384, jwa.ES512}

// VerifyIDToken checks an id_token in this order: signature (against keys,
// refetched once on an unknown kid; a JWKS without alg gets it inferred
// from the key), iss, aud (and azp when there are several), exp/iat/nbf
// with ClockSkew, then the nonce. The first failure is returned with its
// own kind.
func VerifyIDToken(ctx context.Context, raw string, keys *KeySet, want IDTokenCheck) (Identity, error) {
	if want.Nonce == "" || want.Issuer == "" || want.ClientID == "" {
		return Identity{}, newErr(ErrIDToken, "internal error: an id_token check needs the issuer, client ID and nonce")
	}
	now := time.Now
	if want.Now != nil {
		now = want.Now
	}
	msg, err := jws.Parse([]byte(raw))
	if err != nil || len(msg.Signatures()) != 1 {
		return Identity{}, &Error{Kind: ErrIDToken, Message: "Epic's sign-in answer (id_token) could not be read, so it was refused. Try again; if it keeps happening tell your IT team.", Err: err}
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if !slices.Contains(asymmetric, hdr.Algorithm()) {
		return Identity{}, &Error{Kind: ErrBadSignature,
			Message: "Epic's sign-in answer is not signed the way Epic signs, so it was refused. Tell your IT team.",
			Detail:  "alg " + hdr.Algorithm().String()}
	}
	set, err := keys.keys(ctx, hdr.KeyID())
	if err != nil {
		return Identity{}, err
	}
	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(hdr.KeyID() != "")),
		jwt.WithValidate(false))
	if err != nil {
		return Identity{}, &Error{Kind: ErrBadSignature,
			Message: "The signature on Epic's sign-in answer does not match the keys Epic publishes, so it was refused. Try again; if it keeps happening tell your IT team.",
			Err:     err}
	}
	if tok.Issuer() != want.Issuer {
		return Identity{}, &Error{Kind: ErrWrongIssuer,
			Message: "The sign-in answer claims to come from a different sign-in authority than this practice's Epic, so it was refused for safety. Tell your IT team.",
			Detail:  "iss " + tok.Issuer() + ", expected " + want.Issuer}
	}
	aud := tok.Audience()
	if !slices.Contains(aud, want.ClientID) {
		return Identity{}, &Error{Kind: ErrAudience,
			Message: "The sign-in answer was made out to another app, not this practice's client ID, so it was refused. Check the client ID in setup.",
			Detail:  fmt.Sprintf("aud %v, expected %s", aud, want.ClientID)}
	}
	if len(aud) > 1 {
		if azp, _ := tok.PrivateClaims()["azp"].(string); azp != want.ClientID {
			return Identity{}, &Error{Kind: ErrAudience,
				Message: "The sign-in answer was made out to several apps but not authorized for this one, so it was refused.",
				Detail:  "azp " + azp}
		}
	}
	if tok.Expiration().IsZero() || tok.IssuedAt().IsZero() || tok.Subject() == "" {
		return Identity{}, newErr(ErrIDToken, "Epic's sign-in answer lacks its expiry, issue time or user, so it was refused. Tell your IT team.")
	}
	if err := jwt.Validate(tok, jwt.WithClock(jwt.ClockFunc(now)), jwt.WithAcceptableSkew(ClockSkew)); err != nil {
		return Identity{}, &Error{Kind: ErrExpired,
			Message: "Epic's sign-in answer is out of date (or this computer's clock is wrong), so it was refused. Check the date and time on this computer and sign in again.",
			Detail:  fmt.Sprintf("exp %s, iat %s, now %s", tok.Expiration().UTC().Format(time.RFC3339), tok.IssuedAt().UTC().Format(time.RFC3339), now().UTC().Format(time.RFC3339)),
			Err:     err}
	}
	nonce, _ := tok.PrivateClaims()["nonce"].(string)
	if subtle.ConstantTimeCompare([]byte(nonce), []byte(want.Nonce)) != 1 {
		return Identity{}, newErr(ErrNonce, "The sign-in answer does not belong to this sign-in (it may be replayed from an earlier one), so it was refused. Start the sign-in again.")
	}
	id := Identity{Subject: tok.Subject(), Issuer: tok.Issuer()}
	id.FHIRUser, _ = tok.PrivateClaims()["fhirUser"].(string)
	id.Name, _ = tok.PrivateClaims()["name"].(string)
	id.Username, _ = tok.PrivateClaims()["preferred_username"].(string)
	return id, nil
}
