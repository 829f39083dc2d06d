package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
)

// Connect attaches to the user's running agent, or starts one (the
// healthprep-agent binary beside the app) and waits for its socket. The
// agent keeps running after the window closes: it owns the morning sync.
func Connect(ctx context.Context, log *slog.Logger) (api.Service, error) {
	dir, err := localapi.DataDir()
	if err != nil {
		return nil, err
	}
	if c, err := api.Attach(ctx, dir); err == nil {
		return c, nil
	}
	bin, err := agentBinary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	startDetached(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the HealthPrep agent (%s): %w", bin, err)
	}
	log.Info("started the agent", "pid", cmd.Process.Pid)
	go cmd.Wait() // reap it if it exits while the app runs

	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := api.Attach(ctx, dir); err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, errors.New("the HealthPrep agent did not start within 15 seconds; run `healthprep-agent serve -v` to see why")
}

// agentBinary finds healthprep-agent next to the app, else on PATH.
func agentBinary() (string, error) {
	name := "healthprep-agent"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("cannot find %s next to the app or on PATH: reinstall HealthPrep Desk", name)
}
