package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/buildinfo"
	"github.com/healthprep/desk/internal/doctext"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/tenant"
)

var _ api.Service = (*Agent)(nil)

// Options configures an Agent.
type Options struct {
	Dir string // data directory (see DataDir)
	Log *slog.Logger
	// Now is the clock; tests inject one to fire the morning sync.
	Now func() time.Time
	// OpenBrowser opens the system browser at the sign-in page.
	OpenBrowser func(url string) error
	// HTTP is the client for Epic; nil means a default with timeouts.
	HTTP *http.Client
	// ApplyPreset lets an unconfigured install set itself up from a
	// practice preset an installer left (see presetPaths). The service
	// does; CLI commands do not.
	ApplyPreset bool
	// ReadingLimits caps reading each document (size, pages, pixels,
	// time); nil means doctext.DefaultLimits. Tests shorten the time cap.
	ReadingLimits *doctext.Limits
	// Profiles are tenant profiles besides the built-in ones
	// (internal/tenant) that practice.json may name: a server being tried
	// out, and tests.
	Profiles []tenant.Profile
	// CacheOnly is for a process that reads the cache and exits (the
	// CLI's prep): opening the cache reads only its key from the
	// keychain, and the access items wait until something needs them.
	CacheOnly bool
}

// Agent is the local agent. It implements api.Service; the socket server
// and the CLI both drive it. All I/O methods take a context.
//
// It is the thin front over its parts, each with its own state and lock:
// the sync part (syncs, syncer.go), the current practice's days (its
// cache, days.go), access (agent/access) and catalogue (catalogues.go).
// mu guards the practice and which parts are current (the fields below
// it) and is never held across a part's I/O; a part takes what it needs
// from the Agent as values and funcs, and never refers to it.
type Agent struct {
	opts   Options
	log    *slog.Logger
	syncs  *syncer    // syncs, background work, progress, online state
	sendMu sync.Mutex // one send of notes to the chart at a time

	mu       sync.Mutex
	practice *Practice       // nil until set up
	demo     *epicsim.Server // the embedded tenant in demo mode
	days     *dayStore       // the practice's days part (cache), made on first use
	// acc is the current practice's access (keychain items, sign-in,
	// tokens), made on first use; accID is whose.
	acc    *access.Access
	accID  string
	signin *signInJob      // the last browser sign-in, if any
	cats   *catalogues     // the practice's catalogue part, made on first use
	preset *api.PresetInfo // a preset found but not applied, and why
	// presetValues is that preset: the wizard finishing it sends only the
	// fields it shows, and the preset fills in the rest (port, schedule).
	presetValues *Preset

	// catPrefetch delivers the default catalogue parsed in the background
	// from Open on (taken once, by the first loadCatalogue; under mu).
	catPrefetch chan *screening.Catalogue
}

// Open loads the practice configuration from opts.Dir. An unconfigured
// install runs the demo practice against the embedded simulated tenant
// until a practice is set up.
func Open(ctx context.Context, opts Options) (*Agent, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.Dir == "" {
		dir, err := DataDir()
		if err != nil {
			return nil, err
		}
		opts.Dir = dir
	}
	a := &Agent{opts: opts, log: opts.Log, syncs: newSyncer(ctx, opts.Now, opts.Log)}
	a.prefetchCatalogue()
	p, err := LoadPractice(opts.Dir)
	switch {
	case errors.Is(err, ErrNotConfigured):
		if opts.ApplyPreset && a.applyPreset(ctx) {
			break
		}
		if err := a.StartDemo(ctx); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		t, ok := tenant.Lookup(p.Profile, opts.Profiles...)
		if !ok {
			return nil, fmt.Errorf("the practice configuration names the server profile %q, which this version of HealthPrep does not know: update HealthPrep, or run setup again with --reset", p.Profile)
		}
		p.prof = &t
		if t.InProcess {
			if err := a.startDemoTenant(ctx); err != nil {
				return nil, err
			}
		}
		p = p.withDefaults()
		a.practice = &p
	}
	return a, nil
}

