// Command healthprep is the HealthPrep Desk desktop app: a Wails window over
// the local agent, which owns credentials, sync and the encrypted cache.
package main

import (
	"context"
	"embed"
	"log/slog"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/app"
)

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := app.New(log, func(ctx context.Context) (api.Service, error) { return app.Connect(ctx, log) })
	startup, shutdown := app.Lifecycle(a)
	err := wails.Run(&options.App{
		// The title never carries patient data: it is visible in task bars and screen shares.
		Title:            "HealthPrep Desk",
		Width:            1280,
		Height:           800,
		MinWidth:         1024,
		MinHeight:        700,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 248, G: 249, B: 251, A: 1},
		OnStartup:        startup,
		OnShutdown:       shutdown,
		Bind:             []any{a},
		Linux:            &linux.Options{Icon: icon, ProgramName: "healthprep"},
	})
	if err != nil {
		log.Error("app stopped", "err", err)
		os.Exit(1)
	}
}
