package agent

import (
	"testing"
	"time"
)

func TestSyncPlanNext(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	p := Practice{TimeZone: "America/New_York", SyncAt: "06:30", ClinicEnd: "17:00", SyncEveryMinutes: 30, ClinicDays: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}}
	sp, err := newSyncPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, ny) }
	cases := []struct {
		name      string
		now, want time.Time
	}{
		{"before the morning sync", at(2026, 11, 24, 5, 0), at(2026, 11, 24, 6, 30)},
		{"exactly at the morning sync goes to the next slot", at(2026, 11, 24, 6, 30), at(2026, 11, 24, 7, 0)},
		{"during clinic hours", at(2026, 11, 24, 9, 10), at(2026, 11, 24, 9, 30)},
		{"after clinic end: next morning", at(2026, 11, 24, 17, 1), at(2026, 11, 25, 6, 30)},
		{"friday evening skips the weekend", at(2026, 11, 27, 18, 0), at(2026, 11, 30, 6, 30)},
		{"saturday", at(2026, 11, 28, 10, 0), at(2026, 11, 30, 6, 30)},
		{"spring-forward monday keeps 06:30 wall time", at(2026, 3, 8, 12, 0), at(2026, 3, 9, 6, 30)},
	}
	week := Practice{TimeZone: "America/New_York", SyncAt: "06:30", ClinicEnd: "17:00", SyncEveryMinutes: 30, ClinicDays: []string{"Sun", "Mon"}}
	sundays, err := newSyncPlan(week)
	if err != nil {
		t.Fatal(err)
	}
	// 2026-03-08 is the spring-forward Sunday (02:00 -> 03:00) and 2026-11-01
	// the fall-back Sunday: the slots stay on the wall clock on those days.
	for _, c := range []struct {
		name      string
		now, want time.Time
	}{
		{"spring-forward sunday morning sync", at(2026, 3, 8, 1, 0), at(2026, 3, 8, 6, 30)},
		{"spring-forward sunday afternoon slot", at(2026, 3, 8, 14, 10), at(2026, 3, 8, 14, 30)},
		{"fall-back sunday morning sync", at(2026, 11, 1, 1, 0), at(2026, 11, 1, 6, 30)},
	} {
		if got := sundays.next(c.now); !got.Equal(c.want) {
			t.Errorf("%s: next(%v) = %v, want %v", c.name, c.now, got, c.want)
		}
	}

	for _, c := range cases {
		if got := sp.next(c.now); !got.Equal(c.want) {
			t.Errorf("%s: next(%v) = %v, want %v", c.name, c.now, got, c.want)
		}
	}
}

func TestSyncPlanRejectsBadSettings(t *testing.T) {
	for _, p := range []Practice{
		{SyncAt: "6.30"},
		{SyncAt: "07:00", ClinicEnd: "06:00"},
		{SyncEveryMinutes: 1},
		{ClinicDays: []string{"Funday"}},
	} {
		if _, err := newSyncPlan(p); err == nil {
			t.Errorf("newSyncPlan(%+v) accepted bad settings", p)
		}
	}
}
