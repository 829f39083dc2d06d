package smart_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/smart"
)

const (
	publicApp       = "hp-public"
	confidentialApp = "hp-confidential"
	appSecret       = "conf-secret-Zq81vX0pL"
)

// freePort returns a loopback port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// tenant is a simulated Epic with two apps registered for a redirect port
// picked for the test.
type tenant struct {
	sim  *epicsim.Server
	port int
	cfg  *smart.Config
}

func newTenant(t *testing.T, knobs epicsim.Knobs) *tenant {
	t.Helper()
	return newTenantWith(t, knobs, nil)
}

// newTenantWith lets the test change the simulator's options (its clock).
func newTenantWith(t *testing.T, knobs epicsim.Knobs, mod func(*epicsim.Options)) *tenant {
	t.Helper()
	port := freePort(t)
	redirect := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	opts := epicsim.Options{Clients: []epicsim.Client{
		{ID: publicApp, RedirectURIs: []string{redirect}},
		{ID: confidentialApp, RedirectURIs: []string{redirect}, Secret: appSecret},
	}}
	if mod != nil {
		mod(&opts)
	}
	sim, err := epicsim.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.SetKnobs(knobs); err != nil {
		t.Fatal(err)
	}
	tn := &tenant{sim: sim, port: port}
	if !knobs.NoPKCES256 {
		cfg, err := smart.Discover(context.Background(), sim.FHIRBase(), smart.NetOptions{})
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		tn.cfg = cfg
	}
	return tn
}

// options are sign-in options for one of the tenant's apps.
func (tn *tenant) options(clientID string) smart.SignInOptions {
	o := smart.SignInOptions{Config: tn.cfg, ClientID: clientID, RedirectPort: tn.port, Timeout: time.Minute}
	if clientID == confidentialApp {
		o.ClientSecret = appSecret
	}
	return o
}

// start begins a sign-in and makes sure it ends with the test.
func start(t *testing.T, o smart.SignInOptions) *smart.SignIn {
	t.Helper()
	si, err := smart.StartSignIn(context.Background(), o)
	if err != nil {
		t.Fatalf("StartSignIn: %v", err)
	}
	t.Cleanup(func() { si.Cancel(); <-si.Done() })
	return si
}

// wait returns the sign-in's outcome, failing the test if it hangs.
func wait(t *testing.T, si *smart.SignIn) (*smart.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := si.Wait(ctx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		t.Fatal("the sign-in did not end")
	}
	return sess, err
}

// noRedirect shows redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// visit is what the browser saw at the end of a sign-in.
type visit struct {
	status   int
	page     string
	redirect *url.URL // where Epic sent the browser back to (code and state)
}

// browse plays the browser without one: opens the sign-in page, logs in as
// the demo user, lets tamper change the redirect, and follows it to the
// callback.
func browse(t *testing.T, authURL string, tamper func(*url.URL)) visit {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		resp, err = noRedirect.PostForm(authURL, url.Values{"username": {epicsim.DemoUser}, "password": {epicsim.DemoPassword}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in page: HTTP %d", resp.StatusCode)
	}
	redirect, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(redirect)
	}
	return deliver(t, redirect)
}

// deliver follows a redirect to the callback listener.
func deliver(t *testing.T, redirect *url.URL) visit {
	t.Helper()
	resp, err := noRedirect.Get(redirect.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return visit{status: resp.StatusCode, page: string(b), redirect: redirect}
}

// portClosed reports whether nothing listens on the port any more.
func portClosed(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// logBuffer captures a slog log, safe for concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// fhirRead reads the practitioner who signed in with a bearer token, as
// the FHIR client would.
func fhirRead(t *testing.T, tn *tenant, accessToken, path string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tn.sim.FHIRBase()+path, nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
