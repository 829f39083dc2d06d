package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// testKey is a cache key for the days part's tests (no keychain: the part
// takes its key as a func).
func testKey(b byte) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) { return bytes.Repeat([]byte{b}, 32), nil }
}

func newTestDays(t *testing.T, dir string, key func(context.Context) ([]byte, error), throwaway bool) *dayStore {
	t.Helper()
	d := newDayStore(dir, key, throwaway, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { d.close() })
	return d
}

// savedCache leaves a cache at dir (key testKey(1)) holding one day,
// closed.
func savedCache(t *testing.T, dir string) {
	t.Helper()
	d := newDayStore(dir, testKey(1), false, slog.New(slog.DiscardHandler))
	st, err := d.store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	putDay(t, st, "2026-11-24")
	if err := d.close(); err != nil {
		t.Fatal(err)
	}
}

// putDay saves an empty day.
func putDay(t *testing.T, st *store.Store, date string) {
	t.Helper()
	if err := st.PutDay(context.Background(), store.Day{Date: date, SyncedAt: time.Now(), Patients: map[string]store.PatientData{}}); err != nil {
		t.Fatal(err)
	}
}

// Many first requests at once read the key once and share one cache.
func TestDaysOpenTheCacheOnceForConcurrentFirstUse(t *testing.T) {
	var reads atomic.Int32
	key := testKey(1)
	d := newTestDays(t, filepath.Join(t.TempDir(), "cache"), func(ctx context.Context) ([]byte, error) {
		reads.Add(1)
		return key(ctx)
	}, false)
	stores := make([]*store.Store, 16)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = d.store(context.Background()) })
	}
	wg.Wait()
	for i := range stores {
		if errs[i] != nil || stores[i] != stores[0] {
			t.Fatalf("open %d: %v, %p (first %p)", i, errs[i], stores[i], stores[0])
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("the key was read %d times, want 1", n)
	}
}

// A cache whose key was lost is set aside, not deleted, and the front desk
// is told until a sync refills it.
func TestDaysSetAnUnreadableCacheAsideWithANotice(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	savedCache(t, dir)
	d := newTestDays(t, dir, testKey(2), false)
	st, err := d.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if days, err := st.Days(ctx); err != nil || len(days) != 0 {
		t.Fatalf("the rebuilt cache has days %v (%v)", days, err)
	}
	n := d.currentNotice()
	aside, _ := filepath.Glob(dir + ".unreadable-*")
	if len(aside) != 1 || !strings.Contains(n, aside[0]) || !strings.Contains(n, "set aside") {
		t.Fatalf("notice %q, set aside %v", n, aside)
	}
	d.rebuilt()
	if n := d.currentNotice(); n != "" {
		t.Fatalf("the notice stays after a sync: %q", n)
	}
}

// Without its key a practice's cache is not opened and not touched; the
// demo's synthetic data starts again empty under a throwaway key.
func TestDaysWithoutTheKey(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	savedCache(t, dir)
	noKey := func(context.Context) ([]byte, error) { return nil, errors.New("no keychain") }

	_, err := newTestDays(t, dir, noKey, false).store(ctx)
	if err == nil || !strings.Contains(err.Error(), "the cache key could not be read") {
		t.Fatalf("a practice's cache without its key: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the practice's cache was touched: %v", err)
	}

	st, err := newTestDays(t, dir, noKey, true).store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if days, err := st.Days(ctx); err != nil || len(days) != 0 {
		t.Fatalf("the throwaway cache has days %v (%v)", days, err)
	}
}

