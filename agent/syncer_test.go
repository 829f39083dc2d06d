package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// newTestSyncer is a syncer that tells the test of each caller waiting
// for a sync it did not start (on waiting).
func newTestSyncer(t *testing.T) (*syncer, <-chan string) {
	t.Helper()
	s := newSyncer(context.Background(), time.Now, slog.New(slog.DiscardHandler))
	waiting := make(chan string, 8)
	s.waits = func(date string) { waiting <- date }
	t.Cleanup(s.close)
	return s, waiting
}

// blockedSync is a sync's work that says when it starts and ends when
// released (or its context ends).
type blockedSync struct {
	started, release chan struct{}
	calls            atomic.Int32
	ended            atomic.Bool // its work returned
	sum              api.SyncSummary
}

func newBlockedSync(appointments int) *blockedSync {
	return &blockedSync{started: make(chan struct{}, 8), release: make(chan struct{}), sum: api.SyncSummary{Appointments: appointments}}
}

func (b *blockedSync) work(ctx context.Context) (api.SyncSummary, error) {
	b.calls.Add(1)
	defer b.ended.Store(true)
	b.started <- struct{}{}
	select {
	case <-b.release:
		return b.sum, nil
	case <-ctx.Done():
		return api.SyncSummary{}, ctx.Err()
	}
}

type syncOutcome struct {
	sum api.SyncSummary
	ran bool
	err error
}

func runAsync(s *syncer, ctx context.Context, date string, work func(context.Context) (api.SyncSummary, error)) <-chan syncOutcome {
	out := make(chan syncOutcome, 1)
	go func() {
		sum, ran, err := s.run(ctx, date, work)
		out <- syncOutcome{sum, ran, err}
	}()
	return out
}

// Asking for the day being fetched joins that sync: one fetch, one answer.
func TestSyncerSameDayJoinsTheRunningSync(t *testing.T) {
	s, waiting := newTestSyncer(t)
	b := newBlockedSync(7)
	first := runAsync(s, context.Background(), "2026-11-24", b.work)
	<-b.started
	if !s.syncing() {
		t.Fatal("no sync under way while its work runs")
	}
	second := runAsync(s, context.Background(), "2026-11-24", b.work)
	select {
	case <-waiting:
	case <-b.started:
		t.Fatal("the day is fetched a second time")
	case o := <-second:
		t.Fatalf("answered before the sync ended: %+v", o)
	}
	close(b.release)
	for _, ch := range []<-chan syncOutcome{first, second} {
		if o := <-ch; !o.ran || o.err != nil || o.sum.Appointments != 7 {
			t.Fatalf("outcome %+v", o)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("the day was fetched %d times", n)
	}
}

// A person asking for another day while a sync runs is never refused
// "busy": the call waits for the running sync and is told to ask again,
// and the two syncs never overlap.
func TestSyncerAnotherDayWaitsNeverBusy(t *testing.T) {
	s, waiting := newTestSyncer(t)
	today := newBlockedSync(3)
	first := runAsync(s, context.Background(), "2026-11-24", today.work)
	<-today.started
	var overlapped atomic.Bool
	friday := func(ctx context.Context) (api.SyncSummary, error) {
		if !today.ended.Load() {
			overlapped.Store(true)
		}
		return api.SyncSummary{Appointments: 5}, nil
	}
	asked := runAsync(s, context.Background(), "2026-11-27", friday)
	select {
	case d := <-waiting:
		if d != "2026-11-27" {
			t.Fatalf("%s waits", d)
		}
	case o := <-asked:
		t.Fatalf("answered while another day's sync ran: %+v", o)
	}
	close(today.release)
	o := <-asked
	if o.ran || o.err != nil {
		t.Fatalf("another day while a sync ran: %+v, want a wait and no error", o)
	}
	o.sum, o.ran, o.err = s.run(context.Background(), "2026-11-27", friday) // ask again, as Agent.Sync does
	if !o.ran || o.err != nil || o.sum.Appointments != 5 || overlapped.Load() {
		t.Fatalf("the queued day: %+v, overlapped %v", o, overlapped.Load())
	}
	if o := <-first; o.err != nil || o.sum.Appointments != 3 {
		t.Fatalf("the running sync: %+v", o)
	}
}

// The caller going away (the window closed) leaves the sync running; it
// ends on its own and close waits for it.
func TestSyncerCallerLeavingKeepsTheSync(t *testing.T) {
	s, waiting := newTestSyncer(t)
	b := newBlockedSync(4)
	ctx, cancel := context.WithCancel(context.Background())
	out := runAsync(s, ctx, "2026-11-24", b.work)
	<-b.started
	cancel()
	if o := <-out; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("the caller's wait: %+v", o)
	}
	if !s.syncing() {
		t.Fatal("the sync stopped with its caller")
	}
	joined := runAsync(s, context.Background(), "2026-11-24", b.work)
	<-waiting
	close(b.release)
	if o := <-joined; o.err != nil || o.sum.Appointments != 4 {
		t.Fatalf("joining the sync left running: %+v", o)
	}
	s.close()
	if s.syncing() {
		t.Fatal("a sync under way after close")
	}
}

