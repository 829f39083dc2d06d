package smart_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/smart"
)

func TestSignInByHTTP(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	var opened string
	o := tn.options(publicApp)
	o.OpenBrowser = func(u string) error { opened = u; return nil }
	si := start(t, o)
	if opened != si.URL() {
		t.Fatalf("the browser was opened at %q, not the sign-in URL", opened)
	}
	u, _ := url.Parse(si.URL())
	q := u.Query()
	if !strings.HasPrefix(si.URL(), tn.cfg.AuthorizeURL+"?") || q.Get("aud") != tn.sim.FHIRBase() ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 || q.Get("redirect_uri") != si.RedirectURI() {
		t.Fatalf("sign-in URL: %s", si.URL())
	}
	if si.RedirectURI() != "http://127.0.0.1:"+strconv.Itoa(tn.port)+"/callback" {
		t.Fatalf("redirect: %s", si.RedirectURI())
	}
	scopes := strings.Fields(q.Get("scope"))
	if scopes[0] != "openid" || scopes[1] != "fhirUser" || !slices.Contains(scopes, "user/Observation.read") || len(scopes) != 2+len(smart.DefaultResourceScopes) {
		t.Fatalf("scopes: %v", scopes)
	}
	v := browse(t, si.URL(), nil)
	if v.status != http.StatusOK || !strings.Contains(v.page, "You are signed in") || !strings.Contains(v.page, "Front Desk") || !strings.Contains(v.page, "close this tab") {
		t.Fatalf("page %d: %s", v.status, v.page)
	}
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	// The page shows no code or token.
	if code := v.redirect.Query().Get("code"); strings.Contains(v.page, code) || strings.Contains(v.page, sess.Token.AccessToken) {
		t.Fatal("the browser page shows the code or the token")
	}
	id := sess.Identity
	if id.Subject != "ePrac-FRONTDESK" || id.FHIRUser != tn.sim.FHIRBase()+"/Practitioner/ePrac-FRONTDESK" || id.Name != "Front Desk" || id.Username != "FRONTDESK" || id.Issuer != tn.cfg.Issuer || id.Display() != "Front Desk" {
		t.Fatalf("identity: %+v", id)
	}
	if sess.Token.AccessToken == "" || sess.Token.RefreshToken != "" || time.Until(sess.Token.Expiry) < 50*time.Minute {
		t.Fatalf("token: refresh %t, expiry %s", sess.Token.RefreshToken != "", sess.Token.Expiry)
	}
	if code := fhirRead(t, tn, sess.Token.AccessToken, "/Practitioner/ePrac-FRONTDESK"); code != http.StatusOK {
		t.Fatalf("FHIR read with the new token: %d", code)
	}
	if !portClosed(tn.port) {
		t.Fatal("the listener is still open after the sign-in")
	}
	// A stale tab reloaded after the end finds nothing listening.
	if _, err := http.Get(v.redirect.String()); err == nil {
		t.Fatal("the callback still answers")
	}
}

func TestSignInConfidentialGetsRefreshToken(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	si := start(t, tn.options(confidentialApp))
	browse(t, si.URL(), nil)
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token.RefreshToken == "" {
		t.Fatal("a confidential app got no refresh token")
	}
}

// refusal runs a sign-in the tenant or the test spoils, and checks the
// error kind, the page the browser saw and that the listener closed.
func refusal(t *testing.T, knobs epicsim.Knobs, clientID string, mod func(*smart.SignInOptions), tamper func(*url.URL), kind error, says string) {
	t.Helper()
	tn := newTenant(t, knobs)
	o := tn.options(clientID)
	if mod != nil {
		mod(&o)
	}
	si := start(t, o)
	v := browse(t, si.URL(), tamper)
	sess, err := wait(t, si)
	if sess != nil || !errors.Is(err, kind) {
		t.Fatalf("err = %v (session %v); want %v", err, sess != nil, kind)
	}
	if !strings.Contains(err.Error(), says) {
		t.Fatalf("message %q does not say %q", err, says)
	}
	if v.status != http.StatusBadRequest || !strings.Contains(v.page, "Sign-in did not work") || !strings.Contains(v.page, "close this tab") {
		t.Fatalf("page %d: %s", v.status, v.page)
	}
	if code := v.redirect.Query().Get("code"); code != "" && strings.Contains(v.page, code) {
		t.Fatal("the page shows the code")
	}
	if !portClosed(tn.port) {
		t.Fatal("the listener is still open after a refused sign-in")
	}
}

