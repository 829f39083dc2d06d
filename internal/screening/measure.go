package screening

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Measure is one electronic clinical quality measure (eCQM) as the
// project's reference gives it (shared/reference/ecqm/measures.md): who
// it counts, in which reporting year, what meets it and what excludes a
// patient. It is data, like the screenings; the guideline status stays
// what the prep list acts on, and the measure line says how the practice's
// quality report will count the patient.
type Measure struct {
	ID        string `yaml:"id"` // CMS125
	Title     string `yaml:"title"`
	Screening string `yaml:"screening"` // the catalogue screening it corresponds to
	Source    string `yaml:"source"`
	// MinAge and MaxAge (0: none) bound the age on AgeAt: "start" or "end"
	// of the measurement period (the reporting year), or "visit" (CMS69:
	// the qualifying encounter's day).
	MinAge int    `yaml:"min_age"`
	MaxAge int    `yaml:"max_age,omitempty"`
	AgeAt  string `yaml:"age_at"`
	// Sexes the measure counts (its sex is the us-core-sex extension);
	// empty: any.
	Sexes []string `yaml:"sexes,omitempty"`
	// Visits are the qualifying encounter types: a finished encounter in
	// the reporting year. Today's visit stands in when none is on record
	// yet, and the line says so.
	Visits []*Group `yaml:"visits,omitempty"`
	// VisitsNeeded is how many distinct qualifying visits the year needs
	// (CMS138: 2; 0 means 1), unless one of PreventiveVisits is on record:
	// one of those is enough.
	VisitsNeeded int `yaml:"visits_needed,omitempty"`
	// PerVisit makes the measure encounter-based (CMS22): each qualifying
	// visit of the year, today's included, is excluded, met or not on its
	// own, the numerator and exclusions read as of that visit's day; the
	// line is met when every visit not excluded is.
	PerVisit bool `yaml:"per_visit,omitempty"`
	// NotVirtual: a visit of class VR (virtual) does not qualify.
	NotVirtual       bool     `yaml:"not_virtual,omitempty"`
	PreventiveVisits []*Group `yaml:"preventive_visits,omitempty"`
	// Requires: the patient is counted only with one of these on record
	// (diabetes for CMS122, CMS131, CMS951), each with its window.
	Requires []*Rule `yaml:"requires,omitempty"`
	// OnlyIndicator excludes a patient counted only through one requires
	// rule whose record was followed within Days by one of Then (CMS153: a
	// pregnancy test ordered before an X-ray or isotretinoin is not a sign
	// of sexual activity).
	OnlyIndicator *OnlyIndicator `yaml:"only_indicator,omitempty"`
	// Given narrows the denominator to patients for whom this part holds
	// (CMS138 population 2: the latest tobacco status is a user); the rest
	// are outside the measure.
	Given *MeasurePart `yaml:"given,omitempty"`
	// Numerator: any one part meets the measure (every part with
	// all_parts, CMS951's eGFR and urine albumin).
	Numerator []*MeasurePart `yaml:"numerator"`
	AllParts  bool           `yaml:"all_parts,omitempty"`
	// PoorControl makes an inverse measure (CMS122): the newest reading of
	// the year (the lowest that day) above the threshold, no value, or no
	// test at all is the measure's numerator, a care gap.
	PoorControl *ValueFlag `yaml:"poor_control,omitempty"`
	// Exclusions name the catalogue's exclusion concepts (hospice, ...) or
	// the screening's own exclusion rules (bilateral_mastectomy) the
	// measure shares; OwnExclusions are the measure's own, with their
	// timing (an HIV diagnosis before the reporting year).
	Exclusions    []string `yaml:"exclusions,omitempty"`
	OwnExclusions []*Rule  `yaml:"own_exclusions,omitempty"`
	// Differs says, in words, how the guideline the prep list follows
	// deliberately differs from the measure (USPSTF mammograms from 40).
	Differs string `yaml:"differs,omitempty"`
	// ExceptDeceased: a patient who died on or before the end of the
	// reporting year is the measure's exception (CMS349).
	ExceptDeceased bool `yaml:"except_deceased,omitempty"`

	line       int
	decodeErrs []string
	screening  *Screening
	excl       []measureExclusion
}

type measureExclusion struct {
	concept *Concept
	rule    *Rule
}

func (m *Measure) UnmarshalYAML(n *yaml.Node) error {
	type measureFields Measure
	return decodeStrict(n, (*measureFields)(m), &m.line, &m.decodeErrs)
}

