package agent

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/tenant"
)

// demoPractice is the demo: the demo profile (internal/tenant) over the
// simulated tenant's practice. Its FHIR base is the running simulator's,
// so it is not stored.
func demoPractice() Practice {
	return Practice{
		Name:         "Demo Family Medicine",
		ClientID:     epicsim.DemoClientID,
		Profile:      tenant.Demo.Name,
		prof:         &tenant.Demo,
		Schedule:     ScheduleSource{Kind: "provider-service", ProviderIDs: []string{"E1001", "E1002", "E1003"}},
		ConfiguredAt: time.Now().UTC(),
	}.withDefaults()
}

// httpFor is the HTTP client for the practice's server; an in-process
// tenant's (the demo's) is reached in this process, through no socket.
func (a *Agent) httpFor(p Practice) *http.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.tenant().InProcess && a.demo != nil {
		return &http.Client{Transport: a.demo.Transport(), Timeout: a.opts.HTTP.Timeout}
	}
	return a.opts.HTTP
}

// startDemoTenant starts the simulated Epic tenant in this process, for
// a practice whose profile is InProcess (the demo).
func (a *Agent) startDemoTenant(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.demo != nil {
		return nil
	}
	// In process: the demo opens no TCP port that any local user could read.
	srv, err := epicsim.Start(ctx, epicsim.Options{Now: a.opts.Now, Logger: a.log.With("part", "epicsim"), InProcess: true})
	if err != nil {
		return fmt.Errorf("starting the demo practice: %w", err)
	}
	a.demo = srv
	return nil
}

// StartDemo switches an unconfigured install to the demo practice. A
// configured practice is never replaced by the demo: that takes a reset.
func (a *Agent) StartDemo(ctx context.Context) error {
	a.mu.Lock()
	configured := a.practice != nil && !a.practice.tenant().Transient
	a.mu.Unlock()
	if configured {
		return api.NewError(api.KindBusy, "a practice is already set up on this computer; reset it in Settings to use the demo")
	}
	if err := a.startDemoTenant(ctx); err != nil {
		return err
	}
	p := demoPractice()
	a.mu.Lock()
	a.practice = &p
	a.mu.Unlock()
	a.log.Info("demo practice started")
	return nil
}
