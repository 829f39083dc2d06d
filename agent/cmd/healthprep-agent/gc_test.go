package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestOneShotCommandsCollectLate: prep and serve's start turn the
// collector off behind a soft memory limit, unless the environment sets
// GOGC or GOMEMLIMIT (then the runtime's own settings stand).
func TestOneShotCommandsCollectLate(t *testing.T) {
	restore := func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}
	defer restore()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	if !collectLate(env(nil)) {
		t.Fatal("collectLate did nothing with no GOGC or GOMEMLIMIT set")
	}
	if pct := debug.SetGCPercent(100); pct != -1 {
		t.Fatalf("GC percent %d after collectLate, want -1 (off)", pct)
	}
	if lim := debug.SetMemoryLimit(math.MaxInt64); lim != startupLimit {
		t.Fatalf("memory limit %d after collectLate, want %d", lim, startupLimit)
	}
	restore()

	for _, m := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "1GiB"}} {
		if collectLate(env(m)) {
			t.Fatalf("collectLate changed the collector with %v set", m)
		}
		if pct := debug.SetGCPercent(100); pct != 100 {
			t.Fatalf("GC percent %d with %v set, want it untouched", pct, m)
		}
	}
}
