// Package app holds the Wails bindings: thin methods the frontend calls,
// each relaying to the local agent. No business logic lives here.
package app

import (
	"context"
	"log/slog"

	"github.com/healthprep/desk/internal/buildinfo"
)

// App is bound to the frontend; its exported methods become wailsjs bindings.
type App struct {
	ctx context.Context
	log *slog.Logger
}

// New returns an App that logs to log.
func New(log *slog.Logger) *App { return &App{log: log} }

// Lifecycle returns the hooks main passes to Wails. They are functions, not
// exported methods, so Wails does not bind them for the frontend to call.
func Lifecycle(a *App) (startup func(context.Context), shutdown func(context.Context)) {
	return a.startup, a.shutdown
}

func (a *App) startup(ctx context.Context) { a.ctx = ctx }

func (a *App) shutdown(context.Context) {}

// Version reports the build, for the About box.
func (a *App) Version() buildinfo.Info { return buildinfo.Get() }