// Another process holding the cache is "busy" (the start-up retries it).
func TestDaysCacheHeldElsewhereIsBusy(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	other, err := store.Open(ctx, dir, bytes.Repeat([]byte{1}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := newTestDays(t, dir, testKey(1), false).store(ctx); !api.IsKind(err, api.KindBusy) {
		t.Fatalf("a held cache: %v, want busy", err)
	}
}

// Closing with its practice releases the cache and opens it no more: a
// request that raced a reset gets "try again", not the old practice's days.
func TestDaysClosedReleaseTheCacheAndOpenNoMore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	d := newTestDays(t, dir, testKey(1), false)
	st, err := d.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	putDay(t, st, "2026-11-24")
	if _, _, err := d.load(ctx, "2026-11-24"); err != nil {
		t.Fatal(err)
	}
	if err := d.close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.load(ctx, "2026-11-24"); !api.IsKind(err, api.KindBusy) || d.decoded() != 0 {
		t.Fatalf("a closed practice's day: %v, %d decoded", err, d.decoded())
	}
	again, err := store.Open(ctx, dir, bytes.Repeat([]byte{1}, 32), nil)
	if err != nil {
		t.Fatalf("the cache is still held after close: %v", err)
	}
	again.Close()
}

// Retention keeps the oldest kept day itself and removes the day before.
func TestDaysPurgeFromTheOldestKeptDay(t *testing.T) {
	ctx := context.Background()
	p := Practice{TimeZone: "America/New_York", RetentionDays: 14}
	// 22:00 in New York is already the next day in UTC: the practice's
	// calendar counts.
	now := time.Date(2026, 11, 24, 22, 0, 0, 0, p.Location())
	from := oldestKept(p, now)
	if from != "2026-11-10" {
		t.Fatalf("oldest kept day %s, want 2026-11-10", from)
	}
	d := newTestDays(t, filepath.Join(t.TempDir(), "cache"), testKey(1), false)
	st, err := d.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-11-09", "2026-11-10", "2026-11-24"} {
		putDay(t, st, day)
	}
	d.purge(ctx, from)
	if days, err := st.Days(ctx); err != nil || slices.Contains(days, "2026-11-09") || !slices.Contains(days, "2026-11-10") || !slices.Contains(days, "2026-11-24") {
		t.Fatalf("days after the purge: %v (%v)", days, err)
	}
}

// What documents said goes with the practice: after a reset nothing read
// for the old practice's patients is kept in memory.
func TestDocumentReadsGoWithThePractice(t *testing.T) {
	a := openDemo(t)
	days, err := a.daysFor()
	if err != nil {
		t.Fatal(err)
	}
	days.reads.add("2026-11-24", documents.Read{Candidate: documents.Candidate{PatientID: "p1", DocID: "d1"}, Unreadable: "could not be read: damaged"})
	if days.reads.get("2026-11-24", "p1") == nil {
		t.Fatal("the reading was not kept")
	}
	if err := a.Reset(context.Background(), "RESET"); err != nil {
		t.Fatal(err)
	}
	after, err := a.daysFor()
	if err != nil {
		t.Fatal(err)
	}
	if dt := after.reads.get("2026-11-24", "p1"); dt != nil {
		t.Fatalf("the old practice's reading is still held: %+v", dt)
	}
}

// Issue 17: requests for a day that is not decoded yet, arriving together
// (serve's start decodes today as the app's first request for it comes
// in), decode it once and share the records.
func TestConcurrentLoadsDecodeTheDayOnce(t *testing.T) {
	ctx := context.Background()
	d := newTestDays(t, t.TempDir(), testKey(1), false)
	st, err := d.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day := store.Day{Date: "2026-11-24", SyncedAt: time.Now(), Patients: map[string]store.PatientData{}}
	for i := range 20 {
		id := fmt.Sprintf("p%d", i)
		day.Appointments = append(day.Appointments, record.Appointment{ID: "a" + id, PatientID: id, Status: "booked", Start: time.Now()})
		day.Patients[id] = store.PatientData{Resources: []json.RawMessage{json.RawMessage(`{"resourceType":"Patient","id":"` + id + `","gender":"female","birthDate":"1970-01-01"}`)}}
	}
	if err := st.PutDay(ctx, day); err != nil {
		t.Fatal(err)
	}
	const n = 8
	got := make([]map[string]record.Record, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, recs, err := d.load(ctx, "2026-11-24")
			if err != nil {
				t.Error(err)
			}
			got[i] = recs
		}()
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 20 || reflect.ValueOf(got[i]).Pointer() != reflect.ValueOf(got[0]).Pointer() {
			t.Fatalf("load %d: %d records, decoded separately: %v", i, len(got[i]), reflect.ValueOf(got[i]).Pointer() != reflect.ValueOf(got[0]).Pointer())
		}
	}
}
