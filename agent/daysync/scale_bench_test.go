package daysync

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
)

// BenchmarkSyncScale is the scale table of the README: a first (full) sync
// of a day of 55, 200 and 600 appointments (about 18 per provider), with
// each chart's history as generated (1x) and four times over (4x: every
// observation, encounter and document four times), against the simulator
// in another process at 50 ms per request (DAYSYNC_BENCH_LATENCY changes
// it), at the default concurrency (DAYSYNC_BENCH_CONCURRENCY changes the
// patients fetched at once; requests on the wire stay at 6). It reports
// requests, wall time, its ratio to the latency bound ceil(requests/6) x
// latency, and this process's peak RSS during the sync.
//
//	go test -run '^$' -bench SyncScale -benchtime 1x -count 3 -timeout 60m ./agent/daysync/
func BenchmarkSyncScale(b *testing.B) {
	latency := 50 * time.Millisecond
	if v, err := time.ParseDuration(os.Getenv("DAYSYNC_BENCH_LATENCY")); err == nil {
		latency = v
	}
	concurrency, _ := strconv.Atoi(os.Getenv("DAYSYNC_BENCH_CONCURRENCY"))
	for _, appts := range []int{55, 200, 600} {
		for _, history := range []int{1, 4} {
			b.Run(fmt.Sprintf("appointments=%d/history=%dx", appts, history), func(b *testing.B) {
				providers := (appts + 17) / 18
				scale := fmt.Sprintf("DAYSYNC_SCALE=%d,%d,%d", appts, providers, history)
				if appts == 55 {
					scale = fmt.Sprintf("DAYSYNC_SCALE=0,0,%d", history) // the demo's own day
					providers = 3
				}
				fhirBase, serverBase, token := startSim(b, latency, scale)
				var ids []string
				for i := 1; i <= providers; i++ {
					ids = append(ids, fmt.Sprintf("E%d", 1000+i))
				}
				for i := 0; i < b.N; i++ {
					st, err := store.Open(context.Background(), b.TempDir(), crashKey, nil)
					if err != nil {
						b.Fatal(err)
					}
					// Production defaults; the transport only notes when each
					// request is on the wire.
					tr := &slotTrace{next: http.DefaultTransport}
					fc := &fhir.Client{Base: fhirBase, Tokens: staticToken(token), HTTP: &http.Client{Transport: tr}}
					d := Deps{
						FHIR:        fc,
						Schedule:    schedule.ProviderService{FHIR: fc, ServerBase: serverBase, ProviderIDs: ids},
						Store:       st,
						Concurrency: concurrency,
						Now:         func() time.Time { return clinicDay.Add(6*time.Hour + 30*time.Minute) },
					}
					// Start the peak RSS count afresh (Linux: "5" resets VmHWM),
					// with the heap of the rows before handed back first, so
					// each row's peak is its own sync's.
					debug.FreeOSMemory()
					os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
					b.StartTimer()
					t0 := time.Now()
					sum, err := Sync(context.Background(), d, clinicDay)
					wall := time.Since(t0)
					b.StopTimer()
					rss := peakRSS()
					st.Close()
					if err != nil {
						b.Fatal(err)
					}
					bound := time.Duration((sum.Requests+5)/6) * latency
					b.ReportMetric(float64(sum.Requests), "requests")
					b.ReportMetric(wall.Seconds(), "wall-s")
					b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
					b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
					// Where the wire's 6 slots sat idle, in rounds of all 6.
					head, middle, tail := tr.idle(t0, t0.Add(wall), 6)
					round := float64(6 * latency)
					b.ReportMetric(float64(head)/round, "idle-head-rounds")
					b.ReportMetric(float64(middle)/round, "idle-mid-rounds")
					b.ReportMetric(float64(tail)/round, "idle-tail-rounds")
					b.ReportMetric(float64(tr.newConns), "new-conns")
					b.Logf("%d appointments, %d patients, %d requests, wall %v, bound %v", sum.Appointments, sum.Patients, sum.Requests, wall.Round(time.Millisecond), bound)
				}
			})
		}
	}
}
