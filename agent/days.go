package agent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/store"
)

// dayStore is the agent's days part: one practice's encrypted cache
// (opened on first use), the days decoded from it, what their documents
// said, retention, and the notice that an unreadable cache was set aside. The agent makes one per
// practice (daysFor) and closes it with the practice.
//
// It owns no practice, keychain or network: the cache key comes in as a
// func, and it never calls the Agent. Locks: opening holds open (without
// mu: reading the key can be slow), decoding serialises decoding days, mu
// guards the fields below it; they are taken in that order, never back.
type dayStore struct {
	dir string // the cache directory
	// key reads the cache key (the practice's keychain item).
	key func(context.Context) ([]byte, error)
	// throwaway lets a profile with synthetic data (the demo's) fall back
	// to a throwaway key when no keychain is available, starting empty.
	throwaway bool
	log       *slog.Logger

	// reads is what the days' documents said (reading.go); it has its own
	// lock, and goes with the practice like the rest.
	reads readingState

	// open serialises opening the cache: Badger locks its directory, so
	// a second open in this process would fail as if another agent held it.
	open sync.Mutex
	// decoding serialises decoding days (load): taken after open, before mu.
	decoding sync.Mutex

	mu     sync.Mutex
	st     *store.Store          // nil until opened
	closed bool                  // closed with its practice: opens no more
	days   map[string]*loadedDay // decoded days, by date (at most maxLoadedDays)
	notice string                // a cache set aside, for the front desk
}

// loadedDay is a day's snapshot as records, kept in memory while it is
// current: the app asks for the same day over and over.
type loadedDay struct {
	day  store.Day // Patients hold no resources: the records below do
	recs map[string]record.Record
	used time.Time
}

// maxLoadedDays bounds the days kept decoded (today, yesterday, one more).
const maxLoadedDays = 3

// errPracticeClosed is what a request that raced a reset or a new setup
// gets from the closed practice's days.
var errPracticeClosed = api.NewError(api.KindBusy, "the practice was reset or replaced meanwhile; try again")

func newDayStore(dir string, key func(context.Context) ([]byte, error), throwaway bool, log *slog.Logger) *dayStore {
	return &dayStore{dir: dir, key: key, throwaway: throwaway, log: log}
}

// store opens (once) the encrypted cache with its key. An unreadable
// cache is moved aside and an empty one made (store.OpenOrRebuild), with a
// notice for the front desk; a cache another process holds is "busy".
func (d *dayStore) store(ctx context.Context) (*store.Store, error) {
	d.open.Lock()
	defer d.open.Unlock()
	d.mu.Lock()
	st, closed := d.st, d.closed
	d.mu.Unlock()
	if closed {
		return nil, errPracticeClosed
	}
	if st != nil {
		return st, nil
	}
	key, err := d.key(ctx)
	if err != nil {
		if !d.throwaway {
			return nil, fmt.Errorf("the cache key could not be read: %w", err)
		}
		d.log.Warn("no keychain; using a throwaway cache key for synthetic data", "reason", err.Error())
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.RemoveAll(d.dir); err != nil {
			return nil, err
		}
	}
	st, aside, err := store.OpenOrRebuild(ctx, d.dir, key, d.log)
	if errors.Is(err, store.ErrLocked) {
		return nil, api.NewError(api.KindBusy, err.Error())
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if aside != "" {
		d.log.Warn("the cache could not be read and was moved aside; the next sync rebuilds it", "movedTo", aside)
		d.notice = "The saved prep on this computer could not be read, so it was set aside (" + aside + ") and will be fetched again from Epic at the next update. Nothing in Epic is affected."
	}
	d.st = st
	return st, nil
}

// load reads a day's snapshot with its charts as records, or returns the
// ones already decoded when the snapshot has not changed.
func (d *dayStore) load(ctx context.Context, date string) (store.Day, map[string]record.Record, error) {
	if _, err := parseDay(date, time.UTC); err != nil {
		return store.Day{}, nil, err
	}
	st, err := d.store(ctx)
	if err != nil {
		return store.Day{}, nil, err
	}
	// One decode at a time: serve's start decodes today while the app's
	// first request for it arrives, and both decoding the same day cost a
	// second core's worth of the start (the catalogue parses on it).
	d.decoding.Lock()
	defer d.decoding.Unlock()
	info, err := st.DayInfo(ctx, date)
	if errors.Is(err, store.ErrNoDay) {
		return info, nil, api.NewError(api.KindNotFound, "Nothing is saved for "+date+" yet. Press “Update from Epic” to fetch it.")
	}
	if err != nil {
		return info, nil, err
	}
	d.mu.Lock()
	if ld := d.days[date]; ld != nil && ld.day.SyncedAt.Equal(info.SyncedAt) && ld.day.Partial == info.Partial {
		ld.used = time.Now()
		d.mu.Unlock()
		return ld.day, ld.recs, nil
	}
	d.mu.Unlock()
	// The compact records saved with the day: no FHIR JSON is parsed.
	day, recs, err := st.DayRecords(ctx, date)
	if err != nil {
		return day, nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.days == nil {
		d.days = map[string]*loadedDay{}
	}
	d.days[date] = &loadedDay{day: day, recs: recs, used: time.Now()}
	for len(d.days) > maxLoadedDays {
		oldest := date
		for k, v := range d.days {
			if v.used.Before(d.days[oldest].used) {
				oldest = k
			}
		}
		delete(d.days, oldest)
	}
	return day, recs, nil
}

// release drops the decoded days. serve calls it once the local API is
// idle: a 55-appointment day's records are about 7 MiB of the agent's
// memory, and the next look decodes them again from the compact cache in
// about 15 ms (BenchmarkDayFromCache), which the front desk does not see.
func (d *dayStore) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.days = nil
}

// decoded is how many days are kept decoded.
func (d *dayStore) decoded() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.days)
}

