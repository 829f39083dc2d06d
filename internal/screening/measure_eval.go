// Evaluating the quality measures for a record: each measure's line for the reporting year.

package screening

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// MeasureStatus is how a measure counts the patient for the reporting year.
type MeasureStatus string

const (
	MeasureMet      MeasureStatus = "met"
	MeasureNotMet   MeasureStatus = "not_met"
	MeasureExcluded MeasureStatus = "excluded"
	MeasureOutside  MeasureStatus = "outside" // not in the measure's population
)

// MeasureLine is one measure's view of the patient for the reporting year.
type MeasureLine struct {
	ID        string        `json:"id"` // CMS125
	Title     string        `json:"title"`
	Screening string        `json:"screening"` // the screening's id
	Year      int           `json:"year"`
	Status    MeasureStatus `json:"status"`
	// Reason says why, in words, with the record it rests on.
	Reason string `json:"reason"`
	// Differs explains, when the guideline status and the measure
	// disagree, why (the guideline stays the headline).
	Differs  string     `json:"differs,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Details  string     `json:"details,omitempty"` // for support: the measure's source and rules
}

// EvaluateMeasures returns the quality-measure view for the visit's
// reporting year (the calendar year of the visit): one line per measure
// whose screening is on, given the guideline results Evaluate returned
// for the same record and visit (to explain where they differ).
func EvaluateMeasures(rec record.Record, c *Catalogue, visit time.Time, results []Result) []MeasureLine {
	if len(c.Measures) == 0 {
		return nil
	}
	e := pool.Get().(*evaluator)
	e.start(rec, c, &c.midx, visit)
	e.wantDetails = true
	var out []MeasureLine
	for _, m := range c.Measures {
		if m.screening == nil || !m.screening.On() {
			continue
		}
		var res *Result
		for i := range results {
			if results[i].ID == m.Screening {
				res = &results[i]
			}
		}
		e.details, e.dstart = e.details[:0], 0
		l := e.measure(m)
		l.Differs = differs(m, l, res)
		l.Details = string(e.details)
		out = append(out, l)
	}
	e.release()
	return out
}

func (e *evaluator) measure(m *Measure) MeasureLine {
	y, _, _ := e.visit.Date()
	l := MeasureLine{ID: m.ID, Title: m.Title, Screening: m.Screening, Year: y}
	e.arena = e.arena[:0]
	e.note(m.ID, " ", m.Title, " (", m.Source, ")")
	ys := dayNum(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
	ye := dayNum(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
	outside := func(why string) MeasureLine {
		l.Status, l.Reason = MeasureOutside, "not in "+m.ID+": "+why
		return l
	}

	ageDay, ageWhen := ye, "on "+ymd(ye)
	switch m.AgeAt {
	case "start":
		ageDay, ageWhen = ys, "on "+ymd(ys)
	case "visit":
		ageDay, ageWhen = e.today, "at the visit"
	}
	age := Age(e.patient.BirthDate, dayTime(ageDay))
	switch {
	case age < 0:
		return outside("the chart has no birth date, and the measure counts by age")
	case age < m.MinAge || m.MaxAge > 0 && age > m.MaxAge:
		return outside("it counts ages " + ageWords(m.MinAge, m.MaxAge) + " " + ageWhen + "; the patient is " + strconv.Itoa(age) + " then")
	}
	if len(m.Sexes) > 0 {
		sex := e.patient.USCoreSex
		if sex == "" {
			sex = e.patient.Sex
			e.note("sex from the chart's recorded sex: the US Core sex extension the measure reads is absent")
		}
		if !slices.Contains(m.Sexes, sex) {
			if sex == "" || sex == "unknown" {
				return outside("the chart does not record the patient's sex")
			}
			return outside("it counts " + strings.Join(m.Sexes, " and ") + " patients only")
		}
	}
	var only []hit // the only requires rule met, when it is OnlyIndicator's
	if len(m.Requires) > 0 {
		found, others := false, false
		for _, r := range m.Requires {
			start := len(e.arena)
			if e.rule(r, false) {
				found = true
				for _, h := range e.arena[start:] {
					e.detail(h)
				}
				if m.OnlyIndicator == nil || r != m.OnlyIndicator.rule {
					others = true
					break
				}
			}
		}
		if found && !others {
			only = e.onlyIndicatorHits(m.OnlyIndicator.rule)
		}
		e.arena = e.arena[:0]
		if !found {
			return outside("it counts only patients with " + ruleTitle(m.Requires[0]) + " on record for " + strconv.Itoa(y))
		}
	}
	visitNote := ""
	if len(m.Visits) > 0 || len(m.PreventiveVisits) > 0 {
		need := max(m.VisitsNeeded, 1)
		n, onToday := e.visitsOnRecord(m.Visits, ys, m.NotVirtual)
		prev, _ := e.visitsOnRecord(m.PreventiveVisits, ys, m.NotVirtual)
		switch {
		case prev > 0 || n >= need:
		case !onToday && n+1 >= need && n == 0:
			visitNote = " (counting today's visit as its qualifying visit: none is on record yet for " + strconv.Itoa(y) + ")"
		case !onToday && n+1 >= need:
			visitNote = " (counting today's visit as one of its " + strconv.Itoa(need) + " qualifying visits: " + strconv.Itoa(n) + " on record for " + strconv.Itoa(y) + ")"
		default:
			b := "it counts patients with " + strconv.Itoa(need) + " qualifying visits"
			if len(m.PreventiveVisits) > 0 {
				b += " or one preventive visit"
			}
			b += " in " + strconv.Itoa(y) + "; " + strconv.Itoa(n) + " on record"
			if !onToday {
				b += ", " + strconv.Itoa(n+1) + " counting today's"
			}
			return outside(b)
		}
	}
	if m.Given != nil {
		var scratch MeasureLine
		if ok, why := e.measurePart(m.Given, ys, &scratch); !ok {
			return outside("it counts only patients with " + m.Given.Title + " " + e.fromWords(m.Given, ys) + " (" + why + ")")
		}
	}

	if m.PerVisit {
		return e.perVisit(m, l, ys, visitNote)
	}
	if e.excluded(m, &l) {
		return l
	}

	if oi := m.OnlyIndicator; len(only) > 0 {
		if a, b, ok := e.followedBy(only, oi); ok {
			l.Status = MeasureExcluded
			l.Reason = string(e.appendWhat(append(e.appendWhat([]byte("excluded from "+m.ID+": "+oi.Title+" — "), a), ", then "...), b))
			l.Evidence = append(l.Evidence, e.evidence(a), e.evidence(b))
			e.detail(a)
			e.detail(b)
			return l
		}
		for _, g := range oi.Then {
			if g.Partial() {
				visitNote += " (the " + g.Name + " codes are published only in part: an order coded outside them within " + strconv.Itoa(oi.Days) + " days of the " + ruleTitle(oi.rule) + " would exclude the patient)"
			}
		}
	}

	met, why := true, ""
	if m.PoorControl != nil {
		met, why = e.poorControl(m, ys, &l)
	} else {
		met = m.AllParts
		var parts []string
		for _, p := range m.Numerator {
			ok, w := e.measurePart(p, ys, &l)
			switch {
			case ok && !m.AllParts:
				met, parts = true, []string{w}
			case !ok && m.AllParts:
				met, parts = false, []string{w} // say what is missing
			case m.AllParts || len(parts) == 0 || len(p.Unless) > 0 || p.Given != nil:
				// The first part's reason, and why a conditional part did not apply.
				parts = append(parts, w)
			}
			if ok != m.AllParts {
				break
			}
		}
		why = strings.Join(parts, "; ")
	}
	if !met {
		if ex := e.exception(m, ys); ex != "" {
			l.Status, l.Evidence = MeasureExcluded, nil
			l.Reason = "excepted from " + m.ID + " in " + strconv.Itoa(y) + ": " + why + "; " + ex
			return l
		}
		if m.ExceptDeceased && e.patient.Deceased {
			why += " (the chart says the patient died but not when: the measure's exception needs the date)"
		}
	}
	b := e.buf[:0]
	if met {
		l.Status = MeasureMet
		b = append(b, "meets "...)
	} else {
		l.Status, l.Evidence = MeasureNotMet, nil
		b = append(b, "not met yet for "...)
	}
	b = append(b, m.ID...)
	b = append(b, " in "...)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, ": "...)
	b = append(b, why...)
	b = append(b, visitNote...)
	e.buf = b
	l.Reason = string(b)
	return l
}

// excluded reports whether one of the measure's exclusions applies (as of
// e.today), and says which in l.
func (e *evaluator) excluded(m *Measure, l *MeasureLine) bool {
	for _, x := range m.excl {
		rules := []*Rule{x.rule}
		title := ""
		if x.concept != nil {
			if x.concept.MinAge > 0 && e.ageAtYearEnd() < x.concept.MinAge {
				continue
			}
			rules, title = x.concept.Rules, x.concept.Title
		}
		for _, r := range rules {
			start := len(e.arena)
			if !e.rule(r, false) {
				continue
			}
			if title == "" {
				title = ruleTitle(r)
			}
			b := append(e.buf[:0], "excluded from "...)
			b = append(b, m.ID...)
			b = append(b, ": "...)
			b = append(b, title...)
			b = append(b, " — "...)
			b = e.appendWhat(b, e.arena[start])
			e.buf = b
			l.Status, l.Reason = MeasureExcluded, string(b)
			for _, h := range e.arena[start:] {
				l.Evidence = append(l.Evidence, e.evidence(h))
				e.detail(h)
			}
			return true
		}
	}
	return false
}

// perVisit decides an encounter-based measure (CMS22) visit by visit:
// each qualifying visit of the year on record, and today's, is excluded,
// met or not as of its own day. The line is met when every visit not
// excluded is, excluded when every visit is.
func (e *evaluator) perVisit(m *Measure, l MeasureLine, ys int32, visitNote string) MeasureLine {
	today := e.today
	days := e.visitDays(m, ys)
	onRecord := len(days)
	if !slices.Contains(days, today) {
		days = append(days, today)
		if visitNote == "" {
			visitNote = " (today's visit counted as well: " + strconv.Itoa(onRecord) + " on record for " + strconv.Itoa(l.Year) + ")"
		}
	}
	defer func() { e.today, e.otherVisit = today, false }()
	met, excluded := 0, 0
	var notMet []string
	var metLine, exclLine MeasureLine
	metWhy := ""
	for _, v := range days {
		e.today, e.otherVisit = v, v != today
		vl := l
		if e.excluded(m, &vl) {
			excluded++
			exclLine = vl
			continue
		}
		ok, why := false, ""
		e.excepted = ""
		for _, p := range m.Numerator {
			var w string
			if ok, w = e.measurePart(p, ys, &vl); ok || why == "" {
				why = w
			}
			if ok {
				break
			}
		}
		if !ok && e.excepted != "" {
			excluded++
			vl.Status = MeasureExcluded
			vl.Reason = "excepted from " + m.ID + ": " + why + "; " + e.excepted
			exclLine, e.excepted = vl, ""
			continue
		}
		if ok {
			met++
			metLine, metWhy = vl, why
			continue
		}
		if !strings.HasPrefix(why, ymd(v)+": ") { // a reading's line starts with its day
			why = "the visit of " + ymd(v) + ": " + why
		}
		notMet = append(notMet, why)
	}
	counted := len(days) - excluded
	switch {
	case counted == 0:
		if len(days) > 1 {
			exclLine.Reason += " (each of its " + strconv.Itoa(len(days)) + " visits in " + strconv.Itoa(l.Year) + ")"
		}
		return exclLine
	case len(notMet) > 0:
		l.Status = MeasureNotMet
		l.Reason = "not met yet for " + m.ID + " in " + strconv.Itoa(l.Year) + ": " + strings.Join(notMet, "; ") +
			"; met at " + strconv.Itoa(met) + " of " + strconv.Itoa(counted) + " visits" + visitNote
		return l
	}
	metLine.Status = MeasureMet
	metLine.Reason = "meets " + m.ID + " in " + strconv.Itoa(l.Year) + " at each of its " + strconv.Itoa(counted) + " visits; the latest: " + metWhy + visitNote
	return metLine
}

// visitDays are the distinct (start) days of the year's qualifying visits
// on record up to today, in order (not a virtual one where the measure
// says so). A per-visit measure's visit counts by its period's end in the
// year (CMS22: "its period must end in the MP"): one begun on Dec 31 the
// year before and ended on Jan 1 is this year's.
func (e *evaluator) visitDays(m *Measure, ys int32) []int32 {
	var days []int32
	for _, g := range m.Visits {
		for _, h := range e.groupHits(g) {
			it := &e.items[h.item]
			d := e.days[h.item]
			inYear := d >= ys || m.PerVisit && !it.Period.End.IsZero() && dayNum(it.Period.End) >= ys
			if !h.value && it.Type == "Encounter" && inYear && !(m.NotVirtual && it.Class == "VR") && !slices.Contains(days, d) {
				days = append(days, d)
			}
		}
	}
	slices.Sort(days)
	return days
}

func ageWords(lo, hi int) string {
	if hi == 0 {
		return strconv.Itoa(lo) + " and over"
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
}

// differs explains, in words, a guideline status that does not match the
// measure's view: the guideline is what the visit acts on.
func differs(m *Measure, l MeasureLine, r *Result) string {
	if r == nil || r.Missing != "" {
		return "" // the sheet already says what the chart lacks
	}
	var g string
	switch {
	case r.Status == NotApplicable && l.Status != MeasureOutside:
		g = "the guideline does not call for it (" + r.Reason + ")"
	case r.Status == Excluded && l.Status != MeasureExcluded:
		g = "the prep list leaves it out (" + r.Reason + ") but the measure does not exclude the patient for that"
	case l.Status == MeasureExcluded && r.Status != Excluded:
		g = "the measure excludes the patient, but the guideline still applies"
	case r.Status == Due && l.Status == MeasureMet:
		g = "due by the guideline, yet the measure already counts it as met for " + strconv.Itoa(l.Year)
	case r.Status == DueSoon && l.Status == MeasureMet:
		g = "due soon by the guideline; the measure already counts it as met for " + strconv.Itoa(l.Year)
	case r.Status == Complete && r.Attention == "" && l.Status == MeasureNotMet:
		g = "complete by the guideline, but the measure does not count it for " + strconv.Itoa(l.Year)
	case r.Status != NotApplicable && r.Status != Excluded && l.Status == MeasureOutside:
		g = "the guideline applies, but the measure does not count the patient"
	default:
		return ""
	}
	if m.Differs != "" {
		g += ". " + m.Differs
	}
	return g
}

// visitsOnRecord counts the distinct finished encounters of the reporting
// year in groups, and whether one of them is on the visit day.
func (e *evaluator) visitsOnRecord(groups []*Group, ys int32, notVirtual bool) (n int, onToday bool) {
	var items []int32
	for _, g := range groups {
		for _, h := range e.groupHits(g) {
			if h.value || e.items[h.item].Type != "Encounter" || e.days[h.item] < ys || slices.Contains(items, h.item) || notVirtual && e.items[h.item].Class == "VR" {
				continue
			}
			items = append(items, h.item)
			onToday = onToday || e.days[h.item] == e.today
		}
	}
	return len(items), onToday
}

// onlyIndicatorHits returns the records of r in its window (the patient's
// only sign the measure counts them by).
func (e *evaluator) onlyIndicatorHits(r *Rule) []hit {
	var out []hit
	for _, g := range r.Evidence {
		for _, hs := range [2][]hit{e.groupHits(g), e.ruleOpen(r)} {
			for _, h := range hs {
				if h.group == g.n && (r.mask == 0 || h.typ&r.mask != 0) && !h.value && (r.window == "" || e.inWindow(&e.items[h.item], r)) {
					out = append(out, h)
				}
			}
		}
	}
	return out
}

// followedBy finds an indicator record followed, the same day or up to
// Days later, by one of Then (placed orders count: an X-ray ordered).
func (e *evaluator) followedBy(indicator []hit, oi *OnlyIndicator) (hit, hit, bool) {
	for _, a := range indicator {
		da := e.days[a.item]
		for _, g := range oi.Then {
			hs := append(e.groupHits(g)[:len(e.groupHits(g)):len(e.groupHits(g))], e.open...)
			for _, b := range hs {
				if b.group != g.n || b.value {
					continue
				}
				if db := e.days[b.item]; db >= da && db <= da+int32(oi.Days) {
					return a, b, true
				}
			}
		}
	}
	return hit{}, hit{}, false
}
