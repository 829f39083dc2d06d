package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// The report: a schedule file of ~95,000 rows (kept by an older
// version, before import refused such files) made every sync fail with
// Badger's "Value with size ... Value:" and a hex dump holding a patient's
// name and FHIR id, on stderr, in status and in the audit. No error, log
// line, audit entry, status or progress message of such a sync may hold a
// name or FHIR id of the file's patients.
func TestFailedSyncErrorsCarryNoPatientData(t *testing.T) {
	ctx := context.Background()
	var logs syncBuf
	a, sim, _ := openSignedInLogged(t, ScheduleSource{Kind: "file"}, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	pts := sim.Practice().Patients[:40]
	var needles []string
	var b strings.Builder
	b.WriteString("Appt Time,Provider,FHIR ID,Last Name,First Name,Visit Type\n")
	for i := 0; i < 95_000; i++ {
		pt := pts[i%len(pts)]
		fmt.Fprintf(&b, "%02d:%02d,Park,%s,%s,%s,Follow-Up\n", 8+i/60%9, i%60, pt.ID, pt.Family, pt.Given)
	}
	for _, pt := range pts {
		needles = append(needles, pt.ID, pt.Family+" ", " "+pt.Family, pt.MRN)
	}
	date := a.today()
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(ctx, scheduleFileName, []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFile(ctx, scheduleDateName, []byte(date)); err != nil {
		t.Fatal(err)
	}

	evCtx, stopEvents := context.WithCancel(ctx)
	events, _ := a.SyncEvents(evCtx)
	var seen []string
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ev := range events {
			seen = append(seen, ev.Message)
			if ev.Phase == "failed" || ev.Phase == "done" {
				return
			}
		}
	}()
	_, syncErr := a.Sync(ctx, api.SyncRequest{Date: date})
	if syncErr == nil {
		t.Fatal("a sync of a 95,000-appointment day succeeded; it must be refused")
	}
	<-collected
	stopEvents()
	status, err := a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := a.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if status.LastSync == nil || status.LastSync.Error == "" {
		t.Fatalf("status does not say the sync failed: %+v", status.LastSync)
	}
	statusJSON, _ := json.Marshal(status)
	auditJSON, _ := json.Marshal(audit)
	for where, text := range map[string]string{
		"the sync's error": syncErr.Error(), "status": string(statusJSON), "the audit": string(auditJSON),
		"the log": logs.String(), "progress": strings.Join(seen, "\n"),
	} {
		for _, n := range append(needles, "Value:", "00000000 ") {
			if strings.Contains(text, n) {
				t.Errorf("%s holds %q: %.300s", where, n, text)
			}
		}
	}
	if !strings.Contains(syncErr.Error(), "at most") {
		t.Errorf("the error does not say the limit: %v", syncErr)
	}
}

// syncBuf is a log sink safe for the agent's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