func TestSignInRefusals(t *testing.T) {
	t.Run("wrong issuer", func(t *testing.T) {
		refusal(t, epicsim.Knobs{IDTokenIssuer: "https://impostor.example/oauth2"}, publicApp, nil, nil, smart.ErrWrongIssuer, "different sign-in authority")
	})
	t.Run("bad signature", func(t *testing.T) {
		refusal(t, epicsim.Knobs{IDTokenForeignKey: true}, publicApp, nil, nil, smart.ErrBadSignature, "signature")
	})
	t.Run("expired id_token", func(t *testing.T) {
		refusal(t, epicsim.Knobs{IDTokenExpired: true}, publicApp, nil, nil, smart.ErrExpired, "clock")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		refusal(t, epicsim.Knobs{IDTokenNonce: "someone-elses-nonce"}, publicApp, nil, nil, smart.ErrNonce, "does not belong to this sign-in")
	})
	t.Run("wrong aud", func(t *testing.T) {
		refusal(t, epicsim.Knobs{IDTokenAudience: "another-app"}, publicApp, nil, nil, smart.ErrAudience, "another app")
	})
	t.Run("error from Epic", func(t *testing.T) {
		// Epic refuses an aud that is not its FHIR base and says so in
		// the redirect.
		refusal(t, epicsim.Knobs{}, publicApp, func(o *smart.SignInOptions) {
			c := *o.Config
			c.FHIRBase += "-elsewhere"
			o.Config = &c
		}, nil, smart.ErrEpic, "aud must be this organization's FHIR base URL")
	})
	t.Run("user cancelled in Epic", func(t *testing.T) {
		refusal(t, epicsim.Knobs{}, publicApp, nil, func(u *url.URL) {
			q := u.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			q.Set("error_description", "The user <b>declined</b>")
			u.RawQuery = q.Encode()
		}, smart.ErrEpic, "cancelled in Epic")
	})
}

// A request to the callback without this sign-in's state (any local
// process or web page can send one) is answered 400 and ignored: the
// sign-in keeps waiting and finishes with the real redirect.
func TestSignInIgnoresAStrayCallback(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	si := start(t, tn.options(publicApp))
	strays := []func(q url.Values){
		func(q url.Values) { q.Set("state", "forged-state") },
		func(q url.Values) { q.Del("state") },
		func(q url.Values) { q.Set("state", ""); q.Set("error", "access_denied") },
	}
	var real *url.URL
	for i, tamper := range strays {
		v := browse(t, si.URL(), func(u *url.URL) {
			if real == nil {
				c := *u
				real = &c
			}
			q := u.Query()
			tamper(q)
			u.RawQuery = q.Encode()
		})
		if v.status != http.StatusBadRequest || !strings.Contains(v.page, "did not come from the sign-in") {
			t.Fatalf("stray %d: page %d: %s", i, v.status, v.page)
		}
		select {
		case <-si.Done():
			_, err := si.Wait(context.Background())
			t.Fatalf("stray %d ended the sign-in: %v", i, err)
		default:
		}
		if portClosed(tn.port) {
			t.Fatalf("stray %d closed the listener", i)
		}
	}
	// The first redirect's code was never exchanged: the real one (each
	// browse made a fresh code; the first is delivered untouched) works.
	v := deliver(t, real)
	if v.status != http.StatusOK || !strings.Contains(v.page, "You are signed in") {
		t.Fatalf("real redirect: page %d: %s", v.status, v.page)
	}
	sess, err := wait(t, si)
	if err != nil || sess.Identity.Display() != "Front Desk" {
		t.Fatalf("sign-in: %v", err)
	}
	if !portClosed(tn.port) {
		t.Fatal("the listener is still open after the sign-in")
	}
}

