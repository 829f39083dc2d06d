package screening

import (
	"testing"
	"time"
)

func d(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func TestPeriods(t *testing.T) {
	for _, c := range []struct {
		in, from, add, sub string
	}{
		{"P10Y", "2016-03-15", "2026-03-15", "2006-03-15"},
		{"P1Y", "2024-02-29", "2025-02-28", "2023-02-28"}, // leap day clamps, never rolls into March
		{"P4Y", "2024-02-29", "2028-02-29", "2020-02-29"},
		{"P6M", "2026-08-31", "2027-02-28", "2026-02-28"},
		{"P1Y6M", "2025-01-31", "2026-07-31", "2023-07-31"},
		{"P0.5Y", "2026-01-15", "2026-07-15", "2025-07-15"},
		{"P60D", "2026-11-24", "2027-01-23", "2026-09-25"},
		{"P4W", "2026-11-24", "2026-12-22", "2026-10-27"},
		{"P3M", "2026-11-30", "2027-02-28", "2026-08-30"},
	} {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got := p.AddTo(d(c.from)).Format(time.DateOnly); got != c.add {
			t.Errorf("%s + %s = %s, want %s", c.from, c.in, got, c.add)
		}
		if got := p.SubFrom(d(c.from)).Format(time.DateOnly); got != c.sub {
			t.Errorf("%s - %s = %s, want %s", c.from, c.in, got, c.sub)
		}
	}
	for _, bad := range []string{"", "P", "10Y", "P-1Y", "PT5M", "P1Y2", "P1X"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The engine's day arithmetic agrees with time.Time's, day by day over
// four centuries' edges (leap days, month ends, negative days).
func TestDayArithmetic(t *testing.T) {
	periods := []Period{{Years: 1}, {Months: 6}, {Years: 2}, {Years: 1, Months: 3}, {Days: 60}, {Years: 10}, {Months: 1, Days: 1}}
	for n := int32(-800); n < 60000; n += 7 {
		tm := time.Unix(int64(n)*86400, 0).UTC()
		if got := dayNum(tm); got != n {
			t.Fatalf("dayNum(%s) = %d, want %d", tm, got, n)
		}
		for _, p := range periods {
			if got, want := p.addDays(n), int32(p.AddTo(tm).Unix()/86400); got != want {
				t.Fatalf("%s + %s: %d, want %d", tm.Format(time.DateOnly), p, got, want)
			}
			if got, want := p.subDays(n), int32(p.SubFrom(tm).Unix()/86400); got != want {
				t.Fatalf("%s - %s: %d, want %d", tm.Format(time.DateOnly), p, got, want)
			}
		}
	}
}
