// Package agent is the local agent: it owns the practice configuration,
// credentials (through internal/keychain), sign-in, day sync, the encrypted
// cache and prep. The CLI and the desktop app both drive it.
package agent
