//go:build unix

package store

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// BenchmarkOpen opens and closes a cache holding a 55-appointment day, as
// every agent start and `prep` does; cpu-ms/op is this process's CPU per
// open (user + system: Badger's first writes into the files it creates at
// each open are page faults, system time that grows with the files' size).
//
//	go test -run '^$' -bench 'Open$' -benchtime 40x -count 3 ./internal/store/
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	dir, key := b.TempDir(), make([]byte, 32)
	s, err := Open(ctx, dir, key, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 55, "Oscar")); err != nil {
		b.Fatal(err)
	}
	s.Close()
	var cpu time.Duration
	for b.Loop() {
		c0 := cpuTime()
		s, err := Open(ctx, dir, key, nil)
		cpu += cpuTime() - c0
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is this process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
