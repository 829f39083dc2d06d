package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/daysync"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/smart"
	"github.com/healthprep/desk/internal/store"
)

// tokens returns the practice's shared token source: an in-process tenant
// (the demo's) mints them here; a practice's come from its access part.
func (a *Agent) tokens(ctx context.Context, p Practice) (oauth2.TokenSource, error) {
	acc := a.accessFor(p)
	inProcess := p.tenant().InProcess
	if inProcess {
		a.mu.Lock()
		sim := a.demo
		a.mu.Unlock()
		if sim != nil {
			acc.UseTokens(access.Minted(func(ttl time.Duration) string { return sim.MintAccessToken(p.ClientID, ttl) }))
		}
	}
	cfg := p.Discovery
	if cfg == nil && !inProcess {
		var err error
		if cfg, err = a.discovery(ctx, p, false); err != nil {
			return nil, err
		}
	}
	ts, err := acc.Tokens(ctx, cfg)
	if errors.Is(err, access.ErrNoAccess) {
		if p.SignedIn != nil { // signed in before, for a session only: it has ended
			return nil, access.Explain(err)
		}
		return nil, api.NewError(api.KindNeedsSignIn, err.Error())
	}
	return ts, err
}

func (a *Agent) scheduleSource(ctx context.Context, p Practice, fc *fhir.Client, base string) (schedule.Source, error) {
	switch p.Schedule.Kind {
	case "file":
		return a.scheduleFile(ctx, fc, p.tenant().MRNSystem)
	case "provider-service":
		t := p.tenant()
		return schedule.ProviderService{FHIR: fc, ServerBase: t.ServerRoot(base), Path: t.ProviderSchedulePath, ProviderIDs: p.Schedule.ProviderIDs}, nil
	case "fhir-appointments":
		return schedule.FHIRAppointments{FHIR: fc, PractitionerIDs: p.Schedule.ProviderIDs}, nil
	}
	return nil, api.NewError(api.KindNotConfigured, fmt.Sprintf("the schedule source %q is not supported; use provider-service, fhir-appointments or file", p.Schedule.Kind))
}

// SyncEvents streams sync progress until ctx ends.
func (a *Agent) SyncEvents(ctx context.Context) (<-chan api.SyncEvent, error) {
	ch, cancel := a.hub.subscribe()
	go func() { <-ctx.Done(); cancel() }()
	return ch, nil
}

// Sync fetches a day from Epic into the cache. An empty date is today.
// The sync belongs to the agent, not the caller: a caller that goes away
// (the window closes) leaves it running; CancelSync or the agent's Close
// stop it, and a stopped sync never replaces the saved day.
func (a *Agent) Sync(ctx context.Context, req api.SyncRequest) (api.SyncSummary, error) {
	for {
		p, err := a.current()
		if err != nil {
			return api.SyncSummary{}, err
		}
		date := req.Date
		if date == "" {
			date = a.today()
		}
		day, err := parseDay(date, p.Location())
		if err != nil {
			return api.SyncSummary{}, err
		}
		if err := dayInReach(p, a.now(), day); err != nil {
			return api.SyncSummary{}, err
		}
		a.mu.Lock()
		job := a.running
		if job == nil {
			if a.life.Err() != nil {
				a.mu.Unlock()
				return api.SyncSummary{}, api.NewError(api.KindBusy, "the agent is stopping")
			}
			job = a.startJob(p, date, day, req.Full)
		}
		a.mu.Unlock()
		select {
		case <-job.done:
			// Asking for the day being fetched joins that sync. Syncs run
			// one at a time (they share the cache and Epic's request
			// budget), so asking for another day queues behind it rather
			// than being refused: Friday asked for while the start-up sync
			// of today runs is fetched once today is done.
			if job.date == date {
				return job.sum, job.err
			}
		case <-ctx.Done():
			return api.SyncSummary{}, ctx.Err()
		}
	}
}

// startJob starts a sync of date as the running job; a.mu is held.
func (a *Agent) startJob(p Practice, date string, day time.Time, full bool) *syncJob {
	job := &syncJob{date: date, done: make(chan struct{})}
	var jobCtx context.Context
	jobCtx, job.cancel = context.WithCancel(a.life)
	a.running = job
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		defer freeOSMemory()
		job.sum, job.err = a.syncDay(jobCtx, p, date, day, full)
		job.cancel()
		a.mu.Lock()
		a.running = nil
		a.mu.Unlock()
		close(job.done)
	}()
	return job
}

// syncJob is the sync under way; callers asking for the same day share it.
type syncJob struct {
	date   string
	cancel context.CancelFunc
	done   chan struct{} // closed when sum and err are set
	sum    api.SyncSummary
	err    error
}

// CancelSync stops the running sync, if any.
func (a *Agent) CancelSync(ctx context.Context) error {
	a.mu.Lock()
	job := a.running
	a.mu.Unlock()
	if job == nil {
		return api.NewError(api.KindNotFound, "no update is running")
	}
	job.cancel()
	return nil
}