// MeasurePart is one way to meet a measure, within its window.
type MeasurePart struct {
	ID        string   `yaml:"id"`
	Title     string   `yaml:"title"` // for the sheet: "a mammogram"
	Resources []string `yaml:"resources,omitempty"`
	// From is how far before the start of the reporting year the window
	// opens (P0D: the year itself; P1Y3M: October 1 two years back);
	// "none": no lower bound. VisitDays instead opens it that many days
	// before the visit (CMS2: 14; 0 is the visit day).
	From      string `yaml:"from,omitempty"`
	VisitDays *int   `yaml:"visit_days,omitempty"`
	// RequireValue: a lab result counts only with a value. MinAge and
	// MaxAge (0: none) bound the age on the test's date (HPV from 30).
	RequireValue bool `yaml:"require_value,omitempty"`
	MinAge       int  `yaml:"min_age,omitempty"`
	MaxAge       int  `yaml:"max_age,omitempty"`
	// Values: the result's coded value must be in one of these (a tobacco
	// user or non-user).
	Values []*Group `yaml:"values,omitempty"`
	// QuantityOr: a record of the part's own evidence (not its pair) counts
	// only with a Quantity value or a coded value in one of these (CMS951's
	// uACR: a number, or "undetectable").
	QuantityOr []*Group `yaml:"quantity_or,omitempty"`
	// Latest judges only the newest reading in the window: its value must
	// be in Values, and an older answer does not count once a newer one
	// has none of them (CMS138: the most recent tobacco status).
	Latest bool `yaml:"latest,omitempty"`
	// Given: the part counts only when this part holds too (CMS138
	// population 3: a cessation intervention counts for a tobacco user).
	Given *MeasurePart `yaml:"given,omitempty"`
	// BeforeYear ends the window the day before the reporting year (CMS131:
	// no apparent retinopathy in both eyes in the year before).
	BeforeYear bool `yaml:"before_year,omitempty"`
	// Effective says which part of an Observation's effectivePeriod the
	// window tests: "" its end (measures.md's latest(effective)); "during"
	// the whole period, its start in the window too (CMS131, CMS951,
	// CMS139, CMS138, CMS69); "start" its start, which the age bounds are
	// taken on as well (CMS349).
	Effective string `yaml:"effective,omitempty"`
	// Category: an Observation counts only with this category (measures.md:
	// an "imaging result" has category imaging, an "exam result" exam).
	Category string `yaml:"category,omitempty"`
	// BeforeLastDay ends the window the day before the reporting year's
	// last day (CMS349: the test "starts before" the end of the period).
	BeforeLastDay bool `yaml:"before_last_day,omitempty"`
	// Statuses narrows the Observation statuses that count (CMS138's
	// smoking status: final only); absent, a measure counts an Observation
	// only as final, amended or corrected (measures.md's "lab result",
	// "exam result"), never appended, preliminary or cancelled.
	Statuses []string `yaml:"statuses,omitempty"`
	// ActivePeriod: an active medication order counts when its request
	// period lies entirely inside the window, whenever it was authored
	// (CMS138's "active pharmacotherapy").
	ActivePeriod bool `yaml:"active_period,omitempty"`
	// RejectedByTask: a medication order does not count when a Task with
	// this code (http://hl7.org/fhir/CodeSystem/task-code) and status
	// rejected has it as its focus (CMS138: "fulfill", the pharmacy's
	// refusal, QI-Core TaskRejected).
	RejectedByTask string `yaml:"rejected_by_task,omitempty"`
	// ByAge limits groups of the part to an age on January 1 of the
	// reporting year (CMS2: the adolescent tool and follow-ups at 12-17,
	// the adult ones from 17); a group named in none has no bound.
	ByAge []*AgeGroups `yaml:"by_age,omitempty"`
	// ByTool ties groups of the part to the given part's evidence group
	// that met it: they count only after that tool (CMS2: the adolescent
	// follow-ups after the adolescent tool, the adult ones after the adult
	// tool, whichever a 17-year-old was screened with).
	ByTool []*ToolGroups `yaml:"by_tool,omitempty"`
	// VisitDaysAfter extends a visit_days window that many days past the
	// visit, within the year (CMS2: a follow-up up to 2 days after).
	VisitDaysAfter int `yaml:"visit_days_after,omitempty"`
	// RequestPastVisit: a medication order counts only when its request
	// period overlaps the visit day and extends past it (CMS2).
	RequestPastVisit bool `yaml:"request_past_visit,omitempty"`
	// OpenOrders: an order still open (an active referral) counts: the
	// measure reads follow-up orders placed, not only completed ones.
	OpenOrders bool `yaml:"open_orders,omitempty"`
	// Unless: the part does not apply to a patient with one of these
	// conditions on record (diabetic retinopathy: only this year's exam).
	Unless []*Group `yaml:"unless,omitempty"`
	// UnlessOnset: an Unless condition counts only when its onset is in
	// the reporting year, whatever its clinical status (CMS131: diabetic
	// retinopathy "overlapping the measurement period" is read by its
	// onset, measures.md).
	UnlessOnset bool     `yaml:"unless_onset,omitempty"`
	Evidence    []*Group `yaml:"evidence"`
	// Pair meets the part with two tests within Days of each other (urine
	// albumin and urine creatinine for a urine albumin-creatinine ratio).
	Pair *Pair `yaml:"pair,omitempty"`
	// Range: every reading in the window inside it meets the part; one
	// outside needs a FollowUp in the window (BMI 18.5 to under 25).
	Range    *Range   `yaml:"range,omitempty"`
	FollowUp []*Group `yaml:"follow_up,omitempty"`
	// BloodPressure reads the part as CMS22 does: the visit day's last
	// blood pressure (systolic and diastolic components), its category,
	// and the follow-up that category needs (groups of FollowUp).
	BloodPressure *BloodPressure `yaml:"blood_pressure,omitempty"`

	line       int
	decodeErrs []string
	from       Period
	noFrom     bool
	mask       uint16
}

