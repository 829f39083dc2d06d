// Compiling a parsed catalogue: checks every value (with its YAML line) and builds what the engine reads.

package screening

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening/valuesets"
)

func (c *Catalogue) compile() []Problem {
	var probs []Problem
	bad := func(line int, f string, a ...any) {
		probs = append(probs, Problem{Line: max(line, 1), Message: fmt.Sprintf(f, a...)})
	}
	if c.Version == "" {
		bad(1, "version is missing (any text that names this edition, e.g. 2026.11-1)")
	}
	c.seasonMonth, c.seasonDay = 8, 1
	if c.SeasonStart != "" {
		var m, d int
		if n, err := fmt.Sscanf(c.SeasonStart, "%d-%d", &m, &d); err != nil || n != 2 || m < 1 || m > 12 || d < 1 || d > daysIn(2024, time.Month(m)) {
			bad(1, "season_start %q is not a month and day like 08-01", c.SeasonStart)
		} else {
			c.seasonMonth, c.seasonDay = m, d
		}
	}
	if len(c.Screenings) == 0 {
		bad(1, "the catalogue has no screenings")
	}
	concepts := map[string]*Concept{}
	for i, x := range c.Exclusions {
		if x == nil {
			bad(1, "exclusion concept %d is empty", i+1)
			continue
		}
		decodeProblems(x.decodeErrs, bad)
		where := fmt.Sprintf("exclusion %q", x.ID)
		switch {
		case x.ID == "":
			bad(x.line, "an exclusion concept has no id")
		case concepts[x.ID] != nil:
			bad(x.line, "%s: duplicate id", where)
		}
		concepts[x.ID] = x
		x.n = i
		if i >= 64 {
			bad(x.line, "%s: a catalogue may have at most 64 exclusion concepts", where)
		}
		if x.Title == "" {
			bad(x.line, "%s: title is missing (what the sheet says, e.g. in hospice care)", where)
		}
		switch x.Window {
		case "any":
			x.Window = ""
		case "", "year":
		default:
			bad(x.line, "%s: window %q is not one this version knows (year or any)", where, x.Window)
		}
		checkAge(x.line, where+": min_age", x.MinAge, bad)
		if len(x.Rules) == 0 {
			bad(x.line, "%s: no rules", where)
		}
		for _, r := range x.Rules {
			compileRule(r, x.line, where+" rule", bad)
			setWindow(r, x.Window, where, bad)
		}
	}
	seen := map[string]int{}
	for i, s := range c.Screenings {
		if s == nil {
			bad(1, "screening %d is empty", i+1)
			continue
		}
		s.compile(seen, bad)
		s.shared = s.shared[:0]
		for _, id := range s.SharedExclusions {
			if x := concepts[id]; x != nil {
				s.shared = append(s.shared, x)
			} else {
				bad(s.line, "screening %q: shared exclusion %q is not among the catalogue's exclusions", s.ID, id)
			}
		}
		if s.On() {
			c.enabled++
		}
		for _, m := range s.Modalities {
			c.hasKeywords = c.hasKeywords || m != nil && len(m.Keywords) > 0
		}
	}
	for _, s := range c.Screenings {
		if s != nil {
			s.measures = nil
		}
	}
	c.compileMeasures(concepts, bad)
	for _, s := range c.Screenings {
		if s != nil {
			s.measure = strings.Join(s.measures, ", ")
		}
	}
	if c.DocumentText != nil {
		c.DocumentText.compile(c, bad)
	}
	if len(probs) == 0 {
		c.buildIndex()
	}
	return probs
}