// Close stops a running sync (which keeps the saved day as it was), then
// releases the cache and the demo tenant.
func (a *Agent) Close() error {
	a.syncs.close()
	_, err := a.closePractice()
	return err
}

func (a *Agent) now() time.Time { return a.opts.Now() }

// current returns the configured practice or a not-configured API error.
func (a *Agent) current() (Practice, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.practice == nil {
		return Practice{}, api.NewError(api.KindNotConfigured, ErrNotConfigured.Error())
	}
	return *a.practice, nil
}

// today is the practice's calendar date now.
func (a *Agent) today() string {
	loc := time.Local
	a.mu.Lock()
	if a.practice != nil {
		loc = a.practice.Location()
	}
	a.mu.Unlock()
	return a.now().In(loc).Format(time.DateOnly)
}

// Status reports the agent's state.
func (a *Agent) Status(ctx context.Context) (api.Status, error) {
	st := api.Status{Mode: api.ModeUnconfigured, Today: a.today(), Version: buildinfo.Get().Version, Days: []string{}}
	ss := a.syncs.state()
	st.Online = ss.net.online
	if !ss.net.online {
		since := ss.net.since
		st.OfflineSince = &since
		st.OfflineReason = ss.net.reason
	}
	st.LastSync, st.Requests, st.Syncing = ss.lastSync, ss.reqStats, ss.syncing
	a.mu.Lock()
	p, days := a.practice, a.days
	st.Preset = a.preset
	a.mu.Unlock()
	if days != nil {
		st.Notice = days.currentNotice()
	}
	if p == nil {
		return st, nil
	}
	t := p.tenant()
	st.Mode = api.Mode(t.Mode)
	st.Practice = &api.PracticeInfo{Name: p.Name, FHIRBase: a.fhirBase(*p), ClientID: p.ClientID}
	st.Schedule = &api.ScheduleInfo{Kind: p.Schedule.Kind}
	if plan, err := newSyncPlan(*p); err == nil {
		next := plan.next(a.now())
		st.NextSync = &next
	}
	st.Schedule.ProviderIDs = p.Schedule.ProviderIDs
	if t.InProcess {
		st.SignedIn = &api.SignedIn{User: t.SignedInAs, AccessMode: string(access.ModeDemo), AccessNote: access.Note(access.ModeDemo)}
	} else {
		if p.Discovery != nil {
			st.Discovery = discoveryInfo(p.Discovery)
		}
		// The access part answers from memory: the keychain is read once,
		// when the cache key is (or here, if nothing read it yet).
		as := a.accessFor(*p).State(ctx)
		st.NeedsSignIn = as.NeedsSignIn
		if as.Mode != "" && p.SignedIn != nil {
			st.SignedIn = &api.SignedIn{User: p.SignedIn.Name, AccessMode: string(as.Mode), AccessNote: as.Note}
			if !as.Until.IsZero() {
				until := as.Until
				st.SignedIn.Expires = &until
			}
		}
	}
	if s, err := a.openStore(ctx); err == nil {
		if days, err := s.Days(ctx); err == nil && days != nil {
			st.Days = days
		}
		if st.LastSync == nil && len(st.Days) > 0 {
			if d, err := s.DayInfo(ctx, st.Days[0]); err == nil {
				st.LastSync = &api.LastSync{Date: d.Date, At: d.SyncedAt, Partial: d.Partial}
			}
		}
	}
	st.Keychain = a.accessFor(*p).Backend()
	cat := a.catalogue()
	st.CatalogueInfo = &api.CatalogueInfo{Version: cat.Version, Count: len(cat.Screenings)}
	return st, nil
}

// fhirBase is the practice's FHIR base; an in-process tenant's (the
// demo's) is the running simulator's.
func (a *Agent) fhirBase(p Practice) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.tenant().InProcess && a.demo != nil {
		return a.demo.FHIRBase()
	}
	return p.FHIRBase
}

