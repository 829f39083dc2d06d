package smart_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/smart"
)

// genericTenant is the simulator's generic SMART server with the given
// apps (redirects set to the test's port).
func genericTenant(t *testing.T, clients ...epicsim.Client) *tenant {
	t.Helper()
	port := freePort(t)
	redirect := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	for i := range clients {
		clients[i].RedirectURIs = []string{redirect}
	}
	sim, err := epicsim.Start(context.Background(), epicsim.Options{Profile: epicsim.ProfileGeneric, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cfg, err := smart.Discover(context.Background(), sim.FHIRBase(), smart.NetOptions{})
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &tenant{sim: sim, port: port, cfg: cfg}
}

// A generic SMART server (no registration, refresh only for
// offline_access, id_token without kid or name, refreshed id_token without
// aud, text/plain 401s): a public app asks for offline_access, gets a
// refresh token and keeps lasting access through rotation; the user's
// name comes from the fhirUser resource.
func TestGenericServerPublicApp(t *testing.T) {
	tn := genericTenant(t, epicsim.Client{ID: publicApp})
	if tn.cfg.RegistrationURL != "" || !tn.cfg.OfflineAccess {
		t.Fatalf("discovery: registration %q, offline %v", tn.cfg.RegistrationURL, tn.cfg.OfflineAccess)
	}
	o := tn.options(publicApp)
	o.Scopes = smart.RequestScopes(tn.cfg, nil)
	si := start(t, o)
	if u, _ := url.Parse(si.URL()); !slices.Contains(strings.Fields(u.Query().Get("scope")), "offline_access") {
		t.Fatalf("offline_access not asked for: %s", u.Query().Get("scope"))
	}
	browse(t, si.URL(), nil)
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token.RefreshToken == "" || sess.Identity.Name != "Front Desk" || sess.Identity.Display() != "Front Desk" {
		t.Fatalf("refresh token %v, name %q (display %q)", sess.Token.RefreshToken != "", sess.Identity.Name, sess.Identity.Display())
	}
	creds, err := smart.Establish(context.Background(), tn.cfg, sess, smart.Credentials{ClientID: publicApp}, smart.SourceOptions{})
	if err != nil || creds.Mode() != smart.ModeRefresh {
		t.Fatalf("mode %s, err %v", creds.Mode(), err)
	}
	// Two renewals, each by a fresh source from the last refresh token kept
	// (as a fresh process would): each rotates the refresh token, and the
	// refreshed id_token without aud is ignored, not refused.
	var rotated []string
	rt := creds.RefreshToken
	for i := range 2 {
		src := smart.NewSource(tn.cfg, smart.Credentials{ClientID: publicApp, RefreshToken: rt},
			smart.SourceOptions{OnRefreshToken: func(n string) { rotated = append(rotated, n) }})
		tok, err := src.Token()
		if err != nil {
			t.Fatalf("renewal %d: %v", i+1, err)
		}
		if code := fhirRead(t, tn, tok.AccessToken, "/Patient/"+tn.sim.Practice().Patients[0].ID); code != 200 {
			t.Fatalf("renewed token: HTTP %d", code)
		}
		if len(rotated) != i+1 {
			t.Fatalf("renewal %d kept no new refresh token", i+1)
		}
		rt = rotated[i]
	}
	if len(rotated) != 2 || rotated[0] == rotated[1] || rotated[0] == sess.Token.RefreshToken {
		t.Fatalf("rotation: %d new refresh tokens", len(rotated))
	}
	// The spent refresh token is refused, and that is a refusal, once.
	spent := smart.NewSource(tn.cfg, smart.Credentials{ClientID: publicApp, RefreshToken: sess.Token.RefreshToken}, smart.SourceOptions{})
	if _, err := spent.Token(); !errors.Is(err, smart.ErrSignInRequired) || errors.Is(err, smart.ErrSessionEnded) {
		t.Fatalf("spent refresh token: %v", err)
	}
	// A FHIR 401 with a text/plain body is the sign-in kind.
	fc := &fhir.Client{Base: tn.sim.FHIRBase(), Tokens: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "not-a-token", TokenType: "Bearer"}), MaxTries: 1}
	if _, err := fc.Read(context.Background(), "Patient", tn.sim.Practice().Patients[0].ID); fhir.KindOf(err) != fhir.KindSignIn {
		t.Fatalf("text/plain 401: %v", err)
	}
}

// Without offline_access a generic server gives no refresh token: the
// sign-in is for this session only, and says so.
func TestGenericServerOnlineAccess(t *testing.T) {
	tn := genericTenant(t, epicsim.Client{ID: publicApp})
	o := tn.options(publicApp)
	o.Scopes = smart.RequestScopes(tn.cfg, []string{"user/Patient.read", "online_access"})
	si := start(t, o)
	browse(t, si.URL(), nil)
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := smart.Establish(context.Background(), tn.cfg, sess, smart.Credentials{ClientID: publicApp}, smart.SourceOptions{})
	if err != nil || creds.Mode() != smart.ModeInteractive || sess.Token.RefreshToken != "" {
		t.Fatalf("mode %s, err %v", creds.Mode(), err)
	}
}

