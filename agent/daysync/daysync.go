// Package daysync syncs one clinic day from Epic into the cache: the
// schedule first, then each distinct patient's chart. A patient Epic could
// not give us keeps their previous data, flagged stale; a sync that cannot
// get the schedule, is cancelled, or loses Epic part-way (sign-in refused,
// server unreachable, rate limit) never replaces the day's last good
// snapshot: what it fetched is kept beside it, marked partial.
//
// Requests: the day's Patients come in one search by _id list (each one
// the server leaves out is read on its own), then one search per resource
// type the prep reads (Observation categories in one): nine per patient,
// ten from the age the frailty rule applies (DeviceRequest, see fromAge),
// one more (Task, after MedicationRequest) for a patient with an order
// Deps.RejectedOrders names.
// The searches of every patient in flight run at once;
// fhir.Client.MaxInFlight bounds what is on the wire, so the pipe stays
// full to the end of the day.
//
// Pipelined: a patient's searches start as soon as the schedule names
// them, beside the Patient batches, not after; each request carries its
// patient's place in the day as its priority, a patient's searches go
// in line one by one in a fixed order, and a search's next page keeps
// its slot, so the first patient's chart lands within three round trips
// (schedule, then two rounds of its own requests at six on the wire)
// while later patients keep the pipe full.
//
// Memory: a whole chart goes to the cache a page at a time (a
// store.ChartWriter of the day's staging generation) and is decoded a
// page at a time, so a sync holds a few pages per patient in flight, not
// charts or the day; the staging becomes the day's snapshot only at the
// end (store.Staging.Commit). An incremental fetch still gathers its
// patient's chart, which merging by id needs, and the previous snapshot
// is read whole.
//
// Incremental: a later sync of the same day searches only for what changed
// since the previous one (_lastUpdated=gt the server's clock at that
// sync's start, less a margin) and merges by id; a Patient read carries
// If-None-Match. A patient new to the day, one whose data is stale or was
// fetched with a shorter lookback, a resource type that could not be read
// last time, and a server that ignores _lastUpdated all get a full fetch.
//
// Freshness: a known patient's chart is not searched again while it is
// fresh: younger than half the time left until the patient's visit, and
// at least minChartAge and at most maxChartAge (allowedAge). So repeat
// updates in clinic hours cost the schedule, the Patient resources of the
// day (one search per 50 patients: names and demographics are always
// current), and the charts of patients new to the day or whose visit is
// near enough; each chart is refreshed as its visit approaches and never
// shown older than 15 minutes at its visit.
//
// Deleted resources: a _lastUpdated search cannot report a deletion (Epic
// has no _history), so a resource deleted in Epic stays in the day's cache
// until that patient's next full fetch: the first sync of every day is
// full (a day's only base is its own snapshot), and so is any sync with
// Deps.Full. Epic marks most bad data entered-in-error rather than
// deleting it, which is a change and does arrive.
//
// The benchmark's command and figures are in daysync_test.go
// (BenchmarkSyncDay).
package daysync

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/schedule"
	"github.com/healthprep/desk/internal/store"
	"github.com/healthprep/desk/internal/tenant"
)

// Deps are the parts a sync uses.
type Deps struct {
	FHIR        *fhir.Client
	Schedule    schedule.Source
	Store       *store.Store
	Concurrency int // patients fetched at once; default 6 (requests are bounded by FHIR.MaxInFlight)
	// Lookback is how much history is fetched for the high-volume types:
	// the catalogue's longest interval (e.g. 10 years for colonoscopy),
	// plus margin. Default 15 years.
	Lookback time.Duration
	// WholeHistory are resource types fetched with no date limit, because
	// evidence in them can count for life (a once-only HIV test is an
	// Observation): the catalogue's WholeHistory. Condition, Procedure,
	// Immunization and DiagnosticReport are always fetched whole.
	WholeHistory []string
	// Full ignores the previous snapshot and fetches every chart whole.
	Full     bool
	Now      func() time.Time
	Progress func(Event)
	Log      *slog.Logger

	// ObservationCategories are the Observation categories the catalogue's
	// evidence lives in, searched in one search per patient (a comma list
	// is an OR) to keep requests per patient low; PatientBatch is how many
	// ids go in one Patient?_id= search. Both are the tenant profile's;
	// default Epic's (tenant.Epic).
	ObservationCategories string
	PatientBatch          int

	// RejectedOrders are the medication orders a measure counts only when
	// the pharmacy did not reject them (the catalogue's: CMS138's
	// cessation pharmacotherapy). A patient with an order so coded gets
	// one more search after MedicationRequest, for the Tasks on it; the
	// rest none. Zero: Task is never searched.
	RejectedOrders RejectedOrders
}

