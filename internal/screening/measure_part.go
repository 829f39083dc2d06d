package screening

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Deciding one numerator part of a measure: its window, which records
// count for it, and the words that say why.

// window returns the first day a part's evidence may have.
func (e *evaluator) window(p *MeasurePart, ys int32) int32 {
	switch {
	case p.VisitDays != nil:
		return e.today - int32(*p.VisitDays)
	case p.noFrom:
		return noDate + 1
	}
	return p.from.subDays(ys)
}

// fromWords says where a part's window opens.
func (e *evaluator) fromWords(p *MeasurePart, ys int32) string {
	switch {
	case p.VisitDays != nil && *p.VisitDays == 0 && e.otherVisit:
		return "at that visit"
	case p.VisitDays != nil && *p.VisitDays == 0 && p.VisitDaysAfter > 0:
		return "at today's visit or up to " + strconv.Itoa(p.VisitDaysAfter) + " days after"
	case p.VisitDays != nil && *p.VisitDays == 0:
		return "at today's visit"
	case p.VisitDays != nil:
		return "in the " + strconv.Itoa(*p.VisitDays) + " days up to the visit"
	case p.noFrom:
		return "on record"
	case p.BeforeYear:
		return "from " + ymd(e.window(p, ys)) + " to " + ymd(ys-1)
	}
	return "since " + ymd(e.window(p, ys))
}

// partHits calls f for each hit of groups that counts for the part within
// the window, newest first is not guaranteed.
func (e *evaluator) partOK(p *MeasurePart, h hit, from int32) bool {
	if h.value || p.mask != 0 && h.typ&p.mask == 0 {
		return false
	}
	it := &e.items[h.item]
	if it.Type == "Observation" && (!observationCounts(p, it.Status) || p.Category != "" && !observationCategory(it, p.Category)) {
		return false
	}
	d := e.days[h.item]
	if p.ActivePeriod && d != noDate && d < from && e.activeWithin(it, from) {
		d = from // an active order whose whole request period is in the window
	}
	if p.Effective != "" && d != noDate && !it.Period.Start.IsZero() && (it.Type == "Observation" || it.Type == "DiagnosticReport") {
		start := dayNum(it.Period.Start)
		if p.Effective == "start" {
			d = start
		} else if start < from {
			return false // the period began before the window: not during it
		}
	}
	last := e.today
	y, _, _ := e.visit.Date()
	if p.VisitDaysAfter > 0 {
		last = min(e.today+int32(p.VisitDaysAfter), dayNum(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)))
	}
	if p.BeforeLastDay {
		last = min(last, dayNum(time.Date(y, 12, 30, 0, 0, 0, 0, time.UTC)))
	}
	if d == noDate || d < from || d > last || p.BeforeYear && d >= e.yearStart {
		return false
	}
	if p.RequestPastVisit && it.Type == "MedicationRequest" && !e.pastVisit(it) {
		return false
	}
	// A refused order is no order; the measure's active pharmacotherapy
	// (its request period in the window) has no such rule.
	if p.RejectedByTask != "" && it.Type == "MedicationRequest" && e.rejected(it, p.RejectedByTask) &&
		!(p.ActivePeriod && e.activeWithin(it, from)) {
		return false
	}
	if len(p.ByAge) > 0 && !e.ageFits(p, h.group) {
		return false
	}
	if len(p.ByTool) > 0 && !e.toolFits(p, h.group) {
		return false
	}
	if p.RequireValue && noValue(it) {
		return false
	}
	if !e.patient.BirthDate.IsZero() && d < dayNum(e.patient.BirthDate) {
		return false
	}
	if p.MinAge > 0 || p.MaxAge > 0 {
		a := Age(e.patient.BirthDate, dayTime(d))
		if a < p.MinAge || p.MaxAge > 0 && a > p.MaxAge {
			return false
		}
	}
	if len(p.Values) > 0 && !e.valueIn(h.item, p.Values) {
		return false
	}
	if len(p.QuantityOr) > 0 && it.Value == nil && !e.valueIn(h.item, p.QuantityOr) {
		for _, g := range p.Evidence {
			if g.n == h.group {
				return false // the part's own test, with neither a number nor an allowed code
			}
		}
	}
	return true
}

// onsetIn reports whether a condition's onset (a day, or its onset
// period) overlaps the reporting year up to the visit.
func (e *evaluator) onsetIn(it *record.Item, ys int32) bool {
	if it.Date.IsZero() {
		return false
	}
	start, end := dayNum(it.Date), dayNum(it.Date)
	if !it.Period.End.IsZero() {
		end = dayNum(it.Period.End)
	}
	return start <= e.today && end >= ys
}

