// Package screening holds the screening catalogue (data: YAML with a default
// embedded in the binary) and the rules engine, a pure function from a
// patient's record, a catalogue and a visit date to one result per
// screening. Nothing here does I/O.
package screening

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed catalogue.yaml
var defaultYAML []byte

// Code systems a catalogue may name, by alias or URI.
var systems = map[string]string{
	"loinc": "http://loinc.org", "cpt": "http://www.ama-assn.org/go/cpt", "sct": "http://snomed.info/sct",
	"snomed": "http://snomed.info/sct", "cvx": "http://hl7.org/fhir/sid/cvx",
	"hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
	"icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10",
}

var knownResources = []string{"Observation", "Procedure", "Immunization", "DiagnosticReport", "DocumentReference", "Condition", "Encounter"}

// Catalogue is a parsed, validated catalogue, ready to evaluate.
type Catalogue struct {
	Version       string       `yaml:"version"`
	GeneratedFrom string       `yaml:"generated_from,omitempty"`
	SeasonStart   string       `yaml:"season_start,omitempty"` // MM-DD; default 08-01
	Screenings    []*Screening `yaml:"screenings"`

	seasonMonth, seasonDay int
	idx                    index
}

// Screening is one preventive screening or vaccine.
type Screening struct {
	ID           string      `yaml:"id"`
	Title        string      `yaml:"title"`
	Sexes        []string    `yaml:"sexes"`
	MinAge       int         `yaml:"min_age"`
	MaxAge       *int        `yaml:"max_age,omitempty"`
	DueSoon      string      `yaml:"due_soon"`
	Enabled      *bool       `yaml:"enabled,omitempty"`
	ManualReview string      `yaml:"manual_review,omitempty"`
	Triggers     []*Rule     `yaml:"triggers,omitempty"`
	Modalities   []*Modality `yaml:"modalities"`
	Exclusions   []*Rule     `yaml:"exclusions,omitempty"`
	Modifiers    []*Modifier `yaml:"modifiers,omitempty"`

	line    int
	dueSoon Period
}

// On reports whether the practice has the screening switched on.
func (s *Screening) On() bool { return s.Enabled == nil || *s.Enabled }

// Modality is one way to satisfy a screening (colonoscopy, FIT, ...).
type Modality struct {
	ID            string    `yaml:"id"`
	Title         string    `yaml:"title,omitempty"`
	Interval      string    `yaml:"interval"` // ISO 8601, once, season or series
	Doses         int       `yaml:"doses,omitempty"`
	AllOf         bool      `yaml:"all_of,omitempty"` // every evidence group must be met (eGFR and uACR)
	MinAge        int       `yaml:"min_age,omitempty"`
	MaxAge        int       `yaml:"max_age,omitempty"`
	IntervalByAge []AgeBand `yaml:"interval_by_age,omitempty"`
	Resources     []string  `yaml:"resources"`
	Keywords      []string  `yaml:"keywords,omitempty"` // whole words in document/report titles
	Note          string    `yaml:"note,omitempty"`
	Evidence      []*Group  `yaml:"evidence"`

	line     int
	kind     intervalKind
	interval Period
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
	ID          string   `yaml:"id"`
	Resources   []string `yaml:"resources,omitempty"`
	MinValue    *float64 `yaml:"min_value,omitempty"`    // a numeric threshold (BMI >= 25)
	MatchValues bool     `yaml:"match_values,omitempty"` // codes may sit in Observation values (tobacco user)
	Evidence    []*Group `yaml:"evidence,omitempty"`
	AllOf       []*Rule  `yaml:"all_of,omitempty"`

	line int
}

// Modifier replaces a screening's interval (and title) for patients with a
// condition, e.g. hypertension: blood pressure yearly at any age.
type Modifier struct {
	When     string   `yaml:"when"`
	Interval string   `yaml:"interval"`
	Title    string   `yaml:"title,omitempty"`
	Review   bool     `yaml:"review,omitempty"`
	Evidence []*Group `yaml:"evidence"`

	line     int
	interval Period
}

