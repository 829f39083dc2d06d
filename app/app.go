// Package app holds the Wails bindings: thin methods the frontend calls,
// each relaying to the local agent's API. No business logic lives here.
package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/buildinfo"
)

// SyncEventName is the Wails event carrying api.SyncEvent to the frontend.
const SyncEventName = "sync"

// App is bound to the frontend; its exported methods become wailsjs bindings.
type App struct {
	ctx     context.Context
	log     *slog.Logger
	connect func(context.Context) (api.Service, error)

	ready   chan struct{} // closed once svc or connErr is set
	svc     api.Service
	connErr error

	mu     sync.Mutex
	cancel context.CancelFunc
}

// New returns an App that reaches the agent through connect, called once in
// the background at startup so the window shows at once.
func New(log *slog.Logger, connect func(context.Context) (api.Service, error)) *App {
	return &App{log: log, connect: connect, ready: make(chan struct{})}
}

// Lifecycle returns the hooks main passes to Wails. They are functions, not
// exported methods, so Wails does not bind them for the frontend to call.
func Lifecycle(a *App) (startup func(context.Context), shutdown func(context.Context)) {
	return a.startup, a.shutdown
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	relayCtx, cancel := context.WithCancel(ctx)
	a.mu.Lock()
	a.cancel = cancel
	a.mu.Unlock()
	go func() {
		a.svc, a.connErr = a.connect(relayCtx)
		if a.connErr != nil {
			a.log.Error("cannot reach the HealthPrep agent", "err", a.connErr)
		}
		close(a.ready)
		if a.connErr == nil {
			a.relaySyncEvents(relayCtx)
		}
	}()
}

func (a *App) shutdown(context.Context) {
	a.mu.Lock()
	if a.cancel != nil {
		a.cancel()
	}
	a.mu.Unlock()
}

// service waits for the connection made at startup.
func (a *App) service(ctx context.Context) (api.Service, error) {
	select {
	case <-a.ready:
		if a.connErr != nil {
			return nil, a.connErr
		}
		return a.svc, nil
	case <-ctx.Done():
		return nil, errors.New("the HealthPrep agent is still starting; try again in a moment")
	}
}

// relaySyncEvents forwards the agent's progress feed to the window,
// reconnecting if the feed drops.
func (a *App) relaySyncEvents(ctx context.Context) {
	for ctx.Err() == nil {
		ch, err := a.svc.SyncEvents(ctx)
		if err == nil {
			for ev := range ch {
				runtime.EventsEmit(a.ctx, SyncEventName, ev)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// call gives each binding its own deadline so a hung agent cannot freeze the UI.
func (a *App) call(d time.Duration) (context.Context, context.CancelFunc) {
	base := a.ctx
	if base == nil {
		base = context.Background()
	}
	return context.WithTimeout(base, d)
}

// Version reports the build, for the About box.
func (a *App) Version() buildinfo.Info { return buildinfo.Get() }

func (a *App) Status() (api.Status, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.Status{}, err
	}
	return svc.Status(ctx)
}

func (a *App) Day(date string) (api.DayList, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.DayList{}, err
	}
	return svc.Day(ctx, date)
}

func (a *App) Sheet(date, appointmentID string) (api.Sheet, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.Sheet{}, err
	}
	return svc.Sheet(ctx, date, appointmentID)
}

func (a *App) PrintHTML(date, appointmentID string) (string, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return "", err
	}
	return svc.PrintHTML(ctx, date, appointmentID)
}

func (a *App) Sync(date string) (api.SyncSummary, error) {
	ctx, cancel := a.call(15 * time.Minute)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.SyncSummary{}, err
	}
	return svc.Sync(ctx, date)
}

func (a *App) CheckSetup(fhirBase, clientID string, discover bool) (api.SetupCheck, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.SetupCheck{}, err
	}
	return svc.CheckSetup(ctx, api.SetupRequest{FHIRBase: fhirBase, ClientID: clientID, Discover: discover})
}

func (a *App) Setup(fhirBase, clientID, name string) (api.SetupCheck, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.SetupCheck{}, err
	}
	return svc.Setup(ctx, api.SetupRequest{FHIRBase: fhirBase, ClientID: clientID, Name: name})
}

// StartSignIn opens the system browser at Epic's sign-in page.
func (a *App) StartSignIn() (api.SignInState, error) {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.SignInState{}, err
	}
	return svc.StartSignIn(ctx)
}

// SignInStatus waits up to waitSeconds for the sign-in to finish.
func (a *App) SignInStatus(waitSeconds int) (api.SignInState, error) {
	wait := time.Duration(max(waitSeconds, 0)) * time.Second
	ctx, cancel := a.call(wait + 10*time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.SignInState{}, err
	}
	return svc.SignInStatus(ctx, wait)
}

func (a *App) CancelSignIn() error {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	return svc.CancelSignIn(ctx)
}

func (a *App) CancelSync() error {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	return svc.CancelSync(ctx)
}

func (a *App) StartDemo() error {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	return svc.StartDemo(ctx)
}

func (a *App) Settings() (api.Settings, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.Settings{}, err
	}
	return svc.Settings(ctx)
}

func (a *App) SaveSettings(s api.Settings) error {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	return svc.SaveSettings(ctx, s)
}

func (a *App) Reset(confirm string) error {
	ctx, cancel := a.call(30 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return err
	}
	return svc.Reset(ctx, confirm)
}

func (a *App) Catalogue() (api.CatalogueView, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.CatalogueView{}, err
	}
	return svc.Catalogue(ctx)
}

func (a *App) EditCatalogue(edits []api.CatalogueEdit) (api.CatalogueChange, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.CatalogueChange{}, err
	}
	return svc.EditCatalogue(ctx, edits)
}

func (a *App) ImportCatalogue(yaml string) (api.CatalogueChange, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.CatalogueChange{}, err
	}
	return svc.ImportCatalogue(ctx, yaml)
}

func (a *App) ResetCatalogue() (api.CatalogueView, error) {
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return api.CatalogueView{}, err
	}
	return svc.ResetCatalogue(ctx)
}

// Audit returns the audit log since an RFC 3339 time ("" for all).
func (a *App) Audit(since string) ([]api.AuditEntry, error) {
	var t time.Time
	if since != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, since); err != nil {
			return nil, errors.New("since must be an RFC 3339 time")
		}
	}
	ctx, cancel := a.call(10 * time.Second)
	defer cancel()
	svc, err := a.service(ctx)
	if err != nil {
		return nil, err
	}
	return svc.Audit(ctx, t)
}
