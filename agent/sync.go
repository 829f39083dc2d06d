package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/daysync"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/smart"
)

// demoTokens gets access tokens from the embedded tenant in this process.
// The demo has no user to sign in; a real practice uses internal/smart.
type demoTokens struct {
	srv *epicsim.Server
	mu  sync.Mutex
	tok *oauth2.Token
}

func (d *demoTokens) Token() (*oauth2.Token, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tok == nil || !d.tok.Valid() {
		d.tok = &oauth2.Token{AccessToken: d.srv.MintAccessToken(epicsim.DemoClientID, time.Hour), TokenType: "Bearer", Expiry: time.Now().Add(55 * time.Minute)}
	}
	return d.tok, nil
}

// Invalidate drops the cached token so a 401 gets a fresh one.
func (d *demoTokens) Invalidate() {
	d.mu.Lock()
	d.tok = nil
	d.mu.Unlock()
}

// tokens returns the shared token source for Epic.
func (a *Agent) tokens(ctx context.Context, p Practice) (oauth2.TokenSource, error) {
	a.mu.Lock()
	if a.ts == nil && p.Demo && a.demo != nil {
		a.ts = &demoTokens{srv: a.demo}
	}
	ts := a.ts
	a.mu.Unlock()
	if ts != nil {
		return ts, nil
	}
	src, err := a.practiceSource(ctx, p)
	if err != nil {
		return nil, err // not a nil *smart.Source in a non-nil interface
	}
	return src, nil
}

// practiceSource returns the practice's token source, built from the
// keychain on first use.
func (a *Agent) practiceSource(ctx context.Context, p Practice) (*smart.Source, error) {
	a.mu.Lock()
	src := a.src
	a.mu.Unlock()
	if src != nil {
		return src, nil
	}
	src, err := a.practiceTokens(ctx, p)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.src == nil {
		a.src, a.ts = src, src
	}
	return a.src, nil
}

// serverBase is the Epic server root the web services hang off.
func serverBase(fhirBase string) string {
	if i := strings.Index(fhirBase, "/api/FHIR/"); i >= 0 {
		return fhirBase[:i]
	}
	return strings.TrimSuffix(fhirBase, "/")
}

func (a *Agent) scheduleSource(ctx context.Context, p Practice, fc *fhir.Client, base string) (schedule.Source, error) {
	switch p.Schedule.Kind {
	case "file":
		return a.scheduleFile(ctx, fc)
	case "provider-service":
		return schedule.ProviderService{FHIR: fc, ServerBase: serverBase(base), ProviderIDs: p.Schedule.ProviderIDs}, nil
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
		day, err := time.ParseInLocation(time.DateOnly, date, p.Location())
		if err != nil {
			return api.SyncSummary{}, api.NewError(api.KindBadRequest, "the date must look like 2026-11-24")
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
		defer settle()
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
		// History as far back as the catalogue's intervals need, and whole
		// for the types lifetime evidence (once-only tests) can be in.
		Lookback: cat.Lookback(), WholeHistory: cat.WholeHistory(),
		Progress: func(e daysync.Event) {
			a.hub.publish(api.SyncEvent{Phase: e.Phase, Date: date, Appointments: e.Appointments, PatientsDone: e.PatientsDone,
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
	case k == fhir.KindSignIn:
		a.markOnline(true, "")
		a.mu.Lock()
		a.needsSignIn = true
		a.mu.Unlock()
		err = api.NewError(api.KindNeedsSignIn, "Epic no longer accepts this computer's sign-in. Sign in again (Settings, or `healthprep-agent signin`); the saved prep is still here.")
	}
	if err != nil {
		last.Error = err.Error()
		fields["error"] = err.Error()
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
		return out, err
	}
	keepFrom := a.now().In(p.Location()).AddDate(0, 0, -p.withDefaults().RetentionDays).Format(time.DateOnly)
	if n, err := st.Purge(ctx, keepFrom); err != nil {
		a.log.Warn("retention purge failed", "err", err)
	} else if n > 0 {
		a.log.Info("old days removed", "count", n)
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