// pastVisit reports whether a medication order's request period overlaps
// the visit day and extends past it; an open end is ongoing.
func (e *evaluator) pastVisit(it *record.Item) bool {
	if it.Period.Start.IsZero() && it.Period.End.IsZero() {
		return false // the measure reads the period: none, no overlap
	}
	starts := it.Period.Start.IsZero() || dayNum(it.Period.Start) <= e.today
	return starts && (it.Period.End.IsZero() || dayNum(it.Period.End) > e.today)
}

// taskCodes is the code system of Task.code (FHIR's task-code: fulfill,
// approve, ...).
const taskCodes = "http://hl7.org/fhir/CodeSystem/task-code"

// rejected reports whether a Task with code, status rejected, has the
// order as its focus (measures.md CMS138: the pharmacy refused to fill
// it). A chart whose Tasks could not be read has none, so the order
// counts: the catalogue's source says so.
func (e *evaluator) rejected(order *record.Item, code string) bool {
	for i := range e.items {
		t := &e.items[i]
		if t.Type != "Task" || t.Status != "rejected" {
			continue
		}
		id, ok := strings.CutPrefix(t.Focus, "MedicationRequest/")
		if !ok || id != order.ID {
			continue
		}
		for _, c := range t.Codes {
			if c.Code == code && c.System == taskCodes {
				return true
			}
		}
	}
	return false
}

// RejectedOrders are what a sync needs to fetch the Tasks the measures
// read (rejected_by_task): the Task code, and the codes (system -> codes)
// of the evidence of the parts that name it. Only a patient with a
// medication order so coded needs a Task search. Empty when no part
// names a Task code.
func (c *Catalogue) RejectedOrders() (taskCode string, codes map[string][]string) {
	var part func(p *MeasurePart)
	part = func(p *MeasurePart) {
		if p == nil {
			return
		}
		if p.RejectedByTask != "" {
			taskCode = p.RejectedByTask
			for _, g := range p.Evidence {
				for sys, cs := range g.all {
					if codes == nil {
						codes = map[string][]string{}
					}
					codes[sys] = append(codes[sys], cs...)
				}
			}
		}
		part(p.Given)
	}
	for _, m := range c.Measures {
		for _, p := range m.Numerator {
			part(p)
		}
	}
	for sys, cs := range codes {
		slices.Sort(cs)
		codes[sys] = slices.Compact(cs)
	}
	return taskCode, codes
}

// ageFits reports whether group n of the part counts at the patient's age
// on January 1 of the reporting year.
func (e *evaluator) ageFits(p *MeasurePart, n int32) bool {
	for _, a := range p.ByAge {
		for _, g := range a.groups {
			if g.n != n {
				continue
			}
			age := Age(e.patient.BirthDate, dayTime(e.yearStart))
			return age >= a.MinAge && (a.MaxAge == 0 || age <= a.MaxAge)
		}
	}
	return true
}

// toolFits reports whether group n of the part counts after the tool that
// met the part's given (e.tool).
func (e *evaluator) toolFits(p *MeasurePart, n int32) bool {
	for _, tg := range p.ByTool {
		for _, g := range tg.groups {
			if g.n == n {
				return tg.tool != nil && tg.tool.n == e.tool
			}
		}
	}
	return true
}

// observationCounts: the Observation statuses a measure part counts.
func observationCounts(p *MeasurePart, status string) bool {
	if len(p.Statuses) > 0 {
		return slices.Contains(p.Statuses, status)
	}
	return status == "final" || status == "amended" || status == "corrected"
}

// observationCategory reports whether an Observation carries the category.
func observationCategory(it *record.Item, category string) bool {
	for _, c := range it.Category {
		if c.Code == category {
			return true
		}
	}
	return false
}

