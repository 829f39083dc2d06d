package smart_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/smart"
)

// clock is a test clock shared by the simulator and the token source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// signedIn is a session as a sign-in leaves it, minted without a browser.
func signedIn(tn *tenant, clientID string) *smart.Session {
	return &smart.Session{Token: &oauth2.Token{AccessToken: tn.sim.MintAccessToken(clientID, time.Hour), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}}
}

func TestDeviceAccess(t *testing.T) {
	clk := newClock()
	tn := newTenantWith(t, epicsim.Knobs{}, func(o *epicsim.Options) { o.Now = clk.Now })
	ctx := context.Background()
	creds, err := smart.Establish(ctx, tn.cfg, signedIn(tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if creds.Mode() != smart.ModeDevice || !strings.HasPrefix(creds.DeviceClientID, "dev-") || creds.DeviceKey.N.BitLen() != 2048 || creds.RefreshToken != "" {
		t.Fatalf("credentials: mode %s, device %q", creds.Mode(), creds.DeviceClientID)
	}
	if n := tn.sim.Requests()["register"]; n != 1 {
		t.Fatalf("registrations: %d", n)
	}

	// What the agent stores and reads back at its next start.
	pem, err := smart.MarshalDeviceKey(creds.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := smart.ParseDeviceKey(pem)
	if err != nil || !key.Equal(creds.DeviceKey) {
		t.Fatalf("key round trip: %v", err)
	}
	src := smart.NewSource(tn.cfg, smart.Credentials{ClientID: publicApp, DeviceClientID: creds.DeviceClientID, DeviceKey: key}, smart.SourceOptions{Now: clk.Now})
	if src.Mode() != smart.ModeDevice || !src.Expiry().IsZero() {
		t.Fatalf("mode %s, expiry %s", src.Mode(), src.Expiry())
	}

	// Six workers ask at once: one renewal.
	var wg sync.WaitGroup
	toks := make([]string, 6)
	for i := range toks {
		wg.Go(func() {
			tok, err := src.Token()
			if err != nil {
				t.Error(err)
				return
			}
			toks[i] = tok.AccessToken
		})
	}
	wg.Wait()
	if src.Renewals() != 1 {
		t.Fatalf("renewals: %d", src.Renewals())
	}
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Fatal("workers got different tokens")
		}
	}
	if code := fhirRead(t, tn, toks[0], "/Practitioner/ePrac-FRONTDESK"); code != http.StatusOK {
		t.Fatalf("FHIR read: %d", code)
	}
	exp := src.Expiry()
	if d := exp.Sub(clk.Now()); d < 50*time.Minute || d > time.Hour {
		t.Fatalf("expiry in %s", d)
	}

	// A 401 right after renewal does not renew again; later it does.
	src.Invalidate()
	if tok, _ := src.Token(); tok.AccessToken != toks[0] || src.Renewals() != 1 {
		t.Fatal("Invalidate within the grace period renewed the token")
	}
	clk.Advance(smart.InvalidateGrace)
	src.Invalidate()
	tok2, err := src.Token()
	if err != nil || tok2.AccessToken == toks[0] || src.Renewals() != 2 {
		t.Fatalf("after Invalidate: %v, renewals %d", err, src.Renewals())
	}

	// Shortly before expiry it renews on its own (each assertion has a new jti).
	clk.Advance(src.Expiry().Sub(clk.Now()) - smart.RenewBefore + time.Second)
	tok3, err := src.Token()
	if err != nil || tok3.AccessToken == tok2.AccessToken || src.Renewals() != 3 {
		t.Fatalf("near expiry: %v, renewals %d", err, src.Renewals())
	}
}

func TestSourceWithTheFHIRClient(t *testing.T) {
	clk := newClock()
	tn := newTenantWith(t, epicsim.Knobs{}, func(o *epicsim.Options) { o.Now = clk.Now })
	creds, err := smart.Establish(context.Background(), tn.cfg, signedIn(tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// A token Epic no longer accepts, though it looks valid here: the FHIR
	// client's 401 retry invalidates it and the source renews it once.
	src := smart.NewSource(tn.cfg, creds, smart.SourceOptions{Now: clk.Now,
		Initial: &oauth2.Token{AccessToken: "revoked-token", TokenType: "Bearer", Expiry: clk.Now().Add(time.Hour)}})
	clk.Advance(smart.InvalidateGrace)
	fc := &fhir.Client{Base: tn.sim.FHIRBase(), Tokens: src}
	p := tn.sim.Practice().Patients[0]
	if _, err := fc.Read(context.Background(), "Patient", p.ID); err != nil {
		t.Fatal(err)
	}
	if src.Renewals() != 1 {
		t.Fatalf("renewals: %d", src.Renewals())
	}
}

func TestDeviceAccessRefusals(t *testing.T) {
	clk := newClock()
	tn := newTenantWith(t, epicsim.Knobs{}, func(o *epicsim.Options) { o.Now = clk.Now })
	creds, err := smart.Establish(context.Background(), tn.cfg, signedIn(tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := smart.GenerateDeviceKey()
	for name, c := range map[string]smart.Credentials{
		"unknown device": {ClientID: publicApp, DeviceClientID: "dev-forgotten", DeviceKey: creds.DeviceKey},
		"another key":    {ClientID: publicApp, DeviceClientID: creds.DeviceClientID, DeviceKey: other},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := smart.NewSource(tn.cfg, c, smart.SourceOptions{}).Token()
			if !errors.Is(err, smart.ErrSignInRequired) || !strings.Contains(err.Error(), "Sign in again") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// An outage is not a reason to sign in again; the source waits it out
	// (OutageWait) before asking again.
	src := smart.NewSource(tn.cfg, creds, smart.SourceOptions{Now: clk.Now})
	tn.sim.SetFaults(epicsim.Faults{Down: true})
	if _, err := src.Token(); !errors.Is(err, smart.ErrUnreachable) || errors.Is(err, smart.ErrSignInRequired) {
		t.Fatalf("outage: %v", err)
	}
	tn.sim.SetFaults(epicsim.Faults{})
	if _, err := src.Token(); !errors.Is(err, smart.ErrUnreachable) || src.Failure() != nil {
		t.Fatalf("within the outage wait: %v (failure %v)", err, src.Failure())
	}
	clk.Advance(smart.OutageWait)
	if _, err := src.Token(); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// A refused renewal is remembered: the workers of a sync (and later
// syncs) that ask this source again get the refusal without a request,
// until a sign-in or a new key replaces the source.
func TestRefusalRemembered(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	creds, err := smart.Establish(context.Background(), tn.cfg, signedIn(tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := smart.GenerateDeviceKey()
	for name, c := range map[string]smart.Credentials{
		"dead refresh token": {ClientID: confidentialApp, ClientSecret: appSecret, RefreshToken: "rt-revoked-long-ago"},
		"refused device key": {ClientID: publicApp, DeviceClientID: creds.DeviceClientID, DeviceKey: other},
	} {
		t.Run(name, func(t *testing.T) {
			before := tn.sim.Requests()["token"]
			src := smart.NewSource(tn.cfg, c, smart.SourceOptions{})
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						if _, err := src.Token(); !errors.Is(err, smart.ErrSignInRequired) {
							t.Errorf("err = %v", err)
							return
						}
						src.Invalidate()
					}
				}()
			}
			wg.Wait()
			if n := tn.sim.Requests()["token"] - before; n != 1 || src.Requests() != 1 {
				t.Fatalf("%d token requests at the tenant (%d counted by the source) for 400 asks; want 1", n, src.Requests())
			}
			if src.Failure() == nil {
				t.Fatal("the refusal is not reported")
			}
			// A sign-in makes a new source, which asks again.
			if _, err := smart.NewSource(tn.cfg, c, smart.SourceOptions{}).Token(); err == nil || tn.sim.Requests()["token"]-before != 2 {
				t.Fatalf("a new source did not ask: %v", err)
			}
		})
	}
}

// A 429 from the token endpoint is throttling, waited out for the
// server's Retry-After, not a refusal.
func TestThrottledRenewal(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.Header().Set("Retry-After", "90")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "slow down")
	}))
	defer srv.Close()
	clk := newClock()
	for name, c := range map[string]smart.Credentials{
		"refresh": {ClientID: confidentialApp, ClientSecret: appSecret, RefreshToken: "rt"},
		"device":  {ClientID: publicApp, DeviceClientID: "dev-1", DeviceKey: mustKey(t)},
	} {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			hits = 0
			mu.Unlock()
			src := smart.NewSource(&smart.Config{TokenURL: srv.URL + "/token"}, c, smart.SourceOptions{Now: clk.Now})
			for range 20 {
				_, err := src.Token()
				if !errors.Is(err, smart.ErrThrottled) || errors.Is(err, smart.ErrSignInRequired) {
					t.Fatalf("err = %v", err)
				}
			}
			if src.Failure() != nil {
				t.Fatal("throttling counted as a refusal")
			}
			clk.Advance(89 * time.Second)
			src.Token()
			if hits != 1 {
				t.Fatalf("%d requests within Retry-After", hits)
			}
			clk.Advance(time.Second)
			src.Token()
			if hits != 2 {
				t.Fatalf("%d requests after Retry-After, want 2", hits)
			}
		})
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := smart.GenerateDeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEstablishFallbacks(t *testing.T) {
	ctx := context.Background()
	signInAs := func(t *testing.T, tn *tenant, clientID string) *smart.Session {
		si := start(t, tn.options(clientID))
		browse(t, si.URL(), nil)
		sess, err := wait(t, si)
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	t.Run("no registration, refresh token", func(t *testing.T) {
		tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
		sess := signInAs(t, tn, confidentialApp)
		creds, err := smart.Establish(ctx, tn.cfg, sess, smart.Credentials{ClientID: confidentialApp, ClientSecret: appSecret}, smart.SourceOptions{})
		if err != nil || creds.Mode() != smart.ModeRefresh || creds.RefreshToken != sess.Token.RefreshToken || creds.DeviceKey != nil {
			t.Fatalf("mode %s, err %v", creds.Mode(), err)
		}
		if n := tn.sim.Requests()["register"]; n != 0 {
			t.Fatalf("registration tried %d times", n)
		}
	})
	t.Run("no registration, public app", func(t *testing.T) {
		tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
		creds, err := smart.Establish(ctx, tn.cfg, signInAs(t, tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{})
		if err != nil || creds.Mode() != smart.ModeInteractive {
			t.Fatalf("mode %s, err %v", creds.Mode(), err)
		}
	})
	t.Run("registration refused", func(t *testing.T) {
		tn := newTenant(t, epicsim.Knobs{RefuseRegistration: true})
		sess := signInAs(t, tn, confidentialApp)
		creds, err := smart.Establish(ctx, tn.cfg, sess, smart.Credentials{ClientID: confidentialApp, ClientSecret: appSecret}, smart.SourceOptions{})
		if !errors.Is(err, smart.ErrRegistration) || errors.Is(err, smart.ErrSignInRequired) || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("err = %v", err)
		}
		if creds.Mode() != smart.ModeRefresh {
			t.Fatalf("fallback mode %s", creds.Mode())
		}
	})
	// Issue 13 item 8: a re-sign-in whose registration is refused keeps
	// the device key this computer already holds while Epic accepts it,
	// and drops one Epic refuses.
	t.Run("registration refused on a re-sign-in", func(t *testing.T) {
		tn := newTenant(t, epicsim.Knobs{})
		first, err := smart.Establish(ctx, tn.cfg, signedIn(tn, publicApp), smart.Credentials{ClientID: publicApp}, smart.SourceOptions{})
		if err != nil || first.Mode() != smart.ModeDevice {
			t.Fatalf("first sign-in: mode %s, err %v", first.Mode(), err)
		}
		if err := tn.sim.SetKnobs(epicsim.Knobs{RefuseRegistration: true}); err != nil {
			t.Fatal(err)
		}
		have := first
		creds, err := smart.Establish(ctx, tn.cfg, signedIn(tn, publicApp), have, smart.SourceOptions{})
		if !errors.Is(err, smart.ErrRegistration) {
			t.Fatalf("err = %v", err)
		}
		if creds.Mode() != smart.ModeDevice || creds.DeviceClientID != first.DeviceClientID || !creds.DeviceKey.Equal(first.DeviceKey) {
			t.Fatalf("the working key was dropped: mode %s", creds.Mode())
		}
		if _, err := smart.NewSource(tn.cfg, creds, smart.SourceOptions{}).Token(); err != nil {
			t.Fatalf("the kept key: %v", err)
		}
		have.DeviceKey = mustKey(t) // a key Epic does not know
		creds, _ = smart.Establish(ctx, tn.cfg, signedIn(tn, publicApp), have, smart.SourceOptions{})
		if creds.Mode() == smart.ModeDevice {
			t.Fatal("a key Epic refuses was kept")
		}
	})
}

func TestRefreshSource(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
	si := start(t, tn.options(confidentialApp))
	browse(t, si.URL(), nil)
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	creds := smart.Credentials{ClientID: confidentialApp, ClientSecret: appSecret, RefreshToken: sess.Token.RefreshToken}
	var rotated []string
	var mu sync.Mutex
	opts := smart.SourceOptions{OnRefreshToken: func(rt string) { mu.Lock(); rotated = append(rotated, rt); mu.Unlock() }}

	// Epic answers without a new refresh token: the old one is kept.
	src := smart.NewSource(tn.cfg, creds, opts)
	tok, err := src.Token()
	if err != nil || src.Mode() != smart.ModeRefresh {
		t.Fatalf("refresh: %v", err)
	}
	if tok.RefreshToken != "" {
		t.Fatal("Token hands out the refresh token")
	}
	if code := fhirRead(t, tn, tok.AccessToken, "/Practitioner/ePrac-FRONTDESK"); code != http.StatusOK {
		t.Fatalf("FHIR read: %d", code)
	}
	if len(rotated) != 0 {
		t.Fatalf("rotation reported without one: %d", len(rotated))
	}

	// A server that rotates: the new one is reported and used next.
	tn.sim.SetKnobs(epicsim.Knobs{NoRegistration: true, RotateRefresh: true})
	clk := newClock()
	opts.Now = clk.Now
	src = smart.NewSource(tn.cfg, creds, opts)
	if _, err := src.Token(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(smart.InvalidateGrace)
	src.Invalidate()
	if _, err := src.Token(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rotated) != 2 || rotated[0] == creds.RefreshToken || rotated[1] == rotated[0] {
		t.Fatalf("rotations: %d", len(rotated))
	}

	// A refresh token Epic does not know, or a wrong secret: sign in again.
	for name, c := range map[string]smart.Credentials{
		"unknown token": {ClientID: confidentialApp, ClientSecret: appSecret, RefreshToken: "revoked"},
		"wrong secret":  {ClientID: confidentialApp, ClientSecret: "nope", RefreshToken: sess.Token.RefreshToken},
	} {
		_, err := smart.NewSource(tn.cfg, c, smart.SourceOptions{}).Token()
		if !errors.Is(err, smart.ErrSignInRequired) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestInteractiveSource(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	clk := newClock()
	initial := &oauth2.Token{AccessToken: "tok-1", TokenType: "Bearer", Expiry: clk.Now().Add(10 * time.Minute)}
	src := smart.NewSource(tn.cfg, smart.Credentials{ClientID: publicApp}, smart.SourceOptions{Now: clk.Now, Initial: initial})
	if src.Mode() != smart.ModeInteractive || !src.Expiry().Equal(initial.Expiry) {
		t.Fatalf("mode %s expiry %s", src.Mode(), src.Expiry())
	}
	if tok, err := src.Token(); err != nil || tok.AccessToken != "tok-1" {
		t.Fatalf("%v", err)
	}
	clk.Advance(10*time.Minute - smart.RenewBefore)
	_, err := src.Token()
	if !errors.Is(err, smart.ErrSignInRequired) || !strings.Contains(err.Error(), "Sign in again") {
		t.Fatalf("expired: %v", err)
	}
	// Nothing in hand at all (agent start without lasting access).
	if _, err := smart.NewSource(tn.cfg, smart.Credentials{ClientID: publicApp}, smart.SourceOptions{}).Token(); !errors.Is(err, smart.ErrSignInRequired) {
		t.Fatalf("no token: %v", err)
	}
}

func TestDeviceKeyEncoding(t *testing.T) {
	key, err := smart.GenerateDeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := smart.MarshalDeviceKey(key)
	if !strings.HasPrefix(string(pem), "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("not PKCS#8 PEM: %.30s", pem)
	}
	// A private JWK is read too.
	j, _ := jwk.FromRaw(key)
	jb, _ := json.Marshal(j)
	got, err := smart.ParseDeviceKey(jb)
	if err != nil || !got.Equal(key) {
		t.Fatalf("JWK: %v", err)
	}
	// Damaged or public-only input is refused without quoting it.
	pub, _ := jwk.FromRaw(&key.PublicKey)
	pb, _ := json.Marshal(pub)
	for _, bad := range [][]byte{pem[:len(pem)/2], []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), pb, nil} {
		k, err := smart.ParseDeviceKey(bad)
		if err == nil || k != nil || (len(bad) > 40 && strings.Contains(err.Error(), string(bad[28:40]))) {
			t.Fatalf("damaged key accepted or quoted: %v", err)
		}
	}
	var _ *rsa.PrivateKey = key
}
