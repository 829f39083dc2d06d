package access_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/keychain"
	"github.com/healthprep/desk/internal/smart"
)

const (
	publicApp       = "hp-access-public"
	confidentialApp = "hp-access-confidential"
	appSecret       = "access-secret-Lk29xQ"
)

// needKeychain skips without the Secret Service that with-keyring starts
// (and fails when make test requires it).
func needKeychain(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("HEALTHPREP_REQUIRE_KEYRING") != "" {
			t.Fatal("HEALTHPREP_REQUIRE_KEYRING is set but there is no session bus: run under build/scripts/with-keyring")
		}
		t.Skip("no session bus: run under build/scripts/with-keyring (make test does)")
	}
}

// tenant is a simulated server with a public and a confidential app.
type tenant struct {
	sim  *epicsim.Server
	cfg  *smart.Config
	port int
}

func newTenant(t *testing.T, knobs epicsim.Knobs) *tenant {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	redirect := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	sim, err := epicsim.Start(context.Background(), epicsim.Options{Clients: []epicsim.Client{
		{ID: publicApp, RedirectURIs: []string{redirect}},
		{ID: confidentialApp, RedirectURIs: []string{redirect}, Secret: appSecret},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.SetKnobs(knobs); err != nil {
		t.Fatal(err)
	}
	cfg, err := smart.Discover(context.Background(), sim.FHIRBase(), smart.NetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &tenant{sim: sim, cfg: cfg, port: port}
}

// newAccess is a practice's access part, as a fresh process makes it.
func newAccess(t *testing.T, practice, clientID string) *access.Access {
	t.Helper()
	return access.New(access.Options{PracticeID: practice, ClientID: clientID, Keychain: &keychain.Options{}})
}

// practiceID is a keychain namespace of this test's own, wiped after it.
func practiceID(t *testing.T) string {
	t.Helper()
	id := "access-test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	t.Cleanup(func() { newAccess(t, id, "").Reset(context.Background()) })
	return id
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// signIn runs a real PKCE sign-in, the browser played over HTTP.
func signIn(t *testing.T, tn *tenant, clientID, secret string) *smart.Session {
	t.Helper()
	si, err := smart.StartSignIn(context.Background(), smart.SignInOptions{Config: tn.cfg, ClientID: clientID, ClientSecret: secret,
		RedirectPort: tn.port, Scopes: smart.RequestScopes(tn.cfg, nil), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { si.Cancel(); <-si.Done() }()
	resp, err := noRedirect.PostForm(si.URL(), url.Values{"username": {epicsim.DemoUser}, "password": {epicsim.DemoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in page: HTTP %d", resp.StatusCode)
	}
	cb, err := noRedirect.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, cb.Body)
	cb.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := si.Wait(ctx)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	return sess
}

// token gets one access token from a fresh process's access part.
func token(t *testing.T, tn *tenant, practice, clientID string) (access.State, error) {
	t.Helper()
	acc := newAccess(t, practice, clientID)
	ts, err := acc.Tokens(context.Background(), tn.cfg)
	if err == nil {
		_, err = ts.Token()
	}
	return acc.State(context.Background()), err
}

// Each access mode outlives the process that signed in exactly as far as
// it should: a device key and a refresh token do, a session does not.
func TestEachModeInAFreshProcess(t *testing.T) {
	needKeychain(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		knobs    epicsim.Knobs
		clientID string
		secret   string
		want     smart.AccessMode
	}{
		{"device", epicsim.Knobs{}, publicApp, "", smart.ModeDevice},
		{"refresh", epicsim.Knobs{NoRegistration: true}, confidentialApp, appSecret, smart.ModeRefresh},
		{"session only", epicsim.Knobs{NoRegistration: true}, publicApp, "", smart.ModeInteractive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTenant(t, tc.knobs)
			id := practiceID(t)
			acc := newAccess(t, id, tc.clientID)
			if tc.secret != "" {
				if err := acc.SetClientSecret(ctx, tc.secret); err != nil {
					t.Fatal(err)
				}
			}
			got, err := acc.Establish(ctx, tn.cfg, signIn(t, tn, tc.clientID, tc.secret))
			if err != nil || got.Mode != tc.want {
				t.Fatalf("mode %s, err %v", got.Mode, err)
			}
			if st := acc.State(ctx); st.Mode != tc.want || st.NeedsSignIn || st.Note != access.Note(tc.want) {
				t.Fatalf("state right after the sign-in: %+v", st)
			}
			st, err := token(t, tn, id, tc.clientID)
			if tc.want == smart.ModeInteractive {
				if !errors.Is(err, access.ErrNoAccess) || !st.NeedsSignIn {
					t.Fatalf("a session-only sign-in outlived its process: %v %+v", err, st)
				}
				if !strings.Contains(access.Note(tc.want), "This session only") {
					t.Fatal("the session-only note does not say so")
				}
				return
			}
			if err != nil || st.Mode != tc.want || st.NeedsSignIn {
				t.Fatalf("a fresh process: %v %+v", err, st)
			}
		})
	}
}

// Issue 13 item 8: a re-sign-in whose device registration Epic refuses
// keeps the device key in the keychain, and a fresh process still uses it.
func TestRefusedReRegistrationKeepsTheKey(t *testing.T) {
	needKeychain(t)
	ctx := context.Background()
	tn := newTenant(t, epicsim.Knobs{})
	id := practiceID(t)
	acc := newAccess(t, id, publicApp)
	if got, err := acc.Establish(ctx, tn.cfg, signIn(t, tn, publicApp, "")); err != nil || got.Mode != smart.ModeDevice {
		t.Fatalf("first sign-in: %s %v", got.Mode, err)
	}
	kc, err := keychain.Open(ctx, id, keychain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key1, _ := kc.Get(ctx, keychain.DevicePrivKey)
	if err := tn.sim.SetKnobs(epicsim.Knobs{RefuseRegistration: true}); err != nil {
		t.Fatal(err)
	}
	got, err := newAccess(t, id, publicApp).Establish(ctx, tn.cfg, signIn(t, tn, publicApp, ""))
	if err != nil || got.Mode != smart.ModeDevice || !errors.Is(got.Registration, smart.ErrRegistration) {
		t.Fatalf("re-sign-in: mode %s, err %v, registration %v", got.Mode, err, got.Registration)
	}
	key2, err := kc.Get(ctx, keychain.DevicePrivKey)
	if err != nil || string(key2) != string(key1) {
		t.Fatalf("the working device key was replaced or removed: %v", err)
	}
	if st, err := token(t, tn, id, publicApp); err != nil || st.Mode != smart.ModeDevice {
		t.Fatalf("a fresh process after the refused registration: %v %+v", err, st)
	}
}

// Status reads the access from memory: once the cache key was read, the
// keychain is not read again (items removed behind its back stay unseen).
func TestStateFromMemory(t *testing.T) {
	needKeychain(t)
	ctx := context.Background()
	tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
	id := practiceID(t)
	acc := newAccess(t, id, confidentialApp)
	acc.SetClientSecret(ctx, appSecret)
	if _, err := acc.Establish(ctx, tn.cfg, signIn(t, tn, confidentialApp, appSecret)); err != nil {
		t.Fatal(err)
	}
	fresh := newAccess(t, id, confidentialApp)
	if _, err := fresh.CacheKey(ctx); err != nil {
		t.Fatal(err)
	}
	kc, err := keychain.Open(ctx, id, keychain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(ctx, keychain.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if st := fresh.State(ctx); st.Mode != smart.ModeRefresh || fresh.Backend() != "secret-service" {
			t.Fatalf("state %+v", st)
		}
	}
}

// Key reads the cache key alone (prep's start): the access items are read
// when first needed, so an item changed after Key is what State sees.
func TestKeyLeavesTheAccessItemsUnread(t *testing.T) {
	needKeychain(t)
	ctx := context.Background()
	tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
	id := practiceID(t)
	acc := newAccess(t, id, confidentialApp)
	acc.SetClientSecret(ctx, appSecret)
	if _, err := acc.Establish(ctx, tn.cfg, signIn(t, tn, confidentialApp, appSecret)); err != nil {
		t.Fatal(err)
	}
	fresh := newAccess(t, id, confidentialApp)
	key, err := fresh.Key(ctx)
	if err != nil || len(key) != 32 {
		t.Fatalf("key of %d bytes: %v", len(key), err)
	}
	kc, err := keychain.Open(ctx, id, keychain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(ctx, keychain.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if st := fresh.State(ctx); st.Mode == smart.ModeRefresh || !st.NeedsSignIn {
		t.Fatalf("state %+v: the refresh token was read with the key", st)
	}
}

// Reset removes every item.
func TestReset(t *testing.T) {
	needKeychain(t)
	ctx := context.Background()
	id := practiceID(t)
	acc := newAccess(t, id, confidentialApp)
	if err := acc.SetClientSecret(ctx, appSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.CacheKey(ctx); err != nil {
		t.Fatal(err)
	}
	if err := acc.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	kc, _ := keychain.Open(ctx, id, keychain.Options{})
	for _, item := range []string{keychain.ClientSecret, keychain.CacheKey} {
		if _, err := kc.Get(ctx, item); !errors.Is(err, keychain.ErrNotFound) {
			t.Errorf("%s after reset: %v", item, err)
		}
	}
	if newAccess(t, id, confidentialApp).ClientSecret(ctx) != "" {
		t.Error("a fresh process still sees the secret")
	}
}

// The four access failures have four messages, each saying what to do;
// an outage and throttling never ask for a sign-in.
func TestExplainFourFailures(t *testing.T) {
	wrap := func(kind fhir.Kind, err error) error { return &fhir.Error{Kind: kind, Resource: "Patient", Err: err} }
	cases := map[access.Failure]error{
		access.FailureOutage:       wrap(fhir.KindUnreachable, &smart.Error{Kind: smart.ErrUnreachable, Message: "down"}),
		access.FailureThrottled:    wrap(fhir.KindRateLimited, &smart.Error{Kind: smart.ErrThrottled, Message: "429"}),
		access.FailureSessionEnded: wrap(fhir.KindSignIn, &smart.Error{Kind: smart.ErrSessionEnded, Message: "ended"}),
		access.FailureRefused:      wrap(fhir.KindSignIn, &smart.Error{Kind: smart.ErrSignInRequired, Message: "refused", Detail: "HTTP 400, invalid_grant"}),
	}
	seen := map[string]bool{}
	for want, err := range cases {
		if got := access.Classify(err); got != want {
			t.Errorf("%v classified as %v", err, got)
		}
		e := api.AsError(access.Explain(err))
		if seen[e.Message] {
			t.Errorf("two failures share the message %q", e.Message)
		}
		seen[e.Message] = true
		asksSignIn := strings.Contains(e.Message, "Sign in again") || strings.Contains(e.Message, "need a sign-in")
		switch want {
		case access.FailureOutage, access.FailureThrottled:
			if e.Kind == api.KindNeedsSignIn || asksSignIn {
				t.Errorf("failure %d asks for a sign-in: %s", want, e.Message)
			}
		default:
			if e.Kind != api.KindNeedsSignIn || !asksSignIn {
				t.Errorf("failure %d does not ask for a sign-in: %s", want, e.Message)
			}
		}
		if !strings.Contains(e.Message, "saved prep is still here") {
			t.Errorf("failure %d does not say the prep is kept: %s", want, e.Message)
		}
	}
	if strings.Contains(api.AsError(access.Explain(cases[access.FailureSessionEnded])).Message, "revoked") {
		t.Error("a session that ended reads as revoked access")
	}
	// A 401 from FHIR after a fresh token is a refusal too.
	if access.Classify(&fhir.Error{Kind: fhir.KindSignIn, Status: 401}) != access.FailureRefused {
		t.Error("a FHIR 401 is not a refusal")
	}
}

// Each access mode's note says what it means for the morning update, in
// words of its own.
func TestNotesSayWhatLasts(t *testing.T) {
	want := map[smart.AccessMode]string{
		smart.ModeDevice:      "morning updates need no one",
		smart.ModeRefresh:     "until Epic ends it",
		smart.ModeInteractive: "the morning update will not run by itself",
		access.ModeDemo:       "no sign-in",
	}
	seen := map[string]bool{}
	for mode, words := range want {
		n := access.Note(mode)
		if !strings.Contains(n, words) || seen[n] {
			t.Errorf("%s: %q", mode, n)
		}
		seen[n] = true
	}
	if access.Note("bogus") != "" {
		t.Error("an unknown mode has a note")
	}
}
