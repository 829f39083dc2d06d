package smart_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/smart"
)

const chromiumPath = "/usr/lib/chromium/chromium"

// browser starts headless Chromium for the test, or skips (fails when
// HEALTHPREP_REQUIRE_CHROMIUM=1, as make test sets it).
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("HEALTHPREP_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("HEALTHPREP_REQUIRE_CHROMIUM=1 but %s is missing: install Debian's chromium", chromiumPath)
		}
		t.Skipf("%s is missing; install chromium to run the browser sign-in test", chromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser: no timeout on it (one would kill
	// the browser when it fires).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// TestEndToEndInChromium is a practice manager's whole first day: paste,
// discover, sign in through Epic's page in a real browser, read FHIR,
// register the device, then (as at the next agent start) get a token from
// the keychain's items with no browser and read FHIR again.
func TestEndToEndInChromium(t *testing.T) {
	ctx := context.Background()
	chrome := browser(t)
	tn := newTenant(t, epicsim.Knobs{})
	log, logs := newLog()

	// Setup: what the manager pasted.
	base, clientID, problems := smart.Clean("  “"+tn.sim.FHIRBase()+"/metadata” ", " Non-Production Client ID: "+publicApp+"\n")
	if len(problems) != 0 || base != tn.sim.FHIRBase() || clientID != publicApp {
		t.Fatalf("clean: %q %q %+v", base, clientID, problems)
	}
	cfg, err := smart.Discover(ctx, base, smart.NetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Sign-in: the browser is "opened" by handing the URL to Chromium.
	opened := make(chan string, 1)
	si := start(t, smart.SignInOptions{Config: cfg, ClientID: clientID, RedirectPort: tn.port, Log: log,
		OpenBrowser: func(u string) error { opened <- u; return nil }})
	flow, cancel := context.WithTimeout(chrome, 30*time.Second)
	defer cancel()
	err = chromedp.Do(flow,
		chromedp.Navigate(<-opened),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), epicsim.DemoUser),
		chromedp.SendKeys(chromedp.ID("password"), epicsim.DemoPassword),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("message")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	title, err := chromedp.Run(flow, chromedp.Text(chromedp.ID("title")))
	if err != nil {
		t.Fatal(err)
	}
	message, err := chromedp.Run(flow, chromedp.Text(chromedp.ID("message")))
	if err != nil {
		t.Fatal(err)
	}
	if title != "You are signed in" || !strings.Contains(message, "Front Desk") || !strings.Contains(message, "close this tab") {
		t.Fatalf("the browser shows %q: %q", title, message)
	}
	sess, err := wait(t, si)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Identity.FHIRUser != cfg.FHIRBase+"/Practitioner/ePrac-FRONTDESK" {
		t.Fatalf("identity: %+v", sess.Identity)
	}
	if !portClosed(tn.port) {
		t.Fatal("the callback listener outlived the sign-in")
	}

	// A FHIR read with the sign-in's token.
	patient := tn.sim.Practice().Patients[0].ID
	first := smart.NewSource(cfg, smart.Credentials{ClientID: clientID}, smart.SourceOptions{Initial: sess.Token, Log: log})
	if _, err := (&fhir.Client{Base: cfg.FHIRBase, Tokens: first}).Read(ctx, "Patient", patient); err != nil {
		t.Fatalf("FHIR read after sign-in: %v", err)
	}

	// Lasting access: register this computer, keep the secrets in the keychain.
	creds, err := smart.Establish(ctx, cfg, sess, smart.Credentials{ClientID: clientID}, smart.SourceOptions{Log: log})
	if err != nil || creds.Mode() != smart.ModeDevice {
		t.Fatalf("establish: mode %s, %v", creds.Mode(), err)
	}
	pem, err := smart.MarshalDeviceKey(creds.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	// What the agent keeps in the keychain (items keychain.DevicePrivKey
	// and keychain.DeviceClientID), as bytes. This package is not tested
	// against the keychain itself: importing it outside with-keyring
	// starts a stray session bus.
	stored := map[string][]byte{"device-private-key": pem, "device-client-id": []byte(creds.DeviceClientID)}

	// The next morning: no browser, a token from the stored items.
	authorizes := tn.sim.Requests()["authorize"]
	key, err := smart.ParseDeviceKey(stored["device-private-key"])
	if err != nil {
		t.Fatal(err)
	}
	later := smart.NewSource(cfg, smart.Credentials{ClientID: clientID, DeviceClientID: string(stored["device-client-id"]), DeviceKey: key}, smart.SourceOptions{Log: log})
	if later.Mode() != smart.ModeDevice {
		t.Fatalf("mode %s", later.Mode())
	}
	raw, err := (&fhir.Client{Base: cfg.FHIRBase, Tokens: later}).Read(ctx, "Patient", patient)
	if err != nil || !strings.Contains(string(raw), patient) {
		t.Fatalf("FHIR read with the device token: %v", err)
	}
	if later.Renewals() != 1 || tn.sim.Requests()["authorize"] != authorizes {
		t.Fatalf("renewals %d, browser sign-ins %d -> %d", later.Renewals(), authorizes, tn.sim.Requests()["authorize"])
	}
	tok, _ := later.Token()
	if tok.AccessToken == sess.Token.AccessToken {
		t.Fatal("the device source reused the sign-in's token")
	}

	// None of it reached the log.
	for name, secret := range map[string]string{"access token": sess.Token.AccessToken, "device token": tok.AccessToken, "device key": pemBody(pem)} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log holds the %s", name)
		}
	}
	if !strings.Contains(logs.String(), "sign-in finished") {
		t.Fatalf("log: %s", logs)
	}
}

// pemBody is the base64 line of a PEM block most likely to leak.
func pemBody(pem []byte) string {
	lines := strings.Split(string(pem), "\n")
	return lines[len(lines)/2]
}
