package agent

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/epicsim"
)

// openDemo opens an agent on a fresh data directory in demo mode, against
// the embedded tenant.
func openDemo(t *testing.T) *Agent {
	t.Helper()
	t.Setenv("HEALTHPREP_KEYRING", "file")
	t.Setenv("HEALTHPREP_KEYRING_PASSWORD", "test")
	a, err := Open(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// A person asking for one day while another day's sync runs (the start-up
// sync of today, say) gets their day once that sync is done: never "busy".
func TestSyncOfAnotherDayQueuesBehindTheRunningOne(t *testing.T) {
	ctx := context.Background()
	a := openDemo(t)
	// Slow enough that the first sync is surely still running when the
	// second is asked for.
	if err := a.demo.SetFaults(epicsim.Faults{Latency: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	today := time.Now()
	first, second := weekdayBefore(today, 1), weekdayBefore(today, 2)
	started := make(chan struct{})
	events, err := a.SyncEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range events {
			select {
			case <-started:
			default:
				close(started)
			}
		}
	}()
	firstDone := make(chan error, 1)
	go func() {
		_, err := a.Sync(ctx, api.SyncRequest{Date: first})
		firstDone <- err
	}()
	<-started
	sum, err := a.Sync(ctx, api.SyncRequest{Date: second})
	if err != nil {
		t.Fatalf("sync of %s while %s was syncing: %v", second, first, err)
	}
	if sum.Appointments == 0 || sum.Partial {
		t.Fatalf("sync of %s: %+v", second, sum)
	}
	if err := <-firstDone; err != nil {
		t.Fatalf("the first sync: %v", err)
	}
	st, err := a.Status(ctx)
	if err != nil || !slices.Contains(st.Days, first) || !slices.Contains(st.Days, second) {
		t.Fatalf("saved days %v (%v), want %s and %s", st.Days, err, first, second)
	}
}

// weekdayBefore is the n-th weekday before t, as a date.
func weekdayBefore(t time.Time, n int) string {
	for n > 0 {
		t = t.AddDate(0, 0, -1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t.Format(time.DateOnly)
}

// A day no practice can mean is refused; the bounds themselves are days
// that can be fetched.
func TestDayInReachBounds(t *testing.T) {
	p := Practice{TimeZone: "America/New_York", RetentionDays: 14}
	loc := p.Location()
	now := time.Date(2026, 11, 24, 7, 0, 0, 0, loc)
	for date, ok := range map[string]bool{
		"2026-11-10": true,  // the oldest day kept (14 days back)
		"2026-11-09": false, // would be purged at once
		"2026-12-22": true,  // 28 days ahead
		"2026-12-23": false,
		"2026-11-24": true,
		"1900-01-01": false,
		"2062-11-24": false,
	} {
		day, _ := time.ParseInLocation(time.DateOnly, date, loc)
		err := dayInReach(p, now, day)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", date, err, ok)
		}
		if err != nil && !api.IsKind(err, api.KindBadRequest) {
			t.Errorf("%s: %v is not a bad request", date, err)
		}
	}
}
