package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/agenttest"
	"github.com/healthprep/desk/internal/epicsim"
)

// `send` as separate processes against a simulated tenant, with the real
// keychain and a Chromium sign-in: refused while sending is off (and the
// sign-in then got no write scope), then turned on in practice.json,
// signed in again, one patient, a question answered no, the whole day,
// and a refusal (exit 1 with Epic's words, nothing written).
func TestSendCommand(t *testing.T) {
	requireKeychain(t)
	chrome := agenttest.Chromium(t)
	const clientID = "hp-send-cli"
	sim, port := agenttest.Tenant(t, epicsim.Options{}, epicsim.Client{ID: clientID})
	home := homeDir(t)
	run := func(stdin string, args ...string) (string, error) {
		t.Helper()
		out, errs, err := runAgentWithInput(t, home, stdin, args...)
		return out + errs, err
	}
	writeScope := func() bool {
		for _, scopes := range sim.TokenScopes() {
			for _, sc := range scopes {
				if strings.Contains(sc, "DocumentReference.write") {
					return true
				}
			}
		}
		return false
	}
	if out, err := run("", "setup", "--fhir-base", sim.FHIRBase(), "--client-id", clientID, "--name", "Send Practice",
		"--redirect-port", strconv.Itoa(port), "--provider-ids", "E1001,E1002,E1003"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	if out, err := cliSignIn(t, chrome, home, sim); err != nil {
		t.Fatalf("signin: %v\n%s", err, out)
	}
	if writeScope() {
		t.Fatal("sending is off, yet the sign-in got a write scope")
	}
	date := lastWeekday(time.Now().AddDate(0, 0, -1)).Format(time.DateOnly)
	if out, err := run("", "sync", "--date", date); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	var mrn, patientID string
	for _, ap := range sim.Practice().Appointments[date] {
		if ap.Status == "booked" || ap.Status == "arrived" || ap.Status == "fulfilled" || ap.Status == "checked-in" {
			for _, p := range sim.Practice().Patients {
				if p.ID == ap.PatientID && p.MRN != "" {
					mrn, patientID = p.MRN, p.ID
				}
			}
		}
		if mrn != "" {
			break
		}
	}
	if mrn == "" {
		t.Fatalf("no visit with an MRN on %s", date)
	}
	out, err := run("", "send", "--date", date, "--patient", mrn, "--yes")
	if err == nil || !strings.Contains(out, "off for this practice") {
		t.Fatalf("send with sending off: %v\n%s", err, out)
	}

	// On, in practice.json; then sign in again so Epic grants the write.
	path := filepath.Join(home, "practice.json")
	var p map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	p["send"] = map[string]any{"enabled": true}
	b, _ = json.Marshal(p)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run("", "send", "--date", date, "--patient", mrn, "--yes"); err == nil || !strings.Contains(out, "Sign in to Epic again") {
		t.Fatalf("send before signing in again: %v\n%s", err, out)
	}
	if out, err := cliSignIn(t, chrome, home, sim); err != nil || !writeScope() {
		t.Fatalf("signin with sending on: %v (write scope %v)\n%s", err, writeScope(), out)
	}

	out, err = run("", "send", "--date", date, "--patient", mrn, "--yes")
	if err != nil || !strings.Contains(out, "sent ") || !strings.Contains(out, "1 of 1 sent; 1 notes sent today (limit 100)") || len(sim.Notes(patientID)) != 1 {
		t.Fatalf("send one: %v\n%s", err, out)
	}
	// Asked and answered no: nothing is sent.
	out, err = run("n\n", "send", "--date", date)
	if err == nil || !strings.Contains(out, "to Epic? This writes into the medical record") || !strings.Contains(out, "nothing was sent") || sim.NoteCount() != 1 {
		t.Fatalf("answered no: %v\n%s", err, out)
	}
	out, err = run("y\n", "send", "--date", date)
	if err != nil || !strings.Contains(out, "replacing") {
		t.Fatalf("send the day: %v\n%s", err, out)
	}
	day := sim.NoteCount()
	if day < 10 || len(sim.Notes(patientID)) != 2 {
		t.Fatalf("after the day: %d notes, %d for the first patient", day, len(sim.Notes(patientID)))
	}
	sim.SetWriteFault(epicsim.WriteConflict, 0)
	out, err = run("", "send", "--date", date, "--patient", mrn, "--yes")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "not sent") || !strings.Contains(out, "chart was being changed") || sim.NoteCount() != day {
		t.Fatalf("a refused send: %v\n%s", err, out)
	}
}
