// Package daysync syncs one clinic day from Epic into the cache: the
// schedule first, then each distinct patient's chart with bounded
// concurrency. A patient Epic could not give us keeps their previous data,
// flagged stale; a sync that cannot get the schedule, or is cancelled,
// never replaces the day's last good snapshot.
package daysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
)

// Deps are the parts a sync uses.
type Deps struct {
	FHIR        *fhir.Client
	Schedule    schedule.Source
	Store       *store.Store
	Concurrency int           // patients fetched at once; default 6
	Lookback    time.Duration // history fetched for high-volume types; default 15 years
	Now         func() time.Time
	Progress    func(Event)
	Log         *slog.Logger
}

// Event reports progress; each is a full snapshot, so dropping one is harmless.
type Event struct {
	Phase         string `json:"phase"` // schedule, patients, saving, done, failed
	Appointments  int    `json:"appointments"`
	PatientsDone  int    `json:"patientsDone"`
	PatientsTotal int    `json:"patientsTotal"`
	Requests      int    `json:"requests"`
	Errors        int    `json:"errors"`
	Message       string `json:"message,omitempty"`
}

// Summary describes a finished sync.
type Summary struct {
	Date         string        `json:"date"`
	Appointments int           `json:"appointments"`
	Patients     int           `json:"patients"`
	Stale        int           `json:"stale"`
	Requests     int           `json:"requests"`
	Partial      bool          `json:"partial"`
	Duration     time.Duration `json:"duration"`
	Warnings     []string      `json:"warnings,omitempty"`
}

// Observation categories the catalogue's evidence lives in, in one search
// (Epic ORs a comma list) to keep requests per patient low.
const obsCategories = "laboratory,vital-signs,social-history,survey,imaging,exam"

// Sync fetches day (a local calendar date) and saves it.
func Sync(ctx context.Context, d Deps, day time.Time) (Summary, error) {
	if d.Concurrency <= 0 {
		d.Concurrency = 6
	}
	if d.Lookback <= 0 {
		d.Lookback = 15 * 365 * 24 * time.Hour
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Progress == nil {
		d.Progress = func(Event) {}
	}
	started := d.Now()
	date := day.Format(time.DateOnly)
	sum := Summary{Date: date}
	reqs0 := d.FHIR.Stats().Requests
	requests := func() int { return d.FHIR.Stats().Requests - reqs0 }

	d.Progress(Event{Phase: "schedule"})
	appts, err := d.Schedule.Appointments(ctx, day)
	if err != nil {
		d.Progress(Event{Phase: "failed", Requests: requests(), Errors: 1, Message: err.Error()})
		return sum, fmt.Errorf("getting the schedule: %w", err)
	}
	sum.Appointments = len(appts)
	prev, err := d.Store.GetDay(ctx, date)
	if err != nil && !errors.Is(err, store.ErrNoDay) {
		d.Log.Warn("previous snapshot unreadable; syncing without it", "err", err)
	}

	var ids []string
	seen := map[string]bool{}
	for _, a := range appts {
		if !seen[a.PatientID] {
			seen[a.PatientID] = true
			ids = append(ids, a.PatientID)
		}
	}
	snap := store.Day{Date: date, Appointments: appts, Patients: map[string]store.PatientData{}}
	var (
		mu       sync.Mutex
		done     int
		failures int
		warnings = map[string]bool{}
	)
	progress := func() {
		d.Progress(Event{Phase: "patients", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures})
	}
	progress()
	since := d.Now().Add(-d.Lookback).Format(time.DateOnly)
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < min(d.Concurrency, max(len(ids), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				data, warns, err := fetchPatient(ctx, d.FHIR, id, since)
				mu.Lock()
				for _, w := range warns {
					warnings[w] = true
				}
				if err != nil {
					// Keep what the last good sync had, flagged, with why.
					failures++
					data = prev.Patients[id]
					data.Stale, data.Problem = true, err.Error()
				} else {
					data.FetchedAt = d.Now()
				}
				snap.Patients[id] = data
				done++
				progress()
				mu.Unlock()
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()

	sum.Patients, sum.Stale, sum.Requests = len(ids), failures, requests()
	for w := range warnings {
		sum.Warnings = append(sum.Warnings, w)
	}
	snap.SyncedAt = d.Now()
	if err := ctx.Err(); err != nil {
		// Interrupted: keep what we have beside the last good snapshot.
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if perr := d.Store.PutPartial(saveCtx, snap); perr != nil {
			d.Log.Warn("saving the partial sync failed", "err", perr)
		}
		d.Progress(Event{Phase: "failed", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures, Message: "the update was stopped"})
		return sum, err
	}
	if len(ids) > 0 && failures == len(ids) && len(prev.Patients) > 0 {
		// Nothing new arrived: do not churn the cache, report why.
		err := fmt.Errorf("no patient could be fetched from Epic (%s); the saved prep is unchanged", snap.Patients[ids[0]].Problem)
		d.Progress(Event{Phase: "failed", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures, Message: err.Error()})
		return sum, err
	}
	snap.Partial = failures > 0
	sum.Partial = snap.Partial
	d.Progress(Event{Phase: "saving", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures})
	if err := d.Store.PutDay(ctx, snap); err != nil {
		d.Progress(Event{Phase: "failed", Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", err)
	}
	sum.Duration = d.Now().Sub(started)
	d.Progress(Event{Phase: "done", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures})
	d.Log.Info("day synced", "date", date, "appointments", sum.Appointments, "patients", sum.Patients, "stale", sum.Stale, "requests", sum.Requests, "duration", sum.Duration)
	return sum, nil
}

// searches are the per-patient requests after the Patient read. High-volume
// types are limited to the lookback; the rest are fetched whole because
// lifetime events (a once-only test, a vaccine series, a mastectomy) count.
func searches(patient, since string) []struct {
	typ string
	q   url.Values
} {
	p := func(extra ...string) url.Values {
		v := url.Values{"patient": {patient}, "_count": {"200"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		return v
	}
	return []struct {
		typ string
		q   url.Values
	}{
		{"Condition", p()},
		{"Observation", p("category", obsCategories, "date", "ge"+since)},
		{"Procedure", p()},
		{"Immunization", p()},
		{"DiagnosticReport", p()}, // low volume; a dateless report must still be seen
		{"DocumentReference", p("date", "ge"+since)},
		{"Encounter", p("date", "ge"+since)},
	}
}

// fetchPatient gets one chart. A resource type the app may not read (403)
// or that Epic refuses (400) is a warning, not a failure: the rest of the
// chart still counts. Anything else fails the patient.
func fetchPatient(ctx context.Context, c *fhir.Client, id, since string) (store.PatientData, []string, error) {
	var data store.PatientData
	pt, err := c.Read(ctx, "Patient", id)
	if err != nil {
		return data, nil, err
	}
	data.Resources = append(data.Resources, pt)
	var warns []string
	for _, s := range searches(id, since) {
		res, err := c.Search(ctx, s.typ, s.q)
		switch fhir.KindOf(err) {
		case fhir.KindUnknown:
			if err != nil {
				return data, warns, err
			}
		case fhir.KindScope, fhir.KindForbidden, fhir.KindBadRequest, fhir.KindNotFound:
			warns = append(warns, err.Error())
			continue
		default:
			return data, warns, err
		}
		data.Resources = append(data.Resources, res.Resources...)
	}
	return data, warns, nil
}
