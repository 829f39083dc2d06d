package keychain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// needSessionBus skips a test with no session bus, unless the run
// requires the keychain.
func needSessionBus(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("HEALTHPREP_REQUIRE_KEYRING") != "" {
			t.Fatal("HEALTHPREP_REQUIRE_KEYRING is set but there is no session bus: run under build/scripts/with-keyring")
		}
		t.Skip("no session bus: run under build/scripts/with-keyring (make test does)")
	}
}

// realKeychain opens the Secret Service the Makefile starts (with-keyring).
func realKeychain(t *testing.T, practice string) *Keychain {
	t.Helper()
	needSessionBus(t)
	k, err := Open(context.Background(), practice, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSecretServiceRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := realKeychain(t, "test-"+t.Name())
	t.Cleanup(func() { k.DeleteAll(ctx) })
	if k.Backend() != "secret-service" {
		t.Fatalf("backend %s", k.Backend())
	}
	if _, err := k.Get(ctx, RefreshToken); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if err := k.Set(ctx, RefreshToken, []byte("rt-secret-value")); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, RefreshToken)
	if err != nil || string(got) != "rt-secret-value" {
		t.Fatalf("%q %v", got, err)
	}
	key1, err := k.CacheKey(ctx)
	if err != nil || len(key1) != 32 {
		t.Fatalf("cache key: %v", err)
	}
	key2, _ := k.CacheKey(ctx)
	if !bytes.Equal(key1, key2) {
		t.Fatal("the cache key changed between calls")
	}
	// Another practice's namespace does not see this one's items.
	other := realKeychain(t, "test-other-"+t.Name())
	if _, err := other.Get(ctx, RefreshToken); !errors.Is(err, ErrNotFound) {
		t.Fatalf("practices share items: %v", err)
	}
	if err := k.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, CacheKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after reset: %v", err)
	}
}

func TestFileBackend(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, "p", Options{File: true, FileDir: dir}); err == nil {
		t.Fatal("file backend without a password accepted")
	}
	k, err := Open(ctx, "p", Options{File: true, FileDir: dir, FilePassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, ClientSecret, []byte("very-secret-client-secret")); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("very-secret")) {
				t.Errorf("%s holds the secret in clear text", p)
			}
		}
		return nil
	})
	if got, _ := k.Get(ctx, ClientSecret); string(got) != "very-secret-client-secret" {
		t.Fatalf("%q", got)
	}
}
