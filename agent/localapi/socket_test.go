package localapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shortDir returns a private directory with a path short enough for a Unix
// socket (t.TempDir paths can exceed the 108-byte sun_path limit).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "hp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func serve(t *testing.T, dir string) {
	t.Helper()
	ln, err := Listen(context.Background(), dir)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func TestSocketModeAndRoundTrip(t *testing.T) {
	dir := shortDir(t)
	serve(t, dir)
	fi, err := os.Stat(SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("socket mode = %04o, want 0600", got)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("%s is not a socket", SocketPath(dir))
	}
	c, err := HTTPClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get("http://agent/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hello /status" {
		t.Fatalf("body = %q", b)
	}
}

func TestSecondInstanceRefused(t *testing.T) {
	dir := shortDir(t)
	serve(t, dir)
	_, err := Listen(context.Background(), dir)
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen err = %v, want ErrAlreadyRunning", err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	dir := shortDir(t)
	ln, err := Listen(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crashed agent: the file stays, nobody listens.
	if ul, ok := ln.(interface{ SetUnlinkOnClose(bool) }); ok {
		ul.SetUnlinkOnClose(false)
	}
	ln.Close()
	if _, err := os.Lstat(SocketPath(dir)); err != nil {
		t.Fatalf("stale socket should still exist: %v", err)
	}
	ln2, err := Listen(context.Background(), dir)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	ln2.Close()
}

func TestOpenDirectoryRefused(t *testing.T) {
	dir := shortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Fatalf("Listen in a 0755 dir: err = %v, want refusal", err)
	}
}

func TestClientRefusesOpenSocket(t *testing.T) {
	dir := shortDir(t)
	serve(t, dir)
	if err := os.Chmod(SocketPath(dir), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := HTTPClient(dir); err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Fatalf("HTTPClient with a 0666 socket: err = %v, want refusal", err)
	}
}

func TestClientNotRunning(t *testing.T) {
	dir := shortDir(t)
	if _, err := HTTPClient(filepath.Join(dir)); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("err = %v, want ErrNotRunning", err)
	}
}
