package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/internal/epicsim"
)

// runSandbox runs `sandbox args...` in this process and returns the FHIR
// base it printed first; stop ends it and returns how it ended.
func runSandbox(t *testing.T, args ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	root := newRoot()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs(append([]string{"sandbox"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("no output: %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			return errors.New("sandbox did not stop on cancel")
		}
	})
	t.Cleanup(func() { stop() })
	return lines.Text(), stop
}

func TestSandboxPrintsAWorkingFHIRBaseFirst(t *testing.T) {
	base, stop := runSandbox(t, "--seed", "3")
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/api/FHIR/R4") {
		t.Fatalf("first line %q is not a loopback FHIR base", base)
	}
	resp, err := http.Get(base + "/.well-known/smart-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if cfg["authorization_endpoint"] == nil {
		t.Fatalf("discovery: %v", cfg)
	}
	if err := stop(); err != nil {
		t.Fatalf("sandbox ended with %v", err)
	}
}

// Every simulator fault and id_token knob can be switched on from the
// sandbox's flags.
func TestSandboxFlagsSwitchOnEveryFault(t *testing.T) {
	var c sandboxConfig
	cmd := &cobra.Command{Use: "sandbox"}
	c.bind(cmd)
	err := cmd.ParseFlags([]string{
		"--addr", "127.0.0.1:8090", "--seed", "7", "--allow-provider-appointment-search",
		"--latency", "150ms", "--rate-429", "0.3", "--retry-after", "2s", "--rate-5xx", "0.2",
		"--truncate-rate", "0.1", "--loop-next", "--outage", "--token-down", "--ignore-last-updated",
		"--id-token-issuer", "https://impostor.example/oauth2", "--id-token-audience", "another-app",
		"--id-token-nonce", "n0", "--id-token-expired", "--id-token-foreign-key",
		"--no-registration", "--refuse-registration", "--no-pkce-s256", "--rotate-refresh",
		"--write-fault", "dropped", "--write-fault-times", "2",
		"--patients", "900", "--providers", "12", "--appointments-per-day", "200", "--history", "4",
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFaults := epicsim.Faults{Latency: 150 * time.Millisecond, Rate429: 0.3, RetryAfter: 2 * time.Second, Rate5xx: 0.2,
		TruncateRate: 0.1, LoopNext: true, Down: true, TokenDown: true, IgnoreLastUpdated: true}
	wantKnobs := epicsim.Knobs{IDTokenIssuer: "https://impostor.example/oauth2", IDTokenAudience: "another-app", IDTokenNonce: "n0",
		IDTokenExpired: true, IDTokenForeignKey: true, NoRegistration: true, RefuseRegistration: true, NoPKCES256: true, RotateRefresh: true}
	if c.faults != wantFaults {
		t.Errorf("faults %+v\nwant   %+v", c.faults, wantFaults)
	}
	if c.knobs != wantKnobs {
		t.Errorf("knobs %+v\nwant  %+v", c.knobs, wantKnobs)
	}
	if wf, err := c.checkWriteFault(); wf != epicsim.WriteDropped || err != nil || c.writeTimes != 2 {
		t.Errorf("write fault %q %v, %d times", wf, err, c.writeTimes)
	}
	if c.opts.Addr != "127.0.0.1:8090" || c.opts.Seed != 7 || !c.opts.AllowProviderAppointmentSearch {
		t.Errorf("options %+v", c.opts)
	}
	wantScale := epicsim.Scale{Patients: 900, Providers: 12, AppointmentsPerDay: 200, History: 4}
	if c.opts.Scale != wantScale {
		t.Errorf("scale %+v\nwant  %+v", c.opts.Scale, wantScale)
	}
	// Each field of Faults, Knobs and Scale has a flag: a new one without one fails here.
	for _, v := range []any{wantFaults, wantKnobs, wantScale} {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if rv.Field(i).IsZero() {
				t.Errorf("%s.%s has no flag in this test", rv.Type().Name(), rv.Type().Field(i).Name)
			}
		}
	}
}

// The flags reach the running tenant: with --token-down its token
// endpoint hangs up, while discovery answers.
func TestSandboxFlagsReachTheTenant(t *testing.T) {
	base, _ := runSandbox(t, "--token-down")
	oauth := strings.Replace(base, "/api/FHIR/R4", "/oauth2/token", 1)
	if resp, err := http.PostForm(oauth, nil); err == nil {
		resp.Body.Close()
		t.Fatalf("the token endpoint answered %d with --token-down", resp.StatusCode)
	}
	if resp, err := http.Get(base + "/.well-known/smart-configuration"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: %v", err)
	}
}
