package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

// A derived value is made once per snapshot from its raw charts and read
// back after that, also by a later opening of the cache; a new snapshot
// derives afresh.
func TestDerivedOncePerSnapshot(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	calls := 0
	derive := func(d Day) ([]byte, error) {
		calls++
		return []byte(d.Appointments[0].PatientName + " " + strconv.Itoa(len(d.Patients["p001"].Resources))), nil
	}
	if _, err := s.Derived(ctx, "2026-11-24", "count-1", derive); !errors.Is(err, ErrNoDay) {
		t.Fatalf("no day: %v", err)
	}
	if _, err := s.Derived(ctx, "2026-11-24", "a/b", derive); err == nil {
		t.Fatal("a name with a slash was taken")
	}
	if err := s.PutDay(ctx, day("2026-11-24", 5, "Alpha")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "Alpha 41" {
			t.Fatalf("derived %q, %v", b, err)
		}
	}
	s.Close()
	s = open(t, dir, key)
	defer s.Close()
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "Alpha 41" || calls != 1 {
		t.Fatalf("reopened: derived %q, %v, derive called %d times", b, err, calls)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 5, "Bravo")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "Bravo 41" || calls != 2 {
		t.Fatalf("new snapshot: derived %q, %v, derive called %d times", b, err, calls)
	}
}

// A derived value the saver already has (a sync's) is saved with the
// snapshot and read back without deriving; the next snapshot without one
// derives afresh.
func TestDerivedSavedWithTheDay(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	calls := 0
	derive := func(d Day) ([]byte, error) { calls++; return []byte("derived"), nil }
	d := day("2026-11-24", 5, "Alpha")
	d.Derived = map[string][]byte{"count-1": []byte("saved")}
	if err := s.PutDay(ctx, d); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "saved" || calls != 0 {
		t.Fatalf("derived %q, %v, derive called %d times", b, err, calls)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 5, "Bravo")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "derived" || calls != 1 {
		t.Fatalf("next snapshot: derived %q, %v, derive called %d times", b, err, calls)
	}
	d.Derived = map[string][]byte{"a/b": []byte("x")}
	if err := s.PutDay(ctx, d); err == nil {
		t.Fatal("a derived value named with a slash was saved")
	}
}
