package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/internal/doctext"
	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening"
	"github.com/healthprep/desk/internal/store"
)

// Reading documents: after a day's charts land, the agent reads the
// attachments a screening could still use (OCR included) in the background,
// with ReadingWorkers workers (one by default: OCR takes a core each). The
// day is usable at once; rows update as evidence arrives. What was read is
// kept in the encrypted cache by content hash, so offline review shows it
// and no document is read twice.

// readingState is what reading found, per day and patient.
type readingState struct {
	mu     sync.Mutex
	byDay  map[string]map[string]*screening.DocText
	loaded map[string]bool // days whose cached reads are in byDay
}

func (rs *readingState) add(date string, rd documents.Read) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byDay == nil {
		rs.byDay = map[string]map[string]*screening.DocText{}
	}
	if rs.byDay[date] == nil {
		rs.byDay[date] = map[string]*screening.DocText{}
	}
	dt := rs.byDay[date][rd.PatientID]
	if dt == nil {
		dt = &screening.DocText{}
		rs.byDay[date][rd.PatientID] = dt
	}
	for _, d := range dt.Docs {
		if d.ID == rd.DocID {
			return
		}
	}
	for _, u := range dt.Unreadable {
		if u.ID == rd.DocID {
			return
		}
	}
	// Copy on write: a sheet being built holds the old value.
	next := &screening.DocText{Docs: dt.Docs[:len(dt.Docs):len(dt.Docs)], Found: dt.Found[:len(dt.Found):len(dt.Found)], Unreadable: dt.Unreadable[:len(dt.Unreadable):len(dt.Unreadable)]}
	if rd.Unreadable != "" {
		date := rd.Indexed
		if date.IsZero() {
			date = rd.Clinical
		}
		next.Unreadable = append(next.Unreadable, screening.UnreadDoc{ID: rd.DocID, Title: rd.Title, Date: date, Reason: rd.Unreadable})
	} else {
		next.Docs = append(next.Docs, rd.Doc(""))
		next.Found = append(next.Found, rd.Findings)
	}
	rs.byDay[date][rd.PatientID] = next
}

func (rs *readingState) get(date, patientID string) *screening.DocText {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.byDay[date][patientID]
}

func (rs *readingState) markLoaded(date string) (first bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.loaded == nil {
		rs.loaded = map[string]bool{}
	}
	first = !rs.loaded[date]
	rs.loaded[date] = true
	return first
}

// documentReader reads with the practice's workers and the given fetcher
// (nil: the cache only, offline).
func (a *Agent) documentReader(p Practice, st *store.Store, f documents.Fetcher) *documents.Reader {
	x := doctext.New()
	if l := a.opts.ReadingLimits; l != nil {
		x = &doctext.Extractor{Limits: *l, OCR: doctext.DefaultOCR(*l), PDF: doctext.DefaultPDF(*l)}
	}
	return &documents.Reader{Extractor: x, Fetch: f, Cache: documents.StoreCache{Store: st}, Catalogue: a.catalogue(),
		Workers: max(1, p.ReadingWorkers), Log: a.log}
}

