// Package agent is the local agent: it owns the practice configuration,
// credentials (through internal/keychain), sign-in, day sync, the encrypted
// cache and prep. The CLI and the desktop app both drive it.
//
// Agent (agent.go) is the thin front the API calls. Its parts keep their
// own state under their own lock and never refer back to it: the sync
// part (syncer.go: the sync under way, background work, progress, online
// state), the days part (days.go: one practice's cache, decoded days,
// what their documents said, retention, prep of a day), the access part
// (agent/access) and the catalogue part (catalogues.go).
package agent
