package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// Charts reads only the charts asked for, as GetDay reads them, from the
// day's current snapshot.
func TestChartsReadsOnlyThoseAskedFor(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	if _, err := s.Charts(ctx, "2026-11-24", []string{"p001"}); !errors.Is(err, ErrNoDay) {
		t.Fatalf("no day: %v", err)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 5, "Alpha")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 5, "Bravo")); err != nil {
		t.Fatal(err)
	}
	whole, err := s.GetDay(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Charts(ctx, "2026-11-24", []string{"p001", "p003", "p999", "a/b", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d charts, want p001 and p003", len(got))
	}
	for _, id := range []string{"p001", "p003"} {
		w, g := whole.Patients[id], got[id]
		if len(g.Resources) != len(w.Resources) || !g.FetchedAt.Equal(w.FetchedAt) {
			t.Fatalf("%s: %d resources, want %d", id, len(g.Resources), len(w.Resources))
		}
		for i := range w.Resources {
			if !bytes.Equal(g.Resources[i], w.Resources[i]) || !bytes.Contains(g.Resources[i], []byte("Bravo")) {
				t.Fatalf("%s: resource %d differs from the current snapshot's", id, i)
			}
		}
	}
}