func (s *Screening) compile(seen map[string]int, bad func(int, string, ...any)) {
	decodeProblems(s.decodeErrs, bad)
	where := fmt.Sprintf("screening %q", s.ID)
	switch first, dup := seen[s.ID]; {
	case s.ID == "":
		bad(s.line, "a screening has no id")
	case dup:
		bad(s.line, "%s: duplicate id (first at line %d)", where, first)
	default:
		seen[s.ID] = s.line
	}
	if s.Title == "" {
		bad(s.line, "%s: title is missing", where)
	}
	if len(s.Sexes) == 0 {
		bad(s.line, "%s: sexes is empty (use [female, male] for everyone)", where)
	}
	s.anySex = slices.Contains(s.Sexes, "female") && slices.Contains(s.Sexes, "male")
	for _, sx := range s.Sexes {
		if !slices.Contains([]string{"female", "male", "other", "unknown"}, sx) {
			bad(s.line, "%s: sex %q is not one of female, male, other, unknown", where, sx)
		}
	}
	checkAge(s.line, where+": min_age", s.MinAge, bad)
	if s.MaxAge != nil {
		checkAge(s.line, where+": max_age", *s.MaxAge, bad)
		if *s.MaxAge < s.MinAge {
			bad(s.line, "%s: min_age %d is greater than max_age %d", where, s.MinAge, *s.MaxAge)
		}
	}
	if s.DueSoon == "" {
		s.DueSoon = "P0D"
	}
	if p, err := ParsePeriod(s.DueSoon); err != nil {
		bad(s.line, "%s: due_soon: %v", where, err)
	} else {
		s.dueSoon = p
	}
	if len(s.Modalities) == 0 {
		bad(s.line, "%s: no modalities (at least one way to meet the screening is needed)", where)
	}
	mids := map[string]bool{}
	for i, m := range s.Modalities {
		if m == nil {
			bad(s.line, "%s: modality %d is empty", where, i+1)
			continue
		}
		if m.ID == "" || mids[m.ID] {
			bad(m.line, "%s: modality id %q is missing or repeated", where, m.ID)
		}
		mids[m.ID] = true
		m.compile(s, where, bad)
	}
	for _, r := range s.Triggers {
		compileRule(r, s.line, where+" trigger", bad)
	}
	for _, r := range s.Exclusions {
		compileRule(r, s.line, where+" exclusion", bad)
		setWindow(r, "", where, bad) // its own window, if any (CKD 5 in the year)
	}
	for i, g := range s.Related {
		if g == nil {
			bad(s.line, "%s: related group %d is empty", where, i+1)
			continue
		}
		g.compile(s.line, where+" related", bad)
	}
	for i, md := range s.Modifiers {
		if md == nil {
			bad(s.line, "%s: modifier %d is empty", where, i+1)
			continue
		}
		md.compile(where, bad)
	}
}

func checkAge(line int, what string, v int, bad func(int, string, ...any)) {
	if v < 0 || v > 130 {
		bad(line, "%s %d is not an age in years (0 to 130)", what, v)
	}
}

func (m *Modality) compile(s *Screening, where string, bad func(int, string, ...any)) {
	decodeProblems(m.decodeErrs, bad)
	mw := fmt.Sprintf("%s modality %q", where, m.ID)
	m.name = m.Title
	if m.name == "" {
		m.name = strings.ReplaceAll(m.ID, "_", " ")
	}
	switch m.Interval {
	case "once":
		m.kind = once
	case "season":
		m.kind = season
	case "series":
		m.kind = series
		if m.Doses < 1 {
			bad(m.line, "%s: a series needs doses of 1 or more", mw)
		}
	default:
		p, err := ParsePeriod(m.Interval)
		switch {
		case err != nil:
			bad(m.line, "%s: interval: %v, or once, season or series", mw, err)
		case p.IsZero():
			bad(m.line, "%s: interval must be longer than zero", mw)
		case !s.dueSoon.IsZero() && s.dueSoon.approxDays() >= p.approxDays():
			bad(m.line, "%s: due_soon %s is not shorter than the interval %s, so the screening would always be due soon", mw, s.DueSoon, m.Interval)
		}
		m.interval = p
	}
	if m.Doses < 0 {
		bad(m.line, "%s: doses %d is negative", mw, m.Doses)
	}
	if m.MinGap != "" {
		p, err := ParsePeriod(m.MinGap)
		if err != nil {
			bad(m.line, "%s: min_gap: %v", mw, err)
		}
		m.minGap = p
	}
	if m.Sequence && m.AllOf {
		bad(m.line, "%s: choose all_of (any order) or sequence (in order), not both", mw)
	}
	if (m.Sequence || m.AllOf) && len(m.Evidence) < 2 {
		bad(m.line, "%s: all_of and sequence need two or more evidence groups", mw)
	}
	if m.MinAge < 0 || m.MaxAge < 0 || m.MaxAge > 0 && m.MaxAge < m.MinAge {
		bad(m.line, "%s: min_age %d and max_age %d are not an age range", mw, m.MinAge, m.MaxAge)
	}
	for i := range m.IntervalByAge {
		b := &m.IntervalByAge[i]
		p, err := ParsePeriod(b.Interval)
		if err != nil || p.IsZero() {
			bad(m.line, "%s: interval_by_age: interval %q is not a duration like P1Y", mw, b.Interval)
		}
		if b.MinAge < 0 || b.MaxAge < 0 || b.MaxAge > 0 && b.MaxAge < b.MinAge {
			bad(m.line, "%s: interval_by_age: %d to %d is not an age range", mw, b.MinAge, b.MaxAge)
		}
		b.period = p
	}
	m.allFlags = m.flags()
	for _, f := range m.allFlags {
		decodeProblems(f.decodeErrs, bad)
		if f.Label == "" {
			bad(m.line, "%s: flag: a label is needed (what the sheet says, e.g. poor control)", mw)
		}
		for _, g := range f.FollowUp {
			if g != nil {
				g.compile(m.line, mw+" flag follow_up", bad)
			}
		}
	}
	m.window = Period{}
	if m.MeasureWindow != "" {
		p, err := ParsePeriod(m.MeasureWindow)
		if err != nil || m.kind != everyPeriod {
			bad(m.line, "%s: measure_window %q needs a duration like P1Y3M and an interval that repeats", mw, m.MeasureWindow)
		}
		m.window = p
	}
	for _, g := range m.WindowUnless {
		if g != nil {
			g.compile(m.line, mw+" window_unless", bad)
		}
	}
	for _, pr := range m.Pairs {
		if pr == nil || pr.Days < 0 || len(pr.First) == 0 || len(pr.Second) == 0 || !m.AllOf ||
			!slices.ContainsFunc(m.Evidence, func(g *Group) bool { return g != nil && g.Name == pr.StandsFor }) {
			bad(m.line, "%s: a pair needs all_of, stands_for naming one of its evidence groups, first, second and days of 0 or more", mw)
			continue
		}
		for _, g := range slices.Concat(pr.First, pr.Second) {
			if g != nil {
				g.compile(m.line, mw+" pair", bad)
			}
		}
	}
	m.mask = resourceMask(m.Resources, m.line, mw, bad)
	if len(m.Evidence) == 0 && len(m.Keywords) == 0 {
		bad(m.line, "%s: no evidence codes or keywords", mw)
	}
	m.keywords = nil
	for _, k := range m.Keywords {
		if k = strings.TrimSpace(k); k == "" {
			bad(m.line, "%s: an empty keyword", mw)
			continue
		}
		m.keywords = append(m.keywords, strings.ToLower(k))
	}
	for i, g := range m.Evidence {
		if g == nil {
			bad(m.line, "%s: evidence group %d is empty", mw, i+1)
			continue
		}
		g.compile(m.line, mw, bad)
	}
}

