package screening

import "strconv"

// Status rules: a fact that changes over a life (smoking) is decided by the
// newest record of it across resource types. A 2003 "smokes daily"
// Condition does not make a patient a smoker when every later smoking-status
// Observation says "never smoker"; a former smoker still counts while the
// quit date is within the rule's window (USPSTF lung: 15 years).

type statusKind uint8

const (
	never   statusKind = iota // the fact does not hold (never smoker)
	former                    // it held and ended (ex-smoker)
	current                   // it holds (smoker)
)

type statusHit struct {
	h    hit
	day  int32
	kind statusKind
	quit int32 // former: when it ended, or noDate when not on record
}

// newer orders status records by day; on the same day the one that keeps
// the patient eligible wins (a current smoker over an ex-smoker over a
// never-smoker), so a same-day contradiction asks rather than drops.
func (a statusHit) newer(b statusHit, found bool) bool {
	return !found || a.day > b.day || a.day == b.day && a.kind > b.kind
}

func (e *evaluator) statusRule(r *Rule) bool {
	var newest [3]statusHit // by kind
	var seen [3]bool
	consider := func(g *Group, kind statusKind) {
		for _, h := range e.groupHits(g) {
			if r.mask != 0 && h.typ&r.mask == 0 || h.value && !r.MatchValues {
				continue
			}
			d := e.days[h.item]
			if d == noDate {
				continue
			}
			it := &e.items[h.item]
			c := statusHit{h: h, day: d, kind: kind, quit: noDate}
			if it.Type == "Condition" {
				switch {
				case kind == current && !activeCondition(it):
					// A smoker problem resolved: an ex-smoker since its end.
					c.kind = former
					if !it.Abatement.IsZero() {
						c.quit = dayNum(it.Abatement)
					}
				case kind == former:
					c.quit = d // "ex-smoker" since its onset
				}
			}
			if !seen[c.kind] || c.day > newest[c.kind].day || c.day == newest[c.kind].day && c.quit > newest[c.kind].quit {
				newest[c.kind], seen[c.kind] = c, true
			}
		}
	}
	for _, g := range r.Evidence {
		consider(g, current)
	}
	for _, g := range r.NotWhenNewer {
		consider(g, never)
	}
	if r.Former != nil {
		for _, g := range r.Former.Evidence {
			consider(g, former)
		}
	}
	var best statusHit
	found := false
	for k := range newest {
		if seen[k] && newest[k].newer(best, found) {
			best, found = newest[k], true
		}
	}
	if !found {
		return false
	}
	var b []byte
	switch best.kind {
	case never:
		b = append(b, "the newest record, "...)
		b = e.appendWhat(b, best.h)
		// Name the older record it overrides, if any.
		if k := current; seen[k] || seen[former] {
			if !seen[k] || seen[former] && newest[former].day > newest[k].day {
				k = former
			}
			b = append(b, ", outweighs the older "...)
			b = e.appendWhat(b, newest[k].h)
		}
		e.ruleNote = string(b)
		return false
	case former:
		if best.quit == noDate {
			e.ruleCheck = "when the patient quit is not on record (" + e.what(best.h) + "): check it was within " + r.Former.within.Words()
		} else if best.quit < r.Former.within.subDays(e.today) {
			b = append(b, "quit "...)
			b = appendDay(b, best.quit)
			b = append(b, ", more than "+r.Former.within.Words()+" ago ("...)
			b = append(b, e.what(best.h)...)
			e.ruleNote = string(append(b, ')'))
			return false
		}
	}
	amountOK := false
	if a := r.Amount; a != nil {
		var last hit
		lastDay, have := int32(noDate), false
		for _, g := range a.Evidence {
			for _, h := range e.groupHits(g) {
				if h.value || e.items[h.item].Value == nil {
					continue
				}
				if d := e.days[h.item]; d != noDate && (!have || d > lastDay) {
					last, lastDay, have = h, d, true
				}
			}
		}
		if have {
			q := e.items[last.item].Value
			if q.Value < a.Min {
				e.ruleNote = fmtAmount(q.Value, a.Unit) + " on record (" + ymd(lastDay) + "); " + fmtAmount(a.Min, a.Unit) + " or more are needed"
				return false
			}
			amountOK = true
			e.arena = append(e.arena, last)
		}
	}
	e.ruleConfirmed = amountOK && (best.kind == current || best.quit != noDate)
	e.arena = append(e.arena, best.h)
	return true
}

// what is "Ex-smoker (Observation, 2025-03-01)".
func (e *evaluator) what(h hit) string { return string(e.appendWhat(nil, h)) }

func fmtAmount(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if unit != "" {
		s += " " + unit
	}
	return s
}
