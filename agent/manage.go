package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/healthprep/desk/agent/api"
)

// Reset wipes the practice: its cache, its keychain items and its
// configuration, then returns to the demo. It needs the word RESET.
func (a *Agent) Reset(ctx context.Context, confirm string) error {
	if strings.TrimSpace(confirm) != "RESET" {
		return api.NewError(api.KindBadRequest, "Type RESET to confirm.")
	}
	a.mu.Lock()
	p, st, kc := a.practice, a.store, a.kc
	a.store, a.kc, a.ts = nil, nil, nil
	a.mu.Unlock()
	var errs []error
	if st != nil {
		errs = append(errs, st.Close())
	}
	if p != nil && !p.Demo {
		if kc == nil {
			kc, _ = a.keychainFor(ctx, *p)
		}
		if kc != nil {
			errs = append(errs, kc.DeleteAll(ctx))
		}
		errs = append(errs, os.RemoveAll(a.cacheDir(*p)))
		if err := os.Remove(filepath.Join(a.opts.Dir, practiceFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	a.log.Info("practice reset")
	a.mu.Lock()
	a.practice = nil
	a.mu.Unlock()
	return a.StartDemo(ctx)
}

// CheckSetup, Setup and SignIn need the sign-in package (internal/smart),
// which this build does not have yet; they say so rather than pretend.
func (a *Agent) CheckSetup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	return api.SetupCheck{}, errNoSignIn
}

func (a *Agent) Setup(ctx context.Context, req api.SetupRequest) (api.SetupCheck, error) {
	return api.SetupCheck{}, errNoSignIn
}

func (a *Agent) StartSignIn(ctx context.Context) (api.SignInState, error) {
	return api.SignInState{}, errNoSignIn
}

func (a *Agent) SignInStatus(ctx context.Context, wait time.Duration) (api.SignInState, error) {
	return api.SignInState{State: api.SignInIdle}, nil
}

func (a *Agent) CancelSignIn(ctx context.Context) error { return nil }

var errNoSignIn = api.NewError(api.KindNotConfigured, "connecting a practice's own Epic is not available in this version yet; the demo practice works fully")
