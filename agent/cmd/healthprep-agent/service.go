package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
)

// service reaches the running agent through its socket, or, when none runs,
// opens the data directory directly. done releases what it opened.
func (g *globals) service(ctx context.Context) (svc api.Service, done func(), err error) {
	return g.open(ctx, agent.Options{})
}

// open is service with the options of the agent it opens when none runs.
func (g *globals) open(ctx context.Context, o agent.Options) (svc api.Service, done func(), err error) {
	dir, err := agent.DataDir()
	if err != nil {
		return nil, nil, err
	}
	if c, err := api.Attach(ctx, dir); err == nil {
		return c, func() {}, nil
	}
	o.Dir, o.Log = dir, g.logger()
	a, err := agent.Open(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { a.Close() }, nil
}

// run wraps a command that needs the agent: it gets the service (the
// running agent, or the data directory opened directly) and releases it.
func (g *globals) run(f func(cmd *cobra.Command, svc api.Service) error) func(*cobra.Command, []string) error {
	return g.runWith(agent.Options{}, f)
}

// runCacheOnly is run for a command that only reads the cache (prep): an
// agent it opens reads the cache key alone from the keychain at start.
func (g *globals) runCacheOnly(f func(cmd *cobra.Command, svc api.Service) error) func(*cobra.Command, []string) error {
	return g.runWith(agent.Options{CacheOnly: true}, f)
}

func (g *globals) runWith(o agent.Options, f func(cmd *cobra.Command, svc api.Service) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		svc, done, err := g.open(cmd.Context(), o)
		if err != nil {
			return err
		}
		defer done()
		return f(cmd, svc)
	}
}

// stopWaitMax bounds how long stop waits for the agent to exit: a running
// sync stops first and the cache is closed (compacted) after it.
const stopWaitMax = 30 * time.Second

func newStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop this user's running agent (a running sync stops; the saved prep stays)",
		Long: `Stops this user's running agent and returns when its process has exited, so the
cache is free for the next start, an installer or a backup.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := agent.DataDir()
			if err != nil {
				return err
			}
			hc, err := localapi.HTTPClient(dir)
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "The agent is not running.")
				return nil
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), stopWaitMax)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://agent/v1/shutdown", nil)
			resp, err := hc.Do(req)
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "The agent is not running.")
				return nil
			}
			var reply agent.ShutdownReply
			json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&reply) // an older agent sends no pid
			resp.Body.Close()
			// The socket goes before the cache is released: wait for the
			// process itself, so the next start finds the cache free.
			for ctx.Err() == nil {
				_, sockErr := localapi.HTTPClient(dir)
				if sockErr != nil && (reply.PID <= 0 || processExited(reply.PID)) {
					fmt.Fprintln(cmd.OutOrStdout(), "The agent stopped.")
					return nil
				}
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
			return fmt.Errorf("the agent was asked to stop but is still running after %s", stopWaitMax)
		},
	}
}