// Settings returns the practice's settings.
func (a *Agent) Settings(ctx context.Context) (api.Settings, error) {
	p, err := a.current()
	if err != nil {
		p = Practice{}
	}
	p = p.withDefaults()
	return api.Settings{
		SyncAt: p.SyncAt, ClinicEnd: p.ClinicEnd, SyncEveryMinutes: p.SyncEveryMinutes, ClinicDays: p.ClinicDays,
		RetentionDays: p.RetentionDays, LargeText: p.LargeText, Lookbacks: api.Lookbacks(p.Lookbacks),
		Send:               new(sendSettings(p)),
		DisabledExclusions: append([]string{}, p.DisabledExclusions...), Exclusions: wireExclusions(a.loadCatalogue().cat.ExclusionConcepts()),
	}, nil
}

// SaveSettings validates and saves the practice's settings. Fields left
// empty keep their current value.
func (a *Agent) SaveSettings(ctx context.Context, s api.Settings) error {
	p, err := a.current()
	if err != nil {
		return err
	}
	p.SyncAt, p.SyncEveryMinutes, p.RetentionDays, p.LargeText = s.SyncAt, s.SyncEveryMinutes, s.RetentionDays, s.LargeText
	if s.ClinicEnd != "" {
		p.ClinicEnd = s.ClinicEnd
	}
	if s.ClinicDays != nil {
		p.ClinicDays = s.ClinicDays
	}
	if s.Lookbacks != (api.Lookbacks{}) {
		p.Lookbacks = Lookbacks(s.Lookbacks)
	}
	sendWas := p.Send.Enabled
	if s.Send != nil {
		if err := validSend(*s.Send); err != nil {
			return api.NewError(api.KindBadRequest, err.Error())
		}
		p.Send = *s.Send
	}
	if s.DisabledExclusions != nil {
		if _, err := a.loadCatalogue().cat.WithExclusionsOff(s.DisabledExclusions); err != nil {
			return api.NewError(api.KindBadRequest, err.Error())
		}
		p.DisabledExclusions = slices.Compact(slices.Sorted(slices.Values(s.DisabledExclusions)))
	}
	if err := validSettings(p); err != nil {
		return api.NewError(api.KindBadRequest, err.Error())
	}
	if !p.tenant().Transient { // the demo's settings last until the agent stops
		if err := SavePractice(a.opts.Dir, p); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.practice = &p
	a.mu.Unlock()
	a.log.Info("settings changed", "syncAt", p.SyncAt, "clinicEnd", p.ClinicEnd, "retentionDays", p.RetentionDays)
	a.audit(ctx, "settings.changed", map[string]string{"syncAt": p.SyncAt, "clinicEnd": p.ClinicEnd, "syncEveryMinutes": itoa(p.SyncEveryMinutes),
		"clinicDays": strings.Join(p.ClinicDays, ","), "retentionDays": itoa(p.RetentionDays), "disabledExclusions": strings.Join(p.DisabledExclusions, ",")})
	if p.Send.Enabled != sendWas {
		a.audit(ctx, map[bool]string{true: "send.enabled", false: "send.disabled"}[p.Send.Enabled], map[string]string{"dailyCap": itoa(sendSettings(p).DailyCap)})
	}
	return nil
}

// validSettings says what is wrong with a practice's settings, in words
// for the manager.
func validSettings(p Practice) error {
	if len(p.ClinicDays) == 0 {
		return errors.New("choose at least one clinic day")
	}
	if _, err := newSyncPlan(p); err != nil {
		return err
	}
	if p.RetentionDays < 1 || p.RetentionDays > 365 {
		return errors.New("keep days for 1 to 365 days")
	}
	for _, m := range []int{p.Lookbacks.Labs, p.Lookbacks.Imaging, p.Lookbacks.Consults, p.Lookbacks.Hospital} {
		if m < 1 || m > 120 {
			return errors.New("recent history must be 1 to 120 months")
		}
	}
	return nil
}
