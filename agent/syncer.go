package agent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// syncer is the agent's sync part: the sync under way (one at a time:
// syncs share the cache and Epic's request budget), the background work
// that outlives a request (syncs, the reading after them, a sign-in
// finishing) and the agent's life they run under, the progress hub, and
// what the agent last learned of Epic: online or not, the last sync, its
// requests.
//
// It knows nothing of practices, the cache or Epic's API: what a sync does
// comes in as a func (the Agent's syncDay), and it never calls the Agent.
// Its lock, mu, guards running, net, lastSync and reqStats; the hub has its
// own; work passed in runs without mu held.
type syncer struct {
	now func() time.Time
	log *slog.Logger
	hub *hub

	// life ends when the agent closes; syncs run under it, not under the
	// caller's context, and close waits for them (jobs) to save or give up.
	life    context.Context
	endLife context.CancelFunc
	jobs    sync.WaitGroup

	mu       sync.Mutex
	running  *syncJob // the sync under way, if any
	net      netState
	lastSync *api.LastSync
	reqStats *api.RequestStats // the last sync's requests to Epic

	// waits, when set (tests), hears of each caller that waits for a
	// sync it did not start.
	waits func(date string)
}

// syncJob is the sync under way; callers asking for the same day share it.
type syncJob struct {
	date   string
	cancel context.CancelFunc
	done   chan struct{} // closed when sum and err are set
	sum    api.SyncSummary
	err    error
}

// netState is what the agent last learned about reaching Epic.
type netState struct {
	online bool
	since  time.Time
	reason string
}

// syncState is a snapshot of the syncer's state for Status.
type syncState struct {
	net      netState
	lastSync *api.LastSync
	reqStats *api.RequestStats
	syncing  bool
}

// newSyncer makes the sync part; its life is parent's values without its
// cancellation (the agent's life is its own, ended by close).
func newSyncer(parent context.Context, now func() time.Time, log *slog.Logger) *syncer {
	s := &syncer{now: now, log: log, hub: newHub(), net: netState{online: true}}
	s.life, s.endLife = context.WithCancel(context.WithoutCancel(parent))
	return s
}

// run waits for the sync of date: the one under way if it is of date,
// else a new one doing work once none runs. A sync of another day under
// way is waited for, never refused "busy"; then ran is false and the
// caller asks again (its practice or day may have changed meanwhile).
// The caller's ctx ending stops the wait, not the sync.
func (s *syncer) run(ctx context.Context, date string, work func(context.Context) (api.SyncSummary, error)) (sum api.SyncSummary, ran bool, err error) {
	s.mu.Lock()
	job, waits := s.running, s.waits
	if job == nil {
		if s.life.Err() != nil {
			s.mu.Unlock()
			return api.SyncSummary{}, true, api.NewError(api.KindBusy, "the agent is stopping")
		}
		job, waits = s.start(date, work), nil
	}
	s.mu.Unlock()
	if waits != nil {
		waits(date)
	}
	select {
	case <-job.done:
		if job.date == date {
			return job.sum, true, job.err
		}
		return api.SyncSummary{}, false, nil
	case <-ctx.Done():
		return api.SyncSummary{}, true, ctx.Err()
	}
}

// start starts work as the sync of date; s.mu is held.
func (s *syncer) start(date string, work func(context.Context) (api.SyncSummary, error)) *syncJob {
	job := &syncJob{date: date, done: make(chan struct{})}
	var jobCtx context.Context
	jobCtx, job.cancel = context.WithCancel(s.life)
	s.running = job
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer freeOSMemory()
		job.sum, job.err = work(jobCtx)
		job.cancel()
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
		close(job.done)
	}()
	return job
}

// background runs f under the agent's life; close and stop wait for it.
func (s *syncer) background(f func(life context.Context)) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		f(s.life)
	}()
}

// cancel stops the sync under way.
func (s *syncer) cancel() error {
	s.mu.Lock()
	job := s.running
	s.mu.Unlock()
	if job == nil {
		return api.NewError(api.KindNotFound, "no update is running")
	}
	job.cancel()
	return nil
}

// stop cancels the sync under way, if any, and waits for it and the other
// background work (a sign-in the caller cancelled) to end.
func (s *syncer) stop() {
	s.cancel()
	s.jobs.Wait()
}

// close ends the agent's life and waits for the background work to save
// or give up; no sync starts after it.
func (s *syncer) close() {
	s.endLife()
	s.jobs.Wait()
}

// syncing reports whether a sync is under way.
func (s *syncer) syncing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running != nil
}

// markOnline records whether Epic answered, for the offline banner: the
// time it went away is kept until it answers again.
func (s *syncer) markOnline(ok bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.net = netState{online: true}
		return
	}
	if s.net.online {
		s.net = netState{online: false, since: s.now(), reason: reason}
	} else {
		s.net.reason = reason
	}
}

func (s *syncer) online() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.net.online
}

// finished records a sync's outcome: its requests, and it as the last
// sync, except that a failed one keeps the time of the last good one.
// What state returned is never changed: a new value replaces it.
func (s *syncer) finished(last api.LastSync, reqs api.RequestStats, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqStats = &reqs
	if !ok && s.lastSync != nil {
		good := *s.lastSync
		good.Error = last.Error
		last = good
	}
	s.lastSync = &last
}

// forget drops what was learned of the last practice's syncs.
func (s *syncer) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastSync, s.reqStats = nil, nil
}

func (s *syncer) state() syncState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return syncState{net: s.net, lastSync: s.lastSync, reqStats: s.reqStats, syncing: s.running != nil}
}
