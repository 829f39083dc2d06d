package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
	"github.com/healthprep/desk/internal/epicsim"
)

// BenchmarkServeRSS measures a signed-in practice's `serve` process: its
// resident memory once idle after the first day view, and again once idle
// after a sync of that day (and the reading of its documents), with the
// peak (VmHWM) over both. Goal: under 40 MiB after each. The cache holds
// the demo's whole synced clinic day. Run it where the keychain is:
//
//	build/scripts/with-keyring go test -run '^$' -bench ServeRSS -benchtime 1x -count 3 ./agent/cmd/healthprep-agent/
func BenchmarkServeRSS(b *testing.B) {
	home, date, sim := benchPracticeSim(b)
	p, err := agent.LoadPractice(home)
	if err != nil {
		b.Fatal(err)
	}
	// Sign-in's loopback redirect on a free port: the default one may be
	// taken on a shared machine.
	p.RedirectPort = freePortB(b)
	sim.AddClient(epicsim.Client{ID: epicsim.DemoClientID, RedirectURIs: []string{"http://127.0.0.1:" + strconv.Itoa(p.RedirectPort) + "/callback"}})
	p.Schedule = agent.ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}}
	if err := agent.SavePractice(home, p); err != nil {
		b.Fatal(err)
	}
	var logs bytes.Buffer
	chaosSignIn(b, home, &logs)
	bin := agentBinary(b)
	day := date.Format(time.DateOnly)
	for b.Loop() {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		c := waitForAgent(b, ctx, home)
		idle := func() {
			// The start-up sync of today, if any, and the reading after a sync.
			for {
				st, err := c.Status(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if !st.Syncing {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(3 * time.Second) // idle: the request's garbage collected and returned
		}
		if d, err := c.Day(ctx, day); err != nil || len(d.Rows) < 40 {
			b.Fatalf("day view: %d rows, %v", len(d.Rows), err)
		}
		idle()
		afterDay := rssField(b, cmd.Process.Pid, "VmRSS:")
		events, err := c.SyncEvents(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Sync(ctx, api.SyncRequest{Date: day, Full: true}); err != nil {
			b.Fatalf("sync: %v\n%s", err, logs.String())
		}
		for ev := range events { // the documents' reading ends the sync's work
			if ev.Date == day && (ev.Phase == api.PhaseRead || ev.Phase == api.PhaseFailed) {
				break
			}
		}
		idle()
		if d, err := c.Day(ctx, day); err != nil || len(d.Rows) < 40 {
			b.Fatalf("day view after the sync: %d rows, %v", len(d.Rows), err)
		}
		idle()
		afterSync := rssField(b, cmd.Process.Pid, "VmRSS:")
		syncAnon, syncFile := rssField(b, cmd.Process.Pid, "RssAnon:"), rssField(b, cmd.Process.Pid, "RssFile:")
		peak := rssField(b, cmd.Process.Pid, "VmHWM:")
		cancel()
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		b.ReportMetric(float64(afterDay)/1024, "day-RSS-MiB")
		b.ReportMetric(float64(afterSync)/1024, "sync-RSS-MiB")
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		b.ReportMetric(float64(syncAnon)/1024, "sync-anon-MiB")
		b.ReportMetric(float64(syncFile)/1024, "sync-file-MiB")
	}
}

func freePortB(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitForAgent waits for a starting agent's local API.
func waitForAgent(b *testing.B, ctx context.Context, home string) *api.Client {
	for {
		if hc, err := localapi.HTTPClient(home); err == nil {
			c := api.NewClient(hc)
			if _, err := c.Status(ctx); err == nil {
				return c
			}
		}
		if ctx.Err() != nil {
			b.Fatal("the agent's API did not answer")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rssField reads one kB field (VmRSS:, VmHWM:) of a process's status.
func rssField(b *testing.B, pid int, field string) int {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	b.Fatalf("no %s", field)
	return 0
}
