package screening

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Status is a screening's state for a visit.
type Status string

const (
	Complete      Status = "complete"
	DueSoon       Status = "due_soon"
	Due           Status = "due"
	Excluded      Status = "excluded"
	NotApplicable Status = "not_applicable"
	NeedsReview   Status = "needs_review"
)

// Evidence is the resource that decided a result.
type Evidence struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	System  string    `json:"system,omitempty"`
	Code    string    `json:"code,omitempty"` // empty when a title keyword matched
	Display string    `json:"display,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	// Text is the sentence a document's text evidence came from (doctext.go).
	Text *TextEvidence `json:"text,omitempty"`
}

// Result is one screening's outcome with its explanation.
type Result struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Status   Status     `json:"status"`
	LastDone time.Time  `json:"lastDone,omitzero"`
	Modality string     `json:"modality,omitempty"`
	NextDue  time.Time  `json:"nextDue,omitzero"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Rule     string     `json:"rule,omitempty"` // the trigger or exclusion that applied
	// Variant is the risk-group modifier that applied (e.g. diabetes).
	Variant string `json:"variant,omitempty"`
	// Review marks a result that rests on something the catalogue flags for
	// review: a code no value set confirmed, a title keyword, or an
	// interval no guideline fixes. ReviewNote says which.
	Review     bool   `json:"review,omitempty"`
	ReviewNote string `json:"reviewNote,omitempty"`
	// Attention says why a done screening still needs attention: its
	// newest reading is out of range ("poor control: 9.8 % on 2026-03-02").
	Attention string `json:"attention,omitempty"`
	// Missing names a fact the chart lacks that decides this result
	// ("birth date", "sex"): the sheet says it once for all results.
	Missing string `json:"missing,omitempty"`
	// Measure names the quality measures (eCQMs) the screening
	// corresponds to ("CMS125"); the sheet's measure view says how each
	// counts the patient.
	Measure string `json:"measure,omitempty"`
	// Details is for support, not the front desk: the codes, code groups,
	// value sets (OID, version) and rules behind the result.
	Details string `json:"details,omitempty"`
}

// Age returns completed years on day, or -1 when birth is unknown. A
// birthday on the visit day counts; someone born on Feb 29 turns a year
// older on Mar 1 in common years (as CQL's AgeInYearsAt does).
func Age(birth, day time.Time) int {
	if birth.IsZero() {
		return -1
	}
	by, bm, bd := birth.Date()
	y, m, d := day.Date()
	age := y - by
	if m < bm || m == bm && d < bd {
		age--
	}
	return age
}

// counts reports whether an item is a finished, valid record of care.
func counts(it *record.Item) bool {
	switch it.Type {
	case "Observation", "DiagnosticReport":
		return it.Status == "final" || it.Status == "amended" || it.Status == "corrected" || it.Status == "appended"
	case "Procedure":
		return it.Status == "completed"
	case "ServiceRequest":
		// An order counts only once it is done: an open order is not a test.
		return it.Status == "completed"
	case "MedicationRequest", "DeviceRequest":
		// An order, not a plan or proposal (the measures' order intents).
		return (it.Status == "active" || it.Status == "completed") && orderIntent(it.Intent)
	case "Immunization":
		return it.Status == "completed" && !it.Subpotent
	case "DocumentReference":
		return it.Status == "current" || it.Status == ""
	case "Condition":
		return it.Verification != "entered-in-error" && it.Verification != "refuted"
	case "Encounter":
		return it.Status == "finished"
	}
	return false
}

// activeCondition is a condition that still applies (triggers, modifiers).
func activeCondition(it *record.Item) bool {
	if it.Type != "Condition" {
		return true
	}
	switch it.Status {
	case "", "active", "recurrence", "relapse":
		return true
	}
	return false
}

// Dates are day numbers (days since 1970-01-01) inside the engine: care
// counts from the calendar date it was given, whatever hour it was charted.
const noDate = math.MinInt32

func dayNum(t time.Time) int32 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

func dayTime(n int32) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

func (p Period) addDays(n int32) int32 { return p.shiftDays(n, 1) }
func (p Period) subDays(n int32) int32 { return p.shiftDays(n, -1) }

// hit is one coding of one countable item found in one evidence group.
type hit struct {
	group  int32 // -1: a title keyword matched
	item   int32
	coding int32  // index into the item's Codes (ValueCodes when value); -1: a title keyword
	typ    uint16 // the item's resource type bit
	value  bool   // matched on an Observation value, not its code
}

// evaluator holds one Evaluate call's working state; it is pooled, so a
// clinic day's evaluations reuse the same buffers.
type evaluator struct {
	c       *Catalogue
	ix      *index // the screenings' index, or the measures' superset
	patient record.Patient
	items   []record.Item
	visit   time.Time // the visit day, UTC midnight
	today   int32
	age     int
	season  [2]int32 // this season's start and the next one's

	days  []int32 // per item with hits: its day, or noDate
	pairs []hit   // hits as found
	hits  []hit   // hits bucketed by group
	off   []int32 // group g's hits are hits[off[g]:off[g+1]]
	docs  []int32 // countable documents and reports, for title keywords
	open  []hit   // hits of open (active) orders: follow-ups, not care done
	arena []hit   // evidence kept while one screening is decided
	doses []dose
	buf   []byte
	// wantDetails: build Details (EvaluateWithDetails, the measures);
	// without it note, more and detail do nothing.
	wantDetails bool
	// Details of every result of one Evaluate are built in one buffer and
	// become one string, each result's Details a slice of it: one
	// allocation a patient instead of one a result.
	details []byte
	dstart  int        // where the current result's details start
	dspans  [][2]int32 // per result: its details' span
	// Reasons built from parts likewise share one string (reason).
	reasons []byte
	rspan   [2]int32   // the current result's reason span, or -1
	rspans  [][2]int32 // per result
	// And their evidence one slice: a result's is evs[estart:].
	evs    []Evidence
	estart int
	espans [][2]int32

	// What the last status rule found (rule sets them): why it did not
	// apply, what to check when it did, and whether it settled the
	// screening's manual review (pack-years and a current or recent habit
	// on record).
	ruleNote, ruleCheck string
	ruleConfirmed       bool
}

