// Result values and windows: value flags, follow-ups, rule windows.

package screening

import (
	"slices"
	"time"

	"github.com/healthprep/desk/internal/record"
)

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

// inGroups returns the index of the first coding in one of gs, or -1.
func inGroups(gs []*Group, cs []record.Coding) int32 {
	for j, c := range cs {
		for _, g := range gs {
			if slices.Contains(g.all[c.System], c.Code) {
				return int32(j)
			}
		}
	}
	return -1
}

// hasCategory reports whether a condition is on the list a measure reads
// (problem-list-item, encounter-diagnosis); other resources have none. The
// problem list includes health concerns: QI-Core's
// ConditionProblemsHealthConcerns, which the measures read, holds both.
func hasCategory(it *record.Item, category string) bool {
	if it.Type != "Condition" {
		return true
	}
	for _, c := range it.Category {
		if c.Code == category || category == "problem-list-item" && c.Code == "health-concern" {
			return true
		}
	}
	return false
}

// openOrder is an order still open: an active ServiceRequest with an
// order intent, not a do-not-perform one (MedicationRequests that are
// active count already).
func openOrder(it *record.Item) bool {
	return it.Type == "ServiceRequest" && it.Status == "active" && !it.DoNotPerform && orderIntent(it.Intent)
}

// ageAtYearEnd is the age on December 31 of the visit's year (the end of
// the measurement period, where the measures take "66 or older").
func (e *evaluator) ageAtYearEnd() int { return e.ageYE }

// inWindow reports whether a record overlaps the rule's window, which ends
// on the visit day and starts on January 1 of the visit's year ("year") or
// of the year before ("two_years"): a condition while it lasts (onset to
// abatement, ongoing while active) or, for an onset rule, by its onset;
// anything else over its period or on its date.
func (e *evaluator) inWindow(it *record.Item, r *Rule) bool {
	from, to := e.yearStart, e.today
	if r.window == "two_years" {
		y, _, _ := e.visit.Date()
		from = dayNum(time.Date(y-1, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	if it.Date.IsZero() {
		return false
	}
	if r.window == "before_visit" {
		// Began before the visit day (CMS2: bipolar disorder before the
		// qualifying encounter).
		return dayNum(it.Date) < e.today
	}
	if r.window == "by_visit" {
		// Began on or before the visit day (CMS22: hypertension before
		// the encounter it excludes).
		return dayNum(it.Date) <= e.today
	}
	if r.window == "onset_before_year" {
		// Began before the year, whatever happened since (CMS349: HIV
		// onset before the measurement period; abatement not read).
		return dayNum(it.Date) < from
	}
	if r.window == "before_year" {
		// Began before the year and had not ended before it (CMS951:
		// diabetes "overlapping before" the measurement period).
		return dayNum(it.Date) < from && (it.Abatement.IsZero() || dayNum(it.Abatement) >= from)
	}
	if it.Type == "Condition" {
		onset := dayNum(it.Date)
		switch {
		case onset > to:
			return false
		case r.Onset:
			return onset >= from || r.OnsetOverlaps && !it.Period.End.IsZero() && dayNum(it.Period.End) >= from
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
