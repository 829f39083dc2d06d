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
	ch, cancel := a.syncs.hub.subscribe()
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
		// Asking for the day being fetched joins that sync. Syncs run one
		// at a time (they share the cache and Epic's request budget), so
		// asking for another day queues behind it rather than being
		// refused: Friday asked for while the start-up sync of today runs
		// is fetched once today is done.
		sum, ran, err := a.syncs.run(ctx, date, func(ctx context.Context) (api.SyncSummary, error) {
			return a.syncDay(ctx, p, date, day, req.Full)
		})
		if ran {
			return sum, err
		}
	}
}

// CancelSync stops the running sync, if any.
func (a *Agent) CancelSync(ctx context.Context) error { return a.syncs.cancel() }

// syncDay runs one sync of date and records its outcome.
func (a *Agent) syncDay(ctx context.Context, p Practice, date string, day time.Time, full bool) (api.SyncSummary, error) {
	days, err := a.daysFor()
	if err != nil {
		return api.SyncSummary{}, err
	}
	st, err := days.store(ctx)
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
	taskCode, orderCodes := cat.RejectedOrders()
	sum, err := daysync.Sync(ctx, daysync.Deps{
		FHIR: fc, Schedule: src, Store: st, Now: a.opts.Now, Log: a.log, Full: full,
		ObservationCategories: p.tenant().Categories(), PatientBatch: p.tenant().PatientBatch,
		// History as far back as the catalogue's intervals need, and whole
		// for the types lifetime evidence (once-only tests) can be in.
		Lookback: cat.Lookback(), WholeHistory: cat.WholeHistory(),
		// The Tasks that reject an order the measures read (CMS138).
		RejectedOrders: daysync.RejectedOrders{TaskCode: taskCode, Codes: orderCodes},
		Progress: func(e daysync.Event) {
			a.syncs.hub.publish(api.SyncEvent{Phase: api.SyncPhase(e.Phase), Date: date, Appointments: e.Appointments, PatientsDone: e.PatientsDone,
				PatientsTotal: e.PatientsTotal, Requests: e.Requests, Errors: e.Errors, Message: e.Message, PatientID: e.PatientID})
		},
	}, day)
	stats := fc.Stats()
	last := api.LastSync{Date: date, At: a.now(), Partial: sum.Partial}
	fields := map[string]string{"date": date, "appointments": itoa(sum.Appointments), "patients": itoa(sum.Patients),
		"stale": itoa(sum.Stale), "incremental": itoa(sum.Incremental), "requests": itoa(sum.Requests), "duration": sum.Duration.Round(time.Millisecond).String()}
	switch k := fhir.KindOf(err); {
	case err == nil:
		a.syncs.markOnline(true, "")
		days.rebuilt() // a cache set aside is refilled now
	case k == fhir.KindUnreachable || k == fhir.KindServer || k == fhir.KindRateLimited || errors.Is(err, smart.ErrUnreachable):
		// A token renewal that cannot reach Epic is an outage, not a sign-in problem.
		a.syncs.markOnline(false, unreachable)
		err = access.Explain(err)
	case k == fhir.KindSignIn:
		// A session that ended or access Epic refused: two messages
		// (the access part words them); the sign-in is asked for.
		a.syncs.markOnline(true, "")
		if access.Classify(err) == access.FailureRefused {
			a.accessFor(p).Refused()
		}
		err = access.Explain(err)
	}
	if err != nil {
		last.Error = failureText(err)
		fields["error"] = last.Error
	}
	a.syncs.finished(last, api.RequestStats{Total: stats.Requests, ByType: stats.ByType, Errors: stats.Errors, Retries: stats.Retries, Seconds: stats.Time.Seconds()}, err == nil)
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
	days.purge(ctx, oldestKept(p, a.now()))
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
