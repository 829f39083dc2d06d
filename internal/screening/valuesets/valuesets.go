// Package valuesets holds the published expansions of the eCQM value sets
// the screening catalogue names (OID, version, codes per system), embedded
// so a catalogue group can say "value_set: <OID>" and carry every code of it
// with no file beside the binary. valuesets.yaml is a verbatim copy of the
// project's reference (shared/reference/ecqm/valuesets.yaml, taken from
// cqframework/dqm-content-cms-2025 at the commit named in its meta);
// exclusions.yaml holds the value sets of the exclusion concepts
// (shared/reference/ecqm/exclusions.yaml) in the same format. Tests in the
// screening package fail when either drifts from its reference.
package valuesets

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"
)

//go:embed valuesets.yaml
var data []byte

//go:embed exclusions.yaml
var exclusionData []byte

// Systems maps the short names the data uses to FHIR code system URIs.
var Systems = map[string]string{
	"SNOMED":   "http://snomed.info/sct",
	"ICD10CM":  "http://hl7.org/fhir/sid/icd-10-cm",
	"ICD10PCS": "http://www.cms.gov/Medicare/Coding/ICD10",
	"LOINC":    "http://loinc.org",
	"CPT":      "http://www.ama-assn.org/go/cpt",
	"HCPCS":    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
	"CVX":      "http://hl7.org/fhir/sid/cvx",
	"RXNORM":   "http://www.nlm.nih.gov/research/umls/rxnorm",
	"CDT":      "http://www.ada.org/cdt",
}

// ValueSet is one value set's expansion.
type ValueSet struct {
	OID     string `yaml:"oid"`
	Title   string `yaml:"title"`
	Version string `yaml:"version"`
	// Expansion is empty for a complete expansion, or says how much of it
	// the published data holds ("partial: 1000 of 4615"): a result decided
	// by such a value set must say so.
	Expansion string `yaml:"expansion,omitempty"`
	// Codes by FHIR system URI, as published (sorted).
	Codes map[string][]string `yaml:"-"`
	Raw   map[string][]string `yaml:"codes" json:"-"` // as the YAML has them; not in valuesets.json
}

// Partial reports whether the published expansion is incomplete.
func (v *ValueSet) Partial() bool { return v.Expansion != "" && v.Expansion != "complete" }

// Source is where the data came from.
type Source struct {
	Repository string   `yaml:"source_repository"`
	Commit     string   `yaml:"commit"`
	NotInRepo  []string `yaml:"not_in_repo"` // OIDs named but not published there
}

type file struct {
	Meta      Source      `yaml:"meta"`
	ValueSets []*ValueSet `yaml:"value_sets"`
}

//go:generate go run gen.go

// compiled is valuesets.yaml and exclusions.yaml as load returns them,
// written by gen.go: the YAML stays the reviewed source.
//
//go:embed valuesets.json
var compiled []byte

// load decodes the compiled JSON (a few ms), not the YAML (tens of ms at
// every start of the agent and the CLI).
var load = sync.OnceValues(func() (*set, error) {
	var c compiledSet
	if err := json.Unmarshal(compiled, &c); err != nil {
		return nil, fmt.Errorf("value sets: %w", err)
	}
	s := &set{src: c.Source, byID: make(map[string]*ValueSet, len(c.ByID))}
	for oid, v := range c.ByID {
		vs := &ValueSet{OID: v.OID, Title: v.Title, Version: v.Version, Expansion: v.Expansion, Codes: make(map[string][]string, len(v.Codes))}
		for uri, codes := range v.Codes {
			vs.Codes[uri] = strings.Fields(codes) // substrings of the one string
		}
		s.byID[oid] = vs
	}
	return s, nil
})

// compiledSet is valuesets.json's form, compact: a value set's codes of
// one system are one space-separated string, split at load into
// substrings of it. One string per code was 14,000 allocations and most
// of decoding the file.
type compiledSet struct {
	Source Source                 `json:"source"`
	ByID   map[string]*compiledVS `json:"byId"`
}

type compiledVS struct {
	OID, Title, Version, Expansion string
	Codes                          map[string]string // by system URI
}

// fromYAML reads the two YAML files as the package did before
// valuesets.json: the value sets, then the exclusions' sets not among them.
func fromYAML() (*set, error) {
	s, err := parse(data)
	if err != nil {
		return nil, err
	}
	x, err := parse(exclusionData)
	if err != nil {
		return nil, err
	}
	for oid, v := range x.byID {
		if _, ok := s.byID[oid]; !ok {
			s.byID[oid] = v
		}
	}
	return s, nil
}

// CompiledFromYAML is valuesets.json as the YAML files make it (gen.go).
func CompiledFromYAML() ([]byte, error) {
	s, err := fromYAML()
	if err != nil {
		return nil, err
	}
	c := compiledSet{Source: s.src, ByID: map[string]*compiledVS{}}
	for oid, v := range s.byID {
		cv := &compiledVS{OID: v.OID, Title: v.Title, Version: v.Version, Expansion: v.Expansion, Codes: map[string]string{}}
		for uri, codes := range v.Codes {
			for _, code := range codes {
				if code == "" || strings.ContainsFunc(code, unicode.IsSpace) {
					return nil, fmt.Errorf("value set %s: code %q is empty or has a space", oid, code)
				}
			}
			cv.Codes[uri] = strings.Join(codes, " ")
		}
		c.ByID[oid] = cv
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type set struct {
	src  Source
	byID map[string]*ValueSet
}

// Parse reads value sets in the embedded data's format (the reference file
// itself, for the drift test).
func Parse(b []byte) (map[string]*ValueSet, Source, error) {
	s, err := parse(b)
	if err != nil {
		return nil, Source{}, err
	}
	return s.byID, s.src, nil
}

func parse(b []byte) (*set, error) {
	var f file
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("value sets: %w", err)
	}
	s := &set{src: f.Meta, byID: map[string]*ValueSet{}}
	for _, v := range f.ValueSets {
		v.Codes = map[string][]string{}
		for short, codes := range v.Raw {
			uri, ok := Systems[short]
			if !ok {
				return nil, fmt.Errorf("value set %s: unknown code system %s", v.OID, short)
			}
			v.Codes[uri] = append(v.Codes[uri], codes...)
			sort.Strings(v.Codes[uri])
		}
		s.byID[v.OID] = v
	}
	return s, nil
}

// Lookup returns the embedded value set with the OID.
func Lookup(oid string) (*ValueSet, bool) {
	s, err := load()
	if err != nil {
		panic("valuesets: the embedded data is unreadable: " + err.Error())
	}
	v, ok := s.byID[oid]
	return v, ok
}

// Embedded returns every embedded value set by OID, and their source.
func Embedded() (map[string]*ValueSet, Source) {
	s, err := load()
	if err != nil {
		panic("valuesets: the embedded data is unreadable: " + err.Error())
	}
	return s.byID, s.src
}
