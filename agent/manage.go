package agent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
)

// Reset wipes the practice: its cache, its keychain items, its catalogue
// and its configuration, then returns to the demo. It needs the word RESET.
func (a *Agent) Reset(ctx context.Context, confirm string) error {
	if strings.TrimSpace(confirm) != "RESET" {
		return api.NewError(api.KindBadRequest, "Type RESET to confirm.")
	}
	if err := a.wipePractice(ctx); err != nil {
		return err
	}
	return a.StartDemo(ctx)
}

// wipePractice stops what runs for the current practice (a sync, a
// sign-in), closes its cache and removes everything this computer holds
// for it. The agent is left unconfigured.
func (a *Agent) wipePractice(ctx context.Context) error {
	a.stopWork()
	a.mu.Lock()
	p := a.practice
	a.mu.Unlock()
	acc, _ := a.closePractice()
	var errs []error
	if p != nil && !p.tenant().Transient {
		if acc == nil {
			acc = a.newAccess(*p)
		}
		errs = append(errs, acc.Reset(ctx))
		errs = append(errs, os.RemoveAll(a.cacheDir(*p)))
		for _, f := range []string{practiceFile, catalogueFile} {
			if err := os.Remove(filepath.Join(a.opts.Dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	a.log.Info("practice removed from this computer")
	return nil
}

// stopWork cancels a running sync and sign-in and waits for the sync to
// give up (it keeps the saved day as it was).
func (a *Agent) stopWork() {
	a.mu.Lock()
	job := a.signin
	a.mu.Unlock()
	if job != nil {
		job.si.Cancel()
	}
	a.syncs.stop()
}

// closePractice forgets the current practice: it closes the cache and the demo
// tenant, drops its access (tokens) and the catalogue, and returns the
// access part it held (nil if none) for the caller to use on the way out.
func (a *Agent) closePractice() (*access.Access, error) {
	a.mu.Lock()
	days, demo, acc := a.days, a.demo, a.acc
	a.days, a.demo, a.acc, a.accID = nil, nil, nil, ""
	a.practice, a.cats, a.signin = nil, nil, nil
	a.mu.Unlock()
	a.syncs.forget()
	var errs []error
	if days != nil {
		errs = append(errs, days.close())
	}
	if demo != nil {
		errs = append(errs, demo.Close())
	}
	return acc, errors.Join(errs...)
}
