package agent

import (
	"context"
	"path/filepath"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/store"
)

// The practice's cache: its days part (days.go), made here for the
// current practice, and the audit log kept in it.

// cacheDir is where a practice's cache lives: its profile's directory, so
// the demo's is its own and trying it never touches a practice's data.
func (a *Agent) cacheDir(p Practice) string {
	return filepath.Join(a.opts.Dir, p.tenant().CacheDir)
}

// daysFor is the current practice's days part (its cache), made on first
// use and closed with the practice (closePractice).
func (a *Agent) daysFor() (*dayStore, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.days != nil {
		return a.days, nil
	}
	if a.practice == nil {
		return nil, api.NewError(api.KindNotConfigured, ErrNotConfigured.Error())
	}
	p := *a.practice
	// The key is read when the cache is opened, from the practice's access
	// part then (accessFor takes mu, so not here).
	key := func(ctx context.Context) ([]byte, error) {
		if a.opts.CacheOnly {
			return a.accessFor(p).Key(ctx)
		}
		return a.accessFor(p).CacheKey(ctx)
	}
	a.days = newDayStore(a.cacheDir(p), key, p.tenant().ThrowawayKey, a.log.With("profile", p.Profile))
	return a.days, nil
}

// openStore opens (once) the current practice's encrypted cache.
func (a *Agent) openStore(ctx context.Context) (*store.Store, error) {
	d, err := a.daysFor()
	if err != nil {
		return nil, err
	}
	return d.store(ctx)
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