func (md *Modifier) compile(where string, bad func(int, string, ...any)) {
	decodeProblems(md.decodeErrs, bad)
	w := fmt.Sprintf("%s modifier %q", where, md.When)
	if md.When == "" {
		bad(md.line, "%s: a modifier needs when: (the condition it is for)", where)
	}
	if md.Interval != "" {
		p, err := ParsePeriod(md.Interval)
		if err != nil || p.IsZero() {
			bad(md.line, "%s: interval %q is not a duration longer than zero like P1Y", w, md.Interval)
		}
		md.interval = p
	}
	if md.MinAge != nil {
		checkAge(md.line, w+": min_age", *md.MinAge, bad)
	}
	if md.MaxAge != nil {
		checkAge(md.line, w+": max_age", *md.MaxAge, bad)
		if md.NoMaxAge {
			bad(md.line, "%s: max_age and no_max_age together", w)
		}
	}
	if md.Interval == "" && md.Title == "" && md.MinAge == nil && md.MaxAge == nil && !md.NoMaxAge {
		bad(md.line, "%s: changes nothing (give interval, title, min_age, max_age or no_max_age)", w)
	}
	if len(md.Evidence) == 0 {
		bad(md.line, "%s: no evidence codes", w)
	}
	for i, g := range md.Evidence {
		if g == nil {
			bad(md.line, "%s: evidence group %d is empty", w, i+1)
			continue
		}
		g.compile(md.line, w, bad)
	}
}

func resourceMask(rs []string, line int, where string, bad func(int, string, ...any)) uint16 {
	var mask uint16
	for _, r := range rs {
		i := slices.Index(knownResources, r)
		if i < 0 {
			bad(line, "%s: unknown resource type %q (use %s)", where, r, strings.Join(knownResources, ", "))
			continue
		}
		mask |= 1 << i
	}
	return mask
}

