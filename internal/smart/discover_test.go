package smart_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/smart"
)

func TestDiscoverEpic(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{})
	c := tn.cfg
	oauth := tn.sim.ServerBase() + "/oauth2"
	if c.FHIRBase != tn.sim.FHIRBase() || c.Issuer != tn.sim.Issuer() || c.Issuer != oauth {
		t.Fatalf("base/issuer: %+v", c)
	}
	if c.AuthorizeURL != oauth+"/authorize" || c.TokenURL != oauth+"/token" || c.RegistrationURL != oauth+"/register" || c.JWKSURL != oauth+"/jwks" {
		t.Fatalf("endpoints: %+v", c)
	}
	if !c.PKCES256 || !strings.Contains(strings.Join(c.TokenAuthMethods, " "), "private_key_jwt") {
		t.Fatalf("capabilities: %+v", c)
	}
	if !c.Fresh(time.Now()) || c.Fresh(time.Now().Add(smart.DiscoveryTTL)) {
		t.Fatalf("freshness: fetched %s", c.FetchedAt)
	}
	if err := c.CheckIssuer(tn.sim.Issuer()); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckIssuer("https://elsewhere.example/oauth2"); !errors.Is(err, smart.ErrWrongIssuer) {
		t.Fatalf("a changed issuer: %v", err)
	}
	// A pasted URL cleaned first discovers the same.
	base, _, problems := smart.Clean(" \""+tn.sim.FHIRBase()+"/.well-known/smart-configuration/\" ", "x")
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	again, err := smart.Discover(context.Background(), base, smart.NetOptions{})
	if err != nil || again.TokenURL != c.TokenURL {
		t.Fatalf("cleaned paste: %v %+v", err, again)
	}
}

func TestDiscoverWithoutRegistration(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{NoRegistration: true})
	if tn.cfg.RegistrationURL != "" {
		t.Fatalf("registration endpoint: %q", tn.cfg.RegistrationURL)
	}
}

func TestDiscoverRefusesWithoutS256(t *testing.T) {
	tn := newTenant(t, epicsim.Knobs{NoPKCES256: true})
	c, err := smart.Discover(context.Background(), tn.sim.FHIRBase(), smart.NetOptions{})
	if !errors.Is(err, smart.ErrNoPKCE) || !strings.Contains(err.Error(), "PKCE with S256") {
		t.Fatalf("err = %v", err)
	}
	// What was found is still there to show.
	if c == nil || c.PKCES256 || c.TokenURL == "" {
		t.Fatalf("config: %+v", c)
	}
	// And a sign-in with it is refused before anything listens.
	o := tn.options(publicApp)
	o.Config = c
	if _, err := smart.StartSignIn(context.Background(), o); !errors.Is(err, smart.ErrNoPKCE) {
		t.Fatalf("sign-in: %v", err)
	}
	if !portClosed(tn.port) {
		t.Fatal("the redirect port was opened")
	}
}

func TestDiscoverUnreachable(t *testing.T) {
	// A port nothing listens on: connection refused.
	port := freePort(t)
	_, err := smart.Discover(context.Background(), "http://127.0.0.1:"+strconv.Itoa(port)+"/api/FHIR/R4", smart.NetOptions{})
	if !errors.Is(err, smart.ErrUnreachable) || !strings.Contains(err.Error(), "Nothing answered") {
		t.Fatalf("refused: %v", err)
	}
	// A name that does not resolve (.invalid never does).
	_, err = smart.Discover(context.Background(), "https://fhir.healthprep-test.invalid/api/FHIR/R4", smart.NetOptions{Timeout: 3 * time.Second})
	if !errors.Is(err, smart.ErrUnreachable) {
		t.Fatalf("dns: %v", err)
	}
	// A server that accepts and never answers: the per-request timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // keep it open, say nothing
		}
	}()
	defer func() {
		ln.Close()
		<-accepted
		for _, c := range held {
			c.Close()
		}
	}()
	_, err = smart.Discover(context.Background(), "http://"+ln.Addr().String()+"/api/FHIR/R4", smart.NetOptions{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, smart.ErrUnreachable) || !strings.Contains(err.Error(), "did not answer within") {
		t.Fatalf("timeout: %v", err)
	}
	// The simulated tenant in an outage.
	tn := newTenant(t, epicsim.Knobs{})
	if err := tn.sim.SetFaults(epicsim.Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := smart.Discover(context.Background(), tn.sim.FHIRBase(), smart.NetOptions{}); !errors.Is(err, smart.ErrUnreachable) {
		t.Fatalf("outage: %v", err)
	}
}

func TestDiscoverRefusesWhatIsNotEpic(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		kind    error
		says    string
	}{
		{"a practice's website", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body>Welcome to Main Street Family Medicine</body></html>"))
		}, smart.ErrNotSMART, "web page"},
		{"nothing there", http.NotFound, smart.ErrNotSMART, "no SMART sign-in settings"},
		{"forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, smart.ErrNotSMART, "refused"},
		{"server error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, smart.ErrUnreachable, "server error"},
		{"JSON without endpoints", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"resourceType":"CapabilityStatement","status":"active"}`))
		}, smart.ErrNotSMART, "names no sign-in"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }, smart.ErrNotSMART, "did not answer with SMART"},
		{"a huge answer", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"x":"` + strings.Repeat("a", 2<<20) + `"}`))
		}, smart.ErrNotSMART, "far larger"},
		{"endpoints over plain http", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"issuer":"https://a.example/oauth2","jwks_uri":"https://a.example/oauth2/jwks","authorization_endpoint":"http://a.example/oauth2/authorize","token_endpoint":"https://a.example/oauth2/token","code_challenge_methods_supported":["S256"]}`))
		}, smart.ErrNotSMART, "does not use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := smart.Discover(context.Background(), srv.URL+"/api/FHIR/R4", smart.NetOptions{})
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err = %v; want %v saying %q", err, tt.kind, tt.says)
			}
		})
	}
}

func TestDiscoverRefusesAnOpenIDIssuerMismatch(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := srv.URL + "/oauth2"
		switch r.URL.Path {
		case "/api/FHIR/R4/.well-known/smart-configuration":
			w.Write([]byte(`{"authorization_endpoint":"` + o + `/authorize","token_endpoint":"` + o + `/token","code_challenge_methods_supported":["S256"]}`))
		case "/oauth2/.well-known/openid-configuration":
			w.Write([]byte(`{"issuer":"https://impostor.example/oauth2","jwks_uri":"` + o + `/jwks"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, err := smart.Discover(context.Background(), srv.URL+"/api/FHIR/R4", smart.NetOptions{})
	if !errors.Is(err, smart.ErrWrongIssuer) {
		t.Fatalf("err = %v", err)
	}
}