// syncDay runs one sync of date and records its outcome.
func (a *Agent) syncDay(ctx context.Context, p Practice, date string, day time.Time, full bool) (api.SyncSummary, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return api.SyncSummary{}, err
	}
	ts, err := a.tokens(ctx, p)
	if err != nil {
		return api.SyncSummary{}, err
	}
	base := a.fhirBase(p)
	// One client per sync, so its counts are this sync's; the token source
	// is the agent's, shared.
	fc := &fhir.Client{Base: base, HTTP: a.httpFor(p), Tokens: ts, Log: a.log, MaxInFlight: p.Concurrency}
	src, err := a.scheduleSource(ctx, p, fc, base)
	if err != nil {
		return api.SyncSummary{}, err
	}
	cat := a.catalogue()
	sum, err := daysync.Sync(ctx, daysync.Deps{
		FHIR: fc, Schedule: src, Store: st, Now: a.opts.Now, Log: a.log, Full: full,
		ObservationCategories: p.tenant().Categories(), PatientBatch: p.tenant().PatientBatch,
		// History as far back as the catalogue's intervals need, and whole
		// for the types lifetime evidence (once-only tests) can be in.
		Lookback: cat.Lookback(), WholeHistory: cat.WholeHistory(),
		Progress: func(e daysync.Event) {
			a.hub.publish(api.SyncEvent{Phase: api.SyncPhase(e.Phase), Date: date, Appointments: e.Appointments, PatientsDone: e.PatientsDone,
				PatientsTotal: e.PatientsTotal, Requests: e.Requests, Errors: e.Errors, Message: e.Message, PatientID: e.PatientID})
		},
	}, day)
	stats := fc.Stats()
	last := &api.LastSync{Date: date, At: a.now(), Partial: sum.Partial}
	fields := map[string]string{"date": date, "appointments": itoa(sum.Appointments), "patients": itoa(sum.Patients),
		"stale": itoa(sum.Stale), "incremental": itoa(sum.Incremental), "requests": itoa(sum.Requests), "duration": sum.Duration.Round(time.Millisecond).String()}
	switch k := fhir.KindOf(err); {
	case err == nil:
		a.markOnline(true, "")
		a.mu.Lock()
		a.notice = "" // a cache set aside is rebuilt now
		a.mu.Unlock()
	case k == fhir.KindUnreachable || k == fhir.KindServer || k == fhir.KindRateLimited || errors.Is(err, smart.ErrUnreachable):
		// A token renewal that cannot reach Epic is an outage, not a sign-in problem.
		a.markOnline(false, "Epic cannot be reached")
		err = access.Explain(err)
	case k == fhir.KindSignIn:
		// A session that ended or access Epic refused: two messages
		// (the access part words them); the sign-in is asked for.
		a.markOnline(true, "")
		if access.Classify(err) == access.FailureRefused {
			a.accessFor(p).Refused()
		}
		err = access.Explain(err)
	}
	if err != nil {
		last.Error = failureText(err)
		fields["error"] = last.Error
	}
	a.mu.Lock()
	a.reqStats = &api.RequestStats{Total: stats.Requests, ByType: stats.ByType, Errors: stats.Errors, Retries: stats.Retries, Seconds: stats.Time.Seconds()}
	if err == nil || a.lastSync == nil {
		a.lastSync = last
	} else {
		a.lastSync.Error = last.Error // keep the time of the last good sync
	}
	a.mu.Unlock()
	a.audit(ctx, "sync", fields)
	// The API's summary is daysync's, field for field (the conversion
	// stops compiling if they drift).
	out := api.SyncSummary(sum)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return out, api.NewError(api.KindBusy, "the update was stopped; the saved prep is unchanged")
		}
		var ae *api.Error
		if errors.As(err, &ae) {
			return out, err
		}
		return out, &syncFailed{msg: last.Error, err: err}
	}
	a.startReading(p, date, ts) // documents' text, in the background (reading.go)
	keepFrom := a.now().In(p.Location()).AddDate(0, 0, -p.withDefaults().RetentionDays).Format(time.DateOnly)
	if n, err := st.Purge(ctx, keepFrom); err != nil {
		a.log.Warn("retention purge failed", "err", err)
	} else if n > 0 {
		a.log.Info("old days removed", "count", n)
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// failureText is a failed sync's error as status, the audit, the log and
// the caller see it: the agent's own words for an api.Error; otherwise the
// first line of the message, bounded. The store's errors carry no cached
// bytes; this keeps any other part's long or multi-line text (a dump, a
// response body) out of what is shown and kept.
func failureText(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	if errors.Is(err, store.ErrTooLarge) {
		return "the day could not be saved: part of it is larger than the cache can hold; the saved prep is unchanged (tell support)"
	}
	msg := err.Error()
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	const most = 400
	if len(msg) > most {
		msg = strings.ToValidUTF8(msg[:most], "") + "..."
	}
	return msg
}

// syncFailed is a failed sync's error: failureText's words, unwrapping to
// the cause so its kind can still be told.
type syncFailed struct {
	msg string
	err error
}

func (e *syncFailed) Error() string { return e.msg }
func (e *syncFailed) Unwrap() error { return e.err }
