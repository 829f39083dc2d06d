// Command healthprep-agent is the HealthPrep Desk local agent: it owns the
// practice's credentials, signs in, syncs the day from Epic into the
// encrypted cache and builds prep lists. It runs headless; the desktop app
// talks to it. Cobra gives consistent help, flag parsing and completion.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent/localapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if errors.Is(err, localapi.ErrAlreadyRunning) {
		// Not a failure: the agent this would start is already at work, and
		// login items (systemd, launchd) must not retry it every few seconds.
		fmt.Fprintln(os.Stderr, "healthprep-agent:", err)
		os.Exit(0)
	}
	if err != nil {
		// Errors shown here are written for the practice manager; they carry no
		// tokens or patient data (see the packages that build them).
		fmt.Fprintln(os.Stderr, "error:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

type exitCoder interface{ ExitCode() int }

type globals struct {
	verbose bool
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "healthprep-agent",
		Short:         "HealthPrep Desk local agent: Epic sign-in, day sync, encrypted cache, prep lists",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log debug detail to stderr (never tokens or patient data)")
	root.AddCommand(
		newVersionCmd(),
		newSandboxCmd(g),
		newServeCmd(g),
		newStatusCmd(g),
		newSyncCmd(g),
		newPrepCmd(g),
		newSendCmd(g),
		newResetCmd(g),
		newSetupCmd(g),
		newSignInCmd(g),
		newClientKeyCmd(g),
		newPresetCmd(),
		newScheduleCmd(g),
		newStopCmd(),
	)
	return root
}