func (p *MeasurePart) UnmarshalYAML(n *yaml.Node) error {
	type partFields MeasurePart
	return decodeStrict(n, (*partFields)(p), &p.line, &p.decodeErrs)
}

// AgeGroups names groups of a part that count only at MinAge to MaxAge
// (0: no upper bound) on January 1 of the reporting year.
type AgeGroups struct {
	MinAge int      `yaml:"min_age"`
	MaxAge int      `yaml:"max_age,omitempty"`
	Groups []string `yaml:"groups"`

	groups []*Group
}

// ToolGroups names groups of a part that count only when the given
// part was met by a record of the Tool group.
type ToolGroups struct {
	Tool   string   `yaml:"tool"`
	Groups []string `yaml:"groups"`

	tool   *Group
	groups []*Group
}

// OnlyIndicator is a requires rule that, alone and followed by Then,
// stands for another reason and excludes the patient.
type OnlyIndicator struct {
	Rule  string   `yaml:"rule"` // a requires rule's id
	Title string   `yaml:"title"`
	Days  int      `yaml:"days"`
	Then  []*Group `yaml:"then"`

	rule *Rule
}

// Pair is two tests that together count, First within Days of Second.
type Pair struct {
	Title string `yaml:"title"`
	// StandsFor names the evidence group the pair replaces (in a
	// screening's all_of modality).
	StandsFor string   `yaml:"stands_for,omitempty"`
	Days      int      `yaml:"days"`
	First     []*Group `yaml:"first"`
	Second    []*Group `yaml:"second,omitempty"`
	// SecondPart, instead of Second, reads the second test with its own
	// window and values (CMS131: one eye's severity in the year, the other
	// eye without retinopathy the year before).
	SecondPart *MeasurePart `yaml:"second_part,omitempty"`
}

// BloodPressure is CMS22's reading rule (measures.md): the last
// final/amended/corrected reading of the part's evidence on the visit day
// with both components above 0, put in the first category it fits.
type BloodPressure struct {
	Systolic  string `yaml:"systolic"`  // the systolic component's LOINC code
	Diastolic string `yaml:"diastolic"` // the diastolic one's
	// PriorWithin is how far back from the visit a prior hypertensive
	// reading counts (P1Y: on or after the same date a year before, up to
	// the day before the visit); PriorSystolic and PriorDiastolic are what
	// makes it hypertensive (either at or above).
	PriorWithin    string  `yaml:"prior_within"`
	PriorSystolic  float64 `yaml:"prior_systolic"`
	PriorDiastolic float64 `yaml:"prior_diastolic"`
	// Categories, tried in order: the first one the reading fits decides.
	Categories []*BPCategory `yaml:"categories"`
	// Declined names follow_up groups of reasons (Patient Declined): a
	// do-not-perform request authored at the visit, coded as one of the
	// follow-ups the reading's category needs, with such a reason, is the
	// measure's exception for that visit.
	Declined []string `yaml:"declined,omitempty"`
	// NotDone names follow_up groups of reasons (Patient Declined, Medical
	// Reason): a cancelled blood pressure Observation (the part's evidence
	// codes, or Systolic or Diastolic) issued on the visit day with such a
	// reason is the visit's exception when it has no reading.
	NotDone []string `yaml:"not_done,omitempty"`

	prior             Period
	declined, notDone []*Group
}