func compileRule(r *Rule, parentLine int, where string, bad func(int, string, ...any)) {
	if r == nil {
		bad(parentLine, "%s: an empty rule", where)
		return
	}
	decodeProblems(r.decodeErrs, bad)
	w := fmt.Sprintf("%s %q", where, r.ID)
	if r.ID == "" {
		bad(r.line, "%s: a rule has no id", where)
	}
	switch r.Category {
	case "", "problem-list-item", "encounter-diagnosis":
	default:
		bad(r.line, "%s: category %q is not problem-list-item or encounter-diagnosis", w, r.Category)
	}
	if len(r.AllOf) > 0 {
		if len(r.Evidence) > 0 {
			bad(r.line, "%s: give either evidence or all_of parts, not both", w)
		}
		for _, p := range r.AllOf {
			compileRule(p, r.line, w+" part", bad)
		}
		return
	}
	r.mask = resourceMask(r.Resources, r.line, w, bad)
	if len(r.Evidence) == 0 {
		bad(r.line, "%s: no evidence codes", w)
	}
	if f := r.Former; f != nil {
		decodeProblems(f.decodeErrs, bad)
		p, err := ParsePeriod(f.Within)
		if err != nil || p.IsZero() {
			bad(r.line, "%s: former: within %q is not a duration longer than zero like P15Y", w, f.Within)
		}
		f.within = p
		if len(f.Evidence) == 0 {
			bad(r.line, "%s: former: no evidence codes", w)
		}
	}
	if a := r.Amount; a != nil {
		decodeProblems(a.decodeErrs, bad)
		if len(a.Evidence) == 0 {
			bad(r.line, "%s: amount: no evidence codes", w)
		}
	}
	for i, g := range r.groups() {
		if g == nil {
			bad(r.line, "%s: evidence group %d is empty", w, i+1)
			continue
		}
		g.compile(r.line, w, bad)
	}
}

// compile checks a group and puts its systems in URI form. Codes ending in
// "*" are prefixes (E11.*); an ICD-10-CM category of three characters (C34)
// stands for every code under it.
func (g *Group) compile(parentLine int, where string, bad func(int, string, ...any)) {
	decodeProblems(g.decodeErrs, bad)
	line := g.line
	if line == 0 {
		line = parentLine
	}
	norm := map[string][]string{}
	for sys, codes := range g.Codes {
		uri, ok := systemURI(sys)
		if !ok {
			bad(line, "%s: unknown code system %q (use loinc, cpt, sct, cvx, hcpcs, icd10cm, icd10pcs or their URIs)", where, sys)
			continue
		}
		for _, code := range codes {
			code = strings.TrimSpace(code)
			switch {
			case code == "" || code == "*":
				bad(line, "%s: an empty code under %s", where, sys)
				continue
			case strings.Contains(strings.TrimSuffix(code, "*"), "*"):
				bad(line, "%s: code %q: a * may only end a code (E11.*)", where, code)
				continue
			}
			norm[uri] = append(norm[uri], code)
		}
	}
	for uri := range norm {
		slices.Sort(norm[uri])
		norm[uri] = slices.Compact(norm[uri])
	}
	if g.Laterality != "" && g.Laterality != record.Left && g.Laterality != record.Right {
		bad(line, "%s: evidence group %q: laterality %q is not left or right", where, g.Name, g.Laterality)
	}
	g.Codes, g.all, g.vs = norm, norm, nil
	if g.ValueSet != "" {
		vs, ok := valuesets.Lookup(g.ValueSet)
		if !ok {
			bad(line, "%s: evidence group %q: value set %s is not one this version knows (list its codes under codes: instead)", where, g.Name, g.ValueSet)
		} else {
			g.vs, g.all = vs, map[string][]string{}
			for uri, codes := range vs.Codes {
				g.all[uri] = append(g.all[uri], codes...)
			}
			for uri, codes := range norm {
				g.all[uri] = append(g.all[uri], codes...)
			}
			for uri := range g.all {
				slices.Sort(g.all[uri])
				g.all[uri] = slices.Compact(g.all[uri])
			}
		}
	}
	if len(g.all) == 0 && (g.ValueSet == "" || g.vs != nil) {
		bad(line, "%s: evidence group %q has no codes", where, g.Name)
	}
}

// AllCodes returns the group's codes by system URI: those listed plus its
// value set's expansion.
func (g *Group) AllCodes() map[string][]string { return g.all }

// Partial reports whether the group's value set is published only in part.
func (g *Group) Partial() bool { return g.vs != nil && g.vs.Partial() }

func systemURI(s string) (string, bool) {
	if u, ok := systems[strings.ToLower(s)]; ok {
		return u, true
	}
	for _, u := range systems {
		if s == u {
			return u, true
		}
	}
	return "", false
}