// Group is a set of codes from one value set.
type Group struct {
	Name   string              `yaml:"name"`
	Source string              `yaml:"source,omitempty"`
	Review bool                `yaml:"review,omitempty"` // found in no value set examined: check before relying on it
	Codes  map[string][]string `yaml:"codes"`

	line     int
	exact    map[string]bool // system|code
	prefixes map[string][]string
}

type intervalKind int

const (
	everyPeriod intervalKind = iota
	once
	season
	series
)

// Lines let validation messages point into the file.
func (s *Screening) UnmarshalYAML(n *yaml.Node) error {
	type plain Screening
	s.line = n.Line
	return n.Decode((*plain)(s))
}

func (m *Modality) UnmarshalYAML(n *yaml.Node) error {
	type plain Modality
	m.line = n.Line
	return n.Decode((*plain)(m))
}

func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	r.line = n.Line
	return n.Decode((*plain)(r))
}

func (m *Modifier) UnmarshalYAML(n *yaml.Node) error {
	type plain Modifier
	m.line = n.Line
	return n.Decode((*plain)(m))
}

func (g *Group) UnmarshalYAML(n *yaml.Node) error {
	type plain Group
	g.line = n.Line
	return n.Decode((*plain)(g))
}

// ValidationError lists every problem found, each with its line.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	return "the catalogue has problems:\n  " + strings.Join(e.Problems, "\n  ")
}

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
	var c Catalogue
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &ValidationError{Problems: []string{strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Marshal writes the catalogue as YAML.
func (c *Catalogue) Marshal() ([]byte, error) { return yaml.Marshal(c) }

func (c *Catalogue) compile() error {
	var probs []string
	bad := func(line int, f string, a ...any) {
		probs = append(probs, fmt.Sprintf("line %d: %s", line, fmt.Sprintf(f, a...)))
	}
	if c.Version == "" {
		bad(1, "version is missing")
	}
	c.seasonMonth, c.seasonDay = 8, 1
	if c.SeasonStart != "" {
		if _, err := fmt.Sscanf(c.SeasonStart, "%d-%d", &c.seasonMonth, &c.seasonDay); err != nil || c.seasonMonth < 1 || c.seasonMonth > 12 || c.seasonDay < 1 || c.seasonDay > 31 {
			bad(1, "season_start %q is not MM-DD", c.SeasonStart)
		}
	}
	if len(c.Screenings) == 0 {
		bad(1, "no screenings")
	}
	seen := map[string]int{}
	for _, s := range c.Screenings {
		where := fmt.Sprintf("screening %q", s.ID)
		if s.ID == "" {
			bad(s.line, "a screening has no id")
		} else if first, dup := seen[s.ID]; dup {
			bad(s.line, "%s: duplicate id (first at line %d)", where, first)
		} else {
			seen[s.ID] = s.line
		}
		if s.Title == "" {
			bad(s.line, "%s: title is missing", where)
		}
		if len(s.Sexes) == 0 {
			bad(s.line, "%s: sexes is empty (use [female, male] for everyone)", where)
		}
		for _, sx := range s.Sexes {
			if !slices.Contains([]string{"female", "male", "other", "unknown"}, sx) {
				bad(s.line, "%s: sex %q is not a FHIR gender code", where, sx)
			}
		}
		if s.MinAge < 0 {
			bad(s.line, "%s: min_age %d is negative", where, s.MinAge)
		}
		if s.MaxAge != nil && *s.MaxAge < s.MinAge {
			bad(s.line, "%s: min_age %d is greater than max_age %d", where, s.MinAge, *s.MaxAge)
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
			bad(s.line, "%s: no modalities", where)
		}
		mids := map[string]bool{}
		for _, m := range s.Modalities {
			mw := fmt.Sprintf("%s modality %q", where, m.ID)
			if m.ID == "" || mids[m.ID] {
				bad(m.line, "%s: modality id missing or repeated", where)
			}
			mids[m.ID] = true
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
					bad(m.line, "%s: interval: %v (or once, season, series)", mw, err)
				case p.IsZero():
					bad(m.line, "%s: interval must be longer than zero", mw)
				}
				m.interval = p
			}
			for i := range m.IntervalByAge {
				p, err := ParsePeriod(m.IntervalByAge[i].Interval)
				if err != nil || p.IsZero() {
					bad(m.line, "%s: interval_by_age: bad interval %q", mw, m.IntervalByAge[i].Interval)
				}
				m.IntervalByAge[i].period = p
			}
			checkResources(m.Resources, m.line, mw, bad)
			if len(m.Evidence) == 0 && len(m.Keywords) == 0 {
				bad(m.line, "%s: no evidence codes or keywords", mw)
			}
			for _, g := range m.Evidence {
				g.compile(mw, bad)
			}
		}
		for _, r := range append(append([]*Rule{}, s.Triggers...), s.Exclusions...) {
			r.compile(where, bad)
		}
		for _, md := range s.Modifiers {
			p, err := ParsePeriod(md.Interval)
			if err != nil || p.IsZero() {
				bad(md.line, "%s modifier %q: bad interval %q", where, md.When, md.Interval)
			}
			md.interval = p
			for _, g := range md.Evidence {
				g.compile(where+" modifier "+md.When, bad)
			}
		}
	}
	if len(probs) == 0 {
		c.buildIndex()
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return lineOf(probs[i]) < lineOf(probs[j]) })
		return &ValidationError{Problems: probs}
	}
	return nil
}