// BPCategory is one reading category: its bounds and the follow-ups that
// meet the measure for it (any one of FollowUps, each all of its needs).
type BPCategory struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"` // "first hypertensive reading"
	// Systolic and Diastolic bound the reading (Min inclusive, Below
	// exclusive, 0: none); Any: one of the two in bounds is enough, else
	// both must be.
	Systolic  BPBounds `yaml:"systolic"`
	Diastolic BPBounds `yaml:"diastolic"`
	Any       bool     `yaml:"any,omitempty"`
	// Prior: "yes" needs a prior hypertensive reading, "no" needs none,
	// "" either.
	Prior string `yaml:"prior,omitempty"`
	// FollowUps: nil means the category meets the measure as it is.
	FollowUps [][]*BPNeed `yaml:"follow_ups,omitempty"`
}

// BPBounds is a range of one component: Min inclusive, Below exclusive.
type BPBounds struct {
	Min   float64 `yaml:"min,omitempty"`
	Below float64 `yaml:"below,omitempty"`
}

// BPNeed is one follow-up record a combination needs.
type BPNeed struct {
	Title  string   `yaml:"title"`  // "a 4-week follow-up order"
	Groups []string `yaml:"groups"` // names of the part's follow_up groups
	// When: "visit" (authored on the visit day) or "year" (authored in the
	// reporting year, up to today).
	When string `yaml:"when"`
	// Intents the request must have (default: the measures' order intents).
	Intents []string `yaml:"intents,omitempty"`
	// Reasons: the request's reasonCode must be in one of these groups
	// (the part's follow_up groups too).
	Reasons []string `yaml:"reasons,omitempty"`

	groups, reasons []*Group
}

func (m *Measure) walkGroups(f func(*Group)) {
	each := func(gs []*Group) {
		for _, g := range gs {
			f(g)
		}
	}
	rule := func(r *Rule) { walkRule(r, f) }
	each(m.Visits)
	each(m.PreventiveVisits)
	if m.OnlyIndicator != nil {
		each(m.OnlyIndicator.Then)
	}
	for _, r := range m.Requires {
		rule(r)
	}
	for _, r := range m.OwnExclusions {
		rule(r)
	}
	var part func(p *MeasurePart)
	part = func(p *MeasurePart) {
		if p == nil {
			return
		}
		each(p.Evidence)
		each(p.Values)
		each(p.QuantityOr)
		each(p.Unless)
		each(p.FollowUp)
		if p.Pair != nil {
			each(p.Pair.First)
			each(p.Pair.Second)
			part(p.Pair.SecondPart)
		}
		part(p.Given)
	}
	part(m.Given)
	for _, p := range m.Numerator {
		part(p)
	}
}

