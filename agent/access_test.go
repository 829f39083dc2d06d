package agent

import (
	"cmp"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/keychain"
	"github.com/healthprep/desk/internal/smart"
)

const (
	stormApp    = "hp-storm-app"
	stormSecret = "storm-secret-4Rr9"
)

// tokenGate counts requests to the token endpoint and can refuse them at
// the connection (an outage of the OAuth server alone) or answer them 429
// as a gateway in front of it would (throttling).
type tokenGate struct {
	base     http.RoundTripper
	down     atomic.Bool
	throttle atomic.Bool
	hits     atomic.Int32
}

func (g *tokenGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/token") {
		g.hits.Add(1)
		switch {
		case g.down.Load():
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		case g.throttle.Load():
			return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Retry-After": {"120"}, "Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("slow down")), Request: r}, nil
		}
	}
	return g.base.RoundTrip(r)
}

// accessAgent is an agent for a practice on sim whose keychain holds the
// given items, as a previous sign-in left them.
func accessAgent(t *testing.T, sim *epicsim.Server, gate *tokenGate, items map[string][]byte) (*Agent, Practice) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	cfg, err := smart.Discover(ctx, sim.FHIRBase(), smart.NetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := Practice{Name: "Storm Practice", FHIRBase: sim.FHIRBase(), ClientID: stormApp, Issuer: cfg.Issuer, Discovery: cfg,
		SignedIn: &SignedInUser{Name: "Front Desk"},
		Schedule: ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}}}
	if err := SavePractice(dir, p); err != nil {
		t.Fatal(err)
	}
	kc, err := keychain.Open(ctx, p.ID(), keychain.OptionsFromEnv(dir))
	if err != nil {
		t.Fatal(err)
	}
	for item, v := range items {
		if err := kc.Set(ctx, item, v); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Open(ctx, Options{Dir: dir, HTTP: &http.Client{Transport: gate}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, p
}

// Issue 13 item 4: a sync whose lasting access Epic refuses asks for a
// token once, and a later sync not at all until something changes; the
// front desk is told to sign in again, and status says so while Epic is
// still online.
func TestRefusedAccessCostsOneTokenRequest(t *testing.T) {
	key, err := smart.GenerateDeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := smart.MarshalDeviceKey(key)
	for _, tc := range []struct {
		name    string
		profile epicsim.Profile
		items   map[string][]byte
	}{
		{"epic, dead refresh token", epicsim.ProfileEpic, map[string][]byte{keychain.ClientSecret: []byte(stormSecret), keychain.RefreshToken: []byte("rt-dead-since-last-week")}},
		{"epic, refused device key", epicsim.ProfileEpic, map[string][]byte{keychain.DeviceClientID: []byte("dev-epic-forgot"), keychain.DevicePrivKey: pem}},
		{"generic, dead refresh token", epicsim.ProfileGeneric, map[string][]byte{keychain.RefreshToken: []byte("rt-dead-since-last-week")}},
	} {
		items := tc.items
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sim, err := epicsim.Start(ctx, epicsim.Options{Profile: tc.profile, Clients: []epicsim.Client{{ID: stormApp, Secret: stormSecret}}})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			gate := &tokenGate{base: http.DefaultTransport}
			a, _ := accessAgent(t, sim, gate, items)
			date := weekdayBefore(a.now(), 1)
			for i := range 2 {
				_, err := a.Sync(ctx, api.SyncRequest{Date: date})
				if !api.IsKind(err, api.KindNeedsSignIn) || !strings.Contains(err.Error(), "no longer accepts") {
					t.Fatalf("sync %d: %v", i+1, err)
				}
			}
			if n := sim.Requests()["token"]; n != 1 {
				t.Fatalf("%d token requests at the tenant for two syncs; want 1", n)
			}
			st, err := a.Status(ctx)
			if err != nil || !st.NeedsSignIn || !st.Online {
				t.Fatalf("status: %v needsSignIn=%v online=%v", err, st.NeedsSignIn, st.Online)
			}
		})
	}
}

// Issue 13 item 3: the token endpoint down is an outage and a 429 from it
// is throttling, on either kind of server: the sync says so (not "sign in
// again"), status does not ask for a sign-in (and says offline for the
// outage; how throttling shows is the sync's business), and the sync's
// workers cost one token request.
func TestTokenOutageAndThrottling(t *testing.T) {
	for _, profile := range []epicsim.Profile{epicsim.ProfileEpic, epicsim.ProfileGeneric} {
		for _, fault := range []string{"outage", "throttled"} {
			t.Run(cmp.Or(string(profile), "epic")+" "+fault, func(t *testing.T) {
				ctx := context.Background()
				sim, err := epicsim.Start(ctx, epicsim.Options{Profile: profile, Clients: []epicsim.Client{{ID: stormApp, Secret: stormSecret}}})
				if err != nil {
					t.Fatal(err)
				}
				defer sim.Close()
				gate := &tokenGate{base: http.DefaultTransport}
				if fault == "outage" {
					gate.down.Store(true)
				} else {
					gate.throttle.Store(true)
				}
				a, _ := accessAgent(t, sim, gate, map[string][]byte{keychain.ClientSecret: []byte(stormSecret), keychain.RefreshToken: []byte("rt-fine")})
				_, err = a.Sync(ctx, api.SyncRequest{Date: weekdayBefore(a.now(), 1)})
				e := api.AsError(err)
				words := map[string]string{"outage": "cannot be reached", "throttled": "slow down"}[fault]
				if e.Kind == api.KindNeedsSignIn || strings.Contains(strings.ToLower(e.Message), "sign in again") || !strings.Contains(e.Message, words) {
					t.Fatalf("sync: %v (%s)", err, e.Kind)
				}
				if n := gate.hits.Load(); n != 1 {
					t.Fatalf("%d token requests; want 1", n)
				}
				st, err := a.Status(ctx)
				if err != nil || st.NeedsSignIn || st.SignedIn == nil || st.SignedIn.AccessMode != string(smart.ModeRefresh) || (fault == "outage" && st.Online) {
					t.Fatalf("status: %v online=%v needsSignIn=%v signedIn=%+v", err, st.Online, st.NeedsSignIn, st.SignedIn)
				}
			})
		}
	}
}
