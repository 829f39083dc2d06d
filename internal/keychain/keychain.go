// Package keychain is the only place HealthPrep writes secrets: the OS
// keychain through github.com/99designs/keyring (macOS Keychain, Windows
// Credential Manager, the Secret Service on Linux). Items are namespaced per
// practice because the Secret Service finds items by key alone.
package keychain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/99designs/keyring"
)

// Item names.
const (
	CacheKey       = "cache-key"
	DevicePrivKey  = "device-private-key"
	DeviceClientID = "device-client-id"
	RefreshToken   = "refresh-token"
	ClientSecret   = "client-secret"
)

var allItems = []string{CacheKey, DevicePrivKey, DeviceClientID, RefreshToken, ClientSecret}

// ErrNotFound means the item is not in the keychain.
var ErrNotFound = errors.New("not in the keychain")

// Keychain holds one practice's secrets.
type Keychain struct {
	ring     keyring.Keyring
	practice string
	backend  string
	timeout  time.Duration
}

// Options select the backend. With File set (HEALTHPREP_KEYRING=file), items
// are stored encrypted in FileDir with FilePassword: for headless servers
// only, and less safe than an OS keychain.
type Options struct {
	File         bool
	FileDir      string
	FilePassword string
	Timeout      time.Duration // per operation; default 10 s
}

// OptionsFromEnv reads HEALTHPREP_KEYRING and HEALTHPREP_KEYRING_PASSWORD.
func OptionsFromEnv(dataDir string) Options {
	if os.Getenv("HEALTHPREP_KEYRING") == "file" {
		return Options{File: true, FileDir: filepath.Join(dataDir, "keyring"), FilePassword: os.Getenv("HEALTHPREP_KEYRING_PASSWORD")}
	}
	return Options{}
}

// Open opens the keychain for practiceID.
func Open(ctx context.Context, practiceID string, o Options) (*Keychain, error) {
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	cfg := keyring.Config{
		ServiceName:             "healthprep:" + practiceID,
		LibSecretCollectionName: "login", // an app collection needs a prompt that cannot show headless
		KeychainName:            "login",
		WinCredPrefix:           "healthprep",
	}
	if o.File {
		if o.FilePassword == "" {
			return nil, errors.New("HEALTHPREP_KEYRING=file needs HEALTHPREP_KEYRING_PASSWORD set")
		}
		cfg.AllowedBackends = []keyring.BackendType{keyring.FileBackend}
		cfg.FileDir = o.FileDir
		pw := o.FilePassword
		cfg.FilePasswordFunc = func(string) (string, error) { return pw, nil }
	} else {
		cfg.AllowedBackends = []keyring.BackendType{keyring.KeychainBackend, keyring.WinCredBackend, keyring.SecretServiceBackend}
	}
	type result struct {
		r   keyring.Keyring
		err error
	}
	ch := make(chan result, 1)
	go func() { r, err := keyring.Open(cfg); ch <- result{r, err} }()
	var res result
	select {
	case res = <-ch:
	case <-time.After(o.Timeout):
		return nil, errors.New("the keychain did not answer; unlock it (log in to the desktop session) and try again")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, noBackend(res.err)
	}
	backend := string(cfg.AllowedBackends[0])
	if !o.File {
		switch runtime.GOOS {
		case "darwin":
			backend = "macos-keychain"
		case "windows":
			backend = "windows-credential-manager"
		default:
			backend = "secret-service"
		}
	}
	return &Keychain{ring: res.r, practice: practiceID, backend: backend, timeout: o.Timeout}, nil
}

func noBackend(err error) error {
	if errors.Is(err, keyring.ErrNoAvailImpl) {
		switch runtime.GOOS {
		case "linux":
			return errors.New("no keychain is available: install and unlock a Secret Service (gnome-keyring or KWallet) in your desktop session, or on a headless server set HEALTHPREP_KEYRING=file and HEALTHPREP_KEYRING_PASSWORD")
		default:
			return errors.New("no keychain is available on this computer")
		}
	}
	return fmt.Errorf("opening the keychain: %w", err)
}

// Backend names the keychain in use, for status.
func (k *Keychain) Backend() string { return k.backend }

func (k *Keychain) key(item string) string { return "healthprep/" + k.practice + "/" + item }

// with runs f with the keychain timeout: a Secret Service prompt can block forever.
func (k *Keychain) with(ctx context.Context, f func() error) error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(k.timeout):
		return errors.New("the keychain did not answer in time; unlock it and try again")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Get returns an item. Errors never contain the secret.
func (k *Keychain) Get(ctx context.Context, item string) ([]byte, error) {
	var data []byte
	err := k.with(ctx, func() error {
		it, err := k.ring.Get(k.key(item))
		if errors.Is(err, keyring.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("reading %s from the keychain: %w", item, err)
		}
		data = it.Data
		return nil
	})
	return data, err
}

// Set stores an item.
func (k *Keychain) Set(ctx context.Context, item string, data []byte) error {
	return k.with(ctx, func() error {
		err := k.ring.Set(keyring.Item{Key: k.key(item), Data: data, Label: "HealthPrep Desk " + item, Description: "HealthPrep Desk"})
		if err != nil {
			return fmt.Errorf("saving %s in the keychain: %w", item, err)
		}
		return nil
	})
}

// Delete removes an item; a missing item is not an error.
func (k *Keychain) Delete(ctx context.Context, item string) error {
	return k.with(ctx, func() error {
		err := k.ring.Remove(k.key(item))
		if err != nil && !errors.Is(err, keyring.ErrKeyNotFound) && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s from the keychain: %w", item, err)
		}
		return nil
	})
}

// DeleteAll removes every item of the practice (reset).
func (k *Keychain) DeleteAll(ctx context.Context) error {
	var errs []error
	for _, it := range allItems {
		errs = append(errs, k.Delete(ctx, it))
	}
	return errors.Join(errs...)
}

// CacheKey returns the cache encryption key, creating a random 32-byte key
// on first use.
func (k *Keychain) CacheKey(ctx context.Context) ([]byte, error) {
	key, err := k.Get(ctx, CacheKey)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := k.Set(ctx, CacheKey, key); err != nil {
		return nil, err
	}
	return key, nil
}
