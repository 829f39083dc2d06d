package screening

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func ptr[T any](v T) *T { return &v }

// changedLines returns the lines only in a and the lines only in b, as
// multisets: what an edit removed and added.
func changedLines(a, b []byte) (removed, added []string) {
	count := map[string]int{}
	for _, l := range strings.Split(string(a), "\n") {
		count[l]++
	}
	for _, l := range strings.Split(string(b), "\n") {
		if count[l] > 0 {
			count[l]--
		} else {
			added = append(added, l)
		}
	}
	for l, n := range count {
		for range n {
			removed = append(removed, l)
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	return removed, added
}

func TestApplyEditsChangesOnlyTheEditedLines(t *testing.T) {
	src := DefaultYAML()
	edits := []Edit{
		{Screening: "colorectal_cancer", Enabled: ptr(false)},
		{Screening: "breast_cancer", MinAge: ptr(50), MaxAge: ptr(70)},
		{Screening: "hcv", ClearMaxAge: true},
		{Screening: "depression", DueSoon: ptr("P45D")},
		{Screening: "cervical_cancer", Modality: "cytology", Interval: ptr("P4Y")},
		{Screening: "falls_risk", Interval: ptr("P2Y")}, // its only modality
		{Screening: "prostate_psa", Enabled: ptr(true)},
	}
	out, c, err := ApplyEdits(src, edits)
	if err != nil {
		t.Fatal(err)
	}
	removed, added := changedLines(src, out)
	// (colorectal's new "enabled: false" and PSA's old one cancel out)
	wantRemoved := []string{"  max_age: 74", "  max_age: 79", "  min_age: 40", "  due_soon: P30D", "    interval: P3Y", "    interval: P1Y"}
	wantAdded := []string{"  enabled: true", "  min_age: 50", "  max_age: 70", "  due_soon: P45D", "    interval: P4Y", "    interval: P2Y"}
	slices.Sort(wantRemoved)
	slices.Sort(wantAdded)
	if !slices.Equal(removed, wantRemoved) || !slices.Equal(added, wantAdded) {
		t.Fatalf("edits changed more than their lines:\nremoved %q\nadded   %q", removed, added)
	}
	// Comments and sources survive.
	for _, keep := range []string{"# HealthPrep Desk default screening catalogue.", "# Modality ages are the age on the test date",
		"value_set: 2.16.840.1.113883.3.464.1003.108.12.1020", "review: true"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("the edit lost %q", keep)
		}
	}
	if c.Find("colorectal_cancer").On() || !c.Find("prostate_psa").On() || c.Find("breast_cancer").MinAge != 50 ||
		*c.Find("breast_cancer").MaxAge != 70 || c.Find("hcv").MaxAge != nil || c.Find("depression").DueSoon != "P45D" ||
		c.Find("cervical_cancer").Modalities[0].Interval != "P4Y" || c.Find("falls_risk").Modalities[0].Interval != "P2Y" {
		t.Fatal("the returned catalogue does not have the edits")
	}
	// The result is the practice's catalogue: the engine follows it.
	p := person("male", bornAged(60, v))
	ids := map[string]bool{}
	for _, r := range Evaluate(chart(p), c, v) {
		ids[r.ID] = true
	}
	if ids["colorectal_cancer"] || !ids["prostate_psa"] {
		t.Fatalf("results after the edit: %v", ids)
	}
	// Edits apply again to their own output (the editor's next save).
	again, _, err := ApplyEdits(out, []Edit{{Screening: "colorectal_cancer", Enabled: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if r, a := changedLines(out, again); len(r) != 1 || len(a) != 1 || a[0] != "  enabled: true" {
		t.Fatalf("second edit: removed %q added %q", r, a)
	}
}

func TestApplyEditsRefusesBadEdits(t *testing.T) {
	src := DefaultYAML()
	for _, c := range []struct {
		name  string
		edit  Edit
		line  bool
		words string
	}{
		{"unknown screening", Edit{Screening: "nope", Enabled: ptr(false)}, false, `there is no screening "nope"`},
		{"unknown modality", Edit{Screening: "colorectal_cancer", Modality: "x", Interval: ptr("P1Y")}, true, `has no modality "x"`},
		{"which modality", Edit{Screening: "colorectal_cancer", Interval: ptr("P1Y")}, true, "name the one"},
		{"modality without interval", Edit{Screening: "colorectal_cancer", Modality: "colonoscopy"}, true, "no interval"},
		{"negative interval", Edit{Screening: "colorectal_cancer", Modality: "colonoscopy", Interval: ptr("P-2Y")}, true, `"P-2Y" is negative`},
		{"not a duration", Edit{Screening: "colorectal_cancer", Modality: "colonoscopy", Interval: ptr("ten years")}, true, "not an ISO 8601 duration"},
		{"min over max", Edit{Screening: "colorectal_cancer", MinAge: ptr(80)}, true, "min_age 80 is greater than max_age 75"},
		{"negative age", Edit{Screening: "colorectal_cancer", MinAge: ptr(-1)}, true, "min_age -1 is not an age"},
		{"max and clear", Edit{Screening: "colorectal_cancer", MaxAge: ptr(70), ClearMaxAge: true}, true, "not both"},
		{"due soon too long", Edit{Screening: "diabetes_a1c", DueSoon: ptr("P1Y")}, true, "always be due soon"},
	} {
		out, cat, err := ApplyEdits(src, []Edit{c.edit})
		var ve *ValidationError
		if !errors.As(err, &ve) || cat != nil {
			t.Errorf("%s: err %v", c.name, err)
			continue
		}
		ps := ve.List()
		if len(ps) == 0 || !strings.Contains(ps[0].Message, c.words) || (ps[0].Line > 0) != c.line || !strings.Contains(ps[0].Message, c.edit.Screening) {
			t.Errorf("%s: problems %+v, want %q with a line: %v", c.name, ps, c.words, c.line)
		}
		if ps[0].Line > 0 && out != nil {
			// The line points into the edited text, at the screening.
			lines := strings.Split(string(out), "\n")
			start := slices.Index(lines, "- id: "+c.edit.Screening)
			end := start + 1
			for end < len(lines) && !strings.HasPrefix(lines[end], "- id: ") {
				end++
			}
			if ps[0].Line-1 < start || ps[0].Line-1 >= end {
				t.Errorf("%s: line %d is not in screening %s (lines %d-%d)", c.name, ps[0].Line, c.edit.Screening, start+1, end)
			}
		}
	}
	if _, _, err := ApplyEdits([]byte("version: [\n"), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("broken YAML: %v", err)
	}
}

func TestSummaryForTheEditor(t *testing.T) {
	c := Default()
	sum := c.Summary()
	if len(sum) != len(c.Screenings) {
		t.Fatalf("%d summaries for %d screenings", len(sum), len(c.Screenings))
	}
	by := map[string]ScreeningSummary{}
	for _, s := range sum {
		by[s.ID] = s
	}
	lung := by["lung_cancer"]
	if !lung.Review || !slices.Contains(lung.ReviewGroups, "CPT LDCT lung screening (G0297 is the pre-2021 HCPCS code)") || lung.ManualReview == "" ||
		!slices.Equal(lung.Triggers, []string{"tobacco_user"}) || !slices.Equal(lung.Exclusions, []string{"lung_cancer_dx"}) || lung.Line == 0 {
		t.Errorf("lung cancer: %+v", lung)
	}
	if by["prostate_psa"].Enabled || !by["colorectal_cancer"].Enabled || by["depression"].MaxAge != nil || *by["hiv"].MaxAge != 65 {
		t.Error("enabled or ages wrong")
	}
	if m := by["osteoporosis"].Modalities[0]; !m.IntervalReview || m.Interval != "P2Y" || !by["osteoporosis"].Review {
		t.Errorf("osteoporosis: %+v", by["osteoporosis"])
	}
	if bp := by["blood_pressure"]; len(bp.Variants) != 1 || bp.Variants[0].When != "essential_hypertension" || bp.Variants[0].Interval != "P1Y" {
		t.Errorf("blood pressure variants: %+v", bp.Variants)
	}
	if by["tobacco_use"].Review {
		t.Error("tobacco use has nothing to check")
	}
	// The JSON is the agent API's CatalogueScreening, with more fields.
	b, _ := json.Marshal(by["hiv"])
	var keys map[string]any
	json.Unmarshal(b, &keys)
	for _, k := range []string{"id", "title", "enabled", "sexes", "minAge", "maxAge", "dueSoon", "modalities", "review"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("summary JSON lacks %q: %s", k, b)
		}
	}
	b, _ = json.Marshal(Edit{Screening: "x", Enabled: ptr(true), MinAge: ptr(1), MaxAge: ptr(2), ClearMaxAge: true, DueSoon: ptr("P1D"), Modality: "m", Interval: ptr("P1Y")})
	if string(b) != `{"screening":"x","enabled":true,"minAge":1,"maxAge":2,"clearMaxAge":true,"dueSoon":"P1D","modality":"m","interval":"P1Y"}` {
		t.Errorf("edit JSON: %s", b)
	}
}

func TestLookback(t *testing.T) {
	c := Default()
	// Colonoscopy (10 years) is the longest interval, Td/Tdap's 90 days the
	// longest due-soon window.
	day := 24 * time.Hour
	if got, want := c.Lookback(), (10*366+90)*day; got != want {
		t.Fatalf("lookback %v, want %v", got/day, want/day)
	}
	if got := c.WholeHistory(); !slices.Equal(got, []string{"Condition", "DiagnosticReport", "Immunization", "Observation", "Procedure", "ServiceRequest"}) {
		t.Fatalf("whole history: %v", got)
	}
	one := `version: t
screenings:
- id: a
  title: A
  sexes: [female, male]
  due_soon: P30D
  modalities:
  - id: m
    interval: P1Y
    resources: [Observation]
    evidence:
    - name: g
      codes: {loinc: ['1-1']}
- id: b
  title: B, switched off
  sexes: [female]
  enabled: false
  modalities:
  - id: m
    interval: once
    resources: [Procedure]
    evidence:
    - name: g
      codes: {cpt: ['1']}
`
	cat, err := Parse([]byte(one))
	if err != nil {
		t.Fatal(err)
	}
	if cat.Lookback() != (366+30)*day || len(cat.WholeHistory()) != 0 {
		t.Fatalf("lookback %v, whole %v", cat.Lookback()/day, cat.WholeHistory())
	}
	// Switching the once-only screening on makes Procedure lifetime evidence.
	_, cat, err = ApplyEdits([]byte(one), []Edit{{Screening: "b", Enabled: ptr(true)}})
	if err != nil || !slices.Equal(cat.WholeHistory(), []string{"Procedure"}) {
		t.Fatalf("%v %v", err, cat.WholeHistory())
	}
}

func TestDisabledScreeningsAreLeftOut(t *testing.T) {
	c := Default()
	results := Evaluate(chart(person("male", bornAged(60, v))), c, v)
	if len(results) != len(c.Enabled()) || len(c.Enabled()) == len(c.Screenings) {
		t.Fatalf("%d results, %d enabled of %d", len(results), len(c.Enabled()), len(c.Screenings))
	}
	for _, r := range results {
		if !c.Find(r.ID).On() {
			t.Fatalf("switched-off %s in the results", r.ID)
		}
	}
}

// The embedded default is kept in the encoder's layout, so an edit's diff
// is the edited lines alone. After changing catalogue.yaml by hand, run
// this test with UPDATE_CATALOGUE=1 to re-lay it out.
func TestDefaultCatalogueIsInEncoderLayout(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal(defaultYAML, &n); err != nil {
		t.Fatal(err)
	}
	out, err := encodeYAML(&n)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_CATALOGUE") != "" {
		if err := os.WriteFile("catalogue.yaml", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(out) != string(defaultYAML) {
		removed, added := changedLines(defaultYAML, out)
		t.Fatalf("catalogue.yaml is not in the encoder's layout (%d lines differ, e.g. %q): re-lay it out", len(removed)+len(added), append(removed, added...)[0])
	}
}
