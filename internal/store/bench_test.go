package store

import (
	"context"
	"testing"
)

// BenchmarkDayRoundTrip saves and reads back a 600-appointment day (each
// patient with 41 resources) through real, encrypted Badger.
func BenchmarkDayRoundTrip(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir(), make([]byte, 32), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	d := day("2026-11-24", 600, "Oscar")
	b.ResetTimer()
	for b.Loop() {
		if err := s.PutDay(ctx, d); err != nil {
			b.Fatal(err)
		}
		if got, err := s.GetDay(ctx, d.Date); err != nil || len(got.Patients) != 600 {
			b.Fatal(err)
		}
	}
}