var pool = sync.Pool{New: func() any { return new(evaluator) }}

// Evaluate returns one result per enabled screening, in catalogue order,
// for the record on the visit date (the calendar day of visit in its own
// location). Screenings switched off are left out. It is pure: same inputs,
// same results; safe for concurrent use.
//
// Results carry no Details: those are for support, shown on one patient's
// sheet, and building them cost a third of an evaluation that a day list
// (counts only) never reads. EvaluateWithDetails fills them in.
func Evaluate(rec record.Record, c *Catalogue, visit time.Time) []Result {
	return evaluate(rec, c, visit, false)
}

// EvaluateWithDetails is Evaluate with each result's Details (the codes,
// value sets and rules behind it) filled in, for a patient's sheet.
func EvaluateWithDetails(rec record.Record, c *Catalogue, visit time.Time) []Result {
	return evaluate(rec, c, visit, true)
}

func evaluate(rec record.Record, c *Catalogue, visit time.Time, details bool) []Result {
	e := pool.Get().(*evaluator)
	e.start(rec, c, &c.idx, visit)
	e.wantDetails = details
	out := make([]Result, c.enabled)
	e.details, e.dspans = e.details[:0], e.dspans[:0]
	e.reasons, e.rspans = e.reasons[:0], e.rspans[:0]
	e.evs, e.espans = e.evs[:0], e.espans[:0]
	n := 0
	for _, s := range c.Screenings {
		if s.On() {
			e.screening(s, &out[n])
			n++
		}
	}
	if details {
		all := string(e.details)
		for i, sp := range e.dspans {
			out[i].Details = all[sp[0]:sp[1]]
		}
	}
	reasons := string(e.reasons)
	for i, sp := range e.rspans {
		if sp[0] >= 0 {
			out[i].Reason = reasons[sp[0]:sp[1]]
		}
	}
	if len(e.evs) > 0 {
		evs := slices.Clone(e.evs)
		for i, sp := range e.espans {
			if sp[1] > sp[0] {
				out[i].Evidence = evs[sp[0]:sp[1]:sp[1]]
			}
		}
		clear(e.evs) // the pool keeps no record's strings
	}
	e.release()
	return out
}

func (e *evaluator) release() {
	e.c, e.ix, e.items, e.patient = nil, nil, nil, record.Patient{}
	if cap(e.pairs) < 1<<16 {
		pool.Put(e)
	}
}

func (e *evaluator) start(rec record.Record, c *Catalogue, ix *index, visit time.Time) {
	e.c, e.ix, e.patient, e.items = c, ix, rec.Patient, rec.Items
	e.today = dayNum(visit)
	e.visit = dayTime(e.today)
	e.age = Age(rec.Patient.BirthDate, e.visit)
	y, _, _ := e.visit.Date()
	s := dayNum(time.Date(y, time.Month(c.seasonMonth), c.seasonDay, 0, 0, 0, 0, time.UTC))
	if e.today < s {
		s = dayNum(time.Date(y-1, time.Month(c.seasonMonth), c.seasonDay, 0, 0, 0, 0, time.UTC))
	}
	e.season = [2]int32{s, dayNum(dayTime(s).AddDate(1, 0, 0))}
	e.collect()
}

// collect finds every countable item's codings in the index, once per
// record, and buckets the hits by group.
func (e *evaluator) collect() {
	ix := e.ix
	e.pairs, e.docs, e.open = e.pairs[:0], e.docs[:0], e.open[:0]
	if cap(e.days) < len(e.items) {
		e.days = make([]int32, len(e.items))
	}
	e.days = e.days[:len(e.items)]
	keywords := e.c.hasKeywords
	for i := range e.items {
		it := &e.items[i]
		first := len(e.pairs)
		for j := range it.Codes {
			ix.find(it.Codes[j].System, it.Codes[j].Code, func(g int32) {
				e.pairs = append(e.pairs, hit{group: g, item: int32(i), coding: int32(j)})
			})
		}
		if it.Type == "Observation" || it.Type == "Encounter" {
			// Coded values and discharge dispositions (to hospice) match
			// only rules that look at values.
			for j, c := range codingsOf(it, hit{value: true}) {
				ix.find(c.System, c.Code, func(g int32) {
					e.pairs = append(e.pairs, hit{group: g, item: int32(i), coding: int32(j), value: true})
				})
			}
		}
		doc := keywords && it.Title != "" && (it.Type == "DocumentReference" || it.Type == "DiagnosticReport")
		if len(e.pairs) == first && !doc {
			continue
		}
		day := int32(noDate)
		if !it.Date.IsZero() {
			day = dayNum(it.Date)
		}
		if !counts(it) || day > e.today {
			// Unfinished, entered in error, or later than the visit; an
			// open order is kept aside: it documents a follow-up.
			if day != noDate && day <= e.today && openOrder(it) {
				for _, h := range e.pairs[first:] {
					h.typ = typeBit(it.Type)
					e.open = append(e.open, h)
				}
				e.days[i] = day
			}
			e.pairs = e.pairs[:first]
			continue
		}
		e.days[i] = day
		typ := typeBit(it.Type)
		for k := first; k < len(e.pairs); k++ {
			e.pairs[k].typ = typ
		}
		if doc {
			e.docs = append(e.docs, int32(i))
		}
	}
	// Bucket by group (a counting sort that keeps item order).
	ng := len(ix.groups)
	e.off = slices.Grow(e.off[:0], ng+1)[:ng+1]
	clear(e.off)
	for _, h := range e.pairs {
		e.off[h.group+1]++
	}
	for g := 1; g <= ng; g++ {
		e.off[g] += e.off[g-1]
	}
	e.hits = slices.Grow(e.hits[:0], len(e.pairs))[:len(e.pairs)]
	for _, h := range e.pairs {
		e.hits[e.off[h.group]] = h
		e.off[h.group]++
	}
	copy(e.off[1:], e.off[:ng])
	e.off[0] = 0
}

