// The default catalogue as generated JSON: what a fresh start loads.

package screening

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

//go:generate go run gencatalogue.go

// defaultCompact is catalogue.yaml decoded into its parts (before
// compile) and written as JSON by gencatalogue.go. Default reads it
// instead of the YAML: the YAML parse and its strict decoding were about
// 20 ms of CPU at every start of the agent and the CLI; decoding the JSON
// is a few. The YAML stays the reviewed source, the text a practice
// exports and edits, and what a practice's own catalogue is parsed from
// (with its lines in the problems). TestCompactMatchesTheYAML fails when
// this file is stale.
//
//go:embed catalogue.json
var defaultCompact []byte

// Default returns the embedded default catalogue.
func Default() *Catalogue {
	c, err := loadCompact(defaultCompact)
	if err != nil {
		panic("screening: the embedded catalogue is invalid: " + err.Error())
	}
	return c
}

// compactForm is catalogue.json's form: the catalogue's parts (their
// exported fields) and the one YAML line the catalogue keeps beyond its
// problems: where each screening starts, for the editor (Summary).
type compactForm struct {
	ScreeningLines []int      `json:"screeningLines"`
	Catalogue      *Catalogue `json:"catalogue"`
}

// loadCompact decodes a catalogue written by CompactFromYAML and compiles
// it, as Parse compiles the YAML's parts.
func loadCompact(b []byte) (*Catalogue, error) {
	var f compactForm
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	c := f.Catalogue
	if c == nil || len(f.ScreeningLines) != len(c.Screenings) {
		return nil, errors.New("catalogue.json is not in the form this version writes")
	}
	for i, s := range c.Screenings {
		if s != nil {
			s.line = f.ScreeningLines[i]
		}
	}
	if probs := c.compile(); len(probs) > 0 {
		return nil, newValidationError(probs)
	}
	return c, nil
}

// CompactFromYAML is catalogue.json as the embedded catalogue.yaml makes
// it (gencatalogue.go); it refuses a catalogue.yaml that does not
// validate.
func CompactFromYAML() ([]byte, error) {
	if _, err := Parse(defaultYAML); err != nil {
		return nil, err
	}
	c, probs := decodeYAML(defaultYAML)
	if c == nil || len(probs) > 0 {
		return nil, errors.New("catalogue.yaml does not decode")
	}
	f := compactForm{Catalogue: c}
	for _, s := range c.Screenings {
		f.ScreeningLines = append(f.ScreeningLines, s.line)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(withoutZeros(reflect.ValueOf(f))); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// withoutZeros is v for encoding/json with the struct fields at their
// zero value left out (most of every part), which decoding into a fresh
// catalogue gives back: half the bytes, half the decoding time. A nil
// pointer is left out, a pointer to a zero value (enabled: false,
// visit_days: 0) is kept, as is an empty list.
func withoutZeros(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return withoutZeros(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			if f.IsExported() && !v.Field(i).IsZero() {
				m[name] = withoutZeros(v.Field(i))
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = withoutZeros(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[it.Key().String()] = withoutZeros(it.Value())
		}
		return m
	}
	return v.Interface()
}
