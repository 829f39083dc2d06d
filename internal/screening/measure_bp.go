// CMS22's blood-pressure part: the visit day's reading, its category and
// the follow-up that category needs (measures.md, CMS22).

package screening

import (
	"slices"
	"strconv"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// bpValues returns a reading's systolic and diastolic components (0 when
// a component or its value is missing).
func bpValues(it *record.Item, bp *BloodPressure) (sys, dia float64) {
	for i := range it.Components {
		c := &it.Components[i]
		if c.Value == nil {
			continue
		}
		for _, cc := range c.Codes {
			switch cc.Code {
			case bp.Systolic:
				sys = c.Value.Value
			case bp.Diastolic:
				dia = c.Value.Value
			}
		}
	}
	return sys, dia
}

// bpStart orders same-day readings by the start of effective.
func bpStart(it *record.Item) time.Time {
	if !it.Period.Start.IsZero() {
		return it.Period.Start
	}
	return it.Date
}

func (b BPBounds) holds(v float64) bool { return v >= b.Min && (b.Below == 0 || v < b.Below) }

func (c *BPCategory) fits(sys, dia float64, prior bool) bool {
	if c.Prior == "yes" && !prior || c.Prior == "no" && prior {
		return false
	}
	s, d := c.Systolic.holds(sys), c.Diastolic.holds(dia)
	if c.Any {
		return s || d
	}
	return s && d
}

// bpPart decides CMS22's part for the visit e.today.
func (e *evaluator) bpPart(p *MeasurePart, ys int32, l *MeasureLine) (bool, string) {
	bp := p.BloodPressure
	var last hit
	have := false
	yearAgo := bp.prior.subDays(e.today)
	prior := false
	for _, g := range p.Evidence {
		for _, h := range e.groupHits(g) {
			it := &e.items[h.item]
			if h.value || it.Type != "Observation" || !observationCounts(p, it.Status) {
				continue
			}
			d := e.days[h.item]
			switch {
			case d == e.today:
				if !have || bpStart(it).After(bpStart(&e.items[last.item])) {
					last, have = h, true
				}
			case d >= yearAgo && d < e.today && !prior:
				// At day precision the visit day's readings are the
				// visit's own; a prior one is from an earlier day.
				s, dv := bpValues(it, bp)
				prior = s > 0 && dv > 0 && (s >= bp.PriorSystolic || dv >= bp.PriorDiastolic)
			}
		}
	}
	if !have {
		if why := e.bpNotDone(p); why != "" {
			e.excepted = why
		}
		return false, "no blood pressure reading " + e.fromWords(p, ys)
	}
	it := &e.items[last.item]
	sys, dia := bpValues(it, bp)
	b := appendDay(nil, e.days[last.item])
	b = append(b, ": "...)
	if sys <= 0 || dia <= 0 {
		b = append(b, "the blood pressure lacks a systolic and diastolic value above 0, so it does not count"...)
		return false, string(b)
	}
	b = strconv.AppendFloat(b, sys, 'f', -1, 64)
	b = append(b, '/')
	b = strconv.AppendFloat(b, dia, 'f', -1, 64)
	var cat *BPCategory
	for _, c := range bp.Categories {
		if c.fits(sys, dia, prior) {
			cat = c
			break
		}
	}
	if cat == nil {
		return false, string(append(b, ", a reading in none of the measure's categories"...))
	}
	b = append(b, ", "...)
	b = append(b, cat.Title...)
	ev := e.evidence(last)
	if cat.FollowUps == nil {
		l.Evidence = append(l.Evidence, ev)
		e.detail(last)
		return true, string(b)
	}
	var found []hit
	for _, combo := range cat.FollowUps {
		found = found[:0]
		for _, n := range combo {
			h, ok := e.bpNeed(n, ys)
			if !ok {
				break
			}
			found = append(found, h)
		}
		if len(found) == len(combo) {
			l.Evidence = append(l.Evidence, ev)
			e.detail(last)
			b = append(b, ", with "...)
			for i, h := range found {
				if i > 0 {
					b = append(b, " and "...)
				}
				b = e.appendWhat(b, h)
				l.Evidence = append(l.Evidence, e.evidence(h))
				e.detail(h)
			}
			return true, string(b)
		}
	}
	if h, ok := e.bpDeclined(cat, bp); ok {
		e.excepted = string(e.appendWhat([]byte("the patient declined the follow-up: "), h))
		l.Evidence = append(l.Evidence, ev, e.evidence(h))
	}
	// Say what is missing: each combination, its needs not on record.
	b = append(b, ": needs "...)
	for i, combo := range cat.FollowUps {
		if i > 0 {
			b = append(b, ", or "...)
		}
		k := 0
		for _, n := range combo {
			if _, ok := e.bpNeed(n, ys); ok {
				continue
			}
			if k > 0 {
				b = append(b, " and "...)
			}
			b = append(b, n.Title...)
			k++
		}
	}
	return false, string(b)
}

// bpNeed finds the newest request in one of n's groups authored in its
// window: an order (by intent; a medication active or completed), not a
// do-not-perform, with a reason in n.reasons when it names some.
func (e *evaluator) bpNeed(n *BPNeed, ys int32) (hit, bool) {
	lo, hi := e.today, e.today
	if n.When == "year" {
		lo, hi = ys, dayNum(e.visit)
	}
	var best hit
	found := false
	try := func(h hit) {
		it := &e.items[h.item]
		d := e.days[h.item]
		if h.value || d < lo || d > hi || found && d <= e.days[best.item] || !e.bpRequest(it, n) {
			return
		}
		best, found = h, true
	}
	for _, g := range n.groups {
		for _, h := range e.groupHits(g) {
			try(h)
		}
		for _, h := range e.open {
			if h.group == g.n {
				try(h)
			}
		}
	}
	return best, found
}

func (e *evaluator) bpRequest(it *record.Item, n *BPNeed) bool {
	switch it.Type {
	case "ServiceRequest":
		if it.Status != "active" && it.Status != "completed" {
			return false
		}
	case "MedicationRequest":
		if it.Status != "active" && it.Status != "completed" {
			return false
		}
	default:
		return false
	}
	if it.DoNotPerform {
		return false
	}
	if len(n.Intents) > 0 {
		if !slices.Contains(n.Intents, it.Intent) {
			return false
		}
	} else if it.Intent == "" || !orderIntent(it.Intent) {
		return false
	}
	return len(n.reasons) == 0 || inGroups(n.reasons, it.Reasons) >= 0
}

// bpDeclined finds a do-not-perform request authored at the visit, coded
// as one of the category's follow-ups, whose reason is in bp.declined.
func (e *evaluator) bpDeclined(cat *BPCategory, bp *BloodPressure) (hit, bool) {
	if len(bp.declined) == 0 {
		return hit{}, false
	}
	for i := range e.items {
		it := &e.items[i]
		if !it.DoNotPerform || it.Type != "ServiceRequest" && it.Type != "MedicationRequest" || it.Date.IsZero() || dayNum(it.Date) != e.today {
			continue
		}
		if inGroups(bp.declined, it.Reasons) < 0 {
			continue
		}
		for _, combo := range cat.FollowUps {
			for _, n := range combo {
				if j := inGroups(n.groups, it.Codes); j >= 0 {
					e.days[i] = e.today // for the evidence's date
					return hit{item: int32(i), coding: j, typ: typeBit(it.Type)}, true
				}
			}
		}
	}
	return hit{}, false
}

// bpNotDone says why a visit with no reading is excepted: a cancelled
// blood pressure Observation (the part's evidence codes, or the systolic
// or diastolic one) issued on the visit day with a reason in bp.notDone;
// "" when there is none.
func (e *evaluator) bpNotDone(p *MeasurePart) string {
	bp := p.BloodPressure
	if len(bp.notDone) == 0 {
		return ""
	}
	for i := range e.items {
		it := &e.items[i]
		if it.Type != "Observation" || it.Status != "cancelled" || it.Issued.IsZero() || dayNum(it.Issued) != e.today {
			continue
		}
		r := inGroups(bp.notDone, it.Reasons)
		code := inGroups(p.Evidence, it.Codes)
		if code < 0 {
			code = int32(slices.IndexFunc(it.Codes, func(c record.Coding) bool {
				return c.System == "http://loinc.org" && (c.Code == bp.Systolic || c.Code == bp.Diastolic)
			}))
		}
		if r < 0 || code < 0 {
			continue
		}
		return string(e.appendNotDone([]byte("the blood pressure was not taken: "), hit{item: int32(i), coding: code, typ: typeBit(it.Type)}, it.Reasons[r], e.today))
	}
	return ""
}
