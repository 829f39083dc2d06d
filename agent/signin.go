package agent

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/pkg/browser"
	"golang.org/x/oauth2"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/smart"
)

func init() {
	// xdg-open and friends chatter on stdout, which the CLI uses for output.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
}

// signInJob is a browser sign-in under way or just finished.
type signInJob struct {
	si    *smart.SignIn
	done  chan struct{} // closed when state is final
	state api.SignInState
}

// StartSignIn opens the system browser at Epic's sign-in page (unless
// req.NoBrowser) and returns at once with the page's URL; SignInStatus
// follows it. When it succeeds the agent sets up lasting access (a device
// key registered with Epic, else a refresh token) in the keychain.
func (a *Agent) StartSignIn(ctx context.Context, req api.SignInRequest) (api.SignInState, error) {
	p, err := a.current()
	if err != nil {
		return api.SignInState{}, err
	}
	if t := p.tenant(); t.InProcess { // no sign-in: its tokens are minted here
		now := a.now()
		return api.SignInState{State: api.SignInDone, User: t.SignedInAs, AccessMode: string(access.ModeDemo), StartedAt: &now}, nil
	}
	a.mu.Lock()
	if a.signin != nil && a.signin.state.State == api.SignInWaiting {
		a.mu.Unlock()
		return api.SignInState{}, api.NewError(api.KindBusy, "A sign-in is already waiting in the browser: finish it there, or cancel it and start again.")
	}
	a.mu.Unlock()
	cfg, err := a.discovery(ctx, p, true)
	if err != nil {
		return api.SignInState{}, err
	}
	acc := a.accessFor(p)
	secret, key := acc.ClientSecret(ctx), acc.ClientKey(ctx)
	open := a.opts.OpenBrowser
	if open == nil {
		open = browser.OpenURL
	}
	if req.NoBrowser {
		open = nil
	}
	scopes := p.Scopes // the practice's own, else its profile's
	if len(scopes) == 0 {
		scopes = p.tenant().Scopes
	}
	si, err := smart.StartSignIn(a.syncs.life, smart.SignInOptions{
		Config: cfg, ClientID: p.ClientID, ClientSecret: secret, ClientKey: key, RedirectPort: p.RedirectPort, Scopes: access.SignInScopes(cfg, scopes, p.Send.Enabled),
		OpenBrowser: open, Net: a.netOptions(), Log: a.log, Now: a.opts.Now,
	})
	if err != nil {
		return api.SignInState{}, smartError(err)
	}
	started := a.now()
	job := &signInJob{si: si, done: make(chan struct{}), state: api.SignInState{State: api.SignInWaiting, URL: si.URL(), StartedAt: &started}}
	a.mu.Lock()
	a.signin = job
	a.mu.Unlock()
	a.syncs.background(func(life context.Context) { a.finishSignIn(life, job, cfg, p) })
	return job.state, nil
}

// finishSignIn waits for the browser, then sets up lasting access.
func (a *Agent) finishSignIn(ctx context.Context, job *signInJob, cfg *smart.Config, p Practice) {
	state := api.SignInState{URL: job.state.URL, StartedAt: job.state.StartedAt}
	sess, err := job.si.Wait(ctx)
	if err == nil {
		var mode smart.AccessMode
		mode, err = a.establish(ctx, cfg, p, sess)
		state.User, state.AccessMode, state.AccessNote = sess.Identity.Display(), string(mode), access.Note(mode)
	}
	if err != nil {
		state.State, state.Error = api.SignInFailed, api.AsError(smartError(err)).Message
		a.audit(ctx, "signin.failed", map[string]string{"reason": kindName(err)})
		if errors.Is(err, smart.ErrWrongIssuer) {
			a.log.Error("ALERT: Epic's id_token came from an unexpected issuer; sign-in refused", "expected", cfg.Issuer)
		}
	} else {
		state.State = api.SignInDone
		a.audit(ctx, "signin", map[string]string{"user": state.User, "fhirUser": sess.Identity.FHIRUser, "accessMode": state.AccessMode})
		a.log.Info("signed in to Epic", "accessMode", state.AccessMode)
	}
	a.mu.Lock()
	job.state = state
	a.mu.Unlock()
	close(job.done)
}