// candidates lists the day's documents worth reading: per visit, those
// that could still decide a screening the chart leaves open. The results
// come from the day's compact records; the documents' attachments (not in
// the compact form) from the list made of the raw charts once per
// snapshot (dayAttachments).
func (a *Agent) candidates(ctx context.Context, st *store.Store, d store.Day, recs map[string]record.Record) ([]documents.Candidate, error) {
	atts, err := dayAttachments(ctx, st, d.Date)
	if err != nil {
		return nil, err
	}
	cat := a.catalogue()
	var out []documents.Candidate
	seen := map[string]bool{}
	for _, ap := range d.Appointments {
		rec, ok := recs[ap.PatientID]
		if ap.Inactive() || !ok || d.Patients[ap.PatientID].Unfetched() || len(atts[ap.PatientID]) == 0 {
			continue
		}
		since, open := documents.TextSince(cat, ap.Start, screening.Evaluate(rec, cat, ap.Start))
		if !open {
			continue
		}
		for _, c := range documents.Within(atts[ap.PatientID], since, ap.Start) {
			if k := c.PatientID + "/" + c.DocID; !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// dayAttachments is every readable attachment of the day's charts, by
// patient: listed from the raw FHIR once per snapshot and kept beside it
// in the encrypted cache, so opening the day parses no FHIR.
func dayAttachments(ctx context.Context, st *store.Store, date string) (map[string][]documents.Candidate, error) {
	b, err := st.Derived(ctx, date, documents.AttachmentsName, func(d store.Day) ([]byte, error) {
		atts := map[string][]documents.Candidate{}
		for id, p := range d.Patients {
			if c := documents.Attachments(id, p.Resources); len(c) > 0 {
				atts[id] = c
			}
		}
		return json.Marshal(atts)
	})
	if err != nil {
		return nil, err
	}
	var atts map[string][]documents.Candidate
	if err := json.Unmarshal(b, &atts); err != nil {
		return nil, store.ErrDamaged
	}
	return atts, nil
}

// loadReadings puts what earlier readings of the day found (in the cache)
// in memory, once per day: offline review shows it with no network.
func (a *Agent) loadReadings(ctx context.Context, days *dayStore, date string) {
	if !days.reads.markLoaded(date) {
		return
	}
	d, recs, err := days.load(ctx, date)
	if err != nil {
		return
	}
	st, err := days.store(ctx)
	if err != nil {
		return
	}
	cands, err := a.candidates(ctx, st, d, recs)
	if err != nil {
		return
	}
	p, _ := a.current()
	r := a.documentReader(p, st, nil)
	for _, c := range cands {
		if rd, ok := r.Cached(ctx, c); ok {
			days.reads.add(date, rd)
		}
	}
}

// startReading reads the day's documents in the background, after a sync.
func (a *Agent) startReading(p Practice, date string, ts oauth2.TokenSource) {
	a.syncs.background(func(life context.Context) {
		defer freeOSMemory() // the documents' bytes and text, as after a sync
		if err := a.readDay(life, p, date, ts); err != nil && life.Err() == nil {
			a.log.Warn("reading documents stopped", "reason", err.Error())
		}
	})
}

func (a *Agent) readDay(ctx context.Context, p Practice, date string, ts oauth2.TokenSource) error {
	days, err := a.daysFor()
	if err != nil {
		return err
	}
	a.loadReadings(ctx, days, date)
	st, err := days.store(ctx)
	if err != nil {
		return err
	}
	d, recs, err := days.load(ctx, date)
	if err != nil {
		return err
	}
	cands, err := a.candidates(ctx, st, d, recs)
	if err != nil {
		return err
	}
	r := a.documentReader(p, st, &documents.HTTPFetcher{Base: a.fhirBase(p), HTTP: a.httpFor(p), Tokens: ts})
	var todo []documents.Candidate
	for _, c := range cands {
		if rd, ok := r.Cached(ctx, c); ok {
			days.reads.add(date, rd)
		} else {
			todo = append(todo, c)
		}
	}
	start := time.Now()
	say := func(done int, patient string) {
		a.syncs.hub.publish(api.SyncEvent{Phase: api.PhaseReading, Date: date, PatientsDone: done, PatientsTotal: len(todo), PatientID: patient,
			Message: fmt.Sprintf("reading %d documents: %d of %d", len(todo), done, len(todo))})
	}
	say(0, "")
	reads := r.Read(ctx, todo, func(rd *documents.Read, done, total int) {
		patient := ""
		if rd != nil {
			days.reads.add(date, *rd)
			patient = rd.PatientID
		}
		say(done, patient)
	})
	unread := 0
	for _, rd := range reads {
		if rd.Unreadable != "" {
			unread++
		}
	}
	a.syncs.hub.publish(api.SyncEvent{Phase: api.PhaseRead, Date: date, PatientsDone: len(reads), PatientsTotal: len(todo),
		Message: fmt.Sprintf("read %d documents (%d could not be read)", len(reads), unread)})
	a.audit(ctx, "documents.read", map[string]string{"date": date, "documents": itoa(len(reads)), "unreadable": itoa(unread),
		"duration": time.Since(start).Round(time.Millisecond).String()})
	return ctx.Err()
}

// documentText is what the patient's documents said for the day's prep
// (nil when nothing was read).
func (a *Agent) documentText(ctx context.Context, date, patientID string) *screening.DocText {
	days, err := a.daysFor()
	if err != nil {
		return nil
	}
	a.loadReadings(ctx, days, date)
	return days.reads.get(date, patientID)
}

// recount updates the day list's counts where documents changed a
// result, so Today's counts follow the reading.
func (a *Agent) recount(ctx context.Context, date string, d store.Day, recs map[string]record.Record, rows []prep.Row) {
	cat := a.catalogue()
	for i, row := range rows {
		dt := a.documentText(ctx, date, row.PatientID)
		if dt == nil || len(dt.Docs) == 0 || row.NotFetched {
			continue
		}
		for _, ap := range d.Appointments {
			if ap.ID == row.AppointmentID {
				rs := screening.ApplyText(screening.Evaluate(recs[row.PatientID], cat, ap.Start), cat, ap.Start, dt.Docs, dt.Found)
				rows[i].Counts = prep.CountResults(rs)
			}
		}
	}
}
