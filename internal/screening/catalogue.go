// Package screening holds the screening catalogue (data: YAML with a default
// embedded in the binary) and the rules engine, a pure function from a
// patient's record, a catalogue and a visit date to one result per enabled
// screening. Nothing here does I/O.
package screening

import (
	_ "embed"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/healthprep/desk/internal/record"
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
	AllOf       []*Rule  `yaml:"all_of,omitempty"`
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
	window string
	Former *FormerRule `yaml:"former,omitempty"`
	Amount *AmountRule `yaml:"amount,omitempty"`

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
	case "year", "two_years", "before_year":
		r.window = r.Window
	case "any":
		r.window = ""
	default:
		bad(r.line, "%s rule %q: window %q is not one this version knows (year, two_years, before_year or any)", where, r.ID, r.Window)
	}
	for _, p := range r.AllOf {
		setWindow(p, r.window, where, bad)
	}
}

func (r *Rule) status() bool { return len(r.NotWhenNewer) > 0 || r.Former != nil || r.Amount != nil }

// groups lists every group of a rule (not of its all_of parts).
func (r *Rule) groups() []*Group {
	gs := slices.Clone(r.Evidence)
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

// Each part records its line, so validation messages point into the file,
// and the fields it does not know or cannot read: the decoder's KnownFields
// does not reach inside custom unmarshalers, and a part that failed to
// decode would vanish from its list (leaving "no modalities" instead of the
// real problem). compile reports them with the rest.
func (s *Screening) UnmarshalYAML(n *yaml.Node) error {
	type screeningFields Screening // named for decoder messages (problems.go)
	return decodeStrict(n, (*screeningFields)(s), &s.line, &s.decodeErrs)
}

func (m *Modality) UnmarshalYAML(n *yaml.Node) error {
	type modalityFields Modality
	return decodeStrict(n, (*modalityFields)(m), &m.line, &m.decodeErrs)
}

func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type ruleFields Rule
	return decodeStrict(n, (*ruleFields)(r), &r.line, &r.decodeErrs)
}

func (m *Modifier) UnmarshalYAML(n *yaml.Node) error {
	type modifierFields Modifier
	return decodeStrict(n, (*modifierFields)(m), &m.line, &m.decodeErrs)
}

func (g *Group) UnmarshalYAML(n *yaml.Node) error {
	type groupFields Group
	return decodeStrict(n, (*groupFields)(g), &g.line, &g.decodeErrs)
}

func decodeStrict(n *yaml.Node, v any, line *int, errs *[]string) error {
	*line = n.Line
	if n.Kind == yaml.MappingNode {
		t := reflect.TypeOf(v).Elem()
		known := fieldNames(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(known, k.Value) {
				*errs = append(*errs, fmt.Sprintf("line %d: field %s not found in type %s", k.Line, k.Value, t))
			}
		}
	}
	if err := n.Decode(v); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		for _, msg := range te.Errors {
			*errs = append(*errs, nameField(n, msg))
		}
	}
	return nil
}

// nameField puts the field's name in a decoder message about its line.
func nameField(n *yaml.Node, msg string) string {
	m := reYAMLLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; strconv.Itoa(k.Line) == m[1] {
			return "line " + m[1] + ": " + k.Value + ": " + m[2]
		}
	}
	return msg
}

func decodeProblems(errs []string, bad func(int, string, ...any)) {
	for _, m := range errs {
		p := yamlProblem(m)
		bad(p.Line, "%s", p.Message)
	}
}

// Problem is one validation message. Line is 1-based; 0 means the problem
// is not tied to a line (an edit naming a screening that does not exist).
type Problem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// ValidationError lists every problem found, each with its line.
type ValidationError struct {
	// Problems are the messages as "line N: message", sorted by line.
	Problems []string
	list     []Problem
}

func newValidationError(ps []Problem) *ValidationError {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	e := &ValidationError{list: ps}
	for _, p := range ps {
		e.Problems = append(e.Problems, p.String())
	}
	return e
}

func (e *ValidationError) Error() string {
	return "the catalogue has problems:\n  " + strings.Join(e.Problems, "\n  ")
}

// List returns the problems with their lines, for the catalogue editor.
func (e *ValidationError) List() []Problem { return slices.Clone(e.list) }

// ErrInvalid is matched by errors.Is for any validation failure.
var ErrInvalid = errors.New("invalid catalogue")

// Is lets errors.Is(err, ErrInvalid) find a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Default returns the embedded default catalogue.
func Default() *Catalogue {
	c, err := Parse(defaultYAML)
	if err != nil {
		panic("screening: the embedded catalogue is invalid: " + err.Error())
	}
	return c
}

// DefaultYAML returns the embedded catalogue's text, for export.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// Parse reads and validates a catalogue. On any problem it returns a
// *ValidationError naming every problem and its line; the caller keeps its
// last good catalogue.
func Parse(b []byte) (*Catalogue, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		// Not YAML at all: nothing more can be checked.
		return nil, newValidationError([]Problem{syntaxProblem(b, err)})
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, newValidationError([]Problem{{Line: 1, Message: "the catalogue is empty"}})
	}
	var probs []Problem
	if noAnchors(doc.Content[0], &probs); len(probs) > 0 {
		// Refused before decoding: each part decodes with a fresh decoder,
		// so the library's guard against alias bombs would not hold.
		return nil, newValidationError(probs)
	}
	var c Catalogue
	type catalogueFields Catalogue // named for decoder messages (problems.go)
	var line int
	var errs []string
	if err := decodeStrict(doc.Content[0], (*catalogueFields)(&c), &line, &errs); err != nil {
		return nil, newValidationError([]Problem{yamlProblem(err.Error())})
	}
	for _, m := range errs {
		probs = append(probs, yamlProblem(m))
	}
	probs = append(probs, c.compile()...)
	if len(probs) > 0 {
		return nil, newValidationError(probs)
	}
	return &c, nil
}

// noAnchors refuses YAML anchors and aliases (&name, *name): a catalogue a
// practice edits should say each thing where it applies, and the YAML
// library does not write every aliased form back the way it read it.
func noAnchors(n *yaml.Node, probs *[]Problem) {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		*probs = append(*probs, Problem{Line: n.Line, Message: "anchors and aliases (&name, *name) are not supported in a catalogue: write the values out"})
		return
	}
	for _, c := range n.Content {
		noAnchors(c, probs)
	}
}

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