func typeBit(t string) uint16 {
	for i, r := range knownResources {
		if r == t {
			return 1 << i
		}
	}
	return 0
}

var conditionBit = typeBit("Condition")

func (e *evaluator) groupHits(g *Group) []hit { return e.hits[e.off[g.n]:e.off[g.n+1]] }

func (e *evaluator) keep(h hit) []hit {
	e.arena = append(e.arena, h)
	n := len(e.arena)
	return e.arena[n-1 : n : n]
}

// rule appends to the arena the evidence that makes r apply (the newest
// qualifying item of each part) and reports whether it applies.
func (e *evaluator) rule(r *Rule, trigger bool) bool {
	if len(r.AllOf) > 0 {
		start := len(e.arena)
		for _, p := range r.AllOf {
			if !e.rule(p, trigger) {
				e.arena = e.arena[:start]
				return false
			}
		}
		return true
	}
	if r.status() {
		return e.statusRule(r)
	}
	var best hit
	bestDay, found := int32(noDate), false
	for _, g := range r.Evidence {
		for _, h := range e.groupHits(g) {
			if r.mask != 0 && h.typ&r.mask == 0 || h.value && !r.MatchValues {
				continue
			}
			it := &e.items[h.item]
			if trigger && !activeCondition(it) || r.MinValue != nil && it.Value == nil || g.Laterality != "" && it.Laterality != g.Laterality {
				continue
			}
			if r.window != "" && !e.inWindow(it, r) {
				continue
			}
			if d := e.days[h.item]; !found || d > bestDay {
				best, bestDay, found = h, d, true
			}
		}
	}
	// A threshold is judged on the newest measurement (BMI >= 25 now, not
	// years ago).
	if !found {
		return false
	}
	if r.MinValue != nil && e.items[best.item].Value.Value < *r.MinValue {
		e.ruleNote = "only for patients with " + ruleTitle(r) + "; the latest is " + e.what(best)
		return false
	}
	e.arena = append(e.arena, best)
	return true
}

// modifier returns the first risk-group variant whose condition is active.
func (e *evaluator) modifier(s *Screening) *Modifier {
	for _, md := range s.Modifiers {
		for _, g := range md.Evidence {
			for _, h := range e.groupHits(g) {
				if h.typ == conditionBit && !h.value && activeCondition(&e.items[h.item]) {
					return md
				}
			}
		}
	}
	return nil
}

// outcome is what one modality says.
type outcome struct {
	m           *Modality
	done        bool
	forever     bool // once or a finished series: done for life
	last, due   int32
	ev          []hit
	dateless    hit
	hasDateless bool
	note        string
	windowed    bool // due at the end of the measure's window, not the interval
}

// usable reports whether a hit can count for the modality: its resource
// type, a code (not a value), and the patient's age on that date.
func (e *evaluator) usable(m *Modality, h hit) bool {
	if m.mask != 0 && h.typ&m.mask == 0 || h.value {
		return false
	}
	if m.RequireValue && noValue(&e.items[h.item]) {
		return false
	}
	if d := e.days[h.item]; d != noDate && !e.patient.BirthDate.IsZero() && d < dayNum(e.patient.BirthDate) {
		return false // dated before the patient was born: a wrong date, not a test
	}
	if m.MinAge > 0 || m.MaxAge > 0 {
		d := e.days[h.item]
		if d == noDate {
			return true // undecidable: it will ask for review
		}
		a := Age(e.patient.BirthDate, dayTime(d))
		return a >= m.MinAge && (m.MaxAge == 0 || a <= m.MaxAge)
	}
	return true
}

func orderIntent(intent string) bool {
	switch intent {
	case "", "order", "original-order", "reflex-order", "filler-order", "instance-order":
		return true
	}
	return false
}

// codingsOf returns the codings a hit indexes into: the item's codes, or
// for a value hit an Observation's coded value or an Encounter's discharge
// disposition.
func codingsOf(it *record.Item, h hit) []record.Coding {
	switch {
	case !h.value:
		return it.Codes
	case it.Type == "Encounter":
		return it.Discharge
	}
	return it.ValueCodes
}

// noValue reports a lab result with no result value.
func noValue(it *record.Item) bool {
	return it.Type == "Observation" && !it.HasValue && it.Value == nil && len(it.ValueCodes) == 0 && it.ValueText == ""
}

func (o *outcome) sawDateless(h hit) {
	if !o.hasDateless {
		o.dateless, o.hasDateless = h, true
	}
}

func (e *evaluator) modality(m *Modality, mod *Modifier) outcome {
	o := outcome{m: m}
	switch {
	case m.AllOf:
		e.allOf(m, &o)
	case m.Sequence:
		e.sequence(m, &o)
	case m.kind == series:
		e.series(m, &o)
	default:
		e.newest(m, &o)
	}
	if !o.done {
		return o
	}
	switch m.kind {
	case once, series:
		o.forever = true
	case season:
		if o.last < e.season[0] {
			o.done, o.note = false, "last dose was before this season"
		}
		o.due = e.season[1]
	default:
		iv := m.interval
		for _, b := range m.IntervalByAge {
			if e.age >= b.MinAge && (b.MaxAge == 0 || e.age <= b.MaxAge) {
				iv = b.period
			}
		}
		if mod != nil && !mod.interval.IsZero() {
			iv = mod.interval
		}
		o.due = iv.addDays(o.last)
		if !m.window.IsZero() && !e.anyActive(m.WindowUnless) {
			// The measure counts it through the end of a later year.
			y := m.window.AddTo(dayTime(o.last)).Year()
			if end := dayNum(time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)); end > o.due {
				o.due, o.windowed = end, true
			}
		}
	}
	return o
}

