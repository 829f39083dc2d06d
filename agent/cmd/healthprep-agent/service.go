package main

import (
	"context"
	"errors"
	"fmt"
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
	dir, err := agent.DataDir()
	if err != nil {
		return nil, nil, err
	}
	if hc, err := localapi.HTTPClient(dir); err == nil {
		c := api.NewClient(hc)
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, perr := c.Status(pctx)
		cancel()
		if perr == nil {
			return c, func() {}, nil
		}
	}
	a, err := agent.Open(ctx, agent.Options{Dir: dir, Log: g.logger()})
	if err != nil {
		return nil, nil, err
	}
	return a, func() { a.Close() }, nil
}

// run wraps a command that needs the agent: it gets the service (the
// running agent, or the data directory opened directly) and releases it.
func (g *globals) run(f func(cmd *cobra.Command, svc api.Service) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		svc, done, err := g.service(cmd.Context())
		if err != nil {
			return err
		}
		defer done()
		return f(cmd, svc)
	}
}

func newStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop this user's running agent (a running sync stops; the saved prep stays)",
		Args:  cobra.NoArgs,
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
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://agent/v1/shutdown", nil)
			resp, err := hc.Do(req)
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), "The agent is not running.")
				return nil
			}
			resp.Body.Close()
			// Wait for the socket to go, so an installer can replace the files.
			for ctx.Err() == nil {
				if _, err := localapi.HTTPClient(dir); err != nil {
					fmt.Fprintln(cmd.OutOrStdout(), "The agent stopped.")
					return nil
				}
				time.Sleep(50 * time.Millisecond)
			}
			return errors.New("the agent was asked to stop but is still running after 5 s")
		},
	}
}
