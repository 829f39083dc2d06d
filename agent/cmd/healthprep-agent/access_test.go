package main

import (
	"bufio"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/healthprep/desk/agent/agenttest"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/smart"
)

// cliSignIn runs `signin --no-browser` with no agent serving and signs in
// at the printed page in headless Chromium; it returns what signin printed.
func cliSignIn(t *testing.T, chrome context.Context, home string, sim *epicsim.Server) (string, error) {
	t.Helper()
	cmd := exec.Command(agentBinary(t), "signin", "--no-browser")
	cmd.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(stdout)
	authURL, err := lines.ReadString('\n')
	if err != nil || !strings.HasPrefix(authURL, sim.Issuer()+"/authorize?") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("signin --no-browser printed %q (%v): %s", authURL, err, stderr.String())
	}
	if err := agenttest.SignInAt(chrome, strings.TrimSpace(authURL)); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("browser: %v", err)
	}
	rest, _ := io.ReadAll(lines)
	err = cmd.Wait()
	return string(rest) + stderr.String(), err
}

// statusOf is `status --json` from a fresh process.
func statusOf(t *testing.T, home string) api.Status {
	t.Helper()
	out, errOut, err := runAgent(t, home, "status", "--json")
	var st api.Status
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: %v\n%s%s", err, out, errOut)
	}
	return st
}

