// Parsing catalogue YAML strictly, with each problem at its line.

package screening

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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

// DefaultYAML returns the embedded catalogue's text, for export.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// Parse reads and validates a catalogue. On any problem it returns a
// *ValidationError naming every problem and its line; the caller keeps its
// last good catalogue.
func Parse(b []byte) (*Catalogue, error) {
	c, probs := decodeYAML(b)
	if c == nil {
		return nil, newValidationError(probs)
	}
	probs = append(probs, c.compile()...)
	if len(probs) > 0 {
		return nil, newValidationError(probs)
	}
	return c, nil
}

// decodeYAML reads a catalogue's YAML into its parts, as written, before
// compile checks them. A nil catalogue means nothing more can be checked.
func decodeYAML(b []byte) (*Catalogue, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		// Not YAML at all: nothing more can be checked.
		return nil, []Problem{syntaxProblem(b, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, []Problem{{Line: 1, Message: "the catalogue is empty"}}
	}
	var probs []Problem
	if noAnchors(doc.Content[0], &probs); len(probs) > 0 {
		// Refused before decoding: each part decodes with a fresh decoder,
		// so the library's guard against alias bombs would not hold.
		return nil, probs
	}
	var c Catalogue
	type catalogueFields Catalogue // named for decoder messages (problems.go)
	var line int
	var errs []string
	if err := decodeStrict(doc.Content[0], (*catalogueFields)(&c), &line, &errs); err != nil {
		return nil, []Problem{yamlProblem(err.Error())}
	}
	for _, m := range errs {
		probs = append(probs, yamlProblem(m))
	}
	return &c, probs
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
