// Package screening holds the screening catalogue (data: YAML with a default
// embedded in the binary) and the rules engine, a pure function from a
// patient's record, a catalogue and a visit date to one result per enabled
// screening. Nothing here does I/O.
package screening

import (
	_ "embed"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/healthprep/desk/internal/screening/valuesets"
)

//go:embed catalogue.yaml
var defaultYAML []byte

// Code systems a catalogue may name, by alias or URI.
var systems = map[string]string{
	"loinc": "http://loinc.org", "cpt": "http://www.ama-assn.org/go/cpt", "sct": "http://snomed.info/sct",
	"snomed": "http://snomed.info/sct", "cvx": "http://hl7.org/fhir/sid/cvx",
	"hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
	"icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10", "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
}

const sysICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

// knownResources are the FHIR types evidence can come from; a type's
// position is its bit in a resource mask. EHRs record the same fact as
// different types (a Pap smear as an Observation, a DiagnosticReport or a
// Procedure; a test ordered and then marked completed as a ServiceRequest).
var knownResources = []string{"Observation", "Procedure", "Immunization", "DiagnosticReport", "DocumentReference", "Condition", "Encounter", "ServiceRequest", "MedicationRequest", "DeviceRequest"}

// Catalogue is a parsed, validated catalogue, ready to evaluate.
type Catalogue struct {
	Version       string `yaml:"version"`
	GeneratedFrom string `yaml:"generated_from,omitempty"`
	SeasonStart   string `yaml:"season_start,omitempty"` // MM-DD; default 08-01
	// Exclusions are exclusion concepts shared by the screenings that name
	// them (hospice, palliative care), each with its own window.
	Exclusions []*Concept   `yaml:"exclusions,omitempty"`
	Screenings []*Screening `yaml:"screenings"`
	// Measures are the quality measures (eCQMs) the screenings correspond
	// to, for the sheet's measure view (measure.go).
	Measures []*Measure `yaml:"measures,omitempty"`
	// DocumentText finds evidence in documents' text (doctext.go).
	DocumentText *DocumentText `yaml:"document_text,omitempty"`

	seasonMonth, seasonDay int
	hasKeywords            bool
	daysAfter              int32 // the most days after the visit a measure part reads (visit_days_after)
	enabled                int
	idx                    index
	midx                   index // idx plus the measures' groups
	// off has bit n set for exclusion concept n switched off by the
	// practice's settings (WithExclusionsOff), over the catalogue's own.
	off uint64
}

// ExclusionConcept describes an exclusion concept for the practice's
// settings: its id, what the sheet says ("in hospice care") and whether
// the catalogue has it on.
type ExclusionConcept struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	On    bool   `json:"on"`
}

// ExclusionConcepts lists the catalogue's exclusion concepts, in order.
func (c *Catalogue) ExclusionConcepts() []ExclusionConcept {
	out := make([]ExclusionConcept, 0, len(c.Exclusions))
	for i, x := range c.Exclusions {
		out = append(out, ExclusionConcept{ID: x.ID, Title: x.Title, On: x.On() && c.off&(1<<i) == 0})
	}
	return out
}