// Every access mode as separate processes, with no agent serving: setup,
// `signin` in the browser, then (the next morning, say) a fresh `sync`
// process with no browser. Against the generic SMART server a public app
// keeps a refresh token (offline_access), rotated from process to process;
// a confidential app does too, sending its secret the one way the server
// takes; a practice that asks for online_access gets this session only,
// is told so plainly, and the next sync asks for a sign-in in words that
// say why. Against Epic, a re-sign-in whose device registration Epic
// refuses keeps the working key. The user's name comes from fhirUser when
// the id_token has none.
func TestAccessModesEndToEnd(t *testing.T) {
	requireKeychain(t)
	chrome := agenttest.Chromium(t)
	const appID, secret = "hp-access-e2e", "access-e2e-secret-Vb3"
	for _, tc := range []struct {
		name    string
		profile epicsim.Profile
		client  epicsim.Client
		scopes  []string // practice.json "scopes"
		mode    string
		words   string // in signin's output
		keyed   bool   // the app proves itself with this computer's key (client-key)
	}{
		{"generic, public app, refresh token", epicsim.ProfileGeneric, epicsim.Client{ID: appID}, nil, "refresh", "Lasting access", false},
		{"generic, client_secret_post", epicsim.ProfileGeneric, epicsim.Client{ID: appID, Secret: secret, AuthMethod: epicsim.AuthSecretPost}, nil, "refresh", "Lasting access", false},
		{"generic, session only", epicsim.ProfileGeneric, epicsim.Client{ID: appID}, []string{"user/Patient.read", "user/Practitioner.read", "online_access"}, "interactive", "This session only", false},
		{"epic, device key kept through a refused re-registration", epicsim.ProfileEpic, epicsim.Client{ID: appID, Secret: secret}, nil, "device", "Lasting access", false},
		{"generic, private_key_jwt", epicsim.ProfileGeneric, epicsim.Client{ID: appID, AuthMethod: epicsim.AuthPrivateKeyJWT}, nil, "refresh", "Lasting access", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			port := agenttest.FreePort(t)
			tc.client.RedirectURIs = []string{agenttest.RedirectURI(port)}
			clients := []epicsim.Client{tc.client}
			if tc.keyed { // registered once the app has made its key
				clients = nil
			}
			sim, err := epicsim.Start(ctx, epicsim.Options{Profile: tc.profile, Clients: clients})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			home := homeDir(t)
			args := []string{"setup", "--fhir-base", sim.FHIRBase(), "--client-id", appID, "--name", "Access Practice",
				"--redirect-port", strconv.Itoa(port), "--provider-ids", "E1001,E1002,E1003"}
			stdin := ""
			if tc.client.Secret != "" {
				args, stdin = append(args, "--client-secret-stdin"), tc.client.Secret+"\n"
			}
			setup := exec.Command(agentBinary(t), args...)
			setup.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
			setup.Stdin = strings.NewReader(stdin)
			if out, err := setup.CombinedOutput(); err != nil {
				t.Fatalf("setup: %v\n%s", err, out)
			}
			if tc.scopes != nil {
				setScopes(t, home, tc.scopes)
			}
			if tc.keyed {
				// The manager prints this computer's public key and the
				// server's administrator registers it with the app.
				out, errOut, err := runAgent(t, home, "client-key")
				if err != nil {
					t.Fatalf("client-key: %v\n%s", err, errOut)
				}
				set, err := jwk.Parse([]byte(out))
				if err != nil || set.Len() != 1 {
					t.Fatalf("client-key printed no JWK set: %v\n%s", err, out)
				}
				k, _ := set.Key(0)
				var pub rsa.PublicKey
				if err := k.Raw(&pub); err != nil {
					t.Fatal(err)
				}
				if again, _, _ := runAgent(t, home, "client-key"); again != out {
					t.Fatal("client-key made a second key")
				}
				tc.client.PublicKey = &pub
				sim.AddClient(tc.client)
			}

			var logs strings.Builder // everything the processes printed, scanned for secrets at the end
			out, err := cliSignIn(t, chrome, home, sim)
			logs.WriteString(out)
			if err != nil || !strings.Contains(out, "Signed in as Front Desk") || !strings.Contains(out, "(access: "+accessWords(tc.mode)+")") || !strings.Contains(out, tc.words) {
				t.Fatalf("signin: %v\n%s", err, out)
			}
			if tc.profile == epicsim.ProfileEpic {
				// A second sign-in whose registration Epic refuses keeps the key.
				if err := sim.SetKnobs(epicsim.Knobs{RefuseRegistration: true}); err != nil {
					t.Fatal(err)
				}
				out, err := cliSignIn(t, chrome, home, sim)
				logs.WriteString(out)
				if err != nil || !strings.Contains(out, "(access: "+accessWords("device")+")") {
					t.Fatalf("re-sign-in with registration refused: %v\n%s", err, out)
				}
			}
			st := statusOf(t, home)
			if st.SignedIn == nil || st.SignedIn.User != "Front Desk" || st.SignedIn.AccessMode != tc.mode || st.SignedIn.AccessNote == "" {
				t.Fatalf("status after signin: %+v", st.SignedIn)
			}

			date := lastWeekday(time.Now()).Format(time.DateOnly)
			tokensBefore := sim.Requests()["token"]
			for i := range 2 { // two fresh processes: a rotated refresh token was kept
				out, errOut, err := runAgent(t, home, "sync", "-v", "--date", date)
				logs.WriteString(out + errOut)
				if tc.mode == "interactive" {
					if err == nil || !strings.Contains(errOut, "no lasting access") || !strings.Contains(errOut, "healthprep-agent signin") {
						t.Fatalf("sync after a session-only sign-in: %v\n%s%s", err, out, errOut)
					}
					if st := statusOf(t, home); !st.NeedsSignIn || !st.Online {
						t.Fatalf("status after the session ended: needsSignIn=%v online=%v", st.NeedsSignIn, st.Online)
					}
					continue
				}
				if err != nil || !strings.Contains(out, "appointments") {
					t.Fatalf("sync %d in a fresh process: %v\n%s%s", i+1, err, out, errOut)
				}
			}
			// One renewal per process, not a storm.
			if n := sim.Requests()["token"] - tokensBefore; n > 2 {
				t.Fatalf("%d token requests for two syncs", n)
			}
			// No token or secret outside the keychain: not in a file, not in
			// what the processes printed (with -v logs).
			needles := map[string]string{"client secret": secret}
			for i, s := range sim.IssuedSecrets() {
				needles["issued token "+strconv.Itoa(i)] = s
			}
			scanForLeaks(t, home, logs.String(), needles)
		})
	}
}

// setScopes writes practice.json's "scopes", as a manager would.
func setScopes(t *testing.T, home string, scopes []string) {
	t.Helper()
	path := filepath.Join(home, "practice.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["scopes"] = scopes
	b, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// `sandbox --profile generic` serves the generic SMART server by hand (no
// registration endpoint); an unknown profile is a usage error.
func TestSandboxGenericProfile(t *testing.T) {
	base, stop := runSandbox(t, "--profile", "generic")
	cfg, err := smart.Discover(context.Background(), base, smart.NetOptions{})
	if err != nil || cfg.RegistrationURL != "" || !cfg.OfflineAccess {
		t.Fatalf("generic discovery: %v %+v", err, cfg)
	}
	if err := stop(); err != nil {
		t.Fatalf("sandbox: %v", err)
	}

	bad := newRoot()
	bad.SetOut(io.Discard)
	bad.SetErr(io.Discard)
	bad.SetArgs([]string{"sandbox", "--profile", "cerner"})
	var ec exitCoder
	if err := bad.ExecuteContext(context.Background()); !errors.As(err, &ec) || ec.ExitCode() != 2 {
		t.Fatalf("unknown profile: %v", err)
	}
}
