package agent

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
)

// lockedBuffer collects a log written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// until polls cond (an observed state, not a guess at timing) until it
// holds or the limit passes.
func until(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 13 item 9: an agent started while the previous one still holds the
// cache (it lets go a moment after its socket goes) retries shortly, and
// its catch-up sync of today succeeds instead of failing "busy" until the
// next planned time.
func TestStartWithTheCacheBusyRetriesAndCatchesUp(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("/tmp", "hp") // short: a socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	// The previous agent: it holds the demo's cache.
	prev, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prev.openStore(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- Serve(sctx, Options{Dir: dir, Log: slog.New(slog.NewTextHandler(logs, nil))})
	}()
	t.Cleanup(func() {
		stop()
		<-served
	})
	until(t, 30*time.Second, "the new agent to meet the busy cache", func() bool {
		return strings.Contains(logs.String(), "the cache is busy")
	})
	prev.Close()
	hc, err := localapi.HTTPClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(hc)
	var st api.Status
	until(t, 60*time.Second, "the catch-up sync of today", func() bool {
		st, err = c.Status(ctx)
		return err == nil && slices.Contains(st.Days, st.Today) && !st.Syncing
	})
	if st.LastSync == nil || st.LastSync.Error != "" {
		t.Fatalf("last sync: %+v", st.LastSync)
	}
}
