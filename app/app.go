// Package app holds the Wails bindings: thin methods the frontend calls,
// each relaying to the local agent's API. No business logic lives here.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pkg/browser"
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

	ready chan struct{} // closed once the first connection attempt is done

	mu       sync.Mutex
	svc      api.Service // guarded by mu: RestartAgent replaces them
	connErr  error
	relaying bool
	relayCtx context.Context
	cancel   context.CancelFunc
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
	a.cancel, a.relayCtx = cancel, relayCtx
	a.mu.Unlock()
	go func() {
		a.reconnect(relayCtx)
		close(a.ready)
	}()
}

// reconnect attaches to the agent, starting it if it does not answer, and
// keeps the window's progress feed running once it does.
func (a *App) reconnect(ctx context.Context) error {
	svc, err := a.connect(ctx)
	if err != nil {
		a.log.Error("cannot reach the HealthPrep agent", "err", err)
	}
	a.mu.Lock()
	a.svc, a.connErr = svc, err
	relay := err == nil && !a.relaying && a.relayCtx != nil
	if relay {
		a.relaying = true
	}
	relayCtx := a.relayCtx
	a.mu.Unlock()
	if relay {
		go a.relaySyncEvents(relayCtx, svc)
	}
	return err
}

// RestartAgent is the window's "Try again" when the agent stopped: it
// attaches to the agent again, starting it if none answers.
func (a *App) RestartAgent() error {
	select {
	case <-a.ready:
	default:
		return wire(api.NewError(api.KindBusy, "the HealthPrep agent is still starting; try again in a moment"))
	}
	a.mu.Lock()
	ctx := a.relayCtx
	a.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	if err := a.reconnect(ctx); err != nil {
		return wire(&api.Error{Kind: api.KindAgentDown, Message: "the HealthPrep agent could not be started", Detail: err.Error()})
	}
	return nil
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
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.connErr != nil {
			return nil, &api.Error{Kind: api.KindAgentDown, Message: "the HealthPrep agent is not answering", Detail: a.connErr.Error()}
		}
		return a.svc, nil
	case <-ctx.Done():
		return nil, errors.New("the HealthPrep agent is still starting; try again in a moment")
	}
}

// relaySyncEvents forwards the agent's progress feed to the window,
// reconnecting if the feed drops.
func (a *App) relaySyncEvents(ctx context.Context, svc api.Service) {
	for ctx.Err() == nil {
		ch, err := svc.SyncEvents(ctx)
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

// call runs one binding against the agent with its own deadline, so a hung
// agent cannot freeze the UI, and hands errors to the frontend as JSON.
func call[T any](a *App, d time.Duration, f func(context.Context, api.Service) (T, error)) (T, error) {
	base := a.ctx
	if base == nil {
		base = context.Background()
	}
	ctx, cancel := context.WithTimeout(base, d)
	defer cancel()
	var zero T
	svc, err := a.service(ctx)
	if err != nil {
		return zero, wire(err)
	}
	v, err := f(ctx, svc)
	if err != nil {
		return zero, wire(err)
	}
	return v, nil
}

// call0 is call for bindings with no result.
func call0(a *App, d time.Duration, f func(context.Context, api.Service) error) error {
	_, err := call(a, d, func(ctx context.Context, s api.Service) (struct{}, error) { return struct{}{}, f(ctx, s) })
	return err
}

// wire turns an error into the JSON of api.Error (kind, words for the
// user, detail for support): Wails rejects the frontend's promise with the
// error's string, and the UI needs all three (see frontend errorText).
func wire(err error) error {
	if err == nil {
		return nil
	}
	e := api.AsError(err)
	if errors.Is(err, context.DeadlineExceeded) {
		e = &api.Error{Kind: api.KindInternal, Message: "the HealthPrep agent took too long to answer; try again", Detail: err.Error()}
	}
	b, _ := json.Marshal(e)
	return errors.New(string(b))
}

// OpenURL opens a web address in the system browser, and says so when no
// browser could be opened (Wails' BrowserOpenURL fails silently, leaving
// the manager pressing a button that does nothing).
func (a *App) OpenURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return wire(api.NewError(api.KindBadRequest, "only web addresses (https://…) can be opened in the browser"))
	}
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	if err := browser.OpenURL(u.String()); err != nil {
		a.log.Warn("opening the browser", "err", err)
		return wire(&api.Error{Kind: api.KindNotFound, Message: "no web browser could be opened on this computer: copy the address and paste it into a browser", Detail: err.Error()})
	}
	return nil
}

// Version reports the build, for the About box.
func (a *App) Version() buildinfo.Info { return buildinfo.Get() }

func (a *App) Status() (api.Status, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.Status, error) { return s.Status(ctx) })
}

func (a *App) Day(date string) (api.DayList, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.DayList, error) { return s.Day(ctx, date) })
}

func (a *App) Sheet(date, appointmentID string) (api.Sheet, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.Sheet, error) { return s.Sheet(ctx, date, appointmentID) })
}

func (a *App) PrintHTML(date, appointmentID string) (string, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (string, error) { return s.PrintHTML(ctx, date, appointmentID) })
}

// Sync waits for the update; the agent keeps it running if the window closes.
func (a *App) Sync(date string) (api.SyncSummary, error) {
	return call(a, 15*time.Minute, func(ctx context.Context, s api.Service) (api.SyncSummary, error) {
		return s.Sync(ctx, api.SyncRequest{Date: date})
	})
}