// activeWithin reports whether it is an active medication order whose
// request period lies entirely between from and the end of the year.
func (e *evaluator) activeWithin(it *record.Item, from int32) bool {
	if it.Type != "MedicationRequest" || it.Status != "active" || it.Period.Start.IsZero() || it.Period.End.IsZero() {
		return false
	}
	y, _, _ := e.visit.Date()
	ye := dayNum(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
	return dayNum(it.Period.Start) >= from && dayNum(it.Period.End) <= ye
}

// valueIn reports whether the item's coded value is in one of groups.
func (e *evaluator) valueIn(item int32, groups []*Group) bool {
	for _, g := range groups {
		for _, v := range e.groupHits(g) {
			if v.item == item && v.value {
				return true
			}
		}
	}
	return false
}

func (e *evaluator) newestIn(p *MeasurePart, groups []*Group, from int32) (hit, bool) {
	var best hit
	found := false
	newer := func(h hit) bool { return !found || e.sortDay(p, h) > e.sortDay(p, best) }
	for _, g := range groups {
		for _, h := range e.groupHits(g) {
			if e.partOK(p, h, from) && newer(h) {
				best, found = h, true
			}
		}
		if p.VisitDaysAfter > 0 {
			for _, h := range e.after {
				if h.group == g.n && (p.OpenOrders || counts(&e.items[h.item])) && e.partOK(p, h, from) && newer(h) {
					best, found = h, true
				}
			}
		}
		if !p.OpenOrders {
			continue
		}
		for _, h := range e.open {
			if h.group == g.n && e.partOK(p, h, from) && newer(h) {
				best, found = h, true
			}
		}
	}
	return best, found
}

// span is a record's first and last day: its effective period's, or its
// day at both ends.
func (e *evaluator) span(h hit) (int32, int32) {
	it, d := &e.items[h.item], e.days[h.item]
	if it.Period.Start.IsZero() || it.Type != "Observation" && it.Type != "DiagnosticReport" {
		return d, d
	}
	return dayNum(it.Period.Start), d
}

// sortDay is the day that orders a part's records: for a latest part the
// start of an Observation's effective period (CMS138's smoking status and
// CMS2's screening are "the most recent, by start of effective"), else
// the record's day.
func (e *evaluator) sortDay(p *MeasurePart, h hit) int32 {
	if it := &e.items[h.item]; p.Latest && !it.Period.Start.IsZero() && it.Type == "Observation" {
		return dayNum(it.Period.Start)
	}
	return e.days[h.item]
}

// measurePart decides one numerator part and says why in words.
func (e *evaluator) measurePart(p *MeasurePart, ys int32, l *MeasureLine) (bool, string) {
	from := e.window(p, ys)
	for _, g := range p.Unless {
		for _, h := range e.groupHits(g) {
			if h.value || h.typ != conditionBit {
				continue
			}
			it := &e.items[h.item]
			switch {
			case p.UnlessOnset && e.onsetIn(it, ys):
				return false, p.Title + " " + e.fromWords(p, ys) + " does not count with " + g.Name + " begun in " + strconv.Itoa(e.visit.Year())
			case !p.UnlessOnset && activeCondition(it):
				return false, p.Title + " " + e.fromWords(p, ys) + " does not count with " + g.Name + " on record"
			}
		}
	}
	var given []Evidence
	if p.Given != nil {
		var scratch MeasureLine
		e.tool = -1
		ok, why := e.measurePart(p.Given, ys, &scratch)
		if !ok {
			return false, p.Title + " counts only with " + p.Given.Title + " (" + why + ")"
		}
		given = scratch.Evidence
		defer func() { e.tool = -1 }()
	}
	if p.BloodPressure != nil {
		return e.bpPart(p, ys, l)
	}
	if p.Range != nil {
		return e.rangePart(p, from, ys, l)
	}
	if p.Latest {
		// The newest reading decides; its value must be one of Values.
		anyValue := *p
		anyValue.Values = nil
		h, ok := e.newestIn(&anyValue, p.Evidence, from)
		switch {
		case !ok:
			return false, "no " + p.Title + " " + e.fromWords(p, ys)
		case !e.valueIn(h.item, p.Values):
			return false, string(e.appendWhat([]byte("the latest answer does not count as "+p.Title+": "), h))
		}
		l.Evidence = append(append(l.Evidence, given...), e.evidence(h))
		e.detail(h)
		e.tool = h.group // the tool that met it, for a part's by_tool
		return true, string(e.appendWhat([]byte(p.Title+" "+e.fromWords(p, ys)+": "), h))
	}
	if h, ok := e.newestIn(p, p.Evidence, from); ok {
		l.Evidence = append(l.Evidence, given...)
		l.Evidence = append(l.Evidence, e.evidence(h))
		e.detail(h)
		return true, string(e.appendWhat([]byte(p.Title+" "+e.fromWords(p, ys)+": "), h))
	}
	if pr := p.Pair; pr != nil {
		for _, g := range pr.First {
			for _, a := range e.groupHits(g) {
				if !e.partOK(p, a, from) {
					continue
				}
				aStart, aEnd := e.span(a)
				second, sp, sfrom := pr.Second, p, from
				if pr.SecondPart != nil {
					second, sp = pr.SecondPart.Evidence, pr.SecondPart
					sfrom = e.window(sp, ys)
				}
				for _, g2 := range second {
					for _, c := range e.groupHits(g2) {
						if !e.partOK(sp, c, sfrom) {
							continue
						}
						// The first test's whole effective period within Days
						// before the second's start to Days after its end
						// (CMS951: urine albumin around urine creatinine).
						if cStart, cEnd := e.span(c); aStart >= cStart-int32(pr.Days) && aEnd <= cEnd+int32(pr.Days) {
							l.Evidence = append(l.Evidence, e.evidence(a), e.evidence(c))
							e.detail(a)
							e.detail(c)
							b := e.appendWhat([]byte(pr.Title+": "), a)
							b = append(b, " and "...)
							return true, string(e.appendWhat(b, c))
						}
					}
				}
			}
		}
	}
	why := "no " + p.Title + " " + e.fromWords(p, ys)
	if h, ok := e.rejectedOrder(p, from); ok {
		why = string(e.appendWhat([]byte(why+"; the pharmacy rejected "), h))
	}
	return false, why
}

// rejectedOrder finds an order of the part's evidence that would count
// but for the pharmacy's rejection (rejected_by_task), so the sheet says
// why it does not.
func (e *evaluator) rejectedOrder(p *MeasurePart, from int32) (hit, bool) {
	if p.RejectedByTask == "" {
		return hit{}, false
	}
	counted := *p
	counted.RejectedByTask = ""
	for _, g := range p.Evidence {
		for _, h := range e.groupHits(g) {
			if it := &e.items[h.item]; it.Type == "MedicationRequest" && e.rejected(it, p.RejectedByTask) && e.partOK(&counted, h, from) {
				return h, true
			}
		}
	}
	return hit{}, false
}

// poorControl decides an inverse measure (CMS122): the newest day's lowest
// reading in the year, above the threshold or without a value, or no test
// at all, is the measure's care gap.
func (e *evaluator) poorControl(m *Measure, ys int32, l *MeasureLine) (bool, string) {
	f := m.PoorControl
	p := m.Numerator[0]
	from := e.window(p, ys)
	var pick hit
	have := false
	for _, g := range p.Evidence {
		for _, h := range e.groupHits(g) {
			if !e.partOK(p, h, from) {
				continue
			}
			it, d := &e.items[h.item], e.days[h.item]
			switch {
			case !have || d > e.days[pick.item]:
				pick, have = h, true
			case d == e.days[pick.item]:
				// The lowest of the day; no value sorts first.
				if cur := e.items[pick.item].Value; it.Value == nil || cur != nil && it.Value.Value < cur.Value {
					pick = h
				}
			}
		}
	}
	if !have {
		return false, "no " + p.Title + " " + e.fromWords(p, ys) + " (the measure counts that as " + f.Label + ")"
	}
	l.Evidence = append(l.Evidence, e.evidence(pick))
	e.detail(pick)
	it := &e.items[pick.item]
	q := it.Value
	b := []byte("the latest " + p.Title + " is ")
	limit := strconv.FormatFloat(f.Above, 'f', -1, 64) + " " + f.Unit
	switch {
	case q == nil && it.HasValue:
		// Text or a code: the measure compares only a Quantity with the
		// threshold, and a value it cannot compare is not "without a value".
		b = e.appendWhat(append(b, "not a number: "...), pick)
		return true, string(append(b, " (the measure counts only a missing value or one above "+limit+" as "+f.Label+")"...))
	case q != nil && f.Unit != "" && (q.Unit != "" || q.Code != "") && q.Unit != f.Unit && q.Code != f.Unit:
		// Another unit (mmol/mol): CQL's comparison with 9 '%' is null,
		// so the reading is not above it.
		b = e.appendWhat(b, pick)
		return true, string(append(b, " in "+cmp.Or(q.Unit, q.Code)+", which the measure does not compare with "+limit+" (not counted as "+f.Label+")"...))
	case q == nil:
		b = e.appendWhat(append(b, "without a value: "...), pick)
		return false, string(append(b, " (the measure counts that as "+f.Label+")"...))
	case q.Value > f.Above && q.Comparator != "<" && q.Comparator != "<=":
		b = e.appendWhat(b, pick)
		return false, string(append(b, ", above "+limit+": "+f.Label...))
	}
	b = e.appendWhat(b, pick)
	return true, string(append(b, ", not above "+limit...))
}