// establish hands the sign-in to the access part, which keeps what lasts
// in the keychain, records who signed in and makes the new token source
// current.
func (a *Agent) establish(ctx context.Context, cfg *smart.Config, p Practice, sess *smart.Session) (smart.AccessMode, error) {
	got, err := a.accessFor(p).Establish(ctx, cfg, sess)
	if err != nil {
		return "", err
	}
	if got.Registration != nil {
		a.log.Warn("no new device key", "mode", got.Mode, "reason", kindName(got.Registration))
	}
	if got.Mode == smart.ModeInteractive {
		a.log.Warn("signed in for this session only: the server gave no lasting access")
	}
	who := &SignedInUser{Name: sess.Identity.Display(), FHIRUser: sess.Identity.FHIRUser, At: a.now().UTC(),
		WriteNotes: len(sess.Scopes) == 0 || access.CanWriteNotes(sess.Scopes)}
	current, err := a.updatePractice(p.ID(), func(cur *Practice) { cur.SignedIn, cur.Discovery = who, cfg })
	if err != nil {
		a.log.Warn("saving who signed in", "err", err)
	}
	if !current {
		return "", api.NewError(api.KindBusy, "The practice was reset or replaced while signing in; sign in again.")
	}
	return got.Mode, nil
}

// SignInStatus reports the sign-in, waiting up to wait for it to end.
func (a *Agent) SignInStatus(ctx context.Context, wait time.Duration) (api.SignInState, error) {
	a.mu.Lock()
	job := a.signin
	a.mu.Unlock()
	if job == nil {
		return api.SignInState{State: api.SignInIdle}, nil
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-job.done:
		case <-t.C:
		case <-ctx.Done():
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return job.state, nil
}

// CancelSignIn gives up on a sign-in waiting in the browser.
func (a *Agent) CancelSignIn(ctx context.Context) error {
	a.mu.Lock()
	job := a.signin
	a.mu.Unlock()
	if job == nil || job.state.State != api.SignInWaiting {
		return api.NewError(api.KindNotFound, "no sign-in is waiting")
	}
	job.si.Cancel()
	<-job.done
	return nil
}

// discovery returns the practice's SMART configuration: the saved one
// while fresh, else discovered again (and saved). force rediscovers, as a
// sign-in does, and the issuer must still be the one set up.
func (a *Agent) discovery(ctx context.Context, p Practice, force bool) (*smart.Config, error) {
	if !force && p.Discovery.Fresh(a.now()) {
		return p.Discovery, nil
	}
	cfg, err := smart.Discover(ctx, p.FHIRBase, a.netOptions())
	if err != nil {
		if !force && p.Discovery != nil && !errors.Is(err, smart.ErrWrongIssuer) {
			a.log.Warn("rediscovery failed; using the saved endpoints", "reason", kindName(err))
			return p.Discovery, nil
		}
		return nil, smartError(err)
	}
	if err := cfg.CheckIssuer(p.Issuer); err != nil {
		a.log.Error("ALERT: the server now names another issuer than at setup; sign-in refused", "expected", p.Issuer)
		a.audit(ctx, "alert.issuer", map[string]string{"expected": p.Issuer, "got": cfg.Issuer})
		return nil, smartError(err)
	}
	if _, err := a.updatePractice(p.ID(), func(cur *Practice) { cur.Discovery = cfg }); err != nil {
		a.log.Warn("saving the discovered endpoints", "err", err)
	}
	return cfg, nil
}

// kindName names an error's kind for logs and the audit: never its text,
// which may quote a server.
func kindName(err error) string {
	if k := smart.KindOf(err); k != nil {
		return k.Error()
	}
	return "other"
}

var _ oauth2.TokenSource = (*smart.Source)(nil)