func (c *Catalogue) compileMeasures(concepts map[string]*Concept, bad func(int, string, ...any)) {
	seen := map[string]bool{}
	c.daysAfter = 0
	for i, m := range c.Measures {
		if m == nil {
			bad(1, "measure %d is empty", i+1)
			continue
		}
		decodeProblems(m.decodeErrs, bad)
		w := fmt.Sprintf("measure %q", m.ID)
		if m.ID == "" || seen[m.ID] {
			bad(m.line, "%s: the id is missing or repeated", w)
		}
		seen[m.ID] = true
		if m.Title == "" || m.Source == "" {
			bad(m.line, "%s: title and source (where its logic comes from) are needed", w)
		}
		if m.screening = c.Find(m.Screening); m.screening == nil {
			bad(m.line, "%s: screening %q is not in the catalogue", w, m.Screening)
		} else {
			m.screening.measures = append(m.screening.measures, m.ID)
		}
		switch m.AgeAt {
		case "start", "end", "visit":
		default:
			bad(m.line, "%s: age_at %q is not start, end or visit", w, m.AgeAt)
		}
		checkAge(m.line, w+": min_age", m.MinAge, bad)
		checkAge(m.line, w+": max_age", m.MaxAge, bad)
		for _, g := range slices.Concat(m.Visits, m.PreventiveVisits) {
			if g != nil {
				g.compile(m.line, w+" visits", bad)
			}
		}
		if m.PerVisit && (len(m.Visits) == 0 || m.PoorControl != nil || m.AllParts) {
			bad(m.line, "%s: per_visit needs visits, and neither poor_control nor all_parts", w)
		}
		if m.VisitsNeeded < 0 || m.VisitsNeeded > 0 && len(m.Visits) == 0 {
			bad(m.line, "%s: visits_needed %d needs visits to count", w, m.VisitsNeeded)
		}
		if m.Given != nil {
			m.Given.compile(w+" given", bad)
		}
		if oi := m.OnlyIndicator; oi != nil {
			oi.rule = nil
			for _, r := range m.Requires {
				if r != nil && r.ID == oi.Rule {
					oi.rule = r
				}
			}
			if oi.rule == nil || oi.Title == "" || oi.Days < 0 || len(oi.Then) == 0 {
				bad(m.line, "%s: only_indicator needs a title, then, days of 0 or more and rule naming one of requires (%q)", w, oi.Rule)
			}
			for _, g := range oi.Then {
				if g != nil {
					g.compile(m.line, w+" only_indicator", bad)
				}
			}
		}
		for _, r := range m.Requires {
			compileRule(r, m.line, w+" requires", bad)
			setWindow(r, "year", w, bad)
		}
		for _, r := range m.OwnExclusions {
			compileRule(r, m.line, w+" exclusion", bad)
			setWindow(r, "", w, bad)
		}
		m.excl = m.excl[:0]
		for _, id := range m.Exclusions {
			switch {
			case concepts[id] != nil:
				m.excl = append(m.excl, measureExclusion{concept: concepts[id]})
			case m.screening != nil && m.screening.exclusion(id) != nil:
				m.excl = append(m.excl, measureExclusion{rule: m.screening.exclusion(id)})
			default:
				bad(m.line, "%s: exclusion %q is neither an exclusion concept nor one of screening %q's exclusions", w, id, m.Screening)
			}
		}
		for _, r := range m.OwnExclusions {
			m.excl = append(m.excl, measureExclusion{rule: r})
		}
		if len(m.Numerator) == 0 {
			bad(m.line, "%s: no numerator", w)
		}
		if f := m.PoorControl; f != nil {
			decodeProblems(f.decodeErrs, bad)
		}
		for _, p := range m.Numerator {
			if p == nil {
				bad(m.line, "%s: an empty numerator part", w)
				continue
			}
			p.compile(w, bad)
			for q := p; q != nil; q = q.Given {
				c.daysAfter = max(c.daysAfter, int32(q.VisitDaysAfter))
			}
		}
	}
}

