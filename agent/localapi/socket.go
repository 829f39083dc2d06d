// Package localapi is the transport between the desktop app (and CLI) and the
// agent: HTTP over a Unix domain socket in the data directory. The socket is
// mode 0600 inside a 0700 directory, so only the user who runs the agent can
// connect; no TCP port is opened.
package localapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// SocketName is the socket's file name inside the data directory.
const SocketName = "agent.sock"

// ErrAlreadyRunning means another agent answers on the socket.
var ErrAlreadyRunning = errors.New("the HealthPrep agent is already running for this user (another `healthprep-agent serve` or the desktop app owns it)")

// ErrNotRunning means no agent answers on the socket.
var ErrNotRunning = errors.New("the HealthPrep agent is not running")

// DataDir returns the data directory, where the agent keeps its socket,
// configuration and cache: $HEALTHPREP_HOME, else the OS user config
// directory's HealthPrep folder (%LOCALAPPDATA% on Windows). It is
// created with mode 0700. It lives here so the app finds the agent
// without linking the agent.
func DataDir() (string, error) {
	dir := os.Getenv("HEALTHPREP_HOME")
	if dir == "" {
		base, err := os.UserConfigDir()
		if runtime.GOOS == "windows" && os.Getenv("LOCALAPPDATA") != "" {
			// Local, not roaming: a domain's roaming profile would copy the
			// cache to the server at every sign-off.
			base, err = os.Getenv("LOCALAPPDATA"), nil
		}
		if err != nil {
			return "", fmt.Errorf("finding the user config directory (set HEALTHPREP_HOME): %w", err)
		}
		dir = filepath.Join(base, "HealthPrep")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the data directory: %w", err)
	}
	return dir, nil
}

// SocketPath returns the socket's path in dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

// CheckDir refuses a data directory that other users could enter: the socket's
// own mode is only as good as the directory around it.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("checking the data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("the data directory %s is not a directory", dir)
	}
	if runtime.GOOS == "windows" {
		return nil // NTFS ACLs, not mode bits, protect the directory there.
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("the data directory %s is open to other users (mode %04o): run `chmod 700 %s`", dir, perm, dir)
	}
	if uid, ok := ownerUID(fi); ok && uid != os.Geteuid() {
		return fmt.Errorf("the data directory %s belongs to another user (uid %d)", dir, uid)
	}
	return nil
}

// Listen creates the agent's socket in dir. It refuses when another agent
// answers there, and replaces a stale socket left by one that died.
func Listen(ctx context.Context, dir string) (net.Listener, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	path := SocketPath(dir)
	if _, err := os.Lstat(path); err == nil {
		if alive(ctx, path) {
			return nil, ErrAlreadyRunning
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing a stale agent socket: %w", err)
		}
	}
	// Bind, then chmod 0600. The brief window before the chmod is covered by
	// the 0700 directory checked above (umask is process-wide, so not used).
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		if alive(ctx, path) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("opening the agent socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("securing the agent socket: %w", err)
	}
	return ln, nil
}

func alive(ctx context.Context, path string) bool {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// HTTPClient returns an http.Client whose every request goes to the agent's
// socket in dir, whatever host the URL names (use "http://agent/...").
// It checks the socket's mode first and refuses one others could use.
func HTTPClient(dir string) (*http.Client, error) {
	path := SocketPath(dir)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, ErrNotRunning
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the agent socket %s is open to other users (mode %04o); refusing to use it", path, fi.Mode().Perm())
	}
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:    4,
		IdleConnTimeout: 30 * time.Second,
	}
	return &http.Client{Transport: tr}, nil
}
