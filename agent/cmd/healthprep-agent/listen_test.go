package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tcpListeners lists the TCP sockets in LISTEN state that process pid holds
// open, as "local-address" strings from /proc/<pid>/net/tcp{,6}.
func tcpListeners(t *testing.T, pid int) []string {
	t.Helper()
	proc := "/proc/" + strconv.Itoa(pid)
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(proc, "fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(proc + "/net/" + table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			if len(f) >= 10 && f[3] == "0A" && inodes[f[9]] {
				out = append(out, table+" "+f[1])
			}
		}
	}
	return out
}

// Issue 13 item 14: with no practice, `serve` runs the demo tenant in
// process: through its sync it listens on nothing but its socket.
func TestDemoServeListensOnNoTCPPort(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("no /proc/self/net/tcp on this system")
	}
	home := homeDir(t)
	p := serve(t, home)
	ctx := context.Background()
	waitFor(t, 60*time.Second, "the demo's first sync of today", func() bool {
		st, err := p.client.Status(ctx)
		return err == nil && !st.Syncing && len(st.Days) > 0 && st.Days[0] == st.Today
	})
	if st, err := p.client.Status(ctx); err != nil || st.LastSync == nil || st.LastSync.Error != "" {
		t.Fatalf("the demo's sync failed: %v %+v", err, st.LastSync)
	}
	if l := tcpListeners(t, p.cmd.Process.Pid); len(l) > 0 {
		t.Fatalf("the demo agent listens on TCP: %v", l)
	}
}