// RejectedOrders: which orders need their Tasks read, and which Tasks.
type RejectedOrders struct {
	TaskCode string              // Task.code searched for ("fulfill")
	Codes    map[string][]string // order codes by system (sorted)
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
	// PatientID is the patient whose chart just landed (phase patients),
	// so the app can mark that row; it never leaves this computer.
	PatientID string `json:"patientId,omitempty"`
}

// Summary describes a finished sync.
type Summary struct {
	Date         string `json:"date"`
	Appointments int    `json:"appointments"`
	Patients     int    `json:"patients"`
	Stale        int    `json:"stale"` // patients Epic could not give this time
	// Unfetched counts those of Stale with nothing from an earlier sync
	// either: their prep could not be made at all.
	Unfetched int `json:"unfetched"`
	// Incremental counts patients refreshed with only what changed.
	Incremental int `json:"incremental"`
	// Fresh counts patients whose chart was fresh enough to keep as it
	// was (only their Patient resource was read): see allowedAge.
	Fresh int `json:"fresh"`
	// Skipped counts entries Epic sent that were not readable resources.
	Skipped  int           `json:"skipped"`
	Requests int           `json:"requests"`
	Partial  bool          `json:"partial"`
	Duration time.Duration `json:"duration"`
	Warnings []string      `json:"warnings,omitempty"`
}

// changeMargin is subtracted from the previous sync's server clock: a
// resource committed just before that sync began, but not yet visible to
// it, is still caught. Re-fetching a few resources twice is harmless.
const changeMargin = 5 * time.Minute

// A chart is fresh, and not searched again, while younger than half the
// time left to the patient's visit, bounded by these: at its visit a chart
// is at most minChartAge old, and none is kept longer than maxChartAge
// (results of a visit already over still arrive for the day's review).
const (
	minChartAge = 15 * time.Minute
	maxChartAge = 4 * time.Hour
)

// allowedAge is how old a chart may be at now for a patient whose visit
// starts at visit (zero: no visit that will happen).
func allowedAge(visit, now time.Time) time.Duration {
	if visit.IsZero() || !visit.After(now) {
		return maxChartAge
	}
	return min(max(visit.Sub(now)/2, minChartAge), maxChartAge)
}

