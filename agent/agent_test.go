package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// Opening the cache from many requests at once (the app's first status
// call races the agent's first sync) must give one store, not a
// "cache in use" error from Badger's directory lock.
func TestConcurrentFirstUseOpensTheCacheOnce(t *testing.T) {
	a, _ := openPractice(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.openStore(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}

// The day list is decoded once per snapshot: a new snapshot of the day
// (a sync) is seen at once, and only a bounded number of days stay decoded.
func TestDayListFollowsTheSnapshot(t *testing.T) {
	ctx := context.Background()
	a, _ := openPractice(t)
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put := func(date string, n int) {
		t.Helper()
		d := store.Day{Date: date, SyncedAt: time.Now(), Patients: map[string]store.PatientData{}}
		for i := range n {
			id := fmt.Sprintf("p%d", i)
			d.Appointments = append(d.Appointments, record.Appointment{ID: "a" + id, PatientID: id, Status: "booked", Start: time.Now()})
			d.Patients[id] = store.PatientData{Resources: []json.RawMessage{json.RawMessage(`{"resourceType":"Patient","id":"` + id + `","gender":"female","birthDate":"1970-01-01"}`)}}
		}
		if err := st.PutDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put("2026-11-24", 3)
	if l, err := a.Day(ctx, "2026-11-24"); err != nil || len(l.Rows) != 3 {
		t.Fatalf("first read: %v, %d rows", err, len(l.Rows))
	}
	put("2026-11-24", 5)
	if l, err := a.Day(ctx, "2026-11-24"); err != nil || len(l.Rows) != 5 {
		t.Fatalf("after a new snapshot: %v, %d rows, want 5", err, len(l.Rows))
	}
	for _, d := range []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"} {
		put(d, 1)
		if _, err := a.Day(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.days.decoded(); n != maxLoadedDays {
		t.Fatalf("%d days kept decoded, want %d", n, maxLoadedDays)
	}
}

// Issue 17: once the local API is idle, serve drops the decoded days (about
// 7 MiB for a clinic day) so the agent idles under 40 MiB; the next look
// decodes the day again from the compact cache and shows the same list.
func TestIdleAPIReleasesTheDecodedDays(t *testing.T) {
	ctx := context.Background()
	a, _ := openPractice(t)
	st, err := a.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := store.Day{Date: "2026-11-24", SyncedAt: time.Now(), Patients: map[string]store.PatientData{}}
	for i := range 3 {
		id := fmt.Sprintf("p%d", i)
		d.Appointments = append(d.Appointments, record.Appointment{ID: "a" + id, PatientID: id, Status: "booked", Start: time.Now()})
		d.Patients[id] = store.PatientData{Resources: []json.RawMessage{json.RawMessage(`{"resourceType":"Patient","id":"` + id + `","gender":"female","birthDate":"1970-01-01"}`)}}
	}
	if err := st.PutDay(ctx, d); err != nil {
		t.Fatal(err)
	}
	h := freeWhenIdle(api.NewHandler(a, a.log), a.releaseDecoded)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/days/2026-11-24", nil))
	if rec.Code != http.StatusOK || a.days.decoded() != 1 {
		t.Fatalf("day view: %d %s, %d days decoded", rec.Code, rec.Body.String(), a.days.decoded())
	}
	until(t, time.Minute, "the idle API to release the decoded day", func() bool { return a.days.decoded() == 0 })
	if l, err := a.Day(ctx, "2026-11-24"); err != nil || len(l.Rows) != 3 || a.days.decoded() != 1 {
		t.Fatalf("the day after the release: %v, %d rows, %d decoded", err, len(l.Rows), a.days.decoded())
	}
}
