package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// A process killed just after Badger created a value-log file, before its
// header was written, leaves a 0-byte .vlog. The next open keeps the cache
// and its days: it is not set aside as damaged.
func TestEmptyValueLogFromAKillKeepsTheCache(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	key := newKey(t)
	s := open(t, dir, key)
	if err := s.PutDay(ctx, day("2026-11-24", 3, "Kept")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	sort.Strings(vlogs)
	if len(vlogs) == 0 {
		t.Fatal("no value log to follow")
	}
	var last int
	fmt.Sscanf(filepath.Base(vlogs[len(vlogs)-1]), "%06d.vlog", &last)
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.vlog", last+1)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, aside, err := OpenOrRebuild(ctx, dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if aside != "" {
		t.Fatalf("the cache was set aside (%s) for an empty value log", aside)
	}
	if d, err := s2.GetDay(ctx, "2026-11-24"); err != nil || len(d.Appointments) != 3 {
		t.Fatalf("the day after reopening: %v (%d appointments)", err, len(d.Appointments))
	}
}