func TestSignInRefusesAReplayedCode(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	first := start(t, tn.options(publicApp))
	v := browse(t, first.URL(), nil)
	if _, err := wait(t, first); err != nil {
		t.Fatal(err)
	}
	// An attacker (or a stale tab) brings the used code to a new sign-in,
	// with the new sign-in's state.
	second := start(t, tn.options(publicApp))
	u, _ := url.Parse(second.URL())
	replay := *v.redirect
	q := replay.Query()
	q.Set("state", u.Query().Get("state"))
	replay.RawQuery = q.Encode()
	page := deliver(t, &replay)
	_, err := wait(t, second)
	if !errors.Is(err, smart.ErrCodeRejected) || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("err = %v", err)
	}
	if page.status != http.StatusBadRequest || !strings.Contains(page.page, "Sign-in did not work") {
		t.Fatalf("page: %d %s", page.status, page.page)
	}
}

func TestSignInTimesOut(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	o := tn.options(publicApp)
	o.Timeout = 150 * time.Millisecond
	si := start(t, o)
	_, err := wait(t, si)
	if !errors.Is(err, smart.ErrTimeout) || !strings.Contains(err.Error(), "within 150ms") {
		t.Fatalf("err = %v", err)
	}
	if !portClosed(tn.port) {
		t.Fatal("the listener is still open after the timeout")
	}
	// The port is free for the next sign-in.
	next := start(t, tn.options(publicApp))
	browse(t, next.URL(), nil)
	if _, err := wait(t, next); err != nil {
		t.Fatal(err)
	}
}

func TestSignInCancel(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	si := start(t, tn.options(publicApp))
	si.Cancel()
	if _, err := wait(t, si); !errors.Is(err, smart.ErrCanceled) {
		t.Fatalf("err = %v", err)
	}
	if !portClosed(tn.port) {
		t.Fatal("the listener is still open after cancel")
	}
	// Cancelling the context given to StartSignIn does the same.
	ctx, cancel := context.WithCancel(context.Background())
	si2, err := smart.StartSignIn(ctx, tn.options(publicApp))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := wait(t, si2); !errors.Is(err, smart.ErrCanceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecondSignInIsRefused(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	first := start(t, tn.options(publicApp))
	_, err := smart.StartSignIn(context.Background(), tn.options(publicApp))
	if !errors.Is(err, smart.ErrBusy) || !strings.Contains(err.Error(), "already in progress") {
		t.Fatalf("second sign-in: %v", err)
	}
	// The first one is untouched and still works.
	v := browse(t, first.URL(), nil)
	if _, err := wait(t, first); err != nil || v.status != http.StatusOK {
		t.Fatalf("first sign-in: %v %d", err, v.status)
	}
}

func TestSignInPortTaken(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(tn.port))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = smart.StartSignIn(context.Background(), tn.options(publicApp))
	if !errors.Is(err, smart.ErrPortInUse) || !strings.Contains(err.Error(), "port "+strconv.Itoa(tn.port)) {
		t.Fatalf("err = %v", err)
	}
	// Refusing did not leave the port marked busy in this process.
	ln.Close()
	si := start(t, tn.options(publicApp))
	si.Cancel()
	wait(t, si)
}

func TestCallbackIgnoresStrayRequests(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	si := start(t, tn.options(publicApp))
	base := "http://127.0.0.1:" + strconv.Itoa(tn.port)
	for _, path := range []string{"/callback", "/favicon.ico", "/"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	select {
	case <-si.Done():
		t.Fatal("a stray request ended the sign-in")
	default:
	}
	browse(t, si.URL(), nil)
	if _, err := wait(t, si); err != nil {
		t.Fatal(err)
	}
}
