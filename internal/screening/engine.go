package screening

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// Status is a screening's state for a visit.
type Status string

const (
	Complete      Status = "complete"
	DueSoon       Status = "due_soon"
	Due           Status = "due"
	Excluded      Status = "excluded"
	NotApplicable Status = "not_applicable"
	NeedsReview   Status = "needs_review"
)

// Evidence is the resource that decided a result.
type Evidence struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	System  string    `json:"system,omitempty"`
	Code    string    `json:"code,omitempty"`
	Display string    `json:"display,omitempty"`
	Date    time.Time `json:"date,omitzero"`
}

// Result is one screening's outcome with its explanation.
type Result struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Status   Status     `json:"status"`
	LastDone time.Time  `json:"lastDone,omitzero"`
	Modality string     `json:"modality,omitempty"`
	NextDue  time.Time  `json:"nextDue,omitzero"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Rule     string     `json:"rule,omitempty"` // the trigger or exclusion that applied
	// Review marks a result decided by a code group the catalogue flags for
	// review (not found in any value set examined).
	Review bool `json:"review,omitempty"`
}

// Age returns completed years on day, or -1 when birth is unknown.
func Age(birth, day time.Time) int {
	if birth.IsZero() {
		return -1
	}
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || day.Month() == birth.Month() && day.Day() < birth.Day() {
		age--
	}
	return age
}

// counts reports whether an item is a finished, valid record of care.
func counts(it *record.Item) bool {
	switch it.Type {
	case "Observation", "DiagnosticReport":
		return it.Status == "final" || it.Status == "amended" || it.Status == "corrected" || it.Status == "appended"
	case "Procedure", "Immunization":
		return it.Status == "completed"
	case "DocumentReference":
		return it.Status == "current" || it.Status == ""
	case "Condition":
		return it.Verification != "entered-in-error" && it.Verification != "refuted"
	}
	return false
}

// activeCondition is a condition that still applies (triggers, modifiers).
func activeCondition(it *record.Item) bool {
	if it.Type != "Condition" {
		return true
	}
	switch it.Status {
	case "", "active", "recurrence", "relapse":
		return true
	}
	return false
}

// match is one item found for one group, with the coding that matched.
type match struct {
	item   *record.Item
	coding record.Coding
	value  bool // matched on an Observation value, not its code
}

// Evaluate returns one result per screening in the catalogue for the record
// on the visit date. It is pure: same inputs, same results.
func Evaluate(rec record.Record, c *Catalogue, visit time.Time) []Result {
	hits := map[*Group][]match{}
	for i := range rec.Items {
		it := &rec.Items[i]
		if !counts(it) {
			continue
		}
		for _, cd := range it.Codes {
			c.groupsFor(cd.System, cd.Code, func(g *Group) { hits[g] = append(hits[g], match{item: it, coding: cd}) })
		}
		for _, cd := range it.ValueCodes {
			c.groupsFor(cd.System, cd.Code, func(g *Group) { hits[g] = append(hits[g], match{item: it, coding: cd, value: true}) })
		}
	}
	var kw map[*Modality][]match
	for _, m := range c.idx.keywords {
		for i := range rec.Items {
			it := &rec.Items[i]
			if (it.Type == "DocumentReference" || it.Type == "DiagnosticReport") && counts(it) {
				for _, k := range m.Keywords {
					if hasWord(it.Title, k) {
						if kw == nil {
							kw = map[*Modality][]match{}
						}
						kw[m] = append(kw[m], match{item: it, coding: record.Coding{Display: it.Title}})
						break
					}
				}
			}
		}
	}
	e := &evaluator{rec: rec, c: c, visit: dayOf(visit), hits: hits, kw: kw}
	out := make([]Result, 0, len(c.Screenings))
	for _, s := range c.Screenings {
		out = append(out, e.screening(s))
	}
	return out
}

type evaluator struct {
	rec   record.Record
	c     *Catalogue
	visit time.Time
	hits  map[*Group][]match
	kw    map[*Modality][]match
}

func evidenceOf(m match) Evidence {
	return Evidence{Type: m.item.Type, ID: m.item.ID, System: m.coding.System, Code: m.coding.Code, Display: firstNonEmpty(m.coding.Display, m.item.Title), Date: m.item.Date}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// groupMatches returns the matches of groups limited to resource types.
func (e *evaluator) groupMatches(groups []*Group, resources []string, values bool) []match {
	var out []match
	for _, g := range groups {
		for _, m := range e.hits[g] {
			if m.value && !values {
				continue
			}
			if len(resources) > 0 && !slices.Contains(resources, m.item.Type) {
				continue
			}
			out = append(out, m)
		}
	}
	return out
}

func reviewed(groups []*Group, m match) bool {
	for _, g := range groups {
		if g.Review && g.match(m.coding.System, m.coding.Code) {
			return true
		}
	}
	return false
}

// rule finds evidence that a trigger or exclusion applies.
func (e *evaluator) rule(r *Rule, trigger bool) ([]match, bool) {
	if len(r.AllOf) > 0 {
		var all []match
		for _, p := range r.AllOf {
			ms, ok := e.rule(p, trigger)
			if !ok {
				return nil, false
			}
			all = append(all, ms...)
		}
		return all, true
	}
	ms := e.groupMatches(r.Evidence, r.Resources, r.MatchValues)
	if trigger {
		ms = slices.DeleteFunc(ms, func(m match) bool { return !activeCondition(m.item) })
	}
	if r.MinValue != nil {
		// The newest measurement decides (BMI >= 25 now, not years ago).
		var newest *match
		for i := range ms {
			if ms[i].item.Value != nil && (newest == nil || ms[i].item.Date.After(newest.item.Date)) {
				newest = &ms[i]
			}
		}
		if newest == nil || newest.item.Value.Value < *r.MinValue {
			return nil, false
		}
		return []match{*newest}, true
	}
	if len(ms) == 0 {
		return nil, false
	}
	return []match{newestOf(ms)}, true
}

func newestOf(ms []match) match {
	best := ms[0]
	for _, m := range ms[1:] {
		if m.item.Date.After(best.item.Date) {
			best = m
		}
	}
	return best
}

// outcome is what one modality says.
type outcome struct {
	m        *Modality
	done     bool
	forever  bool // once: done for life
	last     time.Time
	due      time.Time
	evidence []match
	dateless []match
	note     string
}

// dayOf drops the time of day: intervals run from the calendar date care
// was given, whatever hour it was charted.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (e *evaluator) seasonStart() time.Time {
	y := e.visit.Year()
	s := time.Date(y, time.Month(e.c.seasonMonth), e.c.seasonDay, 0, 0, 0, 0, time.UTC)
	if e.visit.Before(s) {
		s = s.AddDate(-1, 0, 0)
	}
	return s
}

func (e *evaluator) modality(s *Screening, m *Modality, age int, override *Modifier) outcome {
	o := outcome{m: m}
	var ms []match
	if m.AllOf {
		// Every group must be met; the oldest of the groups' newest decides.
		for _, g := range m.Evidence {
			gm := e.groupMatches([]*Group{g}, m.Resources, false)
			dated := slices.DeleteFunc(slices.Clone(gm), func(x match) bool { return x.item.Date.IsZero() })
			if len(dated) == 0 {
				o.dateless = append(o.dateless, gm...)
				return o
			}
			ms = append(ms, newestOf(dated))
		}
	} else {
		ms = append(e.groupMatches(m.Evidence, m.Resources, false), e.kw[m]...)
	}
	var dated []match
	for _, x := range ms {
		if x.item.Date.IsZero() {
			o.dateless = append(o.dateless, x)
		} else if !dayOf(x.item.Date).After(e.visit) {
			dated = append(dated, x)
		}
	}
	if len(dated) == 0 {
		return o
	}
	newest := newestOf(dated)
	if m.AllOf {
		oldest := dated[0]
		for _, x := range dated {
			if x.item.Date.Before(oldest.item.Date) {
				oldest = x
			}
		}
		newest = oldest
		o.evidence = dated
	} else {
		o.evidence = []match{newest}
	}
	o.last = dayOf(newest.item.Date)
	switch m.kind {
	case once:
		o.done, o.forever = true, true
	case season:
		start := e.seasonStart()
		if !o.last.Before(start) {
			o.done, o.due = true, start.AddDate(1, 0, 0)
		} else {
			o.note = "last dose was before this season"
		}
	case series:
		days := map[string]match{}
		for _, x := range dated {
			days[dayOf(x.item.Date).Format(time.DateOnly)] = x
		}
		if len(days) >= m.Doses {
			o.done, o.forever = true, true
			o.evidence = nil
			for _, x := range days {
				o.evidence = append(o.evidence, x)
			}
			slices.SortFunc(o.evidence, func(a, b match) int { return a.item.Date.Compare(b.item.Date) })
		} else {
			o.note = fmt.Sprintf("%d of %d doses on record", len(days), m.Doses)
		}
	default:
		iv := m.interval
		for _, b := range m.IntervalByAge {
			if age >= b.MinAge && (b.MaxAge == 0 || age <= b.MaxAge) {
				iv = b.period
			}
		}
		if override != nil {
			iv = override.interval
		}
		o.done, o.due = true, iv.AddTo(o.last)
	}
	return o
}

func (e *evaluator) screening(s *Screening) Result {
	r := Result{ID: s.ID, Title: s.Title}
	p := e.rec.Patient
	if !s.On() {
		r.Status, r.Reason = NotApplicable, "switched off in this practice's catalogue"
		return r
	}
	if p.Sex == "" || p.Sex == "unknown" {
		r.Status, r.Reason = NeedsReview, "sex is not recorded in Epic, so eligibility cannot be decided"
		return r
	}
	age := Age(p.BirthDate, e.visit)
	if age < 0 {
		r.Status, r.Reason = NeedsReview, "birth date is not recorded in Epic, so eligibility cannot be decided"
		return r
	}
	if !slices.Contains(s.Sexes, p.Sex) {
		r.Status, r.Reason = NotApplicable, "not recommended for this sex"
		return r
	}
	if age < s.MinAge || s.MaxAge != nil && age > *s.MaxAge {
		r.Status, r.Reason = NotApplicable, "age "+strconv.Itoa(age)+" is outside "+ageRange(s)
		return r
	}
	if len(s.Triggers) > 0 {
		var hit bool
		for _, t := range s.Triggers {
			if ms, ok := e.rule(t, true); ok {
				hit, r.Rule = true, t.ID
				r.Evidence = append(r.Evidence, evidenceOf(ms[0]))
				break
			}
		}
		if !hit {
			r.Status, r.Reason = NotApplicable, "applies only with "+strings.ReplaceAll(s.Triggers[0].ID, "_", " ")+" on record"
			r.Evidence = nil
			return r
		}
	}
	for _, x := range s.Exclusions {
		if ms, ok := e.rule(x, false); ok {
			r.Status, r.Rule = Excluded, x.ID
			r.Evidence = nil
			for _, m := range ms {
				r.Evidence = append(r.Evidence, evidenceOf(m))
				r.Review = r.Review || reviewed(x.Evidence, m)
			}
			ev := r.Evidence[0]
			r.Reason = "excluded: " + firstNonEmpty(ev.Display, strings.ReplaceAll(x.ID, "_", " ")) + " (" + ev.Type + dateSuffix(ev.Date) + ")"
			return r
		}
	}
	var override *Modifier
	for _, md := range s.Modifiers {
		if ms := e.groupMatches(md.Evidence, []string{"Condition"}, false); len(slices.DeleteFunc(ms, func(m match) bool { return !activeCondition(m.item) })) > 0 {
			override = md
			if md.Title != "" {
				r.Title = md.Title
			}
			r.Review = r.Review || md.Review
			break
		}
	}
	triggerEvidence := r.Evidence
	r.Evidence = nil
	var best *outcome
	var newestDone time.Time
	var dateless []match
	var notes []string
	for _, m := range s.Modalities {
		if m.MinAge > 0 && age < m.MinAge || m.MaxAge > 0 && age > m.MaxAge {
			continue
		}
		o := e.modality(s, m, age, override)
		dateless = append(dateless, o.dateless...)
		if o.note != "" {
			notes = append(notes, o.note)
		}
		if !o.done {
			continue
		}
		if o.last.After(newestDone) {
			newestDone = o.last
		}
		// The modality that keeps the patient covered longest decides: a
		// colonoscopy two years ago still covers a patient whose last FIT
		// has lapsed.
		if best == nil || o.forever || !best.forever && o.due.After(best.due) {
			oo := o
			best = &oo
		}
	}
	switch {
	case best != nil:
		r.LastDone, r.Modality = best.last, firstNonEmpty(best.m.Title, strings.ReplaceAll(best.m.ID, "_", " "))
		for _, m := range best.evidence {
			r.Evidence = append(r.Evidence, evidenceOf(m))
			r.Review = r.Review || reviewed(best.m.Evidence, m)
		}
		ev := r.Evidence[len(r.Evidence)-1]
		what := firstNonEmpty(ev.Display, r.Modality) + " (" + ev.Type + dateSuffix(ev.Date) + ")"
		switch {
		case best.forever:
			r.Status, r.Reason = Complete, "done: "+what
		case !e.visit.Before(best.due):
			r.Status, r.NextDue, r.Reason = Due, best.due, "overdue since "+best.due.Format(time.DateOnly)+"; last: "+what
		case !e.visit.Before(s.dueSoon.SubFrom(best.due)):
			r.Status, r.NextDue, r.Reason = DueSoon, best.due, "due "+best.due.Format(time.DateOnly)+"; last: "+what
		default:
			r.Status, r.NextDue, r.Reason = Complete, best.due, "done: "+what
		}
	case len(dateless) > 0:
		r.Status = NeedsReview
		ev := evidenceOf(dateless[0])
		r.Evidence = []Evidence{ev}
		r.Reason = firstNonEmpty(ev.Display, ev.Type) + " is on record without a date; check when it was done"
	default:
		r.Status, r.NextDue = Due, time.Time{}
		r.Reason = "nothing on record"
		if len(notes) > 0 {
			r.Reason = strings.Join(notes, "; ")
		}
	}
	if s.ManualReview != "" && (r.Status == Due || r.Status == DueSoon) {
		r.Status = NeedsReview
		r.Reason += "; eligible only if: " + s.ManualReview + " (confirm with the clinician)"
	}
	if len(r.Evidence) == 0 {
		r.Evidence = triggerEvidence
	}
	return r
}

func dateSuffix(t time.Time) string {
	if t.IsZero() {
		return ", no date"
	}
	return ", " + t.Format(time.DateOnly)
}

func ageRange(s *Screening) string {
	if s.MaxAge == nil {
		return strconv.Itoa(s.MinAge) + " and over"
	}
	return strconv.Itoa(s.MinAge) + "-" + strconv.Itoa(*s.MaxAge)
}
