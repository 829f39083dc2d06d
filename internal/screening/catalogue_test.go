package screening

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultCatalogueParses(t *testing.T) {
	c := Default()
	if len(c.Screenings) < 28 {
		t.Fatalf("%d screenings", len(c.Screenings))
	}
	reviewed := 0
	for _, s := range c.Screenings {
		for _, m := range s.Modalities {
			for _, g := range m.Evidence {
				if g.Review {
					reviewed++
				}
			}
		}
	}
	if reviewed == 0 {
		t.Fatal("the facts' unverified code groups should be kept and marked for review")
	}
	// Round trip through Marshal.
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b); err != nil {
		t.Fatalf("re-parse of the marshalled catalogue: %v", err)
	}
}

func TestValidationIsLinePrecise(t *testing.T) {
	bad := `version: x
screenings:
- id: one
  title: One
  sexes: [female]
  min_age: 50
  max_age: 40
  due_soon: P30D
  modalities:
  - id: m
    interval: P-1Y
    resources: [Observation]
    evidence:
    - name: g
      codes:
        madeup: ['1']
- id: one
  title: Again
  sexes: [male]
  min_age: 18
  due_soon: P1Q
  modalities:
  - id: m
    interval: P1Y
    resources: [Scan]
    evidence:
    - name: g
      codes:
        loinc: ['1-1']
`
	_, err := Parse([]byte(bad))
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`line 3: screening "one": min_age 50 is greater than max_age 40`,
		`line 10: screening "one" modality "m": interval: "P-1Y" is negative`,
		`line 14: screening "one" modality "m": unknown code system "madeup"`,
		`line 17: screening "one": duplicate id (first at line 3)`,
		`line 17: screening "one": due_soon: "P1Q" is not an ISO 8601 duration`,
		`line 23: screening "one" modality "m": unknown resource type "Scan"`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if _, err := Parse([]byte("version: 1\nscreenings: [\n")); err == nil || !strings.Contains(err.Error(), "line") {
		t.Fatalf("syntax error without a line: %v", err)
	}
	if _, err := Parse([]byte("version: 1\nsurprise: true\nscreenings: []\n")); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Fatalf("unknown field accepted: %v", err)
	}
}

// A practice manager reads these: no Go type names, the field and its
// place, and what is allowed instead.
func TestProblemsInPlainWords(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"version: 1\nscreenings:\n- id: a\n  titel: A\n", `line 4: unknown field "titel" in a screening (check the spelling; allowed: id, title,`},
		{"version: 1\nscreenings:\n- id: a\n  title: A\n  modalities:\n  - id: m\n    intervall: P1Y\n", `line 7: unknown field "intervall" in a modality`},
		{"version: 1\nscreenings:\n- id: a\n  title: A\n  min_age: fifty\n", `line 5: min_age: "fifty" is not a whole number`},
		{"version: 1\nscreenings:\n- id: a\n  title: A\n  sexes: female\n", `line 5: sexes: "female" is not a list`},
		{"version: 1\nscreenings:\n- id: a\n  title: A\n  enabled: maybe\n", `line 5: enabled: "maybe" is not true or false`},
		{"version: 1\nscreenings:\n- id: a\n  title: A\n  sexes: [female]\n  modalities:\n  - id: m\n    interval: P1Y\n    resources: [Observation]\n    evidence:\n    - name: g\n      codes: {snowmed: ['1']}\n",
			`line 11: screening "a" modality "m": unknown code system "snowmed" (use loinc, cpt, sct, cvx, hcpcs, icd10cm, icd10pcs or their URIs)`},
		{"", "line 1: the catalogue is empty"},
		{"version: 1\nscreenings: [\n", "line 2: did not find expected node content"},
	} {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.yaml, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "screening.") {
			t.Errorf("a Go type name in %v", err)
		}
	}
}
