package screening

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/record"
)

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
	// The visit year's first day, and the age on its last (where the
	// measures take "66 or older"): asked per rule and per exclusion.
	yearStart int32
	ageYE     int

	days  []int32 // per item with hits: its day, or noDate
	pairs []hit   // hits as found
	hits  []hit   // hits bucketed by group
	off   []int32 // group g's hits are hits[off[g]:off[g+1]]
	docs  []int32 // countable documents and reports, for title keywords
	open  []hit   // hits of open (active) orders: follow-ups, not care done
	// after are hits of records (or open orders) dated in the days just
	// after the visit that a measure's follow-up may fall on (CMS2).
	after []hit
	// otherVisit: a per-visit measure is judging a visit before today's.
	otherVisit bool
	// tool is the evidence group that met a part's given (the screening
	// tool used), while the part is decided; -1 otherwise.
	tool int32
	// excepted says why a visit's part that is not met is the measure's
	// exception instead (CMS22: a follow-up the patient declined).
	excepted string
	arena    []hit // evidence kept while one screening is decided
	doses    []dose
	buf      []byte
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
	e.yearStart = dayNum(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
	e.ageYE = Age(rec.Patient.BirthDate, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
	e.collect()
}

// collect finds every countable item's codings in the index, once per
// record, and buckets the hits by group.
func (e *evaluator) collect() {
	ix := e.ix
	e.pairs, e.docs, e.open, e.after = e.pairs[:0], e.docs[:0], e.open[:0], e.after[:0]
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
			} else if day > e.today && day <= e.today+e.c.daysAfter && (counts(it) || openOrder(it)) {
				for _, h := range e.pairs[first:] {
					h.typ = typeBit(it.Type)
					e.after = append(e.after, h)
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
		// Its groups' hits, then (open_orders) the open orders.
		for _, hs := range [2][]hit{e.groupHits(g), e.ruleOpen(r)} {
			for _, h := range hs {
				if h.group != g.n || r.mask != 0 && h.typ&r.mask == 0 || h.value && !r.MatchValues {
					continue
				}
				it := &e.items[h.item]
				if trigger && !activeCondition(it) || r.MinValue != nil && it.Value == nil || g.Laterality != "" && it.Laterality != g.Laterality {
					continue
				}
				if len(r.Values) > 0 && (h.value || !e.valueIn(h.item, r.Values)) {
					continue
				}
				if len(r.RequestStatuses) > 0 && strings.HasSuffix(it.Type, "Request") && !slices.Contains(r.RequestStatuses, it.Status) {
					continue
				}
				if r.window != "" && !e.inWindow(it, r) || r.Category != "" && !hasCategory(it, r.Category) {
					continue
				}
				if d := e.days[h.item]; !found || d > bestDay {
					best, bestDay, found = h, d, true
				}
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

// ruleOpen are the open orders a rule reads besides its groups' hits:
// with open_orders, every open order (filter them by group: e.open holds
// every group's), else none.
func (e *evaluator) ruleOpen(r *Rule) []hit {
	if !r.OpenOrders {
		return nil
	}
	return e.open
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