// ImportSchedule keeps a schedule file exported from Epic for date.
func (a *App) ImportSchedule(date, csv string) (api.ScheduleImported, error) {
	return call(a, 60*time.Second, func(ctx context.Context, s api.Service) (api.ScheduleImported, error) {
		return s.ImportSchedule(ctx, api.ScheduleImport{Date: date, CSV: csv})
	})
}

func (a *App) CancelSync() error {
	return call0(a, 10*time.Second, func(ctx context.Context, s api.Service) error { return s.CancelSync(ctx) })
}

func (a *App) CheckSetup(fhirBase, clientID string, discover bool) (api.SetupCheck, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.SetupCheck, error) {
		return s.CheckSetup(ctx, api.SetupRequest{FHIRBase: fhirBase, ClientID: clientID, Discover: discover})
	})
}

func (a *App) Setup(fhirBase, clientID, name string) (api.SetupCheck, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.SetupCheck, error) {
		return s.Setup(ctx, api.SetupRequest{FHIRBase: fhirBase, ClientID: clientID, Name: name})
	})
}

// TestSchedule fetches a day's schedule (date "" for today) from the
// source as chosen in the wizard, saving nothing; kind "" tests the saved one.
func (a *App) TestSchedule(kind string, providerIDs []string, date string) (api.ScheduleCheck, error) {
	return call(a, 90*time.Second, func(ctx context.Context, s api.Service) (api.ScheduleCheck, error) {
		return s.TestSchedule(ctx, api.ScheduleTest{Source: api.ScheduleSource{Kind: kind, ProviderIDs: providerIDs}, Date: date})
	})
}

// SaveSchedule keeps where the practice's schedule comes from.
func (a *App) SaveSchedule(kind string, providerIDs []string) (api.ScheduleCheck, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.ScheduleCheck, error) {
		return s.SaveSchedule(ctx, api.ScheduleSource{Kind: kind, ProviderIDs: providerIDs})
	})
}

// StartSignIn opens the system browser at Epic's sign-in page.
func (a *App) StartSignIn() (api.SignInState, error) {
	return call(a, 30*time.Second, func(ctx context.Context, s api.Service) (api.SignInState, error) {
		return s.StartSignIn(ctx, api.SignInRequest{})
	})
}

// SignInStatus waits up to waitSeconds for the sign-in to finish.
func (a *App) SignInStatus(waitSeconds int) (api.SignInState, error) {
	wait := time.Duration(max(waitSeconds, 0)) * time.Second
	return call(a, wait+10*time.Second, func(ctx context.Context, s api.Service) (api.SignInState, error) { return s.SignInStatus(ctx, wait) })
}

func (a *App) CancelSignIn() error {
	return call0(a, 10*time.Second, func(ctx context.Context, s api.Service) error { return s.CancelSignIn(ctx) })
}

func (a *App) StartDemo() error {
	return call0(a, 30*time.Second, func(ctx context.Context, s api.Service) error { return s.StartDemo(ctx) })
}

func (a *App) Settings() (api.Settings, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.Settings, error) { return s.Settings(ctx) })
}

func (a *App) SaveSettings(settings api.Settings) error {
	return call0(a, 10*time.Second, func(ctx context.Context, s api.Service) error { return s.SaveSettings(ctx, settings) })
}

func (a *App) Reset(confirm string) error {
	return call0(a, 30*time.Second, func(ctx context.Context, s api.Service) error { return s.Reset(ctx, confirm) })
}

func (a *App) Catalogue() (api.CatalogueView, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.CatalogueView, error) { return s.Catalogue(ctx) })
}

func (a *App) EditCatalogue(edits []api.CatalogueEdit) (api.CatalogueChange, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.CatalogueChange, error) {
		return s.EditCatalogue(ctx, edits)
	})
}

func (a *App) ImportCatalogue(yaml string) (api.CatalogueChange, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.CatalogueChange, error) {
		return s.ImportCatalogue(ctx, yaml)
	})
}

func (a *App) ResetCatalogue() (api.CatalogueView, error) {
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) (api.CatalogueView, error) { return s.ResetCatalogue(ctx) })
}

// ExportCatalogue asks where to save the catalogue's YAML (a save dialog)
// and writes it there; it returns the path, or "" if the user cancelled.
// The catalogue holds no patient data. The web view's own downloads are
// unreliable in WebKitGTK, hence the native dialog.
func (a *App) ExportCatalogue() (string, error) {
	view, err := a.Catalogue()
	if err != nil {
		return "", err
	}
	name := "healthprep-screenings-" + strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, view.Version) + ".yaml"
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title: "Export the screening catalogue", DefaultFilename: name,
		Filters: []runtime.FileFilter{{DisplayName: "YAML (*.yaml)", Pattern: "*.yaml;*.yml"}},
	})
	if err != nil || path == "" {
		return "", wire(err)
	}
	if err := os.WriteFile(path, []byte(view.YAML), 0o644); err != nil {
		return "", wire(api.NewError(api.KindBadRequest, "The catalogue could not be saved there: "+err.Error()))
	}
	return path, nil
}

// Audit returns the audit log since an RFC 3339 time ("" for all).
func (a *App) Audit(since string) ([]api.AuditEntry, error) {
	var t time.Time
	if since != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, since); err != nil {
			return nil, wire(api.NewError(api.KindBadRequest, "since must be an RFC 3339 time"))
		}
	}
	return call(a, 10*time.Second, func(ctx context.Context, s api.Service) ([]api.AuditEntry, error) { return s.Audit(ctx, t) })
}
