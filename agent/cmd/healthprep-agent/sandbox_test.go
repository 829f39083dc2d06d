package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSandboxPrintsAWorkingFHIRBaseFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	root := newRoot()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"sandbox", "--seed", "3"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output: %v", <-done)
	}
	base := lines.Text()
	go io.Copy(io.Discard, pr)
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sandbox ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sandbox did not stop on cancel")
	}
}