// CancelSync stops the sync under way; with none it says so.
func TestSyncerCancel(t *testing.T) {
	s, _ := newTestSyncer(t)
	if err := s.cancel(); !api.IsKind(err, api.KindNotFound) {
		t.Fatalf("cancel with no sync: %v", err)
	}
	b := newBlockedSync(1)
	out := runAsync(s, context.Background(), "2026-11-24", b.work)
	<-b.started
	if err := s.cancel(); err != nil {
		t.Fatal(err)
	}
	if o := <-out; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("a cancelled sync: %+v", o)
	}
}

// Closing stops the sync under way and the background work, waits for
// them, and starts no sync after.
func TestSyncerCloseStopsAndWaits(t *testing.T) {
	s := newSyncer(context.Background(), time.Now, slog.New(slog.DiscardHandler))
	b := newBlockedSync(1)
	out := runAsync(s, context.Background(), "2026-11-24", b.work)
	<-b.started
	var backgroundEnded atomic.Bool
	bgStarted := make(chan struct{})
	s.background(func(life context.Context) {
		close(bgStarted)
		<-life.Done()
		backgroundEnded.Store(true)
	})
	<-bgStarted
	s.close()
	if !backgroundEnded.Load() {
		t.Fatal("close returned before the background work ended")
	}
	if o := <-out; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("the sync at close: %+v", o)
	}
	later := newBlockedSync(1)
	if _, ran, err := s.run(context.Background(), "2026-11-24", later.work); !ran || !api.IsKind(err, api.KindBusy) || later.calls.Load() != 0 {
		t.Fatalf("a sync after close: %v, %d calls", err, later.calls.Load())
	}
}

// Offline since the first failure, until Epic answers again; a failed sync
// keeps the time of the last good one, and a state already read is not
// changed under its reader.
func TestSyncerOnlineAndLastSync(t *testing.T) {
	now := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	s := newSyncer(context.Background(), func() time.Time { return now }, slog.New(slog.DiscardHandler))
	defer s.close()
	s.markOnline(false, "Epic cannot be reached")
	went := now
	now = now.Add(time.Minute)
	s.markOnline(false, "still away")
	if st := s.state(); st.net.online || !st.net.since.Equal(went) || st.net.reason != "still away" || s.online() {
		t.Fatalf("offline state %+v", st.net)
	}
	s.markOnline(true, "")
	if !s.online() || !s.state().net.since.IsZero() {
		t.Fatalf("back online: %+v", s.state().net)
	}

	good := api.LastSync{Date: "2026-11-24", At: now}
	s.finished(good, api.RequestStats{Total: 10}, true)
	read := s.state().lastSync
	s.finished(api.LastSync{Date: "2026-11-24", At: now.Add(time.Hour), Error: "Epic cannot be reached"}, api.RequestStats{Total: 2}, false)
	st := s.state()
	if !st.lastSync.At.Equal(now) || st.lastSync.Error != "Epic cannot be reached" || st.reqStats.Total != 2 {
		t.Fatalf("after a failed sync: %+v, %+v", st.lastSync, st.reqStats)
	}
	if read.Error != "" {
		t.Fatalf("the state read before the failure changed: %+v", read)
	}
	s.forget()
	if st := s.state(); st.lastSync != nil || st.reqStats != nil {
		t.Fatalf("after forget: %+v", st)
	}
}
