package screening

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/screening/valuesets"
	"go.yaml.in/yaml/v3"
)

// referenceValueSets reads the project's reference copy of the value sets
// (shared/reference/ecqm/valuesets.yaml, found beside the checkout). It is
// not part of the repository: without it the test is skipped, except in CI
// (CI=true), where its absence is a failure.
func referenceValueSets(t *testing.T) map[string]*valuesets.ValueSet {
	t.Helper()
	var tried []string
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "shared", "reference", "ecqm", "valuesets.yaml")
		tried = append(tried, p)
		if b, err := os.ReadFile(p); err == nil {
			vs, _, err := valuesets.Parse(b)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			x := filepath.Join(filepath.Dir(p), "exclusions.yaml")
			b, err := os.ReadFile(x)
			if err != nil {
				t.Fatalf("the reference exclusions are missing beside the value sets: %v", err)
			}
			for oid, v := range referenceExclusionValueSets(t, b) {
				if _, ok := vs[oid]; !ok {
					vs[oid] = v
				}
			}
			return vs
		}
		dir = filepath.Dir(dir)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the reference value sets are missing (CI=true requires them); looked in:\n  %s", strings.Join(tried, "\n  "))
	}
	t.Skip("shared/reference/ecqm/valuesets.yaml not found beside the checkout")
	return nil
}

// referenceExclusionValueSets reads the value sets of exclusions.yaml's
// concepts (each code listed with its system).
func referenceExclusionValueSets(t *testing.T, b []byte) map[string]*valuesets.ValueSet {
	var doc struct {
		Concepts []struct {
			ValueSets []struct {
				OID, Title, Version, Expansion string
				Total                          int `yaml:"expansion_total"`
				Count                          int `yaml:"code_count"`
				Codes                          []struct{ System, Code string }
			} `yaml:"value_sets"`
		}
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("exclusions.yaml: %v", err)
	}
	out := map[string]*valuesets.ValueSet{}
	for _, c := range doc.Concepts {
		for _, v := range c.ValueSets {
			vs := &valuesets.ValueSet{OID: v.OID, Title: v.Title, Version: v.Version, Codes: map[string][]string{}}
			if v.Expansion != "complete" {
				vs.Expansion = fmt.Sprintf("partial: %d of %d", v.Count, v.Total)
			}
			for _, x := range v.Codes {
				uri := valuesets.Systems[x.System]
				if uri == "" {
					t.Fatalf("exclusions.yaml: value set %s: unknown system %s", v.OID, x.System)
				}
				if !slices.Contains(vs.Codes[uri], x.Code) {
					vs.Codes[uri] = append(vs.Codes[uri], x.Code)
				}
			}
			for uri := range vs.Codes {
				slices.Sort(vs.Codes[uri])
			}
			out[v.OID] = vs
		}
	}
	return out
}

// missingCodes lists the codes of vs that g does not carry.
func missingCodes(g *Group, vs *valuesets.ValueSet) []string {
	var out []string
	for sys, codes := range vs.Codes {
		for _, c := range codes {
			if !slices.Contains(g.all[sys], c) {
				out = append(out, sys+"|"+c)
			}
		}
	}
	slices.Sort(out)
	return out
}

var reOID = regexp.MustCompile(`2\.16\.840\.1\.[0-9.]*[0-9]`)

func eachGroup(c *Catalogue, f func(where string, g *Group)) {
	var rule func(where string, r *Rule)
	rule = func(where string, r *Rule) {
		for _, g := range r.Evidence {
			f(where+"/"+r.ID, g)
		}
		for _, p := range r.AllOf {
			rule(where+"/"+r.ID, p)
		}
	}
	for _, s := range c.Screenings {
		for _, m := range s.Modalities {
			for _, g := range m.Evidence {
				f(s.ID+"/"+m.ID, g)
			}
		}
		for _, r := range s.Triggers {
			rule(s.ID+"/trigger", r)
		}
		for _, r := range s.Exclusions {
			rule(s.ID+"/exclusion", r)
		}
		for _, md := range s.Modifiers {
			for _, g := range md.Evidence {
				f(s.ID+"/"+md.When, g)
			}
		}
	}
}