func (p *MeasurePart) compile(where string, bad func(int, string, ...any)) {
	decodeProblems(p.decodeErrs, bad)
	w := fmt.Sprintf("%s part %q", where, p.ID)
	if p.Title == "" {
		bad(p.line, "%s: a title is needed (what the sheet says)", w)
	}
	switch {
	case p.VisitDays != nil:
		if p.From != "" {
			bad(p.line, "%s: from and visit_days together", w)
		}
	case p.From == "none":
		p.noFrom = true
	default:
		f, err := ParsePeriod(p.From)
		if err != nil {
			bad(p.line, "%s: from: %v (P0D is the reporting year itself)", w, err)
		}
		p.from = f
	}
	p.mask = resourceMask(p.Resources, p.line, w, bad)
	switch p.Effective {
	case "", "during", "start":
	default:
		bad(p.line, "%s: effective %q is not during or start (absent: the end of the effective period)", w, p.Effective)
	}
	if p.Latest && len(p.Values) == 0 {
		bad(p.line, "%s: latest judges the newest reading's value: values are needed", w)
	}
	if p.Given != nil {
		p.Given.compile(w+" given", bad)
	}
	if p.VisitDaysAfter < 0 || p.VisitDaysAfter > 0 && p.VisitDays == nil || p.VisitDaysAfter > 31 {
		bad(p.line, "%s: visit_days_after needs visit_days and 0 to 31 days", w)
	}
	for _, a := range p.ByAge {
		if a == nil {
			continue
		}
		checkAge(p.line, w+": by_age min_age", a.MinAge, bad)
		checkAge(p.line, w+": by_age max_age", a.MaxAge, bad)
		a.groups = a.groups[:0]
		for _, name := range a.Groups {
			i := slices.IndexFunc(slices.Concat(p.Evidence, p.FollowUp), func(g *Group) bool { return g != nil && g.Name == name })
			if i < 0 {
				bad(p.line, "%s: by_age names group %q, which is not one of the part's evidence or follow-up groups", w, name)
				continue
			}
			a.groups = append(a.groups, slices.Concat(p.Evidence, p.FollowUp)[i])
		}
	}
	if bp := p.BloodPressure; bp != nil {
		bp.compile(p, w, bad)
	}
	if rg := p.Range; rg != nil {
		rg.compile(p, w, bad)
	}
	for _, tg := range p.ByTool {
		if tg == nil {
			continue
		}
		tg.tool, tg.groups = nil, tg.groups[:0]
		if p.Given != nil {
			if i := slices.IndexFunc(p.Given.Evidence, func(g *Group) bool { return g != nil && g.Name == tg.Tool }); i >= 0 {
				tg.tool = p.Given.Evidence[i]
			}
		}
		if tg.tool == nil {
			bad(p.line, "%s: by_tool names tool %q, which is not one of the given part's evidence groups", w, tg.Tool)
		}
		own := slices.Concat(p.Evidence, p.FollowUp)
		for _, name := range tg.Groups {
			i := slices.IndexFunc(own, func(g *Group) bool { return g != nil && g.Name == name })
			if i < 0 {
				bad(p.line, "%s: by_tool names group %q, which is not one of the part's evidence or follow-up groups", w, name)
				continue
			}
			tg.groups = append(tg.groups, own[i])
		}
	}
	if len(p.Evidence) == 0 && p.Pair == nil {
		bad(p.line, "%s: no evidence", w)
	}
	gs := slices.Concat(p.Evidence, p.Values, p.QuantityOr, p.Unless, p.FollowUp)
	if p.Pair != nil {
		if p.Pair.Days < 0 || len(p.Pair.First) == 0 || (len(p.Pair.Second) == 0) == (p.Pair.SecondPart == nil) {
			bad(p.line, "%s: pair needs first, one of second and second_part, and days of 0 or more", w)
		}
		if p.Pair.SecondPart != nil {
			p.Pair.SecondPart.compile(w+" pair", bad)
		}
		gs = slices.Concat(gs, p.Pair.First, p.Pair.Second)
	}
	for _, g := range gs {
		if g == nil {
			bad(p.line, "%s: an empty group", w)
			continue
		}
		g.compile(p.line, w, bad)
	}
}

// exclusion returns the screening's own exclusion rule with that id.
func (s *Screening) exclusion(id string) *Rule {
	for _, r := range s.Exclusions {
		if r != nil && r.ID == id {
			return r
		}
	}
	return nil
}

func (bp *BloodPressure) compile(p *MeasurePart, w string, bad func(int, string, ...any)) {
	w += " blood_pressure"
	if bp.Systolic == "" || bp.Diastolic == "" || len(bp.Categories) == 0 || p.VisitDays == nil || *p.VisitDays != 0 {
		bad(p.line, "%s: systolic, diastolic and categories are needed, and the part's visit_days: 0", w)
	}
	pr, err := ParsePeriod(bp.PriorWithin)
	if err != nil {
		bad(p.line, "%s: prior_within: %v", w, err)
	}
	bp.prior = pr
	find := func(names []string) []*Group { return p.followUpGroups(names, w, bad) }
	bp.declined, bp.notDone = find(bp.Declined), find(bp.NotDone)
	for _, c := range bp.Categories {
		if c == nil || c.ID == "" || c.Title == "" {
			bad(p.line, "%s: a category needs an id and a title", w)
			continue
		}
		switch c.Prior {
		case "", "yes", "no":
		default:
			bad(p.line, "%s category %q: prior %q is not yes, no or empty", w, c.ID, c.Prior)
		}
		for _, combo := range c.FollowUps {
			if len(combo) == 0 {
				bad(p.line, "%s category %q: an empty follow-up combination", w, c.ID)
			}
			for _, n := range combo {
				if n == nil || n.Title == "" || len(n.Groups) == 0 || n.When != "visit" && n.When != "year" {
					bad(p.line, "%s category %q: each follow-up needs a title, groups and when (visit or year)", w, c.ID)
					continue
				}
				n.groups, n.reasons = find(n.Groups), find(n.Reasons)
			}
		}
	}
}