// anyActive reports whether an active condition of one of groups is on record.
func (e *evaluator) anyActive(groups []*Group) bool {
	for _, g := range groups {
		for _, h := range e.groupHits(g) {
			if !h.value && h.typ == conditionBit && activeCondition(&e.items[h.item]) {
				return true
			}
		}
	}
	return false
}

// newest: the newest qualifying evidence decides.
func (e *evaluator) newest(m *Modality, o *outcome) {
	var best hit
	bestDay := int32(noDate)
	for _, g := range m.Evidence {
		for _, h := range e.groupHits(g) {
			if !e.usable(m, h) {
				continue
			}
			if d := e.days[h.item]; d == noDate {
				o.sawDateless(h)
			} else if d > bestDay {
				best, bestDay = h, d
			}
		}
	}
	for _, i := range e.docs {
		if len(m.keywords) == 0 {
			break
		}
		it := &e.items[i]
		for _, k := range m.keywords {
			if !hasWord(it.Title, k) {
				continue
			}
			h := hit{group: -1, item: i, coding: -1, typ: typeBit(it.Type)}
			// Coded evidence of the same day wins: it needs no "check".
			if d := e.days[i]; d == noDate {
				o.sawDateless(h)
			} else if d > bestDay {
				best, bestDay = h, d
			}
			break
		}
	}
	if bestDay != noDate {
		o.done, o.last, o.ev = true, bestDay, e.keep(best)
	}
}

type dose struct {
	day int32
	h   hit
}

// series: doses on distinct days, each at least MinGap after the last
// counted one, until Doses are counted.
func (e *evaluator) series(m *Modality, o *outcome) {
	e.doses = e.doses[:0]
	for _, g := range m.Evidence {
		for _, h := range e.groupHits(g) {
			if !e.usable(m, h) {
				continue
			}
			if d := e.days[h.item]; d == noDate {
				o.sawDateless(h)
			} else {
				e.doses = append(e.doses, dose{d, h})
			}
		}
	}
	slices.SortStableFunc(e.doses, func(a, b dose) int { return int(a.day) - int(b.day) })
	start, counted, early := len(e.arena), 0, false
	prev := int32(noDate)
	for _, x := range e.doses {
		if counted == m.Doses {
			break
		}
		if prev != noDate && (x.day == prev || x.day < m.minGap.addDays(prev)) {
			early = early || x.day != prev
			continue
		}
		e.arena = append(e.arena, x.h)
		prev, counted = x.day, counted+1
	}
	if counted == m.Doses {
		o.done, o.last, o.ev = true, prev, e.arena[start:len(e.arena):len(e.arena)]
		return
	}
	e.arena = e.arena[:start]
	if counted == 0 {
		return
	}
	o.note = strconv.Itoa(counted) + " of " + strconv.Itoa(m.Doses) + " doses on record"
	if early {
		o.note += " (a dose less than " + m.minGap.Words() + " after the one before does not count)"
	}
}

// sequence: each group in order, each at least MinGap after the one before
// (PCV15, then PPSV23 a year or more later).
func (e *evaluator) sequence(m *Modality, o *outcome) {
	start := len(e.arena)
	prev := int32(noDate)
	for i, g := range m.Evidence {
		from := int32(math.MinInt32 + 1)
		if i > 0 {
			from = m.minGap.addDays(prev)
		}
		var step hit
		stepDay := int32(math.MaxInt32)
		for _, h := range e.groupHits(g) {
			if !e.usable(m, h) {
				continue
			}
			if d := e.days[h.item]; d == noDate {
				o.sawDateless(h)
			} else if d >= from && d < stepDay {
				step, stepDay = h, d
			}
		}
		if stepDay == math.MaxInt32 {
			if i > 0 {
				first := e.arena[start]
				o.note = e.display(first) + " on " + ymd(e.days[first.item]) + "; " + g.Name + " from " + ymd(from) + " completes it"
			}
			e.arena = e.arena[:start]
			return
		}
		e.arena = append(e.arena, step)
		prev = stepDay
	}
	o.done, o.last, o.ev = true, prev, e.arena[start:len(e.arena):len(e.arena)]
}

// allOf: every group met; the oldest of the groups' newest decides (eGFR
// and uACR each within the year).
func (e *evaluator) allOf(m *Modality, o *outcome) {
	start := len(e.arena)
	last := int32(math.MaxInt32)
	var missing string
	for _, g := range m.Evidence {
		var best hit
		bestDay := int32(noDate)
		for _, h := range e.groupHits(g) {
			if !e.usable(m, h) {
				continue
			}
			if d := e.days[h.item]; d == noDate {
				o.sawDateless(h)
			} else if d > bestDay {
				best, bestDay = h, d
			}
		}
		if bestDay == noDate {
			if d, ok := e.pair(m, g.Name); ok {
				last = min(last, d) // the pair's hits are in the arena
				continue
			}
			if missing == "" {
				missing = g.Name
			}
			continue
		}
		e.arena = append(e.arena, best)
		last = min(last, bestDay)
	}
	if missing != "" {
		if len(e.arena) > start {
			o.note = "no " + missing + " on record"
		}
		e.arena = e.arena[:start]
		return
	}
	o.done, o.last, o.ev = true, last, e.arena[start:len(e.arena):len(e.arena)]
}

// pair finds the newest two tests within Days of each other that stand
// for the group named name, keeps both and returns the later one's day.
func (e *evaluator) pair(m *Modality, name string) (int32, bool) {
	var a0, c0 hit
	day := int32(noDate)
	for _, pr := range m.Pairs {
		if pr.StandsFor != name {
			continue
		}
		for _, g := range pr.First {
			for _, a := range e.groupHits(g) {
				da := e.days[a.item]
				if da == noDate || !e.usable(m, a) {
					continue
				}
				for _, g2 := range pr.Second {
					for _, c := range e.groupHits(g2) {
						dc := e.days[c.item]
						if dc == noDate || !e.usable(m, c) || da < dc-int32(pr.Days) || da > dc+int32(pr.Days) {
							continue
						}
						if d := min(da, dc); d > day { // the older test dates the pair
							a0, c0, day = a, c, d
						}
					}
				}
			}
		}
	}
	if day == noDate {
		return 0, false
	}
	e.arena = append(e.arena, a0, c0)
	return day, true
}

