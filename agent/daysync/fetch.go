// Fetching one patient's chart: what to search for, whole or what changed, and merging.

package daysync

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/fhir"
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
}

// search is one per-patient search after the Patient.
type search struct {
	typ string
	q   url.Values
}

// searches are the per-patient searches. Types in whole are fetched with
// no date limit; the others (high volume) back to since.
func searches(patient, since string, whole []string, categories string) []search {
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
	return []search{
		p("Condition"),
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
}

// patients gets the day's Patient resources by _id list, in batches. Any
// the server leaves out (a server that takes one _id only, a failed batch)
// are read one by one later; this is only a saving.
func (f fetcher) patients(ctx context.Context, ids []string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for chunk := range slices.Chunk(ids, f.batch) {
		if len(chunk) < 2 {
			continue // a single read is as cheap, and carries an ETag
		}
		res, err := f.c.Search(ctx, "Patient", url.Values{"_id": {strings.Join(chunk, ",")}, "_count": {"200"}})
		if err != nil {
			continue
		}
		want := map[string]bool{}
		for _, id := range chunk {
			want[id] = true
		}
		for _, r := range res.Resources {
			if h := headOf(r); h.ResourceType == "Patient" && want[h.ID] {
				out[h.ID] = r
			}
		}
	}
	return out
}

// patient fetches one chart, incrementally on top of base when there is
// one. pt is the Patient if the batch search got it. A resource type the
// app may not read (403) or that Epic refuses (400) is a warning, not a
// failure: the rest of the chart still counts. Anything else fails the
// patient.
func (f fetcher) patient(ctx context.Context, id string, pt json.RawMessage, base *store.PatientData) (store.PatientData, fetchResult, error) {
	var res fetchResult
	data := store.PatientData{Since: f.since, Whole: f.whole}
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
	if pt == nil {
		etag := ""
		if base != nil && len(old["Patient"]) > 0 {
			etag = base.ETag
		}
		raw, newTag, changed, err := f.c.ReadIfChanged(ctx, "Patient", id, etag)
		if err != nil {
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
	data.Resources = append(data.Resources, pt)

	// Types no rule reads at this patient's age are not asked for; they
	// are noted as missing, so the first sync that needs them searches
	// them whole.
	skip := f.notNeeded(pt)
	data.Missing = append(data.Missing, skip...)
	list := slices.DeleteFunc(searches(id, f.since, f.whole, f.categories), func(s search) bool { return slices.Contains(skip, s.typ) })
	type outcome struct {
		r           fhir.Result
		err         error
		incremental bool
		threshold   time.Time
	}
	outs := make([]outcome, len(list))
	var wg sync.WaitGroup
	for i, s := range list {
		o := &outs[i]
		if base != nil && !slices.Contains(base.Missing, s.typ) {
			o.incremental, o.threshold = true, base.Mark.Add(-changeMargin).UTC().Truncate(time.Second)
			s.q.Set("_lastUpdated", "gt"+o.threshold.Format(time.RFC3339))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.r, o.err = f.c.Search(ctx, s.typ, s.q)
		}()
	}
	wg.Wait()
	res.incremental = base != nil
	for i, s := range list {
		o := outs[i]
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