// visits maps each patient to the start of their first visit of the day
// that will happen (none for a patient whose visits are all cancelled).
func visits(appts []record.Appointment) map[string]time.Time {
	out := map[string]time.Time{}
	for _, a := range appts {
		if a.Inactive() || a.Start.IsZero() {
			continue
		}
		if t, ok := out[a.PatientID]; !ok || a.Start.Before(t) {
			out[a.PatientID] = a.Start
		}
	}
	return out
}

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
	var rowErrs *schedule.RowErrors
	if errors.As(err, &rowErrs) && len(appts) > 0 {
		// A schedule file with some bad rows: the good ones are synced and
		// each bad row is reported by its number.
		for _, re := range rowErrs.Rows {
			sum.Warnings = append(sum.Warnings, re.Error())
		}
		err = nil
	}
	if err != nil {
		d.Progress(Event{Phase: "failed", Requests: requests(), Errors: 1, Message: err.Error()})
		return sum, fmt.Errorf("getting the schedule: %w", err)
	}
	sum.Appointments = len(appts)
	prev, err := d.Store.GetDay(ctx, date)
	if err != nil && !errors.Is(err, store.ErrNoDay) {
		d.Log.Warn("previous snapshot unreadable; syncing without it", "err", err)
	}
	// Each chart is added to the day's compact records as it lands (see
	// store.Day.Records), so the sync holds compact bytes rather than
	// decoded records and saving decodes nothing. A patient who keeps the
	// previous snapshot's data keeps its record (read once, when needed).
	enc, encoded := record.NewEncoder(), map[string]bool{}
	var (
		prevOnce sync.Once
		prevRecs map[string]record.Record
	)
	prevRecord := func(id string) record.Record {
		prevOnce.Do(func() {
			if len(prev.Patients) > 0 {
				_, prevRecs, _ = d.Store.DayRecords(context.WithoutCancel(ctx), date)
			}
		})
		if r, ok := prevRecs[id]; ok {
			return r
		}
		r, _ := record.FromFHIR(prev.Patients[id].Resources)
		return r
	}
	addRecord := func(id string, r record.Record) { // under mu
		if r.Patient.ID == "" {
			r.Patient.ID = id
		}
		if !encoded[id] {
			enc.Add(id, r)
			encoded[id] = true
		}
	}

	var ids []string
	seen := map[string]bool{}
	for _, a := range appts {
		if a.PatientID != "" && !seen[a.PatientID] {
			seen[a.PatientID] = true
			ids = append(ids, a.PatientID)
		}
	}
	// Each chart goes to the cache as it lands, under a new generation
	// that becomes the day's only at Commit: the sync holds no day's worth
	// of charts, and the last good snapshot stays current until the end.
	stage, err := d.Store.Stage(ctx, date)
	if err != nil {
		d.Progress(Event{Phase: "failed", Requests: requests(), Errors: 1, Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", err)
	}
	defer stage.Discard()
	// The readable attachments of each chart saved go to the cache as it
	// lands, one JSON object by patient (documents.AttachmentsName): the
	// agent's reading then never reads the day's raw charts again to list
	// them, and the sync holds none of them. Kept only with a whole day.
	docsOut, err := stage.Derived(documents.AttachmentsName)
	if err == nil {
		err = docsOut.Add([]byte("{"))
	}
	if err != nil {
		d.Progress(Event{Phase: "failed", Requests: requests(), Errors: 1, Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", err)
	}
	var (
		docsMu    sync.Mutex
		docsFirst = true
	)
	addDocs := func(id string, atts []documents.Candidate) error {
		if len(atts) == 0 {
			return nil
		}
		key, err := json.Marshal(id)
		if err != nil {
			return err
		}
		val, err := json.Marshal(atts)
		if err != nil {
			return err
		}
		docsMu.Lock()
		defer docsMu.Unlock()
		part := make([]byte, 0, len(key)+len(val)+2)
		if !docsFirst {
			part = append(part, ',')
		}
		docsFirst = false
		return docsOut.Add(append(append(append(part, key...), ':'), val...))
	}
	var (
		mu         sync.Mutex
		done       int
		failures   int
		problem    = map[string]string{} // why a patient is stale
		landed     = map[string]bool{}
		warnings   = map[string]bool{}
		fatal      error
		saveErr    error
		unreadable int // resources FromFHIR could not read
	)
	progress := func(landed string) {
		d.Progress(Event{Phase: "patients", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures, PatientID: landed})
	}
	progress("")
	// A fatal error (sign-in refused, Epic unreachable or asking us to slow
	// down) stops the remaining fetches: every one would fail the same way.
	fetchCtx, stop := context.WithCancel(ctx)
	defer stop()
	since := d.Now().Add(-d.Lookback).Format(time.DateOnly)
	f := fetcher{c: d.FHIR, since: since, now: d.Now, whole: wholeTypes(d.WholeHistory), year: day.Year(),
		categories: cmp.Or(d.ObservationCategories, tenant.Epic.Categories()), batch: cmp.Or(d.PatientBatch, tenant.Epic.PatientBatch),
		rejected: d.RejectedOrders}
	// Pipelined: the Patient batches run beside the charts, and a chart's
	// searches start before its Patient is back. Every request carries its
	// patient's place in the day as its priority (fhir.WithPriority), so
	// the first patients' charts land first while the later ones keep the
	// pipe full.
	place := make(map[string]int, len(ids))
	for i, id := range ids {
		place[id] = i
	}
	patients := f.patients(fetchCtx, ids)
	visitAt, now := visits(appts), d.Now()
	// Patients start their requests in the day's order, each once the one
	// before has all of its in line: a request that finds a slot free takes
	// it, so without turns the first free slots would go to whoever came
	// first rather than to the first patient.
	turns := make([]chan struct{}, len(ids)+1)
	for i := range turns {
		turns[i] = make(chan struct{})
	}
	close(turns[0])

	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < min(d.Concurrency, max(len(ids), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				var (
					base *store.PatientData
					data store.PatientData
					res  fetchResult
					err  error
				)
				i := place[id]
				pctx := fhir.WithPriority(fetchCtx, i)
				select {
				case <-turns[i]:
				case <-fetchCtx.Done():
				}
				launched := sync.OnceFunc(func() { close(turns[i+1]) })
				patients.launch(i)
				if b, ok := prev.Patients[id]; ok && !d.Full && usable(b, since, f.whole) {
					base = &b
				}
				var (
					chart *store.ChartWriter
					serr  error
				)
				if base != nil && now.Sub(base.FetchedAt) < allowedAge(visitAt[id], now) {
					launched()
					data, err = f.demographics(pctx, id, patients.get(pctx, id), *base)
					res.fresh = true
				} else {
					if base == nil {
						// A whole fetch goes to the cache page by page.
						chart, serr = stage.Chart(id)
					}
					if serr == nil {
						data, res, err = f.patient(pctx, id, patients, base, launched, chart)
					} else {
						err = serr
					}
				}
				launched()
				saveCtx := context.WithoutCancel(ctx) // a chart fetched is kept, even if the sync then stops
				var rec record.Record
				switch {
				case err == nil && res.rec != nil:
					rec = *res.rec
					serr = chart.Close(saveCtx, data)
				case err == nil:
					// Decoded here, while other charts are on the wire.
					var errs []error
					rec, errs = record.FromFHIR(data.Resources)
					res.unreadable = len(errs)
					serr = stage.PutPatient(saveCtx, id, data)
				case serr == nil:
					// Keep what the last good sync had, flagged, with why.
					if chart != nil {
						chart.Abort()
					}
					data = prev.Patients[id]
					data.Stale, data.Problem = true, err.Error()
					serr = stage.PutPatient(saveCtx, id, data)
				}
				// A streamed chart's were listed as it came; the others are
				// whole in data.
				atts := res.attachments
				if res.rec == nil || err != nil {
					atts = documents.Attachments(id, data.Resources)
				}
				if serr == nil {
					serr = addDocs(id, atts)
				}
				// Saved before the patient counts as landed: its chart is in
				// the cache and its prep can be made from rec.
				data = store.PatientData{}
				mu.Lock()
				for _, w := range res.warnings {
					warnings[w] = true
				}
				sum.Skipped += res.skipped
				unreadable += res.unreadable
				if serr != nil && saveErr == nil {
					saveErr = serr
					stop()
				}
				if err != nil {
					if fatal == nil && isFatal(err) {
						fatal = err
						stop()
					}
					failures++
					problem[id] = err.Error()
					if prev.Patients[id].FetchedAt.IsZero() {
						sum.Unfetched++ // nothing to keep: never fetched
					}
					rec = prevRecord(id)
				} else if res.fresh {
					sum.Fresh++
				} else if res.incremental {
					sum.Incremental++
				}
				if serr == nil {
					landed[id] = true
					addRecord(id, rec)
					done++
					progress(id)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-fetchCtx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()

	sum.Patients, sum.Stale, sum.Requests = len(ids), failures, requests()
	if unreadable > 0 {
		d.Log.Warn("unreadable resources skipped", "count", unreadable)
	}
	for w := range warnings {
		sum.Warnings = append(sum.Warnings, w)
	}
	slices.Sort(sum.Warnings)
	if sum.Skipped > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d entries Epic sent could not be read and were skipped", sum.Skipped))
	}
	snap := store.Day{Date: date, Appointments: appts, SyncedAt: d.Now()}
	if saveErr != nil {
		d.Progress(Event{Phase: "failed", Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", saveErr)
	}
	if err := ctx.Err(); err != nil || fatal != nil {
		// Interrupted, or Epic lost: keep what we have beside the last good
		// snapshot, and patients not reached keep their previous data.
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		perr := error(nil)
		for _, id := range ids {
			if !landed[id] && perr == nil {
				p := prev.Patients[id]
				addRecord(id, prevRecord(id))
				p.Stale, p.Problem = true, "not fetched: the update stopped early"
				perr = stage.PutPatient(saveCtx, id, p)
			}
		}
		snap.Encoder = enc
		if perr == nil {
			perr = stage.CommitPartial(saveCtx, snap)
		}
		if perr != nil {
			d.Log.Warn("saving the partial sync failed", "err", perr)
		}
		msg := "the update was stopped"
		if err == nil {
			err = fmt.Errorf("the update stopped part-way (%w); the saved prep is unchanged", fatal)
			msg = err.Error()
		}
		d.Progress(Event{Phase: "failed", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures, Message: msg})
		return sum, err
	}
	if len(ids) > 0 && failures == len(ids) && len(prev.Patients) > 0 {
		// Nothing new arrived: do not churn the cache, report why.
		err := fmt.Errorf("no patient could be fetched from Epic (%s); the saved prep is unchanged", problem[ids[0]])
		d.Progress(Event{Phase: "failed", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures, Message: err.Error()})
		return sum, err
	}
	snap.Partial = failures > 0
	sum.Partial = snap.Partial
	d.Progress(Event{Phase: "saving", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures})
	snap.Encoder = enc
	if err := docsOut.Add([]byte("}")); err != nil {
		d.Progress(Event{Phase: "failed", Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", err)
	}
	docsOut.Done()
	if err := stage.Commit(ctx, snap); err != nil {
		d.Progress(Event{Phase: "failed", Message: "saving the day failed"})
		return sum, fmt.Errorf("saving the day: %w", err)
	}
	sum.Duration = d.Now().Sub(started)
	d.Progress(Event{Phase: "done", Appointments: len(appts), PatientsDone: done, PatientsTotal: len(ids), Requests: requests(), Errors: failures})
	d.Log.Info("day synced", "date", date, "appointments", sum.Appointments, "patients", sum.Patients, "stale", sum.Stale,
		"incremental", sum.Incremental, "fresh", sum.Fresh, "requests", sum.Requests, "duration", sum.Duration)
	return sum, nil
}

// isFatal reports errors that every other request of the sync would meet too.
func isFatal(err error) bool {
	switch fhir.KindOf(err) {
	case fhir.KindSignIn, fhir.KindUnreachable, fhir.KindRateLimited:
		return true
	}
	return false
}

// usable reports whether a previous fetch can be the base of an
// incremental one: complete, from a sync that recorded its mark, and
// reaching at least as far back as this sync needs (its lookback, and
// every type this sync fetches whole fetched whole then too).
func usable(b store.PatientData, since string, whole []string) bool {
	for _, t := range whole {
		if !slices.Contains(b.Whole, t) {
			return false
		}
	}
	return !b.Stale && !b.Mark.IsZero() && b.Since != "" && b.Since <= since && len(b.Resources) > 0
}

// alwaysWhole are the types fetched with no date limit whatever the
// catalogue says: low volume, and lifetime events (a vaccine series, a
// mastectomy, a dateless report) count. The request types are whole too:
// FHIR's "date" parameter does not mean when they were ordered
// (MedicationRequest's is the dosage's date), and a snapshot from before
// they were fetched then cannot be an incremental base.
//
// "Condition:encounter-diagnosis" is no type: it marks a snapshot whose
// Condition search asked for encounter diagnoses too, so one from before
// is no incremental base (its older encounter diagnoses were never read).
//
// Task is whole too (it has no "date" parameter), and a snapshot from
// before Tasks were read is no incremental base for them.
var alwaysWhole = []string{"Condition", "Condition:encounter-diagnosis", "DeviceRequest", "DiagnosticReport", "Immunization", "MedicationRequest", "Procedure", "ServiceRequest", "Task"}

// fromAge are resource types only a rule for older patients reads, with
// the age, reached by the end of the day's calendar year, from which a
// patient's are fetched. A patient with no birth date gets them all.
var fromAge = map[string]int{
	// A DeviceRequest evidences only frailty, which counts only for
	// patients 66 or older at the end of the measurement period (the
	// calendar year): measures.md, advanced_illness_and_frailty.
	"DeviceRequest": 66,
}

// wholeTypes is the sorted set of types a sync fetches whole.
func wholeTypes(extra []string) []string {
	out := slices.Clone(alwaysWhole)
	for _, t := range extra {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
