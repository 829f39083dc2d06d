package smart

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

const (
	testIssuer = "https://epic.example/interconnect-fhir-oauth/oauth2"
	testClient = "app-123"
	testNonce  = "nonce-abc"
)

// jwksServer serves a key set the test can change, counting downloads.
type jwksServer struct {
	*httptest.Server
	mu   sync.Mutex
	keys []jwk.Key
	down bool
}

func newJWKSServer(t *testing.T, keys ...jwk.Key) *jwksServer {
	js := &jwksServer{keys: keys}
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		js.mu.Lock()
		defer js.mu.Unlock()
		if js.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		set := jwk.NewSet()
		for _, k := range js.keys {
			set.AddKey(k)
		}
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(js.Close)
	return js
}

func (js *jwksServer) set(down bool, keys ...jwk.Key) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.down, js.keys = down, keys
}

// signer is a key pair; pub is its public JWK as a server publishes it,
// without alg (as many JWKS are).
type signer struct {
	priv jwk.Key
	pub  jwk.Key
}

func newSigner(t *testing.T, kid string) signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := jwk.FromRaw(k)
	pub, _ := jwk.FromRaw(&k.PublicKey)
	if kid != "" {
		priv.Set(jwk.KeyIDKey, kid)
		pub.Set(jwk.KeyIDKey, kid)
	}
	return signer{priv, pub}
}

// idToken builds a good id_token; mod can spoil it.
func (s signer) idToken(t *testing.T, now time.Time, mod func(jwt.Token)) string {
	t.Helper()
	tok, _ := jwt.NewBuilder().Issuer(testIssuer).Subject("ePrac1").Audience([]string{testClient}).
		IssuedAt(now).Expiration(now.Add(5*time.Minute)).
		Claim("nonce", testNonce).Claim("name", "Dr Who").Claim("fhirUser", "https://epic.example/api/FHIR/R4/Practitioner/ePrac1").Build()
	if mod != nil {
		mod(tok)
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, s.priv))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func check(now time.Time) IDTokenCheck {
	return IDTokenCheck{Issuer: testIssuer, ClientID: testClient, Nonce: testNonce, Now: func() time.Time { return now }}
}

func TestVerifyIDToken(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := newSigner(t, "k1")
	js := newJWKSServer(t, s.pub)
	keys := NewKeySet(js.URL, NetOptions{})
	ctx := context.Background()

	id, err := VerifyIDToken(ctx, s.idToken(t, now, nil), keys, check(now))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "ePrac1" || id.Name != "Dr Who" || id.Display() != "Dr Who" || id.Issuer != testIssuer {
		t.Fatalf("identity: %+v", id)
	}

	tests := []struct {
		name string
		mod  func(jwt.Token)
		at   time.Time // verification time
		kind error
	}{
		{"exp within skew", func(tk jwt.Token) { tk.Set(jwt.ExpirationKey, now.Add(-30*time.Second)) }, now, nil},
		{"exp beyond skew", func(tk jwt.Token) { tk.Set(jwt.ExpirationKey, now.Add(-90*time.Second)) }, now, ErrExpired},
		{"iat a little ahead", func(tk jwt.Token) { tk.Set(jwt.IssuedAtKey, now.Add(30*time.Second)) }, now, nil},
		{"iat far ahead", func(tk jwt.Token) { tk.Set(jwt.IssuedAtKey, now.Add(3*time.Minute)) }, now, ErrExpired},
		{"nbf ahead", func(tk jwt.Token) { tk.Set(jwt.NotBeforeKey, now.Add(3*time.Minute)) }, now, ErrExpired},
		{"no iat", func(tk jwt.Token) { tk.Remove(jwt.IssuedAtKey) }, now, ErrIDToken},
		{"no exp", func(tk jwt.Token) { tk.Remove(jwt.ExpirationKey) }, now, ErrIDToken},
		{"no sub", func(tk jwt.Token) { tk.Remove(jwt.SubjectKey) }, now, ErrIDToken},
		{"wrong issuer", func(tk jwt.Token) { tk.Set(jwt.IssuerKey, "https://evil.example/oauth2") }, now, ErrWrongIssuer},
		{"issuer with a trailing slash", func(tk jwt.Token) { tk.Set(jwt.IssuerKey, testIssuer+"/") }, now, ErrWrongIssuer},
		{"wrong aud", func(tk jwt.Token) { tk.Set(jwt.AudienceKey, []string{"other"}) }, now, ErrAudience},
		{"several aud, no azp", func(tk jwt.Token) { tk.Set(jwt.AudienceKey, []string{"other", testClient}) }, now, ErrAudience},
		{"several aud, azp ours", func(tk jwt.Token) {
			tk.Set(jwt.AudienceKey, []string{"other", testClient})
			tk.Set("azp", testClient)
		}, now, nil},
		{"wrong nonce", func(tk jwt.Token) { tk.Set("nonce", "other") }, now, ErrNonce},
		{"no nonce", func(tk jwt.Token) { tk.Remove("nonce") }, now, ErrNonce},
		// Checked in order: a forged issuer is reported even when expired too.
		{"wrong issuer and expired", func(tk jwt.Token) {
			tk.Set(jwt.IssuerKey, "https://evil.example/oauth2")
			tk.Set(jwt.ExpirationKey, now.Add(-time.Hour))
		}, now, ErrWrongIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyIDToken(ctx, s.idToken(t, now, tt.mod), keys, check(tt.at))
			if tt.kind == nil && err != nil || tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v; want %v", err, tt.kind)
			}
		})
	}
	if keys.Fetches() != 1 {
		t.Fatalf("the key set was fetched %d times", keys.Fetches())
	}
}

