package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/daysync"
	"github.com/healthprep/desk/agent/localapi"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/keychain"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
	"golang.org/x/oauth2"
)

// benchPractice makes a practice in a fresh data directory whose cache
// holds the demo's whole synced clinic day, against a simulator that lives
// as long as the benchmark.
func benchPractice(b *testing.B) (home string, date time.Time) {
	home, date, _ = benchPracticeSim(b)
	return home, date
}

// benchPracticeSim is benchPractice with its simulator.
func benchPracticeSim(b *testing.B) (home string, date time.Time, sim *epicsim.Server) {
	b.Helper()
	sim, err := epicsim.Start(context.Background(), epicsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sim.Close() })
	home, err = os.MkdirTemp("/tmp", "hpb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(home) })
	os.Chmod(home, 0o700)
	p := agent.Practice{Name: "Bench", FHIRBase: sim.FHIRBase(), ClientID: epicsim.DemoClientID}
	if err := agent.SavePractice(home, p); err != nil {
		b.Fatal(err)
	}
	date = lastWeekday(time.Now())
	fillCache(b, sim, home, p, date)
	return home, date, sim
}

// BenchmarkServeToFirstDay measures a practice's agent from process start
// to the first day list served from its cache (goal under 120 ms), and
// its resident memory once idle (BenchmarkServeRSS has the goal). The
// cache holds a whole synced clinic day. Run it where the keychain is (the Secret
// Service, as at a practice):
//
//	build/scripts/with-keyring go test -run '^$' -bench ServeToFirstDay -benchtime 10x ./agent/cmd/healthprep-agent/
func BenchmarkServeToFirstDay(b *testing.B) {
	home, date := benchPractice(b)

	bin := agentBinary(b)
	var total, cpu time.Duration // wall, and the processes' CPU (user + system)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "HEALTHPREP_HOME="+home)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var rows int
		for deadline := time.Now().Add(20 * time.Second); ; {
			if hc, err := localapi.HTTPClient(home); err == nil {
				if d, err := api.NewClient(hc).Day(context.Background(), date.Format(time.DateOnly)); err == nil {
					rows = len(d.Rows)
					break
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				b.Fatal("no day list within 20 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		if rows < 40 {
			b.Fatalf("the cached day has %d rows", rows)
		}
		if i == 0 {
			time.Sleep(3 * time.Second) // idle: the first request's garbage collected
			b.ReportMetric(float64(rssKB(b, cmd.Process.Pid))/1024, "idle-RSS-MB")
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start-to-day")
	// CPU from start to exit (the first process also idles 3 s): waiting
	// for a core on a busy machine does not inflate it as it does wall time.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/start")
}

// fillCache syncs date into the practice's cache the way the agent does.
func fillCache(b *testing.B, sim *epicsim.Server, home string, p agent.Practice, date time.Time) {
	ctx := context.Background()
	kc, err := keychain.Open(ctx, p.ID(), keychain.OptionsFromEnv(home))
	if err != nil {
		b.Fatalf("keychain (run under build/scripts/with-keyring): %v", err)
	}
	key, err := kc.CacheKey(ctx)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(home, "cache"), key, nil) // the agent's cache directory
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fc := &fhir.Client{Base: sim.FHIRBase(), Tokens: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sim.MintAccessToken(epicsim.DemoClientID, time.Hour), TokenType: "Bearer"})}
	src := schedule.ProviderService{FHIR: fc, ServerBase: sim.ServerBase(), ProviderIDs: []string{"E1001", "E1002", "E1003"}}
	if _, err := daysync.Sync(ctx, daysync.Deps{FHIR: fc, Schedule: src, Store: st}, date); err != nil {
		b.Fatal(err)
	}
}

// rssKB reads a process's resident set size.
func rssKB(b *testing.B, pid int) int {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
