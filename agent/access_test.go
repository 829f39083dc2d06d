package agent

import (
	"context"
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
// the connection (an outage of Epic's OAuth server alone).
type tokenGate struct {
	base http.RoundTripper
	down atomic.Bool
	hits atomic.Int32
}

func (g *tokenGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/token") {
		g.hits.Add(1)
		if g.down.Load() {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
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
	for name, items := range map[string]map[string][]byte{
		"dead refresh token": {keychain.ClientSecret: []byte(stormSecret), keychain.RefreshToken: []byte("rt-dead-since-last-week")},
		"refused device key": {keychain.DeviceClientID: []byte("dev-epic-forgot"), keychain.DevicePrivKey: pem},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sim, err := epicsim.Start(ctx, epicsim.Options{Clients: []epicsim.Client{{ID: stormApp, Secret: stormSecret}}})
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

// Issue 13 item 3: Epic's token endpoint down is an outage: the sync says
// Epic cannot be reached (not "sign in again"), status says offline and
// does not ask for a sign-in, and the workers cost one token request.
func TestTokenOutageIsOffline(t *testing.T) {
	ctx := context.Background()
	sim, err := epicsim.Start(ctx, epicsim.Options{Clients: []epicsim.Client{{ID: stormApp, Secret: stormSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	gate := &tokenGate{base: http.DefaultTransport}
	gate.down.Store(true)
	a, _ := accessAgent(t, sim, gate, map[string][]byte{keychain.ClientSecret: []byte(stormSecret), keychain.RefreshToken: []byte("rt-fine")})
	_, err = a.Sync(ctx, api.SyncRequest{Date: weekdayBefore(a.now(), 1)})
	e := api.AsError(err)
	if e.Kind != api.KindOffline || strings.Contains(strings.ToLower(e.Message), "sign in") || !strings.Contains(e.Message, "cannot be reached") {
		t.Fatalf("sync with the token endpoint down: %v (%s)", err, e.Kind)
	}
	if n := gate.hits.Load(); n != 1 {
		t.Fatalf("%d token requests during the outage; want 1", n)
	}
	st, err := a.Status(ctx)
	if err != nil || st.Online || st.NeedsSignIn || st.SignedIn == nil || st.SignedIn.AccessMode != string(smart.ModeRefresh) {
		t.Fatalf("status: %v online=%v needsSignIn=%v signedIn=%+v", err, st.Online, st.NeedsSignIn, st.SignedIn)
	}
}