// Every code group that names a value set carries the whole published
// expansion: a diabetic charted in SNOMED CT is as diabetic as one charted
// in ICD-10-CM.
func TestGroupsCarryTheirWholeValueSet(t *testing.T) {
	ref := referenceValueSets(t)
	c := Default()
	named := 0
	eachGroup(c, func(where string, g *Group) {
		if g.ValueSet != "" {
			named++
			vs, ok := ref[g.ValueSet]
			if !ok {
				t.Errorf("%s: group %q names value set %s, which the reference does not hold", where, g.Name, g.ValueSet)
				return
			}
			if miss := missingCodes(g, vs); len(miss) > 0 {
				t.Errorf("%s: group %q lacks %d codes of %s %q (e.g. %s)", where, g.Name, len(miss), vs.OID, vs.Title, miss[0])
			}
			return
		}
		// A group that only mentions a published value set must say it
		// takes part of it on purpose ("member of", "subset of").
		for _, oid := range reOID.FindAllString(g.Source, -1) {
			if _, ok := ref[oid]; ok && !strings.Contains(g.Source, "member of") && !strings.Contains(g.Source, "subset of") {
				t.Errorf("%s: group %q names value set %s in its source but does not carry it (value_set: %s)", where, g.Name, oid, oid)
			}
		}
	})
	if named < 40 {
		t.Fatalf("only %d groups name a value set", named)
	}
	// The check itself catches a missing code.
	g := &Group{Name: "Diabetes", ValueSet: "2.16.840.1.113883.3.464.1003.103.12.1001", Codes: map[string][]string{"icd10cm": {"E11.9"}}}
	g.all = map[string][]string{sysICD10CM: {"E11.9"}}
	if miss := missingCodes(g, ref[g.ValueSet]); !slices.Contains(miss, "http://snomed.info/sct|44054006") {
		t.Fatalf("a group without SNOMED 44054006 passed: %v", miss[:min(3, len(miss))])
	}
}

// The embedded copy is the reference, code for code.
func TestEmbeddedValueSetsMatchTheReference(t *testing.T) {
	ref := referenceValueSets(t)
	emb, src := valuesets.Embedded()
	if src.Repository == "" || src.Commit == "" {
		t.Fatal("the embedded value sets do not name their source")
	}
	if len(emb) != len(ref) || len(emb) < 120 {
		t.Fatalf("%d embedded value sets, %d in the reference", len(emb), len(ref))
	}
	for oid, r := range ref {
		e, ok := emb[oid]
		if !ok {
			t.Errorf("value set %s %q is not embedded", oid, r.Title)
			continue
		}
		if e.Version != r.Version || e.Expansion != r.Expansion {
			t.Errorf("value set %s: embedded version %s (%s), reference %s (%s)", oid, e.Version, e.Expansion, r.Version, r.Expansion)
		}
		for sys, codes := range r.Codes {
			if !slices.Equal(e.Codes[sys], codes) {
				t.Errorf("value set %s: the %s codes differ from the reference", oid, sys)
			}
		}
	}
}

// Codes counted beyond the value sets are data with their reason.
func TestAdditionsSayWhy(t *testing.T) {
	eachGroup(Default(), func(where string, g *Group) {
		if g.Review && strings.TrimSpace(g.Reason) == "" {
			t.Errorf("%s: group %q is counted with a check but gives no reason", where, g.Name)
		}
	})
}

// A diabetic charted only in SNOMED CT is excluded from prediabetes
// screening; the same for the other condition groups that had one half.
func TestSNOMEDCodedConditions(t *testing.T) {
	c := Default()
	p := person("female", bornAged(50, v))
	bmi := with(item("Observation", loinc, "39156-5", day("2026-05-01")), func(it *record.Item) { it.Value = &record.Quantity{Value: 31, Unit: "kg/m2"} })
	cases := []struct {
		screening, code string
		sex             string
	}{
		{"prediabetes_t2d", "44054006", "female"}, // type 2 diabetes
		{"depression", "13746004", "female"},      // bipolar disorder
		{"hiv", "86406008", "female"},             // HIV infection
		{"hcv", "128302006", "male"},              // chronic hepatitis C
	}
	for _, tc := range cases {
		t.Run(tc.screening, func(t *testing.T) {
			p.Sex = tc.sex
			rec := chart(p, bmi, item("Condition", sct, tc.code, day("2020-03-01")))
			check(t, result(t, c, rec, v, tc.screening), Excluded)
		})
	}
}
