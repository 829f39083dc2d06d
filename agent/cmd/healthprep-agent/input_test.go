package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// exitCode is a finished command's exit status (0 for success).
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatalf("the command did not run: %v", err)
	}
	return ee.ExitCode()
}

// Bad flags exit 2 with what to type instead, before anything is done.
func TestBadInputExitsTwoFirst(t *testing.T) {
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	home := homeDir(t)

	_, stderr, err := runAgent(t, home, "prep", "--format", "xml")
	if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, "text, json, csv, html") {
		t.Fatalf("prep --format xml: exit %d, %q; want 2 listing the formats", code, stderr)
	}
	_, stderr, err = runAgent(t, home, "prep", "--format", "csv", "--patient", "1001")
	if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, "text, json, html") {
		t.Fatalf("prep --format csv --patient: exit %d, %q; want 2 (csv is for the day list)", code, stderr)
	}

	_, stderr, err = runAgent(t, home, "sync", "--date", "1900-01-01")
	if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, "choose a day from") || !strings.Contains(stderr, "days ahead") {
		t.Fatalf("sync --date 1900-01-01: exit %d, %q; want 2 saying which days can be fetched", code, stderr)
	}
	_, stderr, err = runAgent(t, home, "sync", "--date", "24/11/2026")
	if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, "2026-11-24") {
		t.Fatalf("sync --date 24/11/2026: exit %d, %q", code, stderr)
	}

	// An unknown schedule source is refused before Epic is asked anything.
	var asked atomic.Int32
	epic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.NotFound(w, r)
	}))
	defer epic.Close()
	_, stderr, err = runAgent(t, home, "setup", "--fhir-base", epic.URL+"/api/FHIR/R4", "--client-id", "abc", "--schedule", "bogus")
	if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, "provider-service, fhir-appointments or file") {
		t.Fatalf("setup --schedule bogus: exit %d, %q", code, stderr)
	}
	if n := asked.Load(); n != 0 {
		t.Fatalf("setup --schedule bogus asked the server %d times before refusing the flag", n)
	}
}