// Confidential apps send their secret the way discovery says the server
// takes it: basic where offered, else in the form; the server holds each
// app to its registered method.
func TestGenericServerClientSecretMethods(t *testing.T) {
	for _, method := range []string{epicsim.AuthSecretBasic, epicsim.AuthSecretPost} {
		t.Run(method, func(t *testing.T) {
			tn := genericTenant(t, epicsim.Client{ID: confidentialApp, Secret: appSecret, AuthMethod: method})
			if !slices.Equal(tn.cfg.TokenAuthMethods, []string{method}) {
				t.Fatalf("advertised %v", tn.cfg.TokenAuthMethods)
			}
			o := tn.options(confidentialApp)
			o.Scopes = smart.RequestScopes(tn.cfg, nil)
			si := start(t, o)
			browse(t, si.URL(), nil)
			sess, err := wait(t, si)
			if err != nil {
				t.Fatalf("sign-in: %v", err)
			}
			creds := smart.Credentials{ClientID: confidentialApp, ClientSecret: appSecret, RefreshToken: sess.Token.RefreshToken}
			if _, err := smart.NewSource(tn.cfg, creds, smart.SourceOptions{}).Token(); err != nil {
				t.Fatalf("refresh: %v", err)
			}
			// The other method is refused (401, text/plain): access refused.
			other := *tn.cfg
			other.TokenAuthMethods = []string{epicsim.AuthSecretPost}
			if method == epicsim.AuthSecretPost {
				other.TokenAuthMethods = []string{epicsim.AuthSecretBasic}
			}
			if _, err := smart.NewSource(&other, creds, smart.SourceOptions{}).Token(); !errors.Is(err, smart.ErrSignInRequired) {
				t.Fatalf("the wrong method: %v", err)
			}
		})
	}
}

// An app registered with this computer's key (private_key_jwt, no secret):
// the code exchange and every renewal prove the app with the key; another
// key is refused.
func TestGenericServerPrivateKeyJWT(t *testing.T) {
	key := mustKey(t)
	tn := genericTenant(t, epicsim.Client{ID: confidentialApp, AuthMethod: epicsim.AuthPrivateKeyJWT, PublicKey: &key.PublicKey})
	if !slices.Equal(tn.cfg.TokenAuthMethods, []string{smart.AuthPrivateKeyJWT}) || smart.ClientAuth(tn.cfg, "", key) != smart.AuthPrivateKeyJWT {
		t.Fatalf("advertised %v", tn.cfg.TokenAuthMethods)
	}
	o := tn.options(confidentialApp)
	o.ClientSecret, o.ClientKey, o.Scopes = "", key, smart.RequestScopes(tn.cfg, nil)
	si := start(t, o)
	browse(t, si.URL(), nil)
	sess, err := wait(t, si)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	creds, err := smart.Establish(context.Background(), tn.cfg, sess, smart.Credentials{ClientID: confidentialApp, DeviceKey: key}, smart.SourceOptions{})
	if err != nil || creds.Mode() != smart.ModeRefresh || creds.ClientKey() != key {
		t.Fatalf("mode %s, err %v", creds.Mode(), err)
	}
	for i := range 2 { // a rotated refresh token each time, each proved with the key
		src := smart.NewSource(tn.cfg, creds, smart.SourceOptions{OnRefreshToken: func(rt string) { creds.RefreshToken = rt }})
		if _, err := src.Token(); err != nil {
			t.Fatalf("renewal %d: %v", i+1, err)
		}
	}
	other := creds
	other.DeviceKey = mustKey(t)
	if _, err := smart.NewSource(tn.cfg, other, smart.SourceOptions{}).Token(); !errors.Is(err, smart.ErrSignInRequired) {
		t.Fatalf("another key: %v", err)
	}
	// Without the key the app cannot even exchange its code.
	o.ClientKey = nil
	si = start(t, o)
	browse(t, si.URL(), nil)
	if _, err := wait(t, si); err == nil {
		t.Fatal("a sign-in without the key was accepted")
	}
}

// throttleToken answers 429 for the token endpoint, as a gateway in front
// of the server would, and passes everything else on.
type throttleToken struct{}

func (throttleToken) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/token") {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Retry-After": {"30"}, "Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("slow down")), Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A 429 at the code exchange is throttling, not a refused sign-in.
func TestSignInThrottled(t *testing.T) {
	tn := genericTenant(t, epicsim.Client{ID: publicApp})
	o := tn.options(publicApp)
	o.Net.HTTP = &http.Client{Transport: throttleToken{}}
	si := start(t, o)
	browse(t, si.URL(), nil)
	if _, err := wait(t, si); !errors.Is(err, smart.ErrThrottled) || !strings.Contains(err.Error(), "slow down") {
		t.Fatalf("err = %v", err)
	}
}
