// How one modality is met: which hits count, newest, series, sequences, pairs.

package screening

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/healthprep/desk/internal/record"
)

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

// dated yields g's usable hits for m that have a date, with their day;
// one without a date is noted on o (it may explain a "due"), not yielded.
func (e *evaluator) dated(m *Modality, g *Group, o *outcome) iter.Seq2[hit, int32] {
	return func(yield func(hit, int32) bool) {
		for _, h := range e.groupHits(g) {
			if !e.usable(m, h) {
				continue
			}
			if d := e.days[h.item]; d == noDate {
				o.sawDateless(h)
			} else if !yield(h, d) {
				return
			}
		}
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
		for h, d := range e.dated(m, g, o) {
			if d > bestDay {
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
		for h, d := range e.dated(m, g, o) {
			e.doses = append(e.doses, dose{d, h})
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
		for h, d := range e.dated(m, g, o) {
			if d >= from && d < stepDay {
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
		for h, d := range e.dated(m, g, o) {
			if d > bestDay {
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
