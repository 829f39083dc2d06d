package screening

import (
	"testing"
	"time"
)

// dayNum is the calendar day t.Date() gives, in t's own zone: around
// midnight, before 1970, and in zones east and west of UTC.
func TestDayNumIsTheCalendarDay(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("-05", -5*3600), time.FixedZone("+14", 14*3600), time.FixedZone("-0930", -(9*3600 + 1800))}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	for _, loc := range zones {
		for _, base := range []string{"1899-12-31", "1969-12-31", "1970-01-01", "2000-02-29", "2026-03-08", "2026-11-01", "2026-12-31"} {
			d, _ := time.ParseInLocation(time.DateOnly, base, loc)
			for _, off := range []time.Duration{0, time.Second, time.Hour, 23*time.Hour + 59*time.Minute + 59*time.Second, -time.Second} {
				tm := d.Add(off)
				y, m, dd := tm.Date()
				if got, want := dayNum(tm), daysFromCivil(y, int(m), dd); got != want {
					t.Errorf("%s: dayNum %d, calendar day %d", tm, got, want)
				}
			}
		}
	}
}

// civilFromDays is the date dayTime gives, for every day of four
// centuries around the epoch (leap days, century years, negative days).
func TestCivilFromDays(t *testing.T) {
	for d := int32(-80000); d <= 80000; d++ {
		y, m, dd := dayTime(d).Date()
		if gy, gm, gd := civilFromDays(d); gy != y || gm != int(m) || gd != dd {
			t.Fatalf("day %d: %d-%d-%d, want %s", d, gy, gm, gd, dayTime(d).Format(time.DateOnly))
		}
		if daysFromCivil(y, int(m), dd) != d {
			t.Fatalf("day %d does not round-trip", d)
		}
	}
}
