package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
)

// These tests run the real agent binary (`serve`) on a private data
// directory and drive it through its Unix socket, as the app does.

var (
	buildOnce sync.Once
	agentBin  string
	buildErr  error
)

// agentBinary builds healthprep-agent once per test run.
func agentBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hp-bin")
		if err != nil {
			buildErr = err
			return
		}
		agentBin = filepath.Join(dir, "healthprep-agent")
		out, err := exec.Command("go", "build", "-o", agentBin, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			agentBin = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building the agent: %v\n%s", buildErr, agentBin)
	}
	return agentBin
}

// homeDir is a private data directory with a path short enough for a socket.
func homeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "hp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

type agentProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	client *api.Client
	exited chan struct{}
}

// stop ends the agent (SIGTERM) and waits for it.
func (p *agentProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("the agent did not stop on SIGTERM within 10 s")
	}
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runAgent runs a healthprep-agent command with home as its data directory.
func runAgent(t *testing.T, home string, args ...string) (string, string, error) {
	t.Helper()
	return runAgentWithInput(t, home, "", args...)
}

// runAgentWithInput is runAgent with stdin (a secret, an answer).
func runAgentWithInput(t *testing.T, home, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(agentBinary(t), args...)
	cmd.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// serve starts `healthprep-agent serve` and waits until its API answers.
// The agent is stopped (SIGTERM, then SIGKILL) when the test ends.
func serve(t *testing.T, home string, args ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(agentBinary(t), append([]string{"serve", "-v"}, args...)...)
	cmd.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
	p := &agentProc{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := p.exited
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("the agent did not stop on SIGTERM within 10 s")
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", p.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("the agent exited at start:\n%s", p.stderr.String())
		default:
		}
		if hc, err := localapi.HTTPClient(home); err == nil {
			c := api.NewClient(hc)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := c.Status(ctx)
			cancel()
			if err == nil {
				p.client = c
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the agent's API did not answer within 30 s:\n%s", p.stderr.String())
	return nil
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastWeekday is the most recent Monday-to-Friday on or before t: the
// simulated practice has clinic days on weekdays only.
func lastWeekday(t time.Time) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

func TestServeDemoThroughTheSocket(t *testing.T) {
	ctx := context.Background()
	home := homeDir(t)
	p := serve(t, home)

	// Only this user may reach the agent: the socket is 0600 in a 0700 dir.
	fi, err := os.Stat(localapi.SocketPath(home))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a 0600 socket", fi.Mode())
	}

	// A second agent for the same user is refused, clearly, and exits 0 so
	// login items (systemd, launchd) do not keep retrying it.
	_, stderr, err := runAgent(t, home, "serve")
	if err != nil || !strings.Contains(stderr, "already running") {
		t.Fatalf("a second agent: err=%v stderr=%q, want exit 0 saying it is already running", err, stderr)
	}

	st, err := p.client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != "demo" {
		t.Fatalf("an unconfigured install runs mode %q, want demo", st.Mode)
	}
	// The agent syncs today on its first start.
	waitFor(t, 30*time.Second, "the first sync of today", func() bool {
		st, err := p.client.Status(ctx)
		return err == nil && !st.Syncing && len(st.Days) > 0 && st.Days[0] == st.Today
	})

	date := lastWeekday(time.Now()).Format(time.DateOnly)
	sum, err := p.client.Sync(ctx, api.SyncRequest{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appointments < 40 || sum.Patients == 0 || sum.Partial {
		t.Fatalf("sync of %s: %+v, want a whole day of 40+ appointments", date, sum)
	}
	day, err := p.client.Day(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	if len(day.Rows) != sum.Appointments {
		t.Fatalf("day list has %d rows, the sync found %d appointments", len(day.Rows), sum.Appointments)
	}
	sheet, err := p.client.Sheet(ctx, date, day.Rows[0].AppointmentID)
	if err != nil || len(sheet.Results) == 0 {
		t.Fatalf("prep sheet: %v, %d results", err, len(sheet.Results))
	}
	// The quality-measure view comes with the sheet (every adult is in
	// some measure: tobacco, BMI, blood pressure).
	if len(sheet.Measures) == 0 || sheet.Measures[0].Year == 0 || sheet.Measures[0].Reason == "" {
		t.Fatalf("prep sheet has no quality-measure view: %+v", sheet.Measures)
	}

	// The CLI reaches the running agent through the socket too.
	out, stderr, err := runAgent(t, home, "status", "--json")
	if err != nil {
		t.Fatalf("status --json: %v %s", err, stderr)
	}
	var cli api.Status
	if err := json.Unmarshal([]byte(out), &cli); err != nil || cli.Mode != "demo" || cli.LastSync == nil {
		t.Fatalf("status --json: %v %+v", err, cli)
	}
	out, stderr, err = runAgent(t, home, "prep", "--date", date, "--format", "csv")
	if err != nil {
		t.Fatalf("prep: %v %s", err, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != len(day.Rows)+1 {
		t.Fatalf("prep csv: %v, %d lines for %d rows", err, len(recs), len(day.Rows))
	}

	// The audit log (in the encrypted cache) has the syncs and the sheet view.
	audit, err := p.client.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range audit {
		seen[e.Event]++
	}
	if seen["sync"] < 2 || seen["sheet.viewed"] != 1 {
		t.Fatalf("audit events %v, want 2+ syncs and 1 sheet view", seen)
	}

	// stop ends the agent and its socket.
	if out, stderr, err := runAgent(t, home, "stop"); err != nil || !strings.Contains(out, "The agent stopped.") {
		t.Fatalf("stop: %v %q %q", err, out, stderr)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent was still running 10 s after stop")
	}
	if out, _, err := runAgent(t, home, "stop"); err != nil || !strings.Contains(out, "not running") {
		t.Fatalf("stop with no agent: %v %q", err, out)
	}
}

func TestScheduledMorningSyncFires(t *testing.T) {
	ctx := context.Background()
	home := homeDir(t)
	// Start the agent's clock five seconds before 06:30 on a weekday.
	d := lastWeekday(time.Now())
	start := time.Date(d.Year(), d.Month(), d.Day(), 6, 29, 55, 0, time.Local)
	p := serve(t, home, "--clock", start.Format(time.RFC3339))
	morning := time.Date(d.Year(), d.Month(), d.Day(), 6, 30, 0, 0, time.Local)
	// The first sync (today is not cached yet) runs at start, before 06:30;
	// the planned one must follow it, at 06:30.
	waitFor(t, 40*time.Second, "the 06:30 sync", func() bool {
		audit, err := p.client.Audit(ctx, time.Time{})
		if err != nil {
			return false
		}
		var ends []time.Time
		for _, e := range audit {
			if e.Event == "sync" && e.Fields["date"] == d.Format(time.DateOnly) && e.Fields["error"] == "" {
				ends = append(ends, e.At)
			}
		}
		return len(ends) >= 2 && !ends[len(ends)-1].Before(morning)
	})
	st, err := p.client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.NextSync == nil || !st.NextSync.After(morning) {
		t.Fatalf("after the 06:30 sync the next one is %v, want after 06:30", st.NextSync)
	}
}