func lineOf(p string) int {
	var n int
	fmt.Sscanf(p, "line %d:", &n)
	return n
}

func checkResources(rs []string, line int, where string, bad func(int, string, ...any)) {
	for _, r := range rs {
		if !slices.Contains(knownResources, r) {
			bad(line, "%s: unknown resource type %q", where, r)
		}
	}
}

func (r *Rule) compile(where string, bad func(int, string, ...any)) {
	w := fmt.Sprintf("%s rule %q", where, r.ID)
	if len(r.AllOf) > 0 {
		for _, p := range r.AllOf {
			p.compile(w, bad)
		}
		return
	}
	checkResources(r.Resources, r.line, w, bad)
	if len(r.Evidence) == 0 {
		bad(r.line, "%s: no evidence codes", w)
	}
	for _, g := range r.Evidence {
		g.compile(w, bad)
	}
}

func (g *Group) compile(where string, bad func(int, string, ...any)) {
	g.exact = map[string]bool{}
	g.prefixes = map[string][]string{}
	if len(g.Codes) == 0 {
		bad(g.line, "%s: group %q has no codes", where, g.Name)
	}
	norm := map[string][]string{}
	for sys, codes := range g.Codes {
		uri := sys
		if u, ok := systems[strings.ToLower(sys)]; ok {
			uri = u
		} else if !slices.Contains(mapsValues(systems), sys) {
			bad(g.line, "%s: unknown code system %q (use loinc, cpt, sct, cvx, hcpcs, icd10cm, icd10pcs or their URIs)", where, sys)
			continue
		}
		for _, code := range codes {
			code = strings.TrimSpace(code)
			switch {
			case code == "":
				bad(g.line, "%s: an empty code", where)
			case strings.HasSuffix(code, "*"):
				g.prefixes[uri] = append(g.prefixes[uri], strings.TrimSuffix(strings.TrimSuffix(code, "*"), "."))
			case uri == systems["icd10cm"] && len(code) == 3 && !strings.Contains(code, "."):
				// An ICD-10-CM category (C34) stands for every code under it.
				g.prefixes[uri] = append(g.prefixes[uri], code)
			default:
				g.exact[uri+"|"+code] = true
			}
			norm[uri] = append(norm[uri], code)
		}
	}
	g.Codes = norm
}

func mapsValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// match reports whether a coding is in the group.
func (g *Group) match(system, code string) bool {
	if g.exact[system+"|"+code] {
		return true
	}
	for _, p := range g.prefixes[system] {
		if code == p || strings.HasPrefix(code, p+".") || strings.HasPrefix(code, p) && len(p) > 3 {
			return true
		}
	}
	return false
}

// Find returns the screening with id, or nil.
func (c *Catalogue) Find(id string) *Screening {
	for _, s := range c.Screenings {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// ErrInvalid is matched by errors.Is for any validation failure.
var ErrInvalid = errors.New("invalid catalogue")

// Is lets errors.Is(err, ErrInvalid) find a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