func (e *evaluator) display(h hit) string {
	it := &e.items[h.item]
	if h.coding >= 0 {
		cs := codingsOf(it, h)
		if d := cs[h.coding].Display; d != "" {
			return d
		}
	}
	if it.Title != "" {
		return it.Title
	}
	return it.Type
}

func (e *evaluator) evidence(h hit) Evidence {
	it := &e.items[h.item]
	ev := Evidence{Type: it.Type, ID: it.ID, Display: e.display(h), Date: it.Date}
	if h.coding >= 0 {
		cs := codingsOf(it, h)
		ev.System, ev.Code = cs[h.coding].System, cs[h.coding].Code
	}
	return ev
}

// typeWords are the resource types as the front desk knows them.
var typeWords = map[string]string{
	"Observation": "result", "DiagnosticReport": "report", "Procedure": "procedure", "Immunization": "vaccine record",
	"DocumentReference": "document", "Condition": "problem list", "Encounter": "visit", "ServiceRequest": "completed order",
	"MedicationRequest": "prescription",
}

// appendWhat writes "Colonoscopy (procedure, 2019-03-02)", or with a
// value "Hemoglobin A1c 6.8 % (result, 2026-03-02)".
func (e *evaluator) appendWhat(b []byte, h hit) []byte {
	it := &e.items[h.item]
	b = append(b, e.display(h)...)
	if q := it.Value; q != nil && !h.value {
		b = append(b, ' ')
		b = appendQuantity(b, q.Value, q.Unit)
	}
	b = append(b, " ("...)
	if w, ok := typeWords[it.Type]; ok {
		b = append(b, w...)
	} else {
		b = append(b, it.Type...)
	}
	if d := e.days[h.item]; d == noDate {
		b = append(b, ", no date"...)
	} else {
		b = append(b, ", "...)
		b = appendDay(b, d)
	}
	return append(b, ')')
}

func appendDay(b []byte, d int32) []byte {
	y, m, dd := dayTime(d).Date()
	if y < 0 || y > 9999 {
		return append(b, "(a date out of range)"...)
	}
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+int(m)/10), byte('0'+int(m)%10), '-')
	return append(b, byte('0'+dd/10), byte('0'+dd%10))
}

func ymd(d int32) string { return string(appendDay(nil, d)) }

// appendQuantity writes a value with its unit, rounded to two places; a
// UCUM annotation unit ({score}) loses its braces.
func appendQuantity(b []byte, v float64, unit string) []byte {
	b = strconv.AppendFloat(b, math.Round(v*100)/100, 'f', -1, 64)
	unit = strings.TrimSuffix(strings.TrimPrefix(unit, "{"), "}")
	if unit != "" && unit != "1" {
		b = append(b, ' ')
		b = append(b, unit...)
	}
	return b
}

// reviewOf says, for the front desk, why evidence needs a check, or "".
func (e *evaluator) reviewOf(h hit) string {
	if h.group < 0 {
		return "counted from the title “" + e.items[h.item].Title + "”: check it is a result, not an order or referral"
	}
	if g := e.ix.groups[h.group]; g.Review {
		return "counted from a code outside the standard list for this test: check " + e.display(h) + " is this test"
	}
	if e.items[h.item].DateFrom == record.DateFromIssued {
		return "dated by when the result was reported (no date it was done is on record): check when it was done"
	}
	return ""
}

// note appends one part to Result.Details.
func (e *evaluator) note(parts ...string) {
	if !e.wantDetails {
		return
	}
	if len(e.details) > e.dstart {
		e.details = append(e.details, "; "...)
	}
	for _, p := range parts {
		e.details = append(e.details, p...)
	}
}

// more continues the current part of Result.Details.
func (e *evaluator) more(parts ...string) {
	if !e.wantDetails {
		return
	}
	for _, p := range parts {
		e.details = append(e.details, p...)
	}
}

// detail notes, for support, the code and group behind a hit.
func (e *evaluator) detail(h hit) {
	if !e.wantDetails {
		return
	}
	it := &e.items[h.item]
	if h.group < 0 {
		e.note("title keyword match on a ", it.Type)
		return
	}
	cs := codingsOf(it, h)
	g := e.ix.groups[h.group]
	e.note(it.Type, " ", cs[h.coding].System, "|", cs[h.coding].Code, " in “", g.Name, "”")
	switch {
	case g.vs != nil:
		e.more(" (value set ", g.vs.OID, " version ", g.vs.Version)
		if g.vs.Partial() {
			e.more(", published expansion ", g.vs.Expansion)
		}
		e.more(")")
	case g.Source != "" && g.Source != g.Name:
		e.more(" (", g.Source, ")")
	}
	if g.Review {
		e.more(", counted with a check: ", g.Reason)
	}
}

func (r *Result) flag(note string) {
	if note != "" && !r.Review {
		r.Review, r.ReviewNote = true, note
	}
}

// flagHit marks the result for review when the evidence needs a check,
// and notes the evidence's codes for support.
func (e *evaluator) flagHit(r *Result, h hit) {
	e.detail(h)
	if !r.Review {
		r.flag(e.reviewOf(h))
	}
}

// screening decides s into r (in place: a Result is a few hundred bytes).
func (e *evaluator) screening(s *Screening, r *Result) {
	e.dstart = len(e.details)
	e.rspan = [2]int32{-1, -1}
	e.estart = len(e.evs)
	e.decide(s, r)
	e.dspans = append(e.dspans, [2]int32{int32(e.dstart), int32(len(e.details))})
	e.rspans = append(e.rspans, e.rspan)
	e.espans = append(e.espans, [2]int32{int32(e.estart), int32(len(e.evs))})
}

