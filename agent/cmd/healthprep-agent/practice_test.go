package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/agenttest"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/keychain"
)

// requireKeychain fails the test when the real Secret Service is required
// (make test) but absent, and skips otherwise.
func requireKeychain(t *testing.T) {
	t.Helper()
	kc, err := keychain.Open(context.Background(), "probe", keychain.Options{Timeout: 5 * time.Second})
	if err == nil {
		_, err = kc.Get(context.Background(), keychain.CacheKey)
		if errors.Is(err, keychain.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		if os.Getenv("HEALTHPREP_REQUIRE_KEYRING") == "1" {
			t.Fatalf("HEALTHPREP_REQUIRE_KEYRING=1 but the keychain is unusable: %v", err)
		}
		t.Skipf("no keychain (run under build/scripts/with-keyring): %v", err)
	}
}

// A practice manager's whole first day, as separate processes, against a
// simulated Epic tenant that is not the demo: setup (with the refusals a
// paste can meet), a browser sign-in with --no-browser driven in real
// Chromium, lasting device access, the agent serving and syncing with no
// browser, reads during a sync, Epic going away (offline review), and no
// secret or patient data anywhere outside the encrypted cache.
func TestPracticeFirstDayEndToEnd(t *testing.T) {
	requireKeychain(t)
	chrome := agenttest.Chromium(t)
	ctx := context.Background()
	const clientID, secret = "hp-e2e-app", "e2e-client-secret-7Qx2"
	sim, port := agenttest.Tenant(t, epicsim.Options{}, epicsim.Client{ID: clientID, Secret: secret})
	home := homeDir(t)
	var logs strings.Builder // every stderr the agent wrote, scanned at the end
	run := func(stdin string, args ...string) (string, error) {
		t.Helper()
		out, errs, err := runAgentWithInput(t, home, stdin, args...)
		logs.WriteString(errs)
		if err != nil {
			return out + errs, err
		}
		return out, nil
	}

	// Bad pastes: exit status 2, a message per field, nothing saved.
	out, err := run("", "setup", "--fhir-base", "fhir.example.org/api/FHIR/R4 please", "--client-id", "abc def")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(out, "client ID:") || !strings.Contains(out, "FHIR base URL:") {
		t.Fatalf("bad paste: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, "practice.json")); !os.IsNotExist(err) {
		t.Fatal("a refused setup saved the practice")
	}
	// Unreachable Epic: a clear reason, nothing saved.
	dead := agenttest.FreePort(t)
	out, err = run("", "setup", "--fhir-base", "http://127.0.0.1:"+strconv.Itoa(dead)+"/api/FHIR/R4", "--client-id", clientID)
	if err == nil || !strings.Contains(out, "Nothing answered at 127.0.0.1:"+strconv.Itoa(dead)) {
		t.Fatalf("unreachable Epic: %v\n%s", err, out)
	}

	// Setup, pasted with quotes and /metadata; the secret goes to the keychain.
	out, err = run(secret+"\n", "setup", "--fhir-base", `"`+sim.FHIRBase()+`/metadata"`, "--client-id", " "+clientID+" ",
		"--name", "Riverside Family Medicine", "--redirect-port", strconv.Itoa(port), "--provider-ids", "E1001,E1002,E1003", "--client-secret-stdin")
	if err != nil || !strings.Contains(out, "secure sign-in (PKCE S256): yes") || !strings.Contains(out, "Saved.") {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	// A second practice is refused without --reset.
	if out, err = run("", "setup", "--fhir-base", sim.FHIRBase(), "--client-id", "another-app"); err == nil || !strings.Contains(out, "already set up for Riverside Family Medicine") {
		t.Fatalf("second practice: %v\n%s", err, out)
	}

	// Sign in: the CLI prints Epic's page; Chromium signs in there.
	signedIn, err := cliSignIn(t, chrome, home, sim)
	logs.WriteString(signedIn) // scanned with the agent's logs
	if err != nil || !strings.Contains(signedIn, "Signed in as Front Desk") || !strings.Contains(signedIn, "access: device") {
		t.Fatalf("signin: %v\n%s", err, signedIn)
	}

	// Status: configured, signed in with device access, the real keychain.
	out, err = run("", "status", "--json")
	var st api.Status
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.Mode != "practice" || st.Practice == nil || st.Practice.ClientID != clientID || st.Practice.FHIRBase != sim.FHIRBase() ||
		st.SignedIn == nil || st.SignedIn.AccessMode != "device" || st.NeedsSignIn || st.Keychain != "secret-service" || st.Discovery == nil {
		t.Fatalf("status after sign-in: %s", out)
	}

	// The agent serves and syncs with no browser: a later token comes from
	// the device key (JWT bearer).
	p := serve(t, home)
	date := lastWeekday(time.Now()).Format(time.DateOnly)
	sum, err := p.client.Sync(ctx, api.SyncRequest{Date: date})
	if err != nil || sum.Appointments < 40 || sum.Partial {
		t.Fatalf("sync: %v %+v", err, sum)
	}
	before, err := p.client.Day(ctx, date)
	if err != nil || len(before.Rows) != sum.Appointments {
		t.Fatalf("day: %v (%d rows)", err, len(before.Rows))
	}

	// Reads during a sync see the whole previous snapshot.
	if err := sim.SetFaults(epicsim.Faults{Latency: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	syncDone := make(chan error, 1)
	go func() { _, err := p.client.Sync(ctx, api.SyncRequest{Date: date}); syncDone <- err }()
	reads := 0
	for running := true; running; {
		select {
		case err := <-syncDone:
			if err != nil {
				t.Fatalf("second sync: %v", err)
			}
			running = false
		default:
			d, err := p.client.Day(ctx, date)
			if err != nil || len(d.Rows) != len(before.Rows) {
				t.Fatalf("a read during the sync: %v (%d rows, want %d)", err, len(d.Rows), len(before.Rows))
			}
			if d.AsOf.Equal(*before.AsOf) {
				reads++
			}
		}
	}
	if reads == 0 {
		t.Fatal("no read saw the previous snapshot while the sync ran")
	}

	// Epic goes away: the saved day is still served, status says offline since when.
	sim.SetFaults(epicsim.Faults{Down: true})
	if _, err := p.client.Sync(ctx, api.SyncRequest{Date: date}); !api.IsKind(err, api.KindOffline) && err == nil {
		t.Fatalf("sync with Epic down: %v", err)
	}
	st, err = p.client.Status(ctx)
	if err != nil || st.Online || st.OfflineSince == nil || st.LastSync == nil || st.LastSync.At.IsZero() {
		t.Fatalf("status with Epic down: %v %+v", err, st)
	}
	after, err := p.client.Day(ctx, date)
	if err != nil || len(after.Rows) != len(before.Rows) {
		t.Fatalf("offline day: %v (%d rows)", err, len(after.Rows))
	}
	if _, err := p.client.Sheet(ctx, date, after.Rows[0].AppointmentID); err != nil {
		t.Fatalf("offline sheet: %v", err)
	}

	// Nothing secret or patient-identifying outside the encrypted cache.
	logs.WriteString(p.stderr.String())
	kc, err := keychain.Open(ctx, practiceKeychainID(t, home), keychain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	devKey, err := kc.Get(ctx, keychain.DevicePrivKey)
	if err != nil || len(devKey) == 0 {
		t.Fatalf("the device key is not in the keychain: %v", err)
	}
	needles := map[string]string{"client secret": secret}
	for i, s := range sim.IssuedSecrets() {
		needles["issued token "+strconv.Itoa(i)] = s
	}
	for _, l := range strings.Split(string(devKey), "\n") {
		if len(l) >= 40 && !strings.HasPrefix(l, "-----") {
			needles["device key"] = l
			break
		}
	}
	for _, pt := range sim.Practice().Patients {
		needles["patient name "+pt.ID] = pt.Family + ", " + pt.Given
		needles["patient name "+pt.ID+" "] = pt.Given + " " + pt.Family
		needles["MRN "+pt.ID] = pt.MRN
	}
	scanned := scanForLeaks(t, home, logs.String(), needles)
	if scanned < 5 {
		t.Fatalf("only %d files scanned: the scan cannot have covered the cache", scanned)
	}
}

// practiceKeychainID reads the practice's keychain namespace from its
// saved configuration (the same derivation the agent uses).
func practiceKeychainID(t *testing.T, home string) string {
	t.Helper()
	out, _, err := runAgent(t, home, "status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st api.Status
	json.Unmarshal([]byte(out), &st)
	return agent.Practice{FHIRBase: st.Practice.FHIRBase, ClientID: st.Practice.ClientID}.ID()
}

// scanForLeaks fails the test if any needle is in any file under dir or
// in logs; it returns how many files it read.
func scanForLeaks(t *testing.T, dir, logs string, needles map[string]string) int {
	t.Helper()
	n := 0
	check := func(where string, b []byte) {
		s := string(b)
		for what, needle := range needles {
			if len(needle) >= 6 && strings.Contains(s, needle) {
				t.Errorf("%s holds a %s", where, what)
			}
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("reading %s: %v", path, err)
			return nil
		}
		n++
		check(path, b)
		return nil
	})
	check("the agent's logs", []byte(logs))
	return n
}

// A practice preset made once and handed to a front-desk computer: it is
// checked like a paste, holds nothing secret, and sets up a fresh install
// that then needs only the sign-in.
func TestPresetRoundTrip(t *testing.T) {
	requireKeychain(t)
	sim, err := epicsim.Start(context.Background(), epicsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	maker := homeDir(t)
	_, stderr, err := runAgent(t, maker, "preset", "--practice-name", "Riverside", "--fhir-base", sim.FHIRBase(), "--client-id", "two words")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr, "client ID:") {
		t.Fatalf("a bad preset was written: %v %s", err, stderr)
	}
	out, stderr, err := runAgent(t, maker, "preset", "--practice-name", "Riverside Family Medicine",
		"--fhir-base", " '"+sim.FHIRBase()+"/' ", "--client-id", epicsim.DemoClientID, "--provider-ids", "E1001,E1002")
	if err != nil {
		t.Fatalf("preset: %v %s", err, stderr)
	}
	var preset map[string]any
	if err := json.Unmarshal([]byte(out), &preset); err != nil || preset["fhirBase"] != sim.FHIRBase() || preset["clientId"] != epicsim.DemoClientID {
		t.Fatalf("preset JSON (%v): %s", err, out)
	}
	for _, k := range []string{"clientSecret", "token", "refreshToken", "key"} {
		if _, ok := preset[k]; ok {
			t.Fatalf("the preset carries %q", k)
		}
	}
	if _, err := os.Stat(filepath.Join(maker, "practice.json")); !os.IsNotExist(err) {
		t.Fatal("making a preset configured the maker's own computer")
	}
	file := filepath.Join(t.TempDir(), "practice.json")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}

	desk := homeDir(t)
	if out, stderr, err := runAgent(t, desk, "setup", "--preset", file); err != nil {
		t.Fatalf("setup --preset: %v\n%s%s", err, out, stderr)
	}
	out, _, err = runAgent(t, desk, "status", "--json")
	var st api.Status
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status: %v %s", err, out)
	}
	if st.Mode != "practice" || st.Practice.Name != "Riverside Family Medicine" || st.Practice.FHIRBase != sim.FHIRBase() ||
		!st.NeedsSignIn || st.SignedIn != nil || st.Schedule == nil || len(st.Schedule.ProviderIDs) != 2 {
		t.Fatalf("status after the preset: %s", out)
	}
}

// An installer leaves a preset; the agent service applies it at its first
// start, once: after a reset the computer stays reset. A preset that
// cannot be applied (Epic unreachable) saves nothing and shows in status
// for the setup wizard.
func TestServeAppliesAnInstallersPresetOnce(t *testing.T) {
	requireKeychain(t)
	ctx := context.Background()
	sim, err := epicsim.Start(ctx, epicsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	write := func(base string) string {
		p, probs := agent.NewPreset("Riverside Family Medicine", base, epicsim.DemoClientID, 0, nil)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		b, _ := json.Marshal(p)
		path := filepath.Join(dir, "practice.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Setenv("HEALTHPREP_PRESET", write("http://127.0.0.1:"+strconv.Itoa(agenttest.FreePort(t))+"/api/FHIR/R4"))
	home := homeDir(t)
	p := serve(t, home)
	st, err := p.client.Status(ctx)
	if err != nil || st.Mode != "demo" || st.Preset == nil || st.Preset.Name != "Riverside Family Medicine" || !strings.Contains(st.Preset.Error, "Nothing answered") {
		t.Fatalf("an unreachable preset: %v %+v", err, st.Preset)
	}
	if _, err := os.Stat(filepath.Join(home, "practice.json")); !os.IsNotExist(err) {
		t.Fatal("a preset that could not be applied was saved")
	}
	p.stop(t)

	t.Setenv("HEALTHPREP_PRESET", write(sim.FHIRBase()))
	p = serve(t, home)
	if st, err = p.client.Status(ctx); err != nil || st.Mode != "practice" || st.Practice.Name != "Riverside Family Medicine" || !st.NeedsSignIn || st.Preset != nil {
		t.Fatalf("after the preset: %v %+v", err, st)
	}
	if err := p.client.Reset(ctx, "RESET"); err != nil {
		t.Fatal(err)
	}
	p.stop(t)
	p = serve(t, home)
	if st, err = p.client.Status(ctx); err != nil || st.Mode != "demo" {
		t.Fatalf("after a reset the same preset came back: %v mode %q", err, st.Mode)
	}
}
