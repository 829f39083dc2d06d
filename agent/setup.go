package agent

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/smart"
)

// CheckSetup cleans what the manager pasted and says what is wrong with
// it, as they type; with Discover it also asks the server what it offers.
// Nothing is saved.
func (a *Agent) CheckSetup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	out, _, err := a.checkSetup(ctx, req)
	return out, err
}

func (a *Agent) checkSetup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, *smart.Config, error) {
	base, id, probs := smart.Clean(req.FHIRBase, req.ClientID)
	out := api.SetupCheck{FHIRBase: base, ClientID: id, Problems: []api.Problem{}}
	for _, p := range probs {
		out.Problems = append(out.Problems, api.Problem{Field: p.Field, Message: p.Message})
	}
	if req.RedirectPort != 0 && (req.RedirectPort < 1024 || req.RedirectPort > 65535) {
		out.Problems = append(out.Problems, api.Problem{Field: "redirectPort", Message: "The sign-in port must be between 1024 and 65535, the one registered with the app at Epic (usually 53682)."})
	}
	if len(out.Problems) > 0 || !req.Discover {
		return out, nil, nil
	}
	cfg, err := smart.Discover(ctx, base, a.netOptions())
	if cfg != nil {
		out.Discovery = discoveryInfo(cfg)
	}
	if err != nil {
		return out, nil, smartError(err)
	}
	return out, cfg, nil
}

// Setup saves the practice after checking it with discovery. A problem
// with the pasted values comes back in SetupCheck.Problems and saves
// nothing. Setting up a different practice than the one configured needs
// Reset, which first wipes the old practice's cache and keychain items;
// the same practice again updates its settings and keeps its sign-in.
func (a *Agent) Setup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	req.Discover = true
	a.mu.Lock()
	pv := a.presetValues
	a.mu.Unlock()
	if pv != nil {
		req = pv.fill(req)
	}
	out, cfg, err := a.checkSetup(ctx, req)
	if err != nil || len(out.Problems) > 0 {
		return out, err
	}
	a.mu.Lock()
	var old *Practice
	if a.practice != nil && !a.practice.Demo {
		cp := *a.practice
		old = &cp
	}
	a.mu.Unlock()
	same := old != nil && old.FHIRBase == out.FHIRBase && old.ClientID == out.ClientID
	if old != nil && !same {
		if !req.Reset {
			return out, api.NewError(api.KindBusy, fmt.Sprintf("This computer is already set up for %s (%s). Setting up a different practice removes that practice's saved days and sign-in from this computer: reset it first (Settings, or setup --reset).", nameOr(old.Name, "another practice"), old.FHIRBase))
		}
		if err := a.wipePractice(ctx); err != nil {
			return out, fmt.Errorf("removing the previous practice: %w", err)
		}
		old = nil
	}
	p := Practice{ConfiguredAt: a.now().UTC()}
	if old != nil {
		p = *old
	}
	p.FHIRBase, p.ClientID, p.Issuer, p.Discovery = out.FHIRBase, out.ClientID, cfg.Issuer, cfg
	p.Name = nameOr(strings.TrimSpace(req.Name), nameOr(p.Name, hostOf(p.FHIRBase)))
	if req.RedirectPort != 0 {
		p.RedirectPort = req.RedirectPort
	}
	if req.Schedule != nil {
		p.Schedule = ScheduleSource{Kind: req.Schedule.Kind, ProviderIDs: req.Schedule.ProviderIDs}
	}
	p = p.withDefaults()
	if err := validSchedule(p.Schedule); err != nil {
		return out, api.NewError(api.KindBadRequest, err.Error())
	}
	if req.ClientSecret != "" {
		if err := a.accessFor(p).SetClientSecret(ctx, req.ClientSecret); err != nil {
			return out, fmt.Errorf("the client secret could not be kept in the keychain, so nothing was saved: %w", err)
		}
	}
	if err := SavePractice(a.opts.Dir, p); err != nil {
		return out, err
	}
	if old == nil { // leaving the demo (or nothing) for the new practice
		a.stopWork()
		if _, err := a.detach(); err != nil {
			a.log.Warn("closing the demo", "err", err)
		}
	}
	a.mu.Lock()
	a.practice, a.preset, a.presetValues = &p, nil, nil
	a.mu.Unlock()
	if old != nil {
		a.accessFor(p).Forget() // new discovery or secret: rebuild the token source
	}
	a.audit(ctx, "setup", map[string]string{"fhirBase": p.FHIRBase, "clientId": p.ClientID, "schedule": p.Schedule.Kind})
	a.log.Info("practice set up", "fhirBase", p.FHIRBase)
	return out, nil
}

func validSchedule(s ScheduleSource) error {
	switch s.Kind {
	case "provider-service", "fhir-appointments":
		return nil
	case "file":
		return nil
	}
	return fmt.Errorf("the schedule source %q is not known: use provider-service, fhir-appointments or file", s.Kind)
}

func nameOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return base
}

func discoveryInfo(c *smart.Config) *api.DiscoveryInfo {
	return &api.DiscoveryInfo{Authorize: c.AuthorizeURL, Token: c.TokenURL, Issuer: c.Issuer, Register: c.RegistrationURL, PKCES256: c.PKCES256}
}

// smartError gives a sign-in or discovery failure the API kind the app
// acts on; the words are smart's, written for the manager.
func smartError(err error) error {
	var se *smart.Error
	if !errors.As(err, &se) {
		return err
	}
	kind := api.KindBadRequest
	switch {
	case errors.Is(err, smart.ErrUnreachable):
		kind = api.KindOffline
	case errors.Is(err, smart.ErrSignInRequired):
		kind = api.KindNeedsSignIn
	case errors.Is(err, smart.ErrBusy), errors.Is(err, smart.ErrPortInUse):
		kind = api.KindBusy
	case errors.Is(err, smart.ErrWrongIssuer):
		kind = api.KindForbidden
	}
	return &api.Error{Kind: kind, Message: se.Message, Detail: se.Detail}
}

func (a *Agent) netOptions() smart.NetOptions { return smart.NetOptions{HTTP: a.opts.HTTP} }
