package store

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
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

// A derived value written with a staged day, a part at a time, is read
// back joined without deriving; one left unfinished (a sync that stopped
// part-way) is dropped at the commit and derived afresh.
func TestDerivedWrittenWithTheDay(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	calls := 0
	derive := func(d Day) ([]byte, error) { calls++; return []byte("derived"), nil }
	stage := func(done bool) {
		t.Helper()
		g, err := s.Stage(ctx, "2026-11-24")
		if err != nil {
			t.Fatal(err)
		}
		defer g.Discard()
		w, err := g.Derived("count-1")
		if err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte("x"), pieceBytes+10) // more than one piece
		for _, part := range [][]byte{[]byte("saved "), big, []byte(" parts")} {
			if err := w.Add(part); err != nil {
				t.Fatal(err)
			}
		}
		if done {
			w.Done()
		}
		d := day("2026-11-24", 2, "Alpha")
		for id, p := range d.Patients {
			if err := g.PutPatient(ctx, id, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Commit(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := w.Add([]byte("late")); err == nil {
			t.Fatal("a part was added after the commit")
		}
	}
	stage(true)
	want := "saved " + strings.Repeat("x", pieceBytes+10) + " parts"
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != want || calls != 0 {
		t.Fatalf("derived %d bytes, %v, derive called %d times", len(b), err, calls)
	}
	stage(false)
	if b, err := s.Derived(ctx, "2026-11-24", "count-1", derive); err != nil || string(b) != "derived" || calls != 1 {
		t.Fatalf("unfinished: derived %q, %v, derive called %d times", b, err, calls)
	}
	g, err := s.Stage(ctx, "2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Discard()
	if _, err := g.Derived("a/b"); err == nil {
		t.Fatal("a derived value named with a slash was started")
	}
}
