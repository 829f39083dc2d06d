// Fetching one patient's chart: what to search for, whole or what changed, and merging.

package daysync

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store"
)

// fetcher fetches charts.
type fetcher struct {
	c     *fhir.Client
	since string
	whole []string // types fetched with no date limit (sorted)
	year  int      // the day's calendar year, for fromAge
	now   func() time.Time
	// categories and batch: Deps.ObservationCategories and PatientBatch.
	categories string
	batch      int
	// rejected: Deps.RejectedOrders.
	rejected RejectedOrders
}

// hasRejectable reports whether any of the resources is a medication
// order coded as f.rejected names: its Tasks must be read.
func (f fetcher) hasRejectable(rs []json.RawMessage) bool {
	if len(f.rejected.Codes) == 0 {
		return false
	}
	for _, raw := range rs {
		var mr struct {
			ResourceType string `json:"resourceType"`
			Medication   struct {
				Coding []struct {
					System string `json:"system"`
					Code   string `json:"code"`
				} `json:"coding"`
			} `json:"medicationCodeableConcept"`
		}
		if json.Unmarshal(raw, &mr) != nil || mr.ResourceType != "MedicationRequest" {
			continue
		}
		for _, c := range mr.Medication.Coding {
			if _, ok := slices.BinarySearch(f.rejected.Codes[c.System], c.Code); ok {
				return true
			}
		}
	}
	return false
}

// notNeeded lists the types of fromAge a patient is too young for.
func (f fetcher) notNeeded(pt json.RawMessage) []string {
	var p struct {
		BirthDate string `json:"birthDate"`
	}
	json.Unmarshal(pt, &p)
	born, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return nil
	}
	var out []string
	for typ, age := range fromAge {
		if f.year-born.Year() < age {
			out = append(out, typ)
		}
	}
	slices.Sort(out)
	return out
}

// fetchResult is what a patient fetch reports besides the data.
type fetchResult struct {
	warnings    []string
	skipped     int
	incremental bool
	fresh       bool // the chart was kept; only the Patient was read
	unreadable  int  // resources FromFHIR could not read
	// rec is the chart decoded page by page, when it was streamed.
	rec *record.Record
	// attachments are the streamed chart's readable attachments, listed
	// page by page (see attachments).
	attachments []documents.Candidate
}

// search is one per-patient search after the Patient.
type search struct {
	typ string
	q   url.Values
}

