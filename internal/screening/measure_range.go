// A measure part that judges a reading against a normal range (CMS69's
// BMI), the follow-up a reading out of range needs, and the measure's
// exceptions when none is on record.

package screening

import (
	"slices"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Range is a normal range: Min inclusive, Below exclusive, in Unit.
type Range struct {
	Name  string  `yaml:"name"` // "BMI"
	Min   float64 `yaml:"min"`
	Below float64 `yaml:"below"`
	Unit  string  `yaml:"unit,omitempty"`
	// High and Low are the follow-ups a reading at or above Below, or
	// under Min, needs. Without them any of the part's follow_up groups
	// counts, with no reason asked for.
	High *RangeSide `yaml:"high,omitempty"`
	Low  *RangeSide `yaml:"low,omitempty"`
	// NotOrdered names follow_up groups of reasons (Medical Reason): a
	// completed do-not-perform order coded as one of the sides'
	// follow-ups, authored on the day of a qualifying visit, is the
	// measure's exception. NotDone: a cancelled reading (the part's
	// evidence codes) with such a reason, its effective ending that day.
	NotOrdered []string `yaml:"not_ordered,omitempty"`
	NotDone    []string `yaml:"not_done,omitempty"`

	notOrdered, notDone []*Group
}

// RangeSide is what a reading on one side of the range needs: an order
// or procedure in one of FollowUp whose reasonCode is in Reasons, or
// with a Condition coded in Reasons on record by then (a procedure's on
// the problem list, or with HealthConcern a health concern, and present
// when it started).
type RangeSide struct {
	Title    string   `yaml:"title"` // "a high BMI"
	FollowUp []string `yaml:"follow_up"`
	Reasons  []string `yaml:"reasons"`
	// HealthConcern: a procedure qualifying by its reasonCode must be
	// completed and one qualifying by a Condition needs a health concern
	// (measures.md CMS69, below-normal BMI procedures).
	HealthConcern bool `yaml:"health_concern,omitempty"`

	followUp, reasons []*Group
}

// followUpGroups finds the part's follow_up groups by name.
func (p *MeasurePart) followUpGroups(names []string, w string, bad func(int, string, ...any)) []*Group {
	var out []*Group
	for _, n := range names {
		i := slices.IndexFunc(p.FollowUp, func(g *Group) bool { return g != nil && g.Name == n })
		if i < 0 {
			bad(p.line, "%s: group %q is not one of the part's follow_up groups", w, n)
			continue
		}
		out = append(out, p.FollowUp[i])
	}
	return out
}

func (rg *Range) compile(p *MeasurePart, w string, bad func(int, string, ...any)) {
	w += " range"
	if rg.Name == "" || rg.Below <= rg.Min {
		bad(p.line, "%s: a name and min below below are needed", w)
	}
	for _, s := range []*RangeSide{rg.High, rg.Low} {
		if s == nil {
			continue
		}
		if s.Title == "" || len(s.FollowUp) == 0 || len(s.Reasons) == 0 {
			bad(p.line, "%s: a side needs a title, follow_up and reasons", w)
		}
		s.followUp, s.reasons = p.followUpGroups(s.FollowUp, w, bad), p.followUpGroups(s.Reasons, w, bad)
	}
	rg.notOrdered, rg.notDone = p.followUpGroups(rg.NotOrdered, w, bad), p.followUpGroups(rg.NotDone, w, bad)
}

// rangePart: every reading in the window in range meets the part; a
// reading out of range needs a follow-up for its side in the window
// (either side's, when there are readings on both).
func (e *evaluator) rangePart(p *MeasurePart, from, ys int32, l *MeasureLine) (bool, string) {
	rg := p.Range
	var newest, high, low hit
	haveNewest, haveHigh, haveLow := false, false, false
	for _, g := range p.Evidence {
		for _, h := range e.groupHits(g) {
			it := &e.items[h.item]
			if !e.partOK(p, h, from) || it.Value == nil || it.Value.Value <= 0 || rg.Unit != "" && it.Value.Unit != rg.Unit && it.Value.Code != rg.Unit {
				continue
			}
			d := e.days[h.item]
			if !haveNewest || d > e.days[newest.item] {
				newest, haveNewest = h, true
			}
			switch v := it.Value.Value; {
			case v >= rg.Below && (!haveHigh || d > e.days[high.item]):
				high, haveHigh = h, true
			case v < rg.Min && (!haveLow || d > e.days[low.item]):
				low, haveLow = h, true
			}
		}
	}
	if !haveNewest {
		return false, "no " + p.Title + " reading " + e.fromWords(p, ys)
	}
	if !haveHigh && !haveLow {
		l.Evidence = append(l.Evidence, e.evidence(newest))
		e.detail(newest)
		return true, string(e.appendWhat([]byte(p.Title+" in the normal range: "), newest))
	}
	var b []byte
	for _, side := range []struct {
		have bool
		h    hit
		s    *RangeSide
	}{{haveHigh, high, rg.High}, {haveLow, low, rg.Low}} {
		if !side.have {
			continue
		}
		if len(b) > 0 {
			b = append(b, "; "...)
		}
		b = append(b, rg.Name+" out of range ("...)
		b = e.appendWhat(b, side.h)
		b = append(b, ")"...)
		if f, ok := e.rangeFollowUp(p, side.s, from); ok {
			l.Evidence = append(l.Evidence, e.evidence(side.h), e.evidence(f))
			e.detail(f)
			b = append(b, " with a follow-up: "...)
			return true, string(e.appendWhat(b, f))
		}
		b = append(b, " and no follow-up"...)
		if side.s != nil {
			b = append(b, " for "+side.s.Title+" with its reason"...)
		}
		b = append(b, " on record "...)
		b = append(b, e.fromWords(p, ys)...)
	}
	return false, string(b)
}

// rangeFollowUp finds the newest follow-up for one side of the range in
// the window: any of the part's follow_up groups when s is nil.
func (e *evaluator) rangeFollowUp(p *MeasurePart, s *RangeSide, from int32) (hit, bool) {
	fp := *p
	fp.RequireValue, fp.Values, fp.mask = false, nil, 0
	if s == nil {
		return e.newestIn(&fp, p.FollowUp, from)
	}
	var best hit
	found := false
	try := func(h hit) {
		it := &e.items[h.item]
		if it.DoNotPerform || found && e.days[h.item] <= e.days[best.item] || !e.partOK(&fp, h, from) || !e.followUpReason(it, e.days[h.item], s) {
			return
		}
		best, found = h, true
	}
	for _, g := range s.followUp {
		for _, h := range e.groupHits(g) {
			try(h)
		}
		if p.OpenOrders {
			for _, h := range e.open {
				if h.group == g.n {
					try(h)
				}
			}
		}
	}
	return best, found
}

// followUpReason: the follow-up's reasonCode is one of the side's
// reasons, or a Condition coded in them was on record by day d (a
// procedure's: on the problem list, or a health concern, and not abated
// before d).
func (e *evaluator) followUpReason(it *record.Item, d int32, s *RangeSide) bool {
	if inGroups(s.reasons, it.Reasons) >= 0 {
		return it.Type != "Procedure" || !s.HealthConcern || it.Status == "completed"
	}
	for _, g := range s.reasons {
		for _, h := range e.groupHits(g) {
			c := &e.items[h.item]
			cd := e.days[h.item]
			if h.value || c.Type != "Condition" || cd == noDate || cd > d {
				continue
			}
			if it.Type == "Procedure" {
				category := "problem-list-item"
				if s.HealthConcern {
					category = "health-concern"
				}
				if !hasCategory(c, category) || !c.Abatement.IsZero() && dayNum(c.Abatement) < d {
					continue
				}
			}
			return true
		}
	}
	return false
}

// rangeExcepted says why a part not met is the measure's exception: a
// follow-up not ordered for a medical reason, or a reading not done for
// a reason, on the day of one of the visits; "" when neither is on record.
func (e *evaluator) rangeExcepted(p *MeasurePart, visits []int32) string {
	rg := p.Range
	if rg == nil {
		return ""
	}
	var sides []*Group
	for _, s := range []*RangeSide{rg.High, rg.Low} {
		if s != nil {
			sides = append(sides, s.followUp...)
		}
	}
	for i := range e.items {
		it := &e.items[i]
		if it.Date.IsZero() || !slices.Contains(visits, dayNum(it.Date)) {
			continue
		}
		var why string
		var reasons []*Group
		code := int32(-1)
		switch {
		case it.DoNotPerform && it.Status == "completed" && (it.Type == "ServiceRequest" || it.Type == "MedicationRequest"):
			why, reasons, code = "not ordered", rg.notOrdered, inGroups(sides, it.Codes)
		case it.Type == "Observation" && it.Status == "cancelled" && it.DateFrom != record.DateFromIssued:
			why, reasons, code = "not done", rg.notDone, inGroups(p.Evidence, it.Codes)
		}
		r := inGroups(reasons, it.Reasons)
		if code < 0 || r < 0 {
			continue
		}
		return string(e.appendNotDone([]byte(why+": "), hit{item: int32(i), coding: code, typ: typeBit(it.Type)}, it.Reasons[r], dayNum(it.Date)))
	}
	return ""
}

// appendNotDone words a record of care not given: what, for which
// reason, on which day.
func (e *evaluator) appendNotDone(b []byte, h hit, reason record.Coding, d int32) []byte {
	b = append(b, e.display(h)...)
	b = append(b, ", for "...)
	if reason.Display != "" {
		b = append(b, reason.Display...)
	} else {
		b = append(b, reason.System+" "+reason.Code...)
	}
	b = append(b, " ("...)
	return append(appendDay(b, d), ')')
}

// exception says why a measure not met is excepted, "" when it is not.
func (e *evaluator) exception(m *Measure, ys int32) string {
	y, _, _ := e.visit.Date()
	if m.ExceptDeceased && !e.patient.DeceasedDate.IsZero() && dayNum(e.patient.DeceasedDate) <= dayNum(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)) {
		return "the patient died on " + ymd(dayNum(e.patient.DeceasedDate))
	}
	for _, p := range m.Numerator {
		if p.Range == nil || len(p.Range.notOrdered) == 0 && len(p.Range.notDone) == 0 {
			continue
		}
		visits := e.visitDays(m, ys)
		if !slices.Contains(visits, e.today) {
			visits = append(visits, e.today)
		}
		if why := e.rangeExcepted(p, visits); why != "" {
			return why
		}
	}
	return ""
}
