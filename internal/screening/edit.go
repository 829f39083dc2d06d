package screening

import (
	"bytes"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// ScreeningSummary is one screening's settings for the catalogue editor.
// Its JSON has the fields of the agent API's CatalogueScreening, and more.
type ScreeningSummary struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Enabled bool     `json:"enabled"`
	Sexes   []string `json:"sexes"`
	MinAge  int      `json:"minAge"`
	MaxAge  *int     `json:"maxAge,omitempty"` // absent: no upper bound
	DueSoon string   `json:"dueSoon"`          // ISO 8601 duration, e.g. P60D
	// Modalities are the ways to meet the screening, with their intervals.
	Modalities []ModalitySummary `json:"modalities"`
	// Review is true when any code group, interval or variant of the
	// screening is flagged for review ("check" in the editor).
	Review bool `json:"review"`
	// ReviewGroups names the code groups no value set examined confirms.
	ReviewGroups []string `json:"reviewGroups,omitempty"`
	// ManualReview is what the clinician must confirm before the screening
	// is due (e.g. smoking history for lung cancer screening).
	ManualReview string           `json:"manualReview,omitempty"`
	Triggers     []string         `json:"triggers,omitempty"`   // rule ids: applies only with one on record
	Exclusions   []string         `json:"exclusions,omitempty"` // rule ids
	Variants     []VariantSummary `json:"variants,omitempty"`
	Line         int              `json:"line"` // where the screening starts in the YAML
}

// ModalitySummary is one way to meet a screening.
type ModalitySummary struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Interval string `json:"interval"` // ISO 8601 duration, or once, season, series
	Doses    int    `json:"doses,omitempty"`
	// IntervalReview: no guideline fixes this interval.
	IntervalReview bool `json:"intervalReview,omitempty"`
	// Review: some of its codes are in no value set examined.
	Review   bool     `json:"review,omitempty"`
	Keywords []string `json:"keywords,omitempty"`
}

// VariantSummary is a risk-group modifier.
type VariantSummary struct {
	When     string `json:"when"`
	Interval string `json:"interval,omitempty"`
	Title    string `json:"title,omitempty"`
	MinAge   *int   `json:"minAge,omitempty"`
	MaxAge   *int   `json:"maxAge,omitempty"`
	NoMaxAge bool   `json:"noMaxAge,omitempty"`
	Review   bool   `json:"review,omitempty"`
}

// Summary describes every screening (enabled or not) for the editor.
func (c *Catalogue) Summary() []ScreeningSummary {
	out := make([]ScreeningSummary, 0, len(c.Screenings))
	for _, s := range c.Screenings {
		ss := ScreeningSummary{ID: s.ID, Title: s.Title, Enabled: s.On(), Sexes: s.Sexes, MinAge: s.MinAge, MaxAge: s.MaxAge,
			DueSoon: s.DueSoon, ManualReview: s.ManualReview, Modalities: []ModalitySummary{}, Line: s.line}
		for _, m := range s.Modalities {
			ms := ModalitySummary{ID: m.ID, Title: m.name, Interval: m.Interval, Doses: m.Doses, IntervalReview: m.IntervalReview, Keywords: m.Keywords}
			for _, g := range m.Evidence {
				if g.Review {
					ms.Review = true
					ss.ReviewGroups = append(ss.ReviewGroups, g.Name)
				}
			}
			ss.Review = ss.Review || ms.Review || ms.IntervalReview
			ss.Modalities = append(ss.Modalities, ms)
		}
		for _, r := range s.Triggers {
			ss.Triggers = append(ss.Triggers, r.ID)
		}
		for _, r := range s.Exclusions {
			ss.Exclusions = append(ss.Exclusions, r.ID)
			for _, g := range ruleGroups(r) {
				if g.Review {
					ss.Review = true
					ss.ReviewGroups = append(ss.ReviewGroups, g.Name)
				}
			}
		}
		for _, x := range s.shared {
			if x.On() {
				ss.Exclusions = append(ss.Exclusions, x.ID) // a shared concept, by its id
			}
		}
		for _, md := range s.Modifiers {
			ss.Variants = append(ss.Variants, VariantSummary{When: md.When, Interval: md.Interval, Title: md.Title,
				MinAge: md.MinAge, MaxAge: md.MaxAge, NoMaxAge: md.NoMaxAge, Review: md.Review})
			ss.Review = ss.Review || md.Review
		}
		out = append(out, ss)
	}
	return out
}

func ruleGroups(r *Rule) []*Group {
	gs := r.groups()
	for _, p := range r.AllOf {
		gs = append(gs[:len(gs):len(gs)], ruleGroups(p)...)
	}
	return gs
}

// Edit changes one screening's settings; nil fields stay as they are. With
// Modality set, Interval applies to that modality (it may be left out when
// the screening has only one). The fields and JSON match the agent API's
// CatalogueEdit, so one converts to the other.
type Edit struct {
	Screening   string  `json:"screening"`
	Enabled     *bool   `json:"enabled,omitempty"`
	MinAge      *int    `json:"minAge,omitempty"`
	MaxAge      *int    `json:"maxAge,omitempty"`
	ClearMaxAge bool    `json:"clearMaxAge,omitempty"` // no upper age bound
	DueSoon     *string `json:"dueSoon,omitempty"`
	Modality    string  `json:"modality,omitempty"`
	Interval    *string `json:"interval,omitempty"`
}