// purge removes the days before keepFrom (retention); a failure is
// logged: the saved days stay usable.
func (d *dayStore) purge(ctx context.Context, keepFrom string) {
	st, err := d.store(ctx)
	if err == nil {
		var n int
		if n, err = st.Purge(ctx, keepFrom); err == nil && n > 0 {
			d.log.Info("old days removed", "count", n)
		}
	}
	if err != nil {
		d.log.Warn("retention purge failed", "err", err)
	}
}

// oldestKept is the first day a practice keeps at now: older days are
// purged after a sync and cannot be fetched.
func oldestKept(p Practice, now time.Time) string {
	return now.In(p.Location()).AddDate(0, 0, -p.withDefaults().RetentionDays).Format(time.DateOnly)
}

// currentNotice is what the front desk should know about the cache ("" if
// nothing).
func (d *dayStore) currentNotice() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.notice
}

// rebuilt clears the notice: a sync saved a day, so the cache set aside
// is being refilled.
func (d *dayStore) rebuilt() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.notice = ""
}

// close closes the cache, after an open under way, and opens no more.
func (d *dayStore) close() error {
	d.open.Lock()
	defer d.open.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.st
	d.st, d.closed, d.days = nil, true, nil
	if st == nil {
		return nil
	}
	return st.Close()
}

// Prep of a saved day: pure functions of the day, its records and the
// catalogue (the Agent passes in the practice's options and documents).

// staleSet is the patients shown with older data: kept from an earlier
// sync. One never fetched is not among them: there is no older data.
func staleSet(d store.Day) map[string]bool {
	s := map[string]bool{}
	for id, p := range d.Patients {
		if p.Stale && !p.Unfetched() {
			s[id] = true
		}
	}
	return s
}

// prepDay is the day's prep list.
func prepDay(d store.Day, recs map[string]record.Record, cat *screening.Catalogue) prep.Day {
	list := prep.BuildDay(d.Date, d.SyncedAt, d.Partial, d.Appointments, recs, staleSet(d), cat)
	for i, r := range list.Rows {
		if d.Patients[r.PatientID].Unfetched() {
			// Nothing is known: no counts (zero would read "nothing due"),
			// no age or sex from an empty chart.
			list.Rows[i].NotFetched, list.Rows[i].Counts, list.Rows[i].Due, list.Rows[i].Age, list.Rows[i].Sex = true, prep.Counts{}, nil, nil, ""
		}
	}
	return list
}

// prepSheet is one appointment's prep sheet; opts carry the practice's
// lookbacks and what the patient's documents said.
func prepSheet(d store.Day, recs map[string]record.Record, appt record.Appointment, cat *screening.Catalogue, opts prep.Options) prep.Sheet {
	p := d.Patients[appt.PatientID]
	if p.Unfetched() {
		// An empty chart would read as "no birth date" and screenings
		// due: show only the appointment, and why nothing else.
		opts.Documents = nil
		s := prep.BuildSheet(appt, record.Record{}, cat, opts)
		s.NotFetched, s.Results, s.Measures = true, s.Results[:0], s.Measures[:0]
		s.Patient = prep.SheetPatient{ID: appt.PatientID, Name: appt.PatientName}
		s.Conditions, s.Labs, s.Imaging, s.Consults, s.Hospital, s.Immunizations = []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}, []prep.Line{}
		return s
	}
	s := prep.BuildSheet(appt, recs[appt.PatientID], cat, opts)
	s.Stale = p.Stale
	return s
}
