// Package agenttest is the set-up the agent's end-to-end tests share (the
// agent's own and its binary's): headless Chromium, a simulated Epic
// tenant with the practice's app registered at a loopback redirect port,
// and Epic's sign-in page filled in the browser. Only tests import it.
package agenttest

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/healthprep/desk/internal/epicsim"
)

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/lib/chromium/chromium"

// Chromium starts headless Chromium for the test, or skips (fails when
// HEALTHPREP_REQUIRE_CHROMIUM=1, as make test sets it).
func Chromium(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("HEALTHPREP_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("HEALTHPREP_REQUIRE_CHROMIUM=1 but %s is missing", ChromiumPath)
		}
		t.Skipf("%s is missing; install chromium to run the sign-in test", ChromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ChromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser: no timeout on this context
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// FreePort is a loopback TCP port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// RedirectURI is the loopback sign-in redirect registered for port.
func RedirectURI(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) + "/callback" }

// Tenant starts a simulated tenant (opts) with the practice's app
// registered to redirect to a free loopback port, and returns it and the
// port (the practice's redirect port). It is closed when the test ends.
func Tenant(t testing.TB, opts epicsim.Options, app epicsim.Client) (*epicsim.Server, int) {
	t.Helper()
	port := FreePort(t)
	app.RedirectURIs = []string{RedirectURI(port)}
	opts.Clients = append(opts.Clients, app)
	sim, err := epicsim.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, port
}

// SignInAt signs in as the simulated tenant's user at its sign-in page
// (url) in chrome, and waits for the page that says it is done.
func SignInAt(chrome context.Context, url string) error {
	flow, cancel := context.WithTimeout(chrome, 60*time.Second)
	defer cancel()
	return chromedp.Do(flow,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), epicsim.DemoUser),
		chromedp.SendKeys(chromedp.ID("password"), epicsim.DemoPassword),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("message")),
	)
}
