package daysync

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
)

var clinicDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

type rig struct {
	srv   *epicsim.Server
	deps  Deps
	store *store.Store
}

func newRig(t testing.TB, faults epicsim.Faults) *rig {
	t.Helper()
	now := func() time.Time { return clinicDay.Add(6*time.Hour + 30*time.Minute) }
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: now, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	key := make([]byte, 32)
	rand.Read(key)
	st, err := store.Open(context.Background(), t.TempDir(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fc := &fhir.Client{Base: srv.FHIRBase(), Tokens: staticToken(srv.MintAccessToken(epicsim.DemoClientID, time.Hour)), MaxTries: 6, MaxElapsed: 20 * time.Second}
	return &rig{srv: srv, store: st, deps: Deps{
		FHIR:     fc,
		Schedule: schedule.ProviderService{FHIR: fc, ServerBase: srv.ServerBase(), ProviderIDs: []string{"E1001", "E1002", "E1003"}},
		Store:    st,
		Now:      now,
	}}
}

func (r *rig) wantWholeDay(t *testing.T) store.Day {
	t.Helper()
	day, err := r.store.GetDay(context.Background(), "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	appts := r.srv.Practice().Appointments["2026-11-24"]
	if len(day.Appointments) != len(appts) {
		t.Fatalf("%d appointments saved, the schedule has %d", len(day.Appointments), len(appts))
	}
	for _, a := range day.Appointments {
		p := r.srv.Practice().PatientByID(a.PatientID)
		got := day.Patients[a.PatientID]
		if p == nil || got.Stale {
			t.Fatalf("patient %s missing or stale (%s)", a.PatientID, got.Problem)
		}
		// Every resource in the lookback, across every page, plus the Patient.
		if want := 1 + len(p.Resources); len(got.Resources) != want {
			t.Fatalf("patient %s: %d resources saved, the chart has %d", a.PatientID, len(got.Resources), want)
		}
	}
	return day
}

type staticToken string

func (s staticToken) Token() (*oauthToken, error) {
	return &oauthToken{AccessToken: string(s), TokenType: "Bearer"}, nil
}

func TestWholeDay(t *testing.T) {
	r := newRig(t, epicsim.Faults{})
	var events []Event
	r.deps.Progress = func(e Event) { events = append(events, e) }
	sum, err := Sync(context.Background(), r.deps, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	day := r.wantWholeDay(t)
	if day.Partial || sum.Stale != 0 || len(sum.Warnings) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	last := events[len(events)-1]
	if last.Phase != "done" || last.PatientsDone != last.PatientsTotal || last.PatientsTotal != sum.Patients {
		t.Fatalf("last event %+v", last)
	}
	t.Logf("%d appointments, %d patients, %d requests (%.1f per patient)", sum.Appointments, sum.Patients, sum.Requests, float64(sum.Requests)/float64(sum.Patients))
}

func TestFaultsEndInSuccessOrAClearErrorWithThePreviousDayIntact(t *testing.T) {
	for _, tc := range []struct {
		name    string
		faults  epicsim.Faults
		mustErr bool
	}{
		{"latency", epicsim.Faults{Latency: 20 * time.Millisecond}, false},
		{"429", epicsim.Faults{Rate429: 0.3}, false},
		{"5xx", epicsim.Faults{Rate5xx: 0.3}, false},
		{"truncated", epicsim.Faults{TruncateRate: 0.2}, false},
		{"looping next", epicsim.Faults{LoopNext: true}, false},
		{"server down", epicsim.Faults{Down: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, epicsim.Faults{})
			if _, err := Sync(context.Background(), r.deps, clinicDay); err != nil {
				t.Fatal(err)
			}
			good := r.wantWholeDay(t)
			r.srv.SetFaults(tc.faults)
			sum, err := Sync(context.Background(), r.deps, clinicDay)
			r.srv.SetFaults(epicsim.Faults{})
			if tc.mustErr && err == nil {
				t.Fatal("expected an error")
			}
			if err != nil && strings.Contains(err.Error(), "Bearer") {
				t.Fatalf("error leaks a token: %v", err)
			}
			after, gerr := r.store.GetDay(context.Background(), "2026-11-24")
			if gerr != nil {
				t.Fatalf("the day is gone after %s: %v", tc.name, gerr)
			}
			for id, p := range good.Patients {
				q := after.Patients[id]
				if len(q.Resources) < len(p.Resources) {
					t.Fatalf("%s: patient %s lost data (%d -> %d resources)", tc.name, id, len(p.Resources), len(q.Resources))
				}
			}
			t.Logf("%s: err=%v stale=%d partial=%v requests=%d", tc.name, err, sum.Stale, after.Partial, sum.Requests)
		})
	}
}

func TestCancelledSyncKeepsTheLastGoodSnapshot(t *testing.T) {
	r := newRig(t, epicsim.Faults{})
	if _, err := Sync(context.Background(), r.deps, clinicDay); err != nil {
		t.Fatal(err)
	}
	r.srv.SetFaults(epicsim.Faults{Latency: 30 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	r.deps.Progress = func(e Event) {
		if e.PatientsDone == 10 {
			cancel()
		}
	}
	if _, err := Sync(ctx, r.deps, clinicDay); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	r.wantWholeDay(t)
	part, err := r.store.GetPartial(context.Background(), "2026-11-24")
	if err != nil || !part.Partial || len(part.Patients) == 0 {
		t.Fatalf("partial result not kept: %v", err)
	}
}

func TestScheduleUnreachableChangesNothing(t *testing.T) {
	r := newRig(t, epicsim.Faults{})
	r.srv.SetFaults(epicsim.Faults{Down: true})
	if _, err := Sync(context.Background(), r.deps, clinicDay); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("err = %v", err)
	}
	if _, err := r.store.GetDay(context.Background(), "2026-11-24"); !errors.Is(err, store.ErrNoDay) {
		t.Fatalf("a failed first sync wrote something: %v", err)
	}
}

// BenchmarkSyncDay syncs a clinic day against the simulator with 150 ms of
// latency per request at the default concurrency of 6, and reports requests
// per patient, the wall time against ceil(requests/6) x 150 ms, and the peak
// RSS. Run: go test -run '^$' -bench SyncDay -benchtime 1x ./agent/daysync/
func BenchmarkSyncDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r := newRig(b, epicsim.Faults{Latency: 150 * time.Millisecond})
		b.StartTimer()
		t0 := time.Now()
		sum, err := Sync(context.Background(), r.deps, clinicDay)
		wall := time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		bound := time.Duration((sum.Requests+5)/6) * 150 * time.Millisecond
		b.ReportMetric(float64(sum.Requests)/float64(sum.Patients), "req/patient")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.Logf("%d appointments, %d patients, %d requests, wall %v, bound %v", sum.Appointments, sum.Patients, sum.Requests, wall, bound)
	}
}

// peakRSS reads VmHWM (the process's peak resident set) on Linux.
func peakRSS() int64 {
	if runtime.GOOS != "linux" {
		return 0
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
