package screening

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML decoder speaks of Go types ("field titel not found in type
// screening.screeningFields"). A practice manager editing the catalogue
// needs the field's place and the fields that are allowed instead.

var (
	reYAMLLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	reNoField  = regexp.MustCompile(`^field (.+) not found in type screening\.(\w+)$`)
	reBadType  = regexp.MustCompile("^(?:(\\w+): )?cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
)

// The decoder's names for the catalogue's parts, with the words for them.
var parts = map[string]struct {
	what string
	t    reflect.Type
}{
	"Catalogue":       {"the catalogue", reflect.TypeFor[Catalogue]()},
	"screeningFields": {"a screening", reflect.TypeFor[Screening]()},
	"modalityFields":  {"a modality", reflect.TypeFor[Modality]()},
	"ruleFields":      {"a trigger or exclusion", reflect.TypeFor[Rule]()},
	"conceptFields":   {"a shared exclusion", reflect.TypeFor[Concept]()},
	"valueFlagFields": {"a result flag", reflect.TypeFor[ValueFlag]()},
	"formerFields":    {"a former-status rule", reflect.TypeFor[FormerRule]()},
	"amountFields":    {"an amount rule", reflect.TypeFor[AmountRule]()},
	"modifierFields":  {"a modifier", reflect.TypeFor[Modifier]()},
	"groupFields":     {"an evidence group", reflect.TypeFor[Group]()},
	"AgeBand":         {"an interval_by_age band", reflect.TypeFor[AgeBand]()},
}

var kinds = map[string]string{"seq": "a list", "map": "a mapping", "str": "text", "int": "a number", "float": "a number", "bool": "true/false", "null": "nothing"}

// syntaxProblem is yamlProblem for text that is not YAML at all, at the line
// where it goes wrong. yaml.v3 names the line where the enclosing block
// began ("line 35: did not find expected key" for an unclosed bracket on
// line 41), which sends a manager to the wrong place. The first line whose
// prefix of the text no longer parses is the culprit: found by halving,
// with the same parser, so no second YAML dialect can disagree.
func syntaxProblem(src []byte, err error) Problem {
	p := yamlProblem(err.Error())
	lines := bytes.SplitAfter(src, []byte("\n"))
	fails := func(n int) bool {
		var doc yaml.Node
		return yaml.Unmarshal(bytes.Join(lines[:n], nil), &doc) != nil
	}
	lo, hi := max(p.Line-1, 0), len(lines) // lines[:lo] parses; lines[:hi] does not
	if lo >= hi || fails(lo) || !fails(hi) {
		return p
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	p.Line = hi
	return p
}

// yamlProblem turns one decoder message into a Problem in plain words.
func yamlProblem(msg string) Problem {
	msg = strings.TrimPrefix(msg, "yaml: ")
	p := Problem{Line: 1, Message: msg}
	if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = m[2]
	}
	if m := reNoField.FindStringSubmatch(p.Message); m != nil {
		if part, ok := parts[m[2]]; ok {
			p.Message = fmt.Sprintf("unknown field %q in %s (check the spelling; allowed: %s)", m[1], part.what, strings.Join(fieldNames(part.t), ", "))
		} else {
			p.Message = fmt.Sprintf("unknown field %q", m[1])
		}
		return p
	}
	if m := reBadType.FindStringSubmatch(p.Message); m != nil {
		field, kind, value, want := m[1], m[2], m[3], expected(m[4])
		if value != "" {
			p.Message = fmt.Sprintf("%q is not %s", value, want)
		} else {
			p.Message = fmt.Sprintf("expected %s here, found %s", want, kinds[kind])
		}
		if field != "" {
			p.Message = field + ": " + p.Message
		}
	}
	if p.Message == "document is empty" || msg == "EOF" {
		p.Message = "the catalogue is empty"
	}
	return p
}

func expected(goType string) string {
	t := strings.TrimPrefix(goType, "*")
	switch {
	case t == "int":
		return "a whole number"
	case t == "float64":
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "text"
	case strings.HasPrefix(t, "map[string][]string"):
		return "a mapping of code system to a list of codes"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping of field: value lines"
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" && f.IsExported() {
			out = append(out, tag)
		}
	}
	return out
}