// reason keeps a result's reason in the reasons buffer; Evaluate makes
// them one string for all results (as it does Details) and fills in the
// result's Reason then.
func (e *evaluator) reason(b []byte) string {
	start := len(e.reasons)
	e.reasons = append(e.reasons, b...)
	e.rspan = [2]int32{int32(start), int32(len(e.reasons))}
	return ""
}

func (e *evaluator) decide(s *Screening, r *Result) {
	// r is a fresh zero Result (Evaluate's make): set fields, do not copy
	// a whole struct over it.
	r.ID, r.Title, r.Measure = s.ID, s.Title, s.measure
	p := &e.patient
	e.arena = e.arena[:0]

	minAge, maxAge := s.MinAge, s.MaxAge
	mod := e.modifier(s)
	if mod != nil {
		r.Variant = mod.When
		if mod.Title != "" {
			r.Title = mod.Title
		}
		if mod.MinAge != nil {
			minAge = *mod.MinAge
		}
		if mod.MaxAge != nil || mod.NoMaxAge {
			maxAge = mod.MaxAge
		}
		if mod.Review {
			r.flag("the timing for patients with " + strings.ReplaceAll(mod.When, "_", " ") + " is the practice's choice, not a guideline's: check it suits this patient")
			e.note("modifier ", mod.When, " (review: true)")
		}
	}

	// Not applicable when what is known rules it out; needs review when
	// what is missing would decide it. Never a guess.
	sexOK := s.anySex || slices.Contains(s.Sexes, p.Sex)
	switch {
	case e.age >= 0 && (e.age < minAge || maxAge != nil && e.age > *maxAge):
		// Most screenings do not apply to most patients: one allocation.
		b := append(e.buf[:0], "for ages "...)
		b = strconv.AppendInt(b, int64(minAge), 10)
		if maxAge == nil {
			b = append(b, " and over"...)
		} else {
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(*maxAge), 10)
		}
		b = append(b, "; the patient is "...)
		b = strconv.AppendInt(b, int64(e.age), 10)
		e.buf = b
		r.notApplicable(e.reason(b))
		return
	case !sexOK && (p.Sex == "female" || p.Sex == "male"):
		r.notApplicable("for " + strings.Join(s.Sexes, " and ") + " patients only")
		return
	}
	var trigger []hit
	e.ruleNote, e.ruleCheck, e.ruleConfirmed = "", "", false
	confirmed := false
	if len(s.Triggers) > 0 {
		var why string
		for _, t := range s.Triggers {
			start := len(e.arena)
			e.ruleNote, e.ruleCheck, e.ruleConfirmed = "", "", false
			if e.rule(t, true) {
				r.Rule, trigger, confirmed = t.ID, e.arena[start:], e.ruleConfirmed
				r.flag(e.ruleCheck)
				for _, h := range trigger {
					e.flagHit(r, h)
				}
				break
			}
			if why == "" {
				why = e.ruleNote
			}
		}
		if trigger == nil {
			if why == "" {
				why = "applies only " + triggerWords(s.Triggers[0])
			}
			r.notApplicable(why)
			return
		}
	}
	switch {
	case !sexOK && (p.Sex == "" || p.Sex == "unknown"):
		r.Missing = "sex"
		r.needsReview("needs the patient's sex (not recorded in Epic)")
		return
	case !sexOK:
		r.needsReview("sex is recorded as " + p.Sex + ": ask the clinician whether this applies")
		return
	case e.age < 0:
		r.Missing = "birth date"
		r.needsReview("needs the patient's birth date (not recorded in Epic)")
		return
	}

	for _, x := range s.Exclusions {
		start := len(e.arena)
		if !e.rule(x, false) {
			continue
		}
		r.Status, r.Rule = Excluded, x.ID
		for _, h := range e.arena[start:] {
			e.evs = append(e.evs, e.evidence(h))
			e.flagHit(r, h)
		}
		b := append(e.buf[:0], "not needed: "...)
		r.Reason = e.reason(e.appendWhat(b, e.arena[start]))
		e.note("exclusion ", x.ID)
		return
	}

	for _, x := range s.shared {
		if !e.c.excludes(x) || x.MinAge > 0 && e.ageAtYearEnd() < x.MinAge {
			continue
		}
		for _, rl := range x.Rules {
			start := len(e.arena)
			if !e.rule(rl, false) {
				if g := e.partialMiss(rl); g != nil {
					r.flag("the list of codes for " + strings.ToLower(g.Name) + " is published only in part: check the problem list for one, which would make this " + x.Title)
					e.note("shared exclusion ", x.ID, ": value set ", g.vs.OID, " ", g.vs.Title, " expansion ", g.vs.Expansion)
				}
				continue
			}
			r.Status, r.Rule = Excluded, x.ID
			for _, h := range e.arena[start:] {
				e.evs = append(e.evs, e.evidence(h))
				e.flagHit(r, h)
			}
			b := append(e.buf[:0], "not needed: "...)
			b = append(b, x.Title...)
			b = append(b, " — "...)
			r.Reason = e.reason(e.appendWhat(b, e.arena[start]))
			e.note("shared exclusion ", x.ID, " rule ", rl.ID, " in the measurement year (", x.Source, ")")
			return
		}
	}

	var best outcome
	var dateless hit
	haveBest, haveDateless := false, false
	var note string
	for _, m := range s.Modalities {
		o := e.modality(m, mod)
		if o.hasDateless && !haveDateless {
			dateless, haveDateless = o.dateless, true
		}
		if o.note != "" {
			if note != "" {
				note += "; "
			}
			note += o.note
		}
		// The modality that keeps the patient covered longest decides: a
		// colonoscopy two years ago still covers a patient whose last FIT
		// has lapsed.
		if o.done && (!haveBest || o.forever && !best.forever || !best.forever && !o.forever && o.due > best.due) {
			best, haveBest = o, true
		}
	}

	b := e.buf[:0]
	switch {
	case haveBest:
		r.LastDone, r.Modality = dayTime(best.last), best.m.name
		for _, h := range best.ev {
			e.evs = append(e.evs, e.evidence(h))
			e.flagHit(r, h)
		}
		if best.m.IntervalReview && !best.forever {
			r.flag("repeating it every " + best.m.interval.Words() + " is the practice's choice, not a guideline's: check it suits this patient")
			e.note("interval ", best.m.Interval, " (interval_review: true)")
		}
		last := best.ev[len(best.ev)-1]
		for _, f := range best.m.allFlags {
			if r.Attention = e.valueFlag(best.m, f, best.last); r.Attention != "" {
				break
			}
		}
		switch {
		case best.forever:
			r.Status, b = Complete, append(b, "done: "...)
		case e.today >= best.due:
			r.Status = Due
			b = appendDay(append(b, "overdue since "...), best.due)
			b = append(b, "; last: "...)
		case e.today >= e.dueSoonFrom(s, best.due):
			r.Status = DueSoon
			b = appendDay(append(b, "due "...), best.due)
			b = append(b, "; last: "...)
		default:
			r.Status, b = Complete, append(b, "done: "...)
		}
		if !best.forever {
			r.NextDue = dayTime(best.due)
		}
		if best.windowed {
			e.note("next due at the end of the measure's window (measure_window ", best.m.MeasureWindow, ")")
		}
		b = e.appendWhat(b, last)
		if r.Status != Complete && haveDateless {
			// An undated record may be the newer one.
			r.Status = NeedsReview
			b = append(b, "; also "...)
			b = e.appendWhat(b, dateless)
			b = append(b, ": check when it was done"...)
			e.evs = append(e.evs, e.evidence(dateless))
		}
	case haveDateless:
		r.Status = NeedsReview
		e.evs = append(e.evs, e.evidence(dateless))
		b = append(b, e.display(dateless)...)
		b = append(b, " is on record without a date: check when it was done"...)
	default:
		r.Status = Due
		switch {
		case note != "":
			b = append(b, note...)
		default:
			b = e.appendOnRecord(b, s)
		}
	}
	if s.ManualReview != "" && !confirmed && (r.Status == Due || r.Status == DueSoon) {
		r.Status = NeedsReview
		b = append(b, "; due only if "...)
		b = append(b, s.ManualReview...)
		b = append(b, ": ask the clinician"...)
	}
	r.Reason = e.reason(b)
	e.buf = b
	if len(e.evs) == e.estart && len(trigger) > 0 {
		// Nothing done: show why the screening applies.
		for _, h := range trigger {
			e.evs = append(e.evs, e.evidence(h))
		}
	}
}

