package agent

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// probeEvery is how often the service asks whether Epic answers. Once a
// minute is nothing to Epic and soon enough for the front desk, who would
// otherwise see "Online" until the next update failed.
const probeEvery = time.Minute

// probeTimeout bounds one probe: an Epic that takes longer is as good as
// away for the front desk.
const probeTimeout = 10 * time.Second

// unreachable is the reason the header and banner give, the same words as a
// failed sync's, so one outage reads as one message.
const unreachable = "Epic cannot be reached"

// runProbe checks Epic's reachability every interval until ctx ends, so the
// online state on screen is true between updates.
func (a *Agent) runProbe(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.probe(ctx)
		}
	}
}

// probe asks for the FHIR server's SMART configuration: a small public
// document, with no token and no patient in the request. Any answer below
// 500 means Epic is there; a refused or timed-out connection or a server
// error means it is not, as a sync would find. A running sync is left to
// say for itself.
func (a *Agent) probe(ctx context.Context) {
	p, err := a.current()
	if err != nil {
		return
	}
	ss := a.syncs.state()
	was := ss.net.online
	if ss.syncing {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	base := strings.TrimRight(a.fhirBase(p), "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/.well-known/smart-configuration", nil)
	if err != nil {
		return
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.httpFor(p).Do(req)
	ok := err == nil && resp.StatusCode < 500
	if err == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return // the agent is stopping: no news about Epic
	}
	if ok != was {
		a.log.Info("Epic reachability changed", "online", ok)
	}
	if ok {
		a.syncs.markOnline(true, "")
	} else {
		a.syncs.markOnline(false, unreachable)
	}
}
