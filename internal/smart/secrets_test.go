package smart_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/smart"
)

// TestNoSecretsInLogsOrErrors runs a full sign-in of a confidential app
// (which gets a refresh token), device registration and token renewals in
// every mode, plus the common failures, with a debug log captured; then
// looks for every secret in the log, the errors and the browser pages.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	ctx := context.Background()
	tn := newTenant(t, epicsim.Knobs{})
	log, logs := newLog()
	var errs []error
	var pages []string

	o := tn.options(confidentialApp)
	o.Log = log
	si := start(t, o)
	v := browse(t, si.URL(), nil)
	pages = append(pages, v.page, si.URL())
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	code := v.redirect.Query().Get("code")
	if sess.Token.RefreshToken == "" || code == "" {
		t.Fatal("the test needs a refresh token and a code")
	}
	app := smart.Credentials{ClientID: confidentialApp, ClientSecret: appSecret}
	so := smart.SourceOptions{Log: log}
	creds, err := smart.Establish(ctx, tn.cfg, sess, app, so)
	if err != nil || creds.Mode() != smart.ModeDevice {
		t.Fatalf("establish: %v", err)
	}
	device := smart.NewSource(tn.cfg, creds, so)
	deviceTok, err := device.Token()
	if err != nil {
		t.Fatal(err)
	}
	refreshCreds := app
	refreshCreds.RefreshToken = sess.Token.RefreshToken
	refreshTok, err := smart.NewSource(tn.cfg, refreshCreds, so).Token()
	if err != nil {
		t.Fatal(err)
	}

	// Failures: a replayed code, a forged state, a wrong secret, a
	// rejected device, a revoked refresh token, a refused registration.
	replay := start(t, o)
	ru, _ := url.Parse(replay.URL())
	r := *v.redirect
	q := r.Query()
	q.Set("state", ru.Query().Get("state"))
	r.RawQuery = q.Encode()
	pages = append(pages, deliver(t, &r).page)
	_, err = wait(t, replay)
	errs = append(errs, err)

	forged := start(t, o)
	fv := browse(t, forged.URL(), func(u *url.URL) {
		q := u.Query()
		q.Set("state", "x")
		u.RawQuery = q.Encode()
	})
	pages = append(pages, fv.page)
	forged.Cancel() // a forged state is ignored; the sign-in waits on
	_, err = wait(t, forged)
	errs = append(errs, err)
	forgedCode := fv.redirect.Query().Get("code")

	bad := refreshCreds
	bad.ClientSecret = "wrong-secret"
	_, err = smart.NewSource(tn.cfg, bad, so).Token()
	errs = append(errs, err)
	badDevice := creds
	badDevice.DeviceClientID = "dev-unknown"
	_, err = smart.NewSource(tn.cfg, badDevice, so).Token()
	errs = append(errs, err)
	tn.sim.SetKnobs(epicsim.Knobs{RefuseRegistration: true})
	_, err = smart.Establish(ctx, tn.cfg, sess, app, so)
	errs = append(errs, err)
	_, err = smart.RegisterDevice(ctx, tn.cfg, confidentialApp, "not-a-token", &creds.DeviceKey.PublicKey, smart.NetOptions{})
	errs = append(errs, err)

	keyPEM, _ := smart.MarshalDeviceKey(creds.DeviceKey)
	secrets := map[string]string{
		"access token":         sess.Token.AccessToken,
		"refresh token":        sess.Token.RefreshToken,
		"device access token":  deviceTok.AccessToken,
		"refreshed token":      refreshTok.AccessToken,
		"authorization code":   code,
		"forged visit's code":  forgedCode,
		"client secret":        appSecret,
		"private key PEM line": pemBody(keyPEM),
	}
	// Every private part of the key, as a JWK would spell it.
	jk, _ := jwk.FromRaw(creds.DeviceKey)
	jb, _ := json.Marshal(jk)
	var parts map[string]string
	json.Unmarshal(jb, &parts)
	for _, p := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		secrets["private key "+p] = parts[p][:32]
	}

	var text strings.Builder
	text.WriteString(logs.String())
	for _, p := range pages {
		text.WriteString(p)
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("failure %d did not fail", i)
		}
		// The message and every wrapped cause, as a crash report would print them.
		for e := err; e != nil; e = errors.Unwrap(e) {
			fmt.Fprintf(&text, "%v\n%+v\n%#v\n", e, e, e)
		}
	}
	all := text.String()
	for name, s := range secrets {
		if len(s) < 16 {
			t.Fatalf("%s is too short to search for", name)
		}
		if strings.Contains(all, s) {
			t.Errorf("the %s appears in the logs, errors or pages", name)
		}
	}
	// The log did record the events, in words.
	for _, want := range []string{"sign-in started", "sign-in finished", "device registered", "device registration failed", "state mismatch", "authorization code refused", "sign in again"} {
		if !strings.Contains(all, want) {
			t.Errorf("the log or errors lack %q", want)
		}
	}
}
