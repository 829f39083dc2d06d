package agent

import (
	"github.com/healthprep/desk/agent/access"
)

// The practice's access part (agent/access): made here for the current
// practice and kept while it is current.

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
