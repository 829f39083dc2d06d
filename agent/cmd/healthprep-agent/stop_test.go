package main

import (
	"strings"
	"testing"
)

// Issue 13 item 9: `stop` returns when the agent's process has exited, so
// the cache is free: a command run at once opens it, never "busy".
func TestStopReturnsWhenTheAgentHasExited(t *testing.T) {
	home := homeDir(t)
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "stop-test")
	for round := range 2 {
		p := serve(t, home) // the start-up sync of today is under way: stop stops it
		pid := p.cmd.Process.Pid
		out, stderr, err := runAgent(t, home, "stop")
		if err != nil || !strings.Contains(out, "The agent stopped.") {
			t.Fatalf("round %d: stop: %v %q %q", round, err, out, stderr)
		}
		if !processExited(pid) {
			t.Fatalf("round %d: stop returned while the agent (pid %d) still ran", round, pid)
		}
		// The cache is free at once: a sync on the data directory runs.
		if out, stderr, err := runAgent(t, home, "sync"); err != nil {
			t.Fatalf("round %d: sync right after stop: %v\n%s\n%s", round, err, out, stderr)
		}
	}
}
