package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// A process killed just after Badger created a value-log or memtable file,
// before anything was written to it, leaves a 0-byte .vlog or .mem. The
// next open keeps the cache and its days: it is not set aside as damaged.
func TestEmptyValueLogFromAKillKeepsTheCache(t *testing.T) {
	keepsTheCache(t, "%06d.vlog", "*.vlog")
}

func TestEmptyMemtableFromAKillKeepsTheCache(t *testing.T) {
	keepsTheCache(t, "%05d.mem", "*.mem")
}

func keepsTheCache(t *testing.T, name, glob string) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	key := newKey(t)
	s := open(t, dir, key)
	if err := s.PutDay(ctx, day("2026-11-24", 3, "Kept")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, glob))
	sort.Strings(files)
	last := 0 // a closed cache may keep no memtable file
	if len(files) > 0 {
		fmt.Sscanf(filepath.Base(files[len(files)-1]), name, &last)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf(name, last+1)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, aside, err := OpenOrRebuild(ctx, dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if aside != "" {
		t.Fatalf("the cache was set aside (%s) for an empty %s", aside, glob)
	}
	if d, err := s2.GetDay(ctx, "2026-11-24"); err != nil || len(d.Appointments) != 3 {
		t.Fatalf("the day after reopening: %v (%d appointments)", err, len(d.Appointments))
	}
}