// ApplyEdits applies edits to a catalogue's YAML text and validates the
// result. It edits the YAML node tree, so comments, order, sources and
// quoting survive; only the edited values change (the embedded default is
// kept in the encoder's layout, so its diffs are the edited lines alone).
// On any problem it returns a *ValidationError and no catalogue: problems
// with a line refer to the edited text, which comes back too so they can be
// shown in place (it must not be saved); line 0 marks an edit that names
// nothing. Each message also names its screening.
func ApplyEdits(src []byte, edits []Edit) ([]byte, *Catalogue, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, nil, newValidationError([]Problem{yamlProblem(err.Error())})
	}
	var list *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		list, _ = mapGet(doc.Content[0], "screenings")
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, nil, newValidationError([]Problem{{Line: 1, Message: "the catalogue has no screenings list to edit"}})
	}
	var probs []Problem
	for _, ed := range edits {
		probs = append(probs, applyEdit(list, ed)...)
	}
	if len(probs) > 0 {
		return nil, nil, newValidationError(probs)
	}
	out, err := encodeYAML(&doc)
	if err != nil {
		return nil, nil, err
	}
	c, err := Parse(out)
	if err != nil {
		return out, nil, err
	}
	return out, c, nil
}

func applyEdit(list *yaml.Node, ed Edit) []Problem {
	s := findByID(list, ed.Screening)
	if s == nil {
		return []Problem{{Message: fmt.Sprintf("there is no screening %q", ed.Screening)}}
	}
	at := func(f string, a ...any) []Problem {
		return []Problem{{Line: s.Line, Message: fmt.Sprintf("screening %q: ", ed.Screening) + fmt.Sprintf(f, a...)}}
	}
	if ed.MaxAge != nil && ed.ClearMaxAge {
		return at("give a max_age or clear it, not both")
	}
	if ed.Enabled != nil {
		mapSet(s, "enabled", scalar("!!bool", strconv.FormatBool(*ed.Enabled)), "manual_review", "due_soon")
	}
	if ed.MinAge != nil {
		mapSet(s, "min_age", scalar("!!int", strconv.Itoa(*ed.MinAge)), "sexes")
	}
	if ed.MaxAge != nil {
		mapSet(s, "max_age", scalar("!!int", strconv.Itoa(*ed.MaxAge)), "min_age", "sexes")
	}
	if ed.ClearMaxAge {
		mapDelete(s, "max_age")
	}
	if ed.DueSoon != nil {
		mapSet(s, "due_soon", scalar("!!str", *ed.DueSoon), "max_age", "min_age")
	}
	if ed.Interval == nil {
		if ed.Modality != "" {
			return at("modality %q is named but no interval is given", ed.Modality)
		}
		return nil
	}
	mods, _ := mapGet(s, "modalities")
	if mods == nil || mods.Kind != yaml.SequenceNode {
		return at("has no modalities")
	}
	var m *yaml.Node
	switch {
	case ed.Modality != "":
		if m = findByID(mods, ed.Modality); m == nil {
			return at("has no modality %q", ed.Modality)
		}
	case len(mods.Content) == 1:
		m = resolve(mods.Content[0])
	default:
		return at("has %d modalities: name the one whose interval changes", len(mods.Content))
	}
	mapSet(m, "interval", scalar("!!str", *ed.Interval), "title", "id")
	return nil
}

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// findByID returns the mapping in a sequence whose id is id.
func findByID(seq *yaml.Node, id string) *yaml.Node {
	for _, n := range seq.Content {
		n = resolve(n)
		if v, _ := mapGet(n, "id"); v != nil && v.Value == id {
			return n
		}
	}
	return nil
}

// mapGet returns a mapping's value for key and the key's position.
func mapGet(m *yaml.Node, key string) (*yaml.Node, int) {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1]), i
		}
	}
	return nil, -1
}

// mapSet sets key to v, in place when the key exists (keeping its
// comments), else right after the first of after that exists, else last.
func mapSet(m *yaml.Node, key string, v *yaml.Node, after ...string) {
	if _, i := mapGet(m, key); i >= 0 {
		old := m.Content[i+1]
		v.LineComment, v.HeadComment, v.FootComment = old.LineComment, old.HeadComment, old.FootComment
		m.Content[i+1] = v
		return
	}
	pos := len(m.Content)
	for _, a := range after {
		if _, i := mapGet(m, a); i >= 0 {
			pos = i + 2
			break
		}
	}
	k := scalar("!!str", key)
	m.Content = append(m.Content[:pos], append([]*yaml.Node{k, v}, m.Content[pos:]...)...)
}

func mapDelete(m *yaml.Node, key string) {
	if _, i := mapGet(m, key); i >= 0 {
		m.Content = append(m.Content[:i], m.Content[i+2:]...)
	}
}

// encodeYAML writes a node tree in the layout the embedded default uses.
func encodeYAML(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("the edited catalogue could not be written: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("the edited catalogue could not be written: %w", err)
	}
	return b.Bytes(), nil
}