// searches are the per-patient searches. Types in whole are fetched with
// no date limit; the others (high volume) back to since. With a taskCode,
// the Tasks of that code come last but one, after MedicationRequest: only
// for a patient whose orders need them (fetcher.hasRejectable).
func searches(patient, since string, whole []string, categories, taskCode string) []search {
	p := func(typ string, extra ...string) search {
		v := url.Values{"patient": {patient}, "_count": {"200"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		if !slices.Contains(whole, typ) {
			v.Set("date", "ge"+since)
		}
		return search{typ, v}
	}
	out := []search{
		// Encounter diagnoses too (CMS122 and CMS131 count diabetes only
		// as one), in the same search: a comma list is an OR.
		p("Condition", "category", conditionCategories),
		p("Observation", "category", categories),
		p("Procedure"),
		p("Immunization"),
		p("DiagnosticReport"),
		p("DocumentReference"),
		p("Encounter"),
		p("MedicationRequest"),
		p("ServiceRequest"),
		p("DeviceRequest"),
	}
	if taskCode != "" {
		out = append(out, p("Task", "code", taskCode))
	}
	return out
}

// conditionCategories are the Condition lists the measures read; Epic's
// Condition search without a category is reported to give the problem
// list only.
const conditionCategories = "problem-list-item,encounter-diagnosis"

// patientBatches are the searches for the day's Patient resources by _id
// list. Any the server leaves out (a server that takes one _id only, a
// failed batch) are read one by one; the batches are only a saving.
type patientBatches struct {
	f       fetcher
	ctx     context.Context
	ids     []string
	of      map[string]*batch
	byFirst map[int]*batch // by the place of the batch's first patient
}

type batch struct {
	ids  []string
	done chan struct{}
	got  map[string]json.RawMessage
}

func (f fetcher) patients(ctx context.Context, ids []string) *patientBatches {
	p := &patientBatches{f: f, ctx: ctx, ids: ids, of: map[string]*batch{}, byFirst: map[int]*batch{}}
	start := 0
	for chunk := range slices.Chunk(ids, f.batch) {
		first := start
		start += len(chunk)
		if len(chunk) < 2 {
			continue // a single read is as cheap, and carries an ETag
		}
		b := &batch{ids: chunk, done: make(chan struct{}), got: map[string]json.RawMessage{}}
		for _, id := range chunk {
			p.of[id] = b
		}
		p.byFirst[first] = b
	}
	return p
}

// launch starts the batch whose first patient is at place i, if there is
// one, at that patient's priority, and returns once its request is in
// line, so that it goes before the searches launched after it.
func (p *patientBatches) launch(i int) {
	b := p.byFirst[i]
	if b == nil {
		return
	}
	inLine := make(chan struct{})
	ctx := fhir.WithQueued(fhir.WithPriority(p.ctx, i), sync.OnceFunc(func() { close(inLine) }))
	go func() {
		defer close(b.done)
		res, err := p.f.c.Search(ctx, "Patient", url.Values{"_id": {strings.Join(b.ids, ",")}, "_count": {"200"}})
		if err != nil {
			return
		}
		for _, r := range res.Resources {
			if h := headOf(r); h.ResourceType == "Patient" && p.of[h.ID] == b {
				b.got[h.ID] = r
			}
		}
	}()
	<-inLine
}

// get waits for id's batch and gives its Patient, or nil when the batch
// did not have it.
func (p *patientBatches) get(ctx context.Context, id string) json.RawMessage {
	b := p.of[id]
	if b == nil {
		return nil
	}
	select {
	case <-b.done:
		return b.got[id]
	case <-ctx.Done():
		return nil
	}
}

// patient fetches one chart, incrementally on top of base when there is
// one. pt is the Patient if the batch search got it. A resource type the
// app may not read (403) or that Epic refuses (400) is a warning, not a
// failure: the rest of the chart still counts. Anything else fails the
// patient.
//
// The searches start at once, before the Patient is back; launched is
// called when they are all in line for a slot (see fhir.WithQueued), or
// the fetch has failed.
//
// With a chart (a whole fetch), each page goes to it as it arrives and is
// decoded into res.rec then: the fetch holds a page of the chart at a
// time, and data comes back without its Resources. Without one (on top of
// base), the chart is gathered, as merging needs it whole.
func (f fetcher) patient(ctx context.Context, id string, patients *patientBatches, base *store.PatientData, launched func(), chart *store.ChartWriter) (store.PatientData, fetchResult, error) {
	var res fetchResult
	data := store.PatientData{Since: f.since, Whole: f.whole}
	// The chart is written Patient first, as a gathered one is: pages
	// that come before the Patient wait for it (a round's worth at most).
	// Writing and decoding go together, so the record's items are in the
	// chart's order.
	var (
		recMu   sync.Mutex
		rec     record.Record
		items   [][]record.Item // by page, joined once at the end
		nItems  int
		ptDone  bool
		pending []json.RawMessage
	)
	stream := func(ctx context.Context, page []json.RawMessage, isPatient bool) error {
		recMu.Lock()
		defer recMu.Unlock()
		// Listed as the pages arrive: the Patient has none, so they come
		// in the chart's order whether or not a page waits for it.
		res.attachments = append(res.attachments, documents.Attachments(id, page)...)
		if !isPatient && !ptDone {
			pending = append(pending, page...)
			return nil
		}
		if isPatient {
			ptDone = true
			page = append(page, pending...)
			pending = nil
		}
		if err := chart.Add(ctx, page); err != nil {
			return err
		}
		r, errs := record.FromFHIR(page)
		if isPatient {
			rec.Patient = r.Patient
		}
		items = append(items, r.Items)
		nItems += len(r.Items)
		res.unreadable += len(errs)
		return nil
	}
	var mark time.Time
	noteTime := func(t time.Time) {
		if t.IsZero() {
			t = f.now()
		}
		if mark.IsZero() || t.Before(mark) {
			mark = t
		}
	}
	old := map[string][]json.RawMessage{} // base resources by type
	if base != nil {
		for _, r := range base.Resources {
			t := headOf(r).ResourceType
			old[t] = append(old[t], r)
		}
	}
	// The searches start at once, before the Patient is back; only the
	// types of fromAge wait for its birth date.
	type outcome struct {
		r           fhir.Result
		err         error
		incremental bool
		threshold   time.Time
		skipped     bool
	}
	list := searches(id, f.since, f.whole, f.categories, f.rejected.TaskCode)
	outs := make([]outcome, len(list))
	// The Task search waits for MedicationRequest: it is made only when
	// an order needs it (an unchanged one from base counts too).
	taskAt := slices.IndexFunc(list, func(s search) bool { return s.typ == "Task" })
	var needTask atomic.Bool
	if taskAt >= 0 && base != nil && f.hasRejectable(old["MedicationRequest"]) {
		needTask.Store(true)
	}
	var wg sync.WaitGroup
	defer wg.Wait() // no search outlives the fetch...
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ...and a failed one stops the rest
	// Each search is in line before the next starts, so they take slots
	// in the list's order rather than in the order their goroutines ran:
	// the searches most likely to have a second page (Observation) go out
	// in the first round, and their next page in the second, beside the
	// rest of the list (searches).
	var inLine sync.WaitGroup
	// run makes search i: only what changed since base where base has
	// the type, each page streamed to the chart when there is one.
	run := func(ctx context.Context, i int) {
		s, o := list[i], &outs[i]
		if base != nil && !slices.Contains(base.Missing, s.typ) {
			o.incremental, o.threshold = true, base.Mark.Add(-changeMargin).UTC().Truncate(time.Second)
			s.q.Set("_lastUpdated", "gt"+o.threshold.Format(time.RFC3339))
		}
		orders := s.typ == "MedicationRequest" && taskAt >= 0
		if chart == nil {
			o.r, o.err = f.c.Search(ctx, s.typ, s.q)
			if orders && f.hasRejectable(o.r.Resources) {
				needTask.Store(true)
			}
			return
		}
		o.r, o.err = f.c.SearchPages(ctx, s.typ, s.q, func(page []json.RawMessage) error {
			if orders && f.hasRejectable(page) {
				needTask.Store(true)
			}
			return stream(ctx, page, false)
		})
	}
	launch := func(i int) {
		s := list[i]
		inLine.Add(1)
		queued := make(chan struct{})
		isQueued := sync.OnceFunc(func() { inLine.Done(); close(queued) })
		pctx := ctx
		ctx := fhir.WithQueued(ctx, isQueued)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer isQueued() // a search that failed before asking for a slot
			run(ctx, i)
			if s.typ != "MedicationRequest" || taskAt < 0 {
				return
			}
			// The Tasks, in the same goroutine once the orders are in: at
			// the patient's priority, not holding the next patient back.
			if outs[i].err != nil || !needTask.Load() {
				outs[taskAt].skipped = true
				return
			}
			run(pctx, taskAt)
		}()
		<-queued
	}
	for i, s := range list {
		if _, byAge := fromAge[s.typ]; !byAge && i != taskAt {
			launch(i)
		}
	}
	pt := patients.get(ctx, id)
	if pt == nil {
		etag := ""
		if base != nil && len(old["Patient"]) > 0 {
			etag = base.ETag
		}
		raw, newTag, changed, err := f.c.ReadIfChanged(ctx, "Patient", id, etag)
		if err != nil {
			launched()
			return data, res, err
		}
		if !changed {
			raw, newTag = old["Patient"][0], etag
		}
		pt, data.ETag = raw, newTag
	}
	if data.ETag == "" {
		if v := headOf(pt).Meta.VersionID; v != "" {
			data.ETag = `W/"` + v + `"`
		}
	}
	if chart != nil {
		if err := stream(ctx, []json.RawMessage{pt}, true); err != nil {
			launched()
			return data, res, err
		}
	} else {
		data.Resources = append(data.Resources, pt)
	}

	// Types no rule reads at this patient's age are not asked for; they
	// are noted as missing, so the first sync that needs them searches
	// them whole.
	skip := f.notNeeded(pt)
	data.Missing = append(data.Missing, skip...)
	for i, s := range list {
		if _, byAge := fromAge[s.typ]; byAge {
			if slices.Contains(skip, s.typ) {
				outs[i].skipped = true
			} else {
				launch(i)
			}
		}
	}
	// The next patient starts once this one's searches are all in line,
	// those by age too, so the first patient's land in the fewest rounds.
	inLine.Wait()
	launched()
	wg.Wait()
	res.incremental = base != nil
	for i, s := range list {
		o := outs[i]
		if o.skipped {
			if i == taskAt {
				// Not needed (or the orders could not be read): searched
				// whole when next needed. Tasks an earlier sync had stay
				// beside the orders kept with them.
				data.Missing = append(data.Missing, s.typ)
				if slices.Contains(data.Missing, "MedicationRequest") {
					data.Resources = append(data.Resources, old[s.typ]...)
				}
			}
			continue
		}
		switch fhir.KindOf(o.err) {
		case fhir.KindUnknown:
			if o.err != nil {
				return data, res, o.err
			}
		case fhir.KindScope, fhir.KindForbidden, fhir.KindBadRequest, fhir.KindNotFound:
			// Keep what an earlier sync had of this type; search it whole next time.
			res.warnings = append(res.warnings, o.err.Error())
			data.Missing = append(data.Missing, s.typ)
			data.Resources = append(data.Resources, old[s.typ]...)
			continue
		default:
			return data, res, o.err
		}
		noteTime(o.r.ServerTime)
		res.skipped += o.r.Skipped
		if chart != nil {
			continue // written as it came
		}
		if !o.incremental || ignoredLastUpdated(o.r, o.threshold) {
			// A full answer (first fetch, or a server that ignored
			// _lastUpdated and so sent everything): it replaces the type.
			res.incremental = false
			data.Resources = append(data.Resources, o.r.Resources...)
			continue
		}
		data.Resources = append(data.Resources, merge(old[s.typ], o.r.Resources)...)
	}
	noteTime(time.Time{})
	data.Mark, data.FetchedAt = mark, f.now()
	if chart != nil {
		rec.Items = make([]record.Item, 0, nItems)
		for _, page := range items {
			rec.Items = append(rec.Items, page...)
		}
		res.rec = &rec
	}
	return data, res, nil
}

// demographics refreshes only the Patient resource of a fresh chart b:
// pt when the batch search got it, else a conditional read. The chart's
// FetchedAt and Mark stay those of its last search, so its age and the
// next _lastUpdated threshold are unchanged.
func (f fetcher) demographics(ctx context.Context, id string, pt json.RawMessage, b store.PatientData) (store.PatientData, error) {
	at := slices.IndexFunc(b.Resources, func(r json.RawMessage) bool { return headOf(r).ResourceType == "Patient" })
	if pt == nil {
		etag := ""
		if at >= 0 {
			etag = b.ETag
		}
		raw, tag, changed, err := f.c.ReadIfChanged(ctx, "Patient", id, etag)
		if err != nil || !changed {
			return b, err
		}
		pt, b.ETag = raw, tag
	} else if v := headOf(pt).Meta.VersionID; v != "" {
		b.ETag = `W/"` + v + `"`
	}
	rs := slices.Clone(b.Resources)
	if at >= 0 {
		rs[at] = pt
	} else {
		rs = append([]json.RawMessage{pt}, rs...)
	}
	b.Resources = rs
	return b, nil
}

// merge replaces base resources by id with changed ones and appends new ones.
func merge(base, changed []json.RawMessage) []json.RawMessage {
	byID := make(map[string]json.RawMessage, len(changed))
	var order []string
	for _, r := range changed {
		id := headOf(r).ID
		if _, dup := byID[id]; !dup {
			order = append(order, id)
		}
		byID[id] = r
	}
	out := make([]json.RawMessage, 0, len(base)+len(changed))
	for _, r := range base {
		id := headOf(r).ID
		if c, ok := byID[id]; ok {
			out = append(out, c)
			delete(byID, id)
			continue
		}
		out = append(out, r)
	}
	for _, id := range order {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out
}

// ignoredLastUpdated reports whether a _lastUpdated search was answered as
// if the parameter were not there: the self link leaves it out, or a
// resource came back that did not change after the threshold (or does not
// say when it did). Such an answer is the whole set.
func ignoredLastUpdated(r fhir.Result, threshold time.Time) bool {
	if r.Self != "" && !strings.Contains(r.Self, "_lastUpdated") {
		return true
	}
	for _, raw := range r.Resources {
		t, err := time.Parse(time.RFC3339Nano, headOf(raw).Meta.LastUpdated)
		if err != nil || !t.After(threshold) {
			return true
		}
	}
	return false
}

// head is the part of a resource the sync reads.
type head struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID   string `json:"versionId"`
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
}

func headOf(raw json.RawMessage) head {
	var h head
	json.Unmarshal(raw, &h)
	return h
}
