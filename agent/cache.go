package agent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/healthprep/desk/agent/access"
	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/store"
)

// cacheDir is where a practice's cache lives: its profile's directory, so
// the demo's is its own and trying it never touches a practice's data.
func (a *Agent) cacheDir(p Practice) string {
	return filepath.Join(a.opts.Dir, p.tenant().CacheDir)
}

// keychainID names the practice's keychain items: its profile's fixed id
// (the demo's), else the practice's own.
func keychainID(p Practice) string {
	if id := p.tenant().KeychainID; id != "" {
		return id
	}
	return p.ID()
}

// accessFor is the practice's access part (its keychain items, sign-in and
// tokens), made on first use and kept while the practice is current.
func (a *Agent) accessFor(p Practice) *access.Access {
	id := keychainID(p)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.acc == nil || a.accID != id {
		a.acc, a.accID = a.newAccess(p), id
	}
	return a.acc
}

// newAccess makes the access part of a practice.
func (a *Agent) newAccess(p Practice) *access.Access {
	return access.New(access.Options{PracticeID: keychainID(p), ClientID: p.ClientID, DataDir: a.opts.Dir,
		Net: a.netOptions(), Log: a.log, Now: a.opts.Now})
}

// openStore opens (once) the encrypted cache with its key from the
// keychain. A profile with synthetic data (the demo's) falls back to a
// throwaway key when no keychain is available, starting from an empty cache.
func (a *Agent) openStore(ctx context.Context) (*store.Store, error) {
	// One opener at a time: Badger locks its directory, so a second open in
	// this process would fail as if another agent held the cache.
	a.storeOpen.Lock()
	defer a.storeOpen.Unlock()
	a.mu.Lock()
	st, p := a.store, a.practice
	a.mu.Unlock()
	if st != nil {
		return st, nil
	}
	if p == nil {
		return nil, api.NewError(api.KindNotConfigured, ErrNotConfigured.Error())
	}
	dir := a.cacheDir(*p)
	key, err := a.accessFor(*p).CacheKey(ctx)
	if err != nil {
		if !p.tenant().ThrowawayKey {
			return nil, fmt.Errorf("the cache key could not be read: %w", err)
		}
		a.log.Warn("no keychain; using a throwaway cache key for synthetic data", "profile", p.Profile, "reason", err.Error())
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	}
	st, aside, err := store.OpenOrRebuild(ctx, dir, key, a.log)
	if errors.Is(err, store.ErrLocked) {
		return nil, api.NewError(api.KindBusy, err.Error())
	}
	if err != nil {
		return nil, err
	}
	if aside != "" {
		a.log.Warn("the cache could not be read and was moved aside; the next sync rebuilds it", "movedTo", aside)
		a.mu.Lock()
		a.notice = "The saved prep on this computer could not be read, so it was set aside (" + aside + ") and will be fetched again from Epic at the next update. Nothing in Epic is affected."
		a.mu.Unlock()
	}
	a.mu.Lock()
	a.store = st
	a.mu.Unlock()
	return st, nil
}

// audit appends to the audit log in the encrypted cache. Failures are
// logged, not returned: the audit must not block the front desk.
func (a *Agent) audit(ctx context.Context, event string, fields map[string]string) {
	st, err := a.openStore(ctx)
	if err == nil {
		err = st.AppendAudit(ctx, store.AuditEntry{At: a.now().UTC(), Event: event, Fields: fields})
	}
	if err != nil {
		a.log.Warn("audit entry not written", "event", event, "err", err)
	}
}

// Audit returns the audit log since a time.
func (a *Agent) Audit(ctx context.Context, since time.Time) ([]api.AuditEntry, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	es, err := st.Audit(ctx, since)
	out := make([]api.AuditEntry, 0, len(es))
	for _, e := range es {
		out = append(out, api.AuditEntry{At: e.At, Event: e.Event, Fields: e.Fields})
	}
	return out, err
}