func (e *evaluator) dueSoonFrom(s *Screening, due int32) int32 {
	if s.dueSoon.IsZero() {
		return due
	}
	return s.dueSoon.subDays(due)
}

func (r *Result) notApplicable(why string) {
	r.Status, r.Reason = NotApplicable, why
	r.Review, r.ReviewNote = false, ""
}

func (r *Result) needsReview(why string) {
	r.Status, r.Reason = NeedsReview, why
}

func triggerWords(t *Rule) string {
	if t.MinValue != nil && t.Title == "" {
		return "when the latest " + ruleTitle(t) + " is " + strconv.FormatFloat(*t.MinValue, 'f', -1, 64) + " or more"
	}
	return "for patients with " + ruleTitle(t) + " on record"
}

// ruleTitle names what a rule looks for: its title, else its first group.
func ruleTitle(t *Rule) string {
	if t.Title != "" {
		return t.Title
	}
	name := strings.ReplaceAll(t.ID, "_", " ")
	for p := t; p != nil; {
		if len(p.Evidence) > 0 {
			name = p.Evidence[0].Name
			break
		}
		if len(p.AllOf) == 0 {
			break
		}
		p = p.AllOf[0]
	}
	return name
}

// appendOnRecord says what is on record for the screening although none of
// it counts, and why (PCV13 and PPSV23 alone for the adult pneumococcal
// series, an HPV test before 30), or "nothing on record" when nothing is.
func (e *evaluator) appendOnRecord(b []byte, s *Screening) []byte {
	var found [3]hit
	var why [3]string
	n := 0
	consider := func(h hit, reason string) {
		if h.value || e.days[h.item] == noDate {
			return
		}
		for i := range n {
			if found[i].item == h.item {
				return
			}
		}
		// Keep the newest three, newest first.
		i := n
		for i > 0 && e.days[found[i-1].item] < e.days[h.item] {
			i--
		}
		if i >= len(found) {
			return
		}
		copy(found[i+1:], found[i:min(n, len(found)-1)])
		copy(why[i+1:], why[i:min(n, len(found)-1)])
		found[i], why[i] = h, reason
		n = min(n+1, len(found))
	}
	for _, g := range s.Related {
		for _, h := range e.groupHits(g) {
			consider(h, g.Reason) // the data says best why it does not count
		}
	}
	for _, m := range s.Modalities {
		for _, g := range m.Evidence {
			for _, h := range e.groupHits(g) {
				d := e.days[h.item]
				a := Age(e.patient.BirthDate, dayTime(d))
				reason := "it does not complete " + lowerFirst(m.name)
				switch {
				case d != noDate && !e.patient.BirthDate.IsZero() && d < dayNum(e.patient.BirthDate):
					reason = "it is dated before the patient's birth: check the date"
				case m.RequireValue && noValue(&e.items[h.item]):
					reason = "it has no result value"
				case d == noDate || a < 0:
				case a < m.MinAge:
					reason = "it was done at age " + strconv.Itoa(a) + " and counts only from age " + strconv.Itoa(m.MinAge)
				case m.MaxAge > 0 && a > m.MaxAge:
					reason = "it was done at age " + strconv.Itoa(a) + " and counts only up to age " + strconv.Itoa(m.MaxAge)
				}
				consider(h, reason)
			}
		}
	}
	if n == 0 {
		return append(b, "nothing on record"...)
	}
	b = append(b, "not counted: "...)
	for i := range n {
		if i > 0 {
			b = append(b, " and "...)
		}
		b = e.appendWhat(b, found[i])
		e.detail(found[i])
	}
	b = append(b, ": "...)
	return append(b, why[0]...)
}