// WithExclusionsOff returns the catalogue with the exclusion concepts
// named in ids switched off for every screening (a practice's settings;
// the measure view still applies the measures' own exclusions). The
// catalogue itself is unchanged; an unknown id is an error.
func (c *Catalogue) WithExclusionsOff(ids []string) (*Catalogue, error) {
	if len(ids) == 0 {
		return c, nil
	}
	cp := *c
	for _, id := range ids {
		i := slices.IndexFunc(c.Exclusions, func(x *Concept) bool { return x.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("the catalogue has no exclusion %q", id)
		}
		cp.off |= 1 << i
	}
	return &cp, nil
}

// excludes reports whether exclusion concept x applies with this
// catalogue's switches.
func (c *Catalogue) excludes(x *Concept) bool { return x.On() && c.off&(1<<x.n) == 0 }

// Screening is one preventive screening or vaccine.
type Screening struct {
	ID      string   `yaml:"id"`
	Title   string   `yaml:"title"`
	Short   string   `yaml:"short,omitempty"` // a word or two for Today's rows ("Mammogram"); else the title
	Sexes   []string `yaml:"sexes"`
	MinAge  int      `yaml:"min_age"`
	MaxAge  *int     `yaml:"max_age,omitempty"`
	DueSoon string   `yaml:"due_soon"`
	// Enabled is the practice's switch; absent means on. Switched-off
	// screenings are left out of results altogether.
	Enabled      *bool       `yaml:"enabled,omitempty"`
	ManualReview string      `yaml:"manual_review,omitempty"`
	Triggers     []*Rule     `yaml:"triggers,omitempty"`
	Modalities   []*Modality `yaml:"modalities"`
	Exclusions   []*Rule     `yaml:"exclusions,omitempty"`
	Modifiers    []*Modifier `yaml:"modifiers,omitempty"`
	// SharedExclusions name the catalogue's exclusion concepts that apply
	// (checked after the screening's own exclusions).
	SharedExclusions []string `yaml:"shared_exclusions,omitempty"`
	// Related are codes for the same kind of care that do not meet the
	// screening (PCV13 for the adult pneumococcal series): never counted,
	// but named on the sheet with the group's reason, so a patient who has
	// them is not told "nothing on record".
	Related []*Group `yaml:"related,omitempty"`

	line       int
	decodeErrs []string
	dueSoon    Period
	anySex     bool // for female and male alike: sex need not be known
	shared     []*Concept
	measures   []string // the eCQMs it corresponds to (CMS125)
	measure    string   // measures joined, for results
}

// Concept is an exclusion shared by screenings, as the quality measures
// define it: any one of its rules, within its window. Enabled false
// switches it off for every screening (a practice's choice).
type Concept struct {
	ID     string `yaml:"id"`
	Title  string `yaml:"title"` // for the sheet: "in hospice care"
	Source string `yaml:"source,omitempty"`
	// Window: "year" is the measurement year of the visit (January 1 to
	// the visit day): a record counts when it overlaps it (a condition
	// while it lasts, an encounter or procedure over its period); "any"
	// (or none) is any time up to the visit.
	Window string `yaml:"window,omitempty"`
	// MinAge: the concept applies only from this age at the END of the
	// visit's measurement year (CMS: "66 or older at the end of the MP").
	MinAge  int     `yaml:"min_age,omitempty"`
	Enabled *bool   `yaml:"enabled,omitempty"`
	Rules   []*Rule `yaml:"rules"`

	line       int
	decodeErrs []string
	n          int // position in the catalogue's exclusions
}

// On reports whether the practice has the concept switched on.
func (x *Concept) On() bool { return x.Enabled == nil || *x.Enabled }

func (x *Concept) UnmarshalYAML(n *yaml.Node) error {
	type conceptFields Concept
	return decodeStrict(n, (*conceptFields)(x), &x.line, &x.decodeErrs)
}

// On reports whether the practice has the screening switched on.
func (s *Screening) On() bool { return s.Enabled == nil || *s.Enabled }

// Modality is one way to satisfy a screening (colonoscopy, FIT, ...).
type Modality struct {
	ID       string `yaml:"id"`
	Title    string `yaml:"title,omitempty"`
	Interval string `yaml:"interval"` // ISO 8601, once, season or series
	// IntervalReview marks a default interval no guideline fixes.
	IntervalReview bool `yaml:"interval_review,omitempty"`
	Doses          int  `yaml:"doses,omitempty"`
	// MinGap is the least time between counted doses of a series, or
	// between the steps of a sequence (PPSV23 at least a year after PCV15).
	MinGap string `yaml:"min_gap,omitempty"`
	AllOf  bool   `yaml:"all_of,omitempty"` // every evidence group must be met (eGFR and uACR)
	// Sequence: every evidence group must be met, in order, each at least
	// MinGap after the one before.
	Sequence bool `yaml:"sequence,omitempty"`
	// MinAge and MaxAge bound the patient's age on the evidence date (an
	// HPV test counts only from 30).
	MinAge        int       `yaml:"min_age,omitempty"`
	MaxAge        int       `yaml:"max_age,omitempty"`
	IntervalByAge []AgeBand `yaml:"interval_by_age,omitempty"`
	Resources     []string  `yaml:"resources"`
	Keywords      []string  `yaml:"keywords,omitempty"` // whole words in document/report titles
	Note          string    `yaml:"note,omitempty"`
	// RequireValue: a lab result (Observation) counts only with a result
	// value; one "performed" with nothing reported is not a test done
	// (the measures' "value present"). Reports and procedures need none.
	RequireValue bool `yaml:"require_value,omitempty"`
	// Flag marks a done test whose newest reading is out of range: the
	// screening is done but needs attention (HbA1c above 9 %). Flags are
	// more such rules (systolic, diastolic); the first that fires wins.
	Flag  *ValueFlag   `yaml:"flag,omitempty"`
	Flags []*ValueFlag `yaml:"flags,omitempty"`
	// MeasureWindow: evidence dated d also counts through the end of the
	// year d + MeasureWindow falls in, when that is later than its
	// interval (the quality measure's window: CMS125 counts a mammogram
	// from October 1 two years back for the whole year, P1Y3M; CMS131 an
	// eye exam in the year before, P1Y). WindowUnless: not for a patient
	// with one of these conditions active (diabetic retinopathy).
	MeasureWindow string   `yaml:"measure_window,omitempty"`
	WindowUnless  []*Group `yaml:"window_unless,omitempty"`
	// Pairs: in an all_of modality, two tests within Days of each other
	// stand for the evidence group named StandsFor (urine albumin and
	// urine creatinine for a urine albumin-creatinine ratio, CMS951).
	Pairs    []*Pair  `yaml:"pairs,omitempty"`
	Evidence []*Group `yaml:"evidence"`

	line       int
	decodeErrs []string
	kind       intervalKind
	interval   Period
	window     Period
	minGap     Period
	mask       uint16   // resource types, 0 = any
	keywords   []string // lower-cased
	name       string   // for results
	allFlags   []*ValueFlag
}

// ValueFlag is a result rule: the newest reading (the lowest of that day,
// as CMS122 takes it) out of range, in Unit, is flagged with Label. Out
// of range is above Above, or, when AtLeast or Below is given, at least
// AtLeast or below Below (a BMI of 25 or more, or under 18.5).
// Component reads that component (a LOINC code) of a panel, or the
// reading itself when it is coded so (systolic blood pressure). FollowUp:
// a record of one of these groups from the reading's day to the visit (an
// order, a referral, a procedure, a prescription) clears the flag, as the
// measures count a documented follow-up (CMS69, CMS22).
type ValueFlag struct {
	Label     string   `yaml:"label"`
	Above     float64  `yaml:"above,omitempty"`
	AtLeast   *float64 `yaml:"at_least,omitempty"`
	Below     *float64 `yaml:"below,omitempty"`
	Unit      string   `yaml:"unit,omitempty"`
	Component string   `yaml:"component,omitempty"`
	FollowUp  []*Group `yaml:"follow_up,omitempty"`
	Source    string   `yaml:"source,omitempty"`

	line       int
	decodeErrs []string
}

// flags lists the modality's result rules, Flag first.
func (m *Modality) flags() []*ValueFlag {
	var fs []*ValueFlag
	if m.Flag != nil {
		fs = append(fs, m.Flag)
	}
	for _, f := range m.Flags {
		if f != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// outside reports whether v is out of the flag's range.
func (f *ValueFlag) outside(v float64) bool {
	if f.AtLeast == nil && f.Below == nil {
		return v > f.Above
	}
	return f.AtLeast != nil && v >= *f.AtLeast || f.Below != nil && v < *f.Below
}

// Thresholds are read strictly: a misspelt "above" must not become 0.
func (f *ValueFlag) UnmarshalYAML(n *yaml.Node) error {
	type valueFlagFields ValueFlag
	return decodeStrict(n, (*valueFlagFields)(f), &f.line, &f.decodeErrs)
}

func (f *FormerRule) UnmarshalYAML(n *yaml.Node) error {
	type formerFields FormerRule
	return decodeStrict(n, (*formerFields)(f), &f.line, &f.decodeErrs)
}

func (a *AmountRule) UnmarshalYAML(n *yaml.Node) error {
	type amountFields AmountRule
	return decodeStrict(n, (*amountFields)(a), &a.line, &a.decodeErrs)
}

// AgeBand overrides a modality's interval for an age range.
type AgeBand struct {
	MinAge   int    `yaml:"min_age"`
	MaxAge   int    `yaml:"max_age,omitempty"`
	Interval string `yaml:"interval"`
	period   Period
}

// Rule is a trigger or an exclusion: evidence that makes a screening apply
// or not. AllOf rules need every part (left and right mastectomy).
type Rule struct {
	ID string `yaml:"id"`
	// Title names what the rule looks for, for the sheet ("diabetes", "a
	// BMI of 25 or more"); the first group's name when absent.
	Title       string   `yaml:"title,omitempty"`
	Resources   []string `yaml:"resources,omitempty"`
	MinValue    *float64 `yaml:"min_value,omitempty"`    // a numeric threshold (BMI >= 25)
	MatchValues bool     `yaml:"match_values,omitempty"` // codes may sit in Observation values (tobacco user)
	Evidence    []*Group `yaml:"evidence,omitempty"`
	// Values: a record of Evidence (by its code) counts only when its
	// coded value is in one of these: the answer to a question (CMS153:
	// LOINC 64728-9 answered Yes).
	Values []*Group `yaml:"values,omitempty"`
	// OpenOrders: an order placed and still open (an active ServiceRequest
	// with an order intent) counts, as the measures' "active or completed"
	// orders do (CMS153's lab orders, Hospice's hospice care order).
	OpenOrders bool `yaml:"open_orders,omitempty"`
	// RequestStatuses narrows the statuses a request (MedicationRequest,
	// ServiceRequest, DeviceRequest) of the rule counts with; other
	// resources are not affected (AdvancedIllnessandFrailty: a dementia
	// medication order counts only while active, not completed).
	RequestStatuses []string `yaml:"request_statuses,omitempty"`
	AllOf           []*Rule  `yaml:"all_of,omitempty"`
	// A status rule (smoking) is decided by the newest record across
	// resource types, not by any record ever: NotWhenNewer is evidence that
	// the fact no longer holds (a later "never smoker"); Former is evidence
	// that it held and ended (ex-smoker), which still applies while the end
	// is within Former.Within; Amount is a quantity whose newest record
	// must reach Amount.Min (pack-years).
	NotWhenNewer []*Group `yaml:"not_when_newer,omitempty"`
	// Window limits a shared exclusion's rule to records overlapping a
	// period: "year" is January 1 of the visit's year to the visit,
	// "two_years" from January 1 of the year before; absent, the
	// concept's window. Onset: a condition counts by when it began in the
	// window, not by lasting into it (CMS "advanced illness").
	Window string `yaml:"window,omitempty"`
	Onset  bool   `yaml:"onset,omitempty"`
	// OnsetOverlaps: with Onset, an onset period counts when it overlaps
	// the window, not only when it starts in it (measures.md's "onset
	// overlaps the MP": CMS131's diabetes, CMS153's diagnoses, CMS69's
	// pregnancy; advanced illness counts by its start).
	OnsetOverlaps bool `yaml:"onset_overlaps,omitempty"`
	window        string
	Former        *FormerRule `yaml:"former,omitempty"`
	Amount        *AmountRule `yaml:"amount,omitempty"`

	// Category limits conditions to one list, where a measure reads only
	// one: "problem-list-item" or "encounter-diagnosis" (measures.md).
	Category string `yaml:"category,omitempty"`

	line       int
	decodeErrs []string
	mask       uint16
}

// FormerRule: a fact that ended (quit smoking) still counts while its end
// is within Within of the visit. The end is the onset of a "former" finding
// coded on a Condition, or the abatement of a Condition from the rule's
// evidence; an Observation says the status but not when it changed.
type FormerRule struct {
	Within   string   `yaml:"within"`
	Evidence []*Group `yaml:"evidence"`

	within     Period
	line       int
	decodeErrs []string
}

// AmountRule: the newest numeric record of Evidence must be at least Min
// (in Unit, for the sheet).
type AmountRule struct {
	Name     string   `yaml:"name"`
	Min      float64  `yaml:"min"`
	Unit     string   `yaml:"unit,omitempty"`
	Evidence []*Group `yaml:"evidence"`

	line       int
	decodeErrs []string
}

// setWindow gives a shared exclusion's rule (and its parts) its window.
func setWindow(r *Rule, inherited, where string, bad func(int, string, ...any)) {
	if r == nil {
		return
	}
	r.window = inherited
	switch r.Window {
	case "":
	case "year", "two_years", "before_year", "onset_before_year", "before_visit", "by_visit":
		r.window = r.Window
	case "any":
		r.window = ""
	default:
		bad(r.line, "%s rule %q: window %q is not one this version knows (year, two_years, before_year, onset_before_year, before_visit, by_visit or any)", where, r.ID, r.Window)
	}
	for _, p := range r.AllOf {
		setWindow(p, r.window, where, bad)
	}
}

func (r *Rule) status() bool { return len(r.NotWhenNewer) > 0 || r.Former != nil || r.Amount != nil }

// groups lists every group of a rule (not of its all_of parts).
func (r *Rule) groups() []*Group {
	gs := slices.Clone(r.Evidence)
	gs = append(gs, r.Values...)
	gs = append(gs, r.NotWhenNewer...)
	if r.Former != nil {
		gs = append(gs, r.Former.Evidence...)
	}
	if r.Amount != nil {
		gs = append(gs, r.Amount.Evidence...)
	}
	return gs
}

// Modifier is a risk-group variant: for patients with an active condition
// it replaces the screening's interval, title or age bounds, e.g.
// hypertension: blood pressure yearly at any age; diabetes: hepatitis B
// vaccine past 59. The first modifier that applies wins.
type Modifier struct {
	When     string `yaml:"when"`
	Interval string `yaml:"interval,omitempty"`
	Title    string `yaml:"title,omitempty"`
	MinAge   *int   `yaml:"min_age,omitempty"`
	MaxAge   *int   `yaml:"max_age,omitempty"`
	NoMaxAge bool   `yaml:"no_max_age,omitempty"` // lift the upper age bound
	// Review marks a variant no guideline fixes; results it decides say "check".
	Review   bool     `yaml:"review,omitempty"`
	Evidence []*Group `yaml:"evidence"`

	line       int
	decodeErrs []string
	interval   Period
}

// Group is a set of codes for one fact, usually one value set.
type Group struct {
	Name string `yaml:"name"`
	// ValueSet is the OID of an eCQM value set embedded in the binary
	// (package valuesets): the group carries its whole expansion, plus any
	// codes listed under Codes.
	ValueSet string `yaml:"value_set,omitempty"`
	Source   string `yaml:"source,omitempty"`
	// Review marks codes found in no value set examined: they count, and the
	// results they decide say "check". Reason says why they are listed
	// (an older code for the same test, a code a known EHR uses, ...).
	Review bool   `yaml:"review,omitempty"`
	Reason string `yaml:"reason,omitempty"`
	// Laterality (left or right) counts a code only with that side on
	// record (bodySite): an "unspecified side" mastectomy on the left.
	Laterality string              `yaml:"laterality,omitempty"`
	Codes      map[string][]string `yaml:"codes,omitempty"`

	line       int
	decodeErrs []string
	n          int32               // position in the index
	all        map[string][]string // Codes plus the value set's expansion
	vs         *valuesets.ValueSet
}

type intervalKind int

const (
	everyPeriod intervalKind = iota
	once
	season
	series
)

// Marshal writes the catalogue as YAML (without the comments of the text it
// came from; export the original text to keep those).
func (c *Catalogue) Marshal() ([]byte, error) { return yaml.Marshal(c) }

// Find returns the screening with id, or nil.
func (c *Catalogue) Find(id string) *Screening {
	for _, s := range c.Screenings {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Enabled returns the screenings switched on, in catalogue order: the
// screenings Evaluate returns results for.
func (c *Catalogue) Enabled() []*Screening {
	var out []*Screening
	for _, s := range c.Screenings {
		if s.On() {
			out = append(out, s)
		}
	}
	return out
}