func TestVerifyIDTokenSignatures(t *testing.T) {
	now := time.Now()
	s := newSigner(t, "k1")
	js := newJWKSServer(t, s.pub)
	keys := NewKeySet(js.URL, NetOptions{})
	ctx := context.Background()
	good := s.idToken(t, now, nil)

	// Signed by another key under the same kid.
	other := newSigner(t, "k1")
	if _, err := VerifyIDToken(ctx, other.idToken(t, now, nil), keys, check(now)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("foreign key: %v", err)
	}
	// A tampered payload.
	parts := splitJWT(good)
	forged := parts[0] + "." + other.payloadOf(t, now) + "." + parts[2]
	if _, err := VerifyIDToken(ctx, forged, keys, check(now)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered: %v", err)
	}
	// alg none, and HMAC keyed with something public.
	tok, _ := jwt.ParseInsecure([]byte(good))
	unsigned, _ := jwt.NewSerializer().Serialize(tok) // a plain JSON form, not a JWS
	noneTok := encodeNone(t, tok)
	if _, err := VerifyIDToken(ctx, noneTok, keys, check(now)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("alg none: %v", err)
	}
	hs, _ := jwt.Sign(tok, jwt.WithKey(jwa.HS256, []byte("k1")))
	if _, err := VerifyIDToken(ctx, string(hs), keys, check(now)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("HS256: %v", err)
	}
	if _, err := VerifyIDToken(ctx, string(unsigned), keys, check(now)); !errors.Is(err, ErrIDToken) {
		t.Fatalf("not a JWS: %v", err)
	}
	if _, err := VerifyIDToken(ctx, "garbage", keys, check(now)); !errors.Is(err, ErrIDToken) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestKeySetRefetchesOnceOnUnknownKid(t *testing.T) {
	now := time.Now()
	clock := now
	k1, k2, k3 := newSigner(t, "k1"), newSigner(t, "k2"), newSigner(t, "k3")
	js := newJWKSServer(t, k1.pub)
	keys := NewKeySet(js.URL, NetOptions{})
	keys.now = func() time.Time { return clock }
	ctx := context.Background()
	if _, err := VerifyIDToken(ctx, k1.idToken(t, now, nil), keys, check(now)); err != nil {
		t.Fatal(err)
	}
	// The server rotates to k2: a token with the new kid gets one refetch
	// once the last fetch is old enough.
	js.set(false, k1.pub, k2.pub)
	clock = now.Add(KeySetMinRefetch)
	if _, err := VerifyIDToken(ctx, k2.idToken(t, now, nil), keys, check(now)); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if keys.Fetches() != 2 {
		t.Fatalf("fetches: %d", keys.Fetches())
	}
	// An unknown kid right after is refused without asking again.
	clock = clock.Add(time.Second)
	if _, err := VerifyIDToken(ctx, k3.idToken(t, now, nil), keys, check(now)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("unknown kid: %v", err)
	}
	for range 5 {
		VerifyIDToken(ctx, k3.idToken(t, now, nil), keys, check(now))
	}
	if keys.Fetches() != 2 {
		t.Fatalf("unknown kids caused %d fetches", keys.Fetches())
	}
	// A JWKS outage keeps the keys already held.
	js.set(true)
	clock = clock.Add(KeySetMaxAge)
	if _, err := VerifyIDToken(ctx, k2.idToken(t, now, nil), keys, check(now)); err != nil {
		t.Fatalf("during an outage: %v", err)
	}
}

func TestKeySetWithoutKid(t *testing.T) {
	now := time.Now()
	s := newSigner(t, "")
	js := newJWKSServer(t, s.pub)
	keys := NewKeySet(js.URL, NetOptions{})
	if _, err := VerifyIDToken(context.Background(), s.idToken(t, now, nil), keys, check(now)); err != nil {
		t.Fatalf("no kid, one key: %v", err)
	}
	// No key set at all: the server cannot be reached.
	js.set(true)
	fresh := NewKeySet(js.URL, NetOptions{})
	if _, err := VerifyIDToken(context.Background(), s.idToken(t, now, nil), fresh, check(now)); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("no keys: %v", err)
	}
}

func splitJWT(s string) [3]string {
	var out [3]string
	i := 0
	for j, p := 0, 0; j <= len(s); j++ {
		if j == len(s) || s[j] == '.' {
			out[i] = s[p:j]
			i++
			p = j + 1
		}
	}
	return out
}

func (s signer) payloadOf(t *testing.T, now time.Time) string {
	return splitJWT(s.idToken(t, now, func(tk jwt.Token) { tk.Set("name", "Mallory") }))[1]
}

// encodeNone makes an unsigned ("alg": "none") JWS of tok.
func encodeNone(t *testing.T, tok jwt.Token) string {
	t.Helper()
	payload, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	hdr.Set(jws.AlgorithmKey, "none")
	hb, _ := json.Marshal(hdr)
	return b64(hb) + "." + b64(payload) + "."
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
