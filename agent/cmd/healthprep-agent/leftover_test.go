//go:build !windows

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// leftovers lists the processes, other than this test's, whose environment
// carries mark: whatever a command started and left running. A child
// inherits its parent's environment, so a dbus-daemon that dbus-launch
// starts for the agent carries the agent's mark.
func leftovers(t testing.TB, mark string) []string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/environ")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range procs {
		env, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(env, []byte(mark)) {
			continue // gone, or not ours to read
		}
		comm, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "comm"))
		out = append(out, filepath.Base(filepath.Dir(p))+" "+strings.TrimSpace(string(comm)))
	}
	return out
}

// newMark returns an environment entry that tags a command's processes.
func newMark(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	return "HEALTHPREP_TEST_MARK=" + hex.EncodeToString(b)
}

// noSessionBusEnv is the environment of a headless machine with no D-Bus
// session bus, plus mark and extra.
func noSessionBusEnv(home, mark string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") || strings.HasPrefix(kv, "HEALTHPREP_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, append([]string{"HEALTHPREP_HOME=" + home, mark}, extra...)...)
}

// Issue 13 item 2: with no session bus, 99designs/keyring's init started a
// dbus-daemon through dbus-launch in every agent run (even `version`), and
// it never exited. No agent command may leave a process behind.
func TestNoCommandLeavesAProcessBehind(t *testing.T) {
	if _, err := exec.LookPath("dbus-launch"); err != nil {
		t.Skip("dbus-launch is not installed: nothing could autolaunch a bus here")
	}
	bin := agentBinary(t)
	home := homeDir(t)
	fileKeyring := []string{"HEALTHPREP_KEYRING=file", "HEALTHPREP_KEYRING_PASSWORD=leftover-test"}
	for _, c := range []struct {
		name  string
		args  []string
		extra []string
	}{
		{"version", []string{"version"}, nil},
		{"status with the file keyring", []string{"status"}, fileKeyring},
		{"sync of the demo day with the file keyring", []string{"sync"}, fileKeyring},
		{"prep with the file keyring", []string{"prep", "--format", "json"}, fileKeyring},
		{"status with no keychain at all", []string{"status"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			mark := newMark(t)
			cmd := exec.Command(bin, c.args...)
			cmd.Env = noSessionBusEnv(home, mark, c.extra...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(c.args, " "), err, stderr.String())
			}
			if left := leftovers(t, mark); len(left) > 0 {
				for _, l := range left {
					pid, _, _ := strings.Cut(l, " ")
					if n, err := strconv.Atoi(pid); err == nil {
						syscall.Kill(n, syscall.SIGKILL) // ours: it carries this run's mark
					}
				}
				t.Fatalf("%s left %d process(es) behind: %v", strings.Join(c.args, " "), len(left), left)
			}
		})
	}
}
