package screening

import (
	"slices"
	"time"
)

// What the sync must fetch for the enabled screenings to be decided.
//
// Evidence with an interval only matters while it is younger than the
// interval: older evidence makes the screening due either way. So for a
// resource type that only ever holds such evidence, Lookback is enough: the
// longest finite interval (any age band or variant, a season counting as a
// year), plus the longest due-soon window as margin, with years counted as
// 366 days and months as 31. Evidence that counts for life has no window:
// a once-only test, a vaccine series or sequence, an exclusion (a
// mastectomy decades ago), a trigger (diabetes since 2009). The resource
// types such evidence can come from are WholeHistory: fetch them whole.
//
// With the default catalogue that is Condition, DiagnosticReport,
// Immunization, Observation, Procedure and ServiceRequest (HIV and hepatitis C are
// once-only lab tests, so Observation is among them; a sync may still
// window the high-volume vital-signs category by Lookback, since no
// lifetime evidence is a vital sign). Only DocumentReference (keywords) is
// bounded by Lookback.

// Lookback is the longest history, back from the visit, that evidence with
// an interval can need; see WholeHistory for evidence that counts for life.
func (c *Catalogue) Lookback() time.Duration {
	var longest, soon time.Duration
	for _, s := range c.Screenings {
		if !s.On() {
			continue
		}
		soon = max(soon, s.dueSoon.Longest())
		for _, m := range s.Modalities {
			switch m.kind {
			case everyPeriod:
				longest = max(longest, m.interval.Longest())
				for _, b := range m.IntervalByAge {
					longest = max(longest, b.period.Longest())
				}
			case season:
				longest = max(longest, Period{Years: 1}.Longest())
			}
		}
		for _, md := range s.Modifiers {
			longest = max(longest, md.interval.Longest())
		}
	}
	return longest + soon
}

// WholeHistory lists the FHIR resource types (sorted) that can hold
// evidence counting for life in the enabled screenings: fetch them with no
// date limit. A rule or modality that names no types can use any.
func (c *Catalogue) WholeHistory() []string {
	var mask uint16
	add := func(m uint16) {
		if m == 0 {
			m = 1<<len(knownResources) - 1
		}
		mask |= m
	}
	var rule func(r *Rule)
	rule = func(r *Rule) {
		if len(r.AllOf) == 0 {
			add(r.mask)
		}
		for _, p := range r.AllOf {
			rule(p)
		}
	}
	for _, s := range c.Screenings {
		if !s.On() {
			continue
		}
		for _, m := range s.Modalities {
			if m.kind == once || m.kind == series || m.Sequence {
				add(m.mask)
				if len(m.Keywords) > 0 {
					add(typeBit("DocumentReference") | typeBit("DiagnosticReport"))
				}
			}
		}
		for _, r := range s.Triggers {
			rule(r)
		}
		for _, r := range s.Exclusions {
			rule(r)
		}
		if len(s.Modifiers) > 0 {
			add(conditionBit)
		}
	}
	var out []string
	for i, t := range knownResources {
		if mask&(1<<i) != 0 {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
