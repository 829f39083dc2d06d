package main

import (
	"context"
	"time"

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