func lowerFirst(s string) string {
	if s == "" || len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s // an acronym (HPV, PSA, CT) stays as it is
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// valueFlag applies a result rule to the readings of the modality's newest
// day: the lowest valued reading that day (CMS122) out of range is
// flagged, unless a follow-up is on record from that day on. A reading in
// another unit is not compared.
func (e *evaluator) valueFlag(m *Modality, f *ValueFlag, day int32) string {
	var low *record.Quantity
	for _, g := range m.Evidence {
		for _, h := range e.groupHits(g) {
			it := &e.items[h.item]
			if h.value || e.days[h.item] != day || !e.usable(m, h) {
				continue
			}
			q := reading(it, f.Component)
			if q == nil {
				continue
			}
			if f.Unit == "" || q.Unit == f.Unit || q.Code == f.Unit {
				if low == nil || q.Value < low.Value {
					low = q
				}
			} else {
				e.note("reading in ", q.Unit, " not compared with the ", f.Label, " threshold")
			}
		}
	}
	if low == nil || !f.outside(low.Value) || low.Comparator == "<" || low.Comparator == "<=" {
		return ""
	}
	if fu, ok := e.followUp(f.FollowUp, day); ok {
		e.note("flag ", f.Label, " cleared by a follow-up: ")
		e.more(e.display(fu))
		return ""
	}
	b := append([]byte(f.Label), ": "...)
	b = appendQuantity(b, low.Value, f.Unit)
	b = append(b, " on "...)
	b = appendDay(b, day)
	if len(f.FollowUp) > 0 {
		b = append(b, ", no follow-up on record"...)
	}
	e.note("flag ", f.Label, " (", f.Source, ")")
	return string(b)
}

// reading is an Observation's value, or with component (a LOINC code) the
// value of that component of a panel, or the value of a reading coded so.
func reading(it *record.Item, component string) *record.Quantity {
	if component == "" {
		return it.Value
	}
	for _, c := range it.Codes {
		if c.Code == component {
			return it.Value
		}
	}
	for _, c := range it.Components {
		for _, cc := range c.Codes {
			if cc.Code == component && c.Value != nil {
				return c.Value
			}
		}
	}
	return nil
}

// followUp finds a follow-up of one of groups from day to the visit: a
// finished record, or an order that is still open (an open order is a
// documented follow-up, though not a test done).
func (e *evaluator) followUp(groups []*Group, day int32) (hit, bool) {
	for _, g := range groups {
		for _, h := range e.groupHits(g) {
			if !h.value && e.days[h.item] >= day {
				return h, true
			}
		}
	}
	for _, h := range e.open {
		if h.value || e.days[h.item] < day {
			continue
		}
		for _, g := range groups {
			if g.n == h.group {
				return h, true
			}
		}
	}
	return hit{}, false
}

// openOrder is an order still open: an active ServiceRequest with an
// order intent (MedicationRequests that are active count already).
func openOrder(it *record.Item) bool {
	return it.Type == "ServiceRequest" && it.Status == "active" && orderIntent(it.Intent)
}

// ageAtYearEnd is the age on December 31 of the visit's year (the end of
// the measurement period, where the measures take "66 or older").
func (e *evaluator) ageAtYearEnd() int {
	y, _, _ := e.visit.Date()
	return Age(e.patient.BirthDate, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
}

// inWindow reports whether a record overlaps the rule's window, which ends
// on the visit day and starts on January 1 of the visit's year ("year") or
// of the year before ("two_years"): a condition while it lasts (onset to
// abatement, ongoing while active) or, for an onset rule, by its onset;
// anything else over its period or on its date.
func (e *evaluator) inWindow(it *record.Item, r *Rule) bool {
	y, _, _ := e.visit.Date()
	if r.window == "two_years" {
		y--
	}
	from, to := dayNum(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)), e.today
	if it.Date.IsZero() {
		return false
	}
	if r.window == "before_year" {
		// Began before the year (CMS349: an HIV diagnosis before the
		// measurement period), and had not ended before it.
		return dayNum(it.Date) < from && (it.Abatement.IsZero() || dayNum(it.Abatement) >= from)
	}
	if it.Type == "Condition" {
		onset := dayNum(it.Date)
		switch {
		case onset > to:
			return false
		case r.Onset:
			return onset >= from
		case !it.Abatement.IsZero():
			return dayNum(it.Abatement) >= from
		}
		return activeCondition(it)
	}
	start, end := it.Date, it.Date
	if !it.Period.Start.IsZero() {
		start = it.Period.Start
	}
	if !it.Period.End.IsZero() {
		end = it.Period.End
	} else if !it.Period.Start.IsZero() {
		end = e.visit // an open period: ongoing
	}
	return dayNum(start) <= to && dayNum(end) >= from
}

// partialMiss returns, for an all-of rule that failed only for want of a
// part whose codes come from a value set published in part (Advanced
// Illness: 1000 of 1997 codes), that part's partial group: the patient
// may well have it, coded outside the published part.
func (e *evaluator) partialMiss(r *Rule) *Group {
	if len(r.AllOf) < 2 {
		return nil
	}
	var missing *Group
	for _, p := range r.AllOf {
		start := len(e.arena)
		ok := e.rule(p, false)
		e.arena = e.arena[:start]
		if ok {
			continue
		}
		if missing != nil {
			return nil // two parts missing: the partial list is not why
		}
		for _, g := range p.Evidence {
			if g.Partial() && len(e.groupHits(g)) == 0 {
				missing = g // not on record at all (an old one is no doubt)
			}
		}
		if missing == nil {
			return nil
		}
	}
	return missing
}
