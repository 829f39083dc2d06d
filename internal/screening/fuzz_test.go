package screening

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// Fuzzing: go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./internal/screening/
// (and FuzzEvaluate). Crashers land in testdata/fuzz/<name>/ and then run
// with the ordinary tests as regressions.

var smallCatalogues = []string{
	"version: 1\nscreenings:\n- id: a\n  title: A\n  sexes: [female, male]\n  min_age: 18\n  max_age: 75\n  due_soon: P30D\n  modalities:\n  - id: m\n    interval: P1Y\n    resources: [Observation]\n    keywords: [mammogram]\n    evidence:\n    - name: g\n      review: true\n      codes: {loinc: ['1-1'], icd10cm: [E11.*, C34]}\n",
	"version: 1\nseason_start: 09-15\nscreenings:\n- id: s\n  title: S\n  sexes: [male]\n  modalities:\n  - id: a\n    interval: series\n    doses: 2\n    min_gap: P4W\n    evidence:\n    - name: g\n      codes: {cvx: ['187']}\n  - id: b\n    interval: once\n    sequence: true\n    min_gap: P1Y\n    evidence:\n    - name: x\n      codes: {cvx: ['215']}\n    - name: y\n      codes: {cvx: ['33']}\n  triggers:\n  - id: t\n    min_value: 25\n    evidence:\n    - name: bmi\n      codes: {loinc: [39156-5]}\n  exclusions:\n  - id: both\n    all_of:\n    - id: l\n      evidence: [{name: l, codes: {sct: ['1']}}]\n    - id: r\n      evidence: [{name: r, codes: {sct: ['2']}}]\n  modifiers:\n  - when: d\n    no_max_age: true\n    interval: P6M\n    evidence: [{name: d, codes: {icd10cm: [E11.9]}}]\n",
	"version: 1\nscreenings:\n- id: a\n  title: A\n  min_age: 50\n  max_age: 40\n",
	"version: 1\nscreenings: [\n",
	"version: &a 1\nscreenings: *a\n",
	"",
}

// defaultPieces splits the default catalogue into one-screening catalogues,
// each code list cut to its first three codes. Small seeds fuzz far faster:
// every new input the fuzzer finds is minimised by re-running it, and on
// the whole 140 KB file that took the full minute.
func defaultPieces() [][]byte {
	text := string(DefaultYAML())
	// Each piece keeps the head (version, shared exclusions) and one
	// screening; the measures and document_text, which name screenings and
	// follow them, are left out.
	for _, tail := range []string{"\n# Quality measures", "\n# Evidence in the text of documents"} {
		if i := strings.Index(text, tail); i > 0 {
			text = text[:i+1]
		}
	}
	start := strings.Index(text, "\nscreenings:\n") + len("\nscreenings:")
	head := text[:start+1]
	var out [][]byte
	for i, s := range strings.Split(text[start+1:], "\n- id: ") {
		if i == 1 {
			head = head[strings.Index(head, "\nversion: ")+1:] // the header comment once is enough
		}
		lines := strings.Split(head+"- id: "+strings.TrimPrefix(s, "- id: ")+"\n", "\n")
		for i, l := range lines {
			if open := strings.Index(l, ": ["); open > 0 && strings.HasSuffix(l, "]") {
				if items := strings.Split(l[open+3:len(l)-1], ", "); len(items) > 3 {
					lines[i] = l[:open+3] + strings.Join(items[:3], ", ") + "]"
				}
			}
		}
		out = append(out, []byte(strings.Join(lines, "\n")))
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, p := range defaultPieces() {
		f.Add(p)
	}
	for _, s := range smallCatalogues {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		// A valid catalogue round-trips: written out and read back, it
		// describes the same screenings.
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("the marshalled catalogue does not parse: %v\n%s", err, out)
		}
		if a, b := comparable(c), comparable(c2); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the catalogue:\n%+v\n%+v", a, b)
		}
		// An edit that changes nothing keeps it valid, through the node tree.
		if _, _, err := ApplyEdits(b, nil); err != nil {
			t.Fatalf("a no-op edit made a valid catalogue invalid: %v", err)
		}
		// And it evaluates.
		if rs := Evaluate(record.Record{Patient: record.Patient{Sex: "female", BirthDate: day("1960-01-01")}}, c, v); len(rs) != len(c.Enabled()) {
			t.Fatalf("%d results for %d enabled", len(rs), len(c.Enabled()))
		}
	})
}

// comparable is a catalogue's summary without lines (which move when the
// text is re-laid out) and with its lookback.
func comparable(c *Catalogue) any {
	sum := c.Summary()
	for i := range sum {
		sum[i].Line = 0
		sort.Strings(sum[i].ReviewGroups)
	}
	return struct {
		Sum      []ScreeningSummary
		Lookback time.Duration
		Whole    []string
		Version  string
	}{sum, c.Lookback(), c.WholeHistory(), c.Version}
}

// simCharts returns n of the simulated practice's charts as JSON arrays,
// the shape FuzzEvaluate reads, cut to the patient and a dozen resources
// (conditions, procedures, vaccines and reports first): the fuzzer crawls
// on 30 KB inputs.
func simCharts(tb testing.TB, n int) [][]byte {
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return visit }})
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	var out [][]byte
	for i, p := range srv.Practice().Patients {
		if len(out) == n {
			break
		}
		if i%7 != 0 {
			continue // a spread of ages, sexes and built states
		}
		var keep []json.RawMessage
		obs := 0
		for _, raw := range srv.Chart(p.ID) {
			var r struct{ ResourceType string }
			json.Unmarshal(raw, &r)
			switch r.ResourceType {
			case "Encounter", "DocumentReference":
				continue
			case "Observation":
				if obs++; obs > 4 {
					continue
				}
			}
			if keep = append(keep, raw); len(keep) == 14 {
				break
			}
		}
		b, _ := json.Marshal(keep)
		out = append(out, b)
	}
	return out
}

func FuzzEvaluate(f *testing.F) {
	for _, c := range simCharts(f, 12) {
		f.Add(c, int16(0))
	}
	f.Add([]byte(`[{"resourceType":"Patient","gender":"female","birthDate":"2008-02-29"},
		{"resourceType":"Procedure","status":"completed","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"45378"}]}},
		{"resourceType":"Condition","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"C34.90"}]},"onsetDateTime":"2020"},
		{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"occurrenceDateTime":"2026-01-01T00:00:00Z","isSubpotent":true},
		{"resourceType":"DocumentReference","description":"Mammogram","date":"2025-05-05T10:00:00-05:00"}]`), int16(-400))
	cat := Default()
	enabled := len(cat.Enabled())
	valid := map[Status]bool{Complete: true, DueSoon: true, Due: true, Excluded: true, NotApplicable: true, NeedsReview: true}
	f.Fuzz(func(t *testing.T, chart []byte, offset int16) {
		var raws []json.RawMessage
		if json.Unmarshal(chart, &raws) != nil {
			return
		}
		rec, _ := record.FromFHIR(raws)
		on := visit.AddDate(0, 0, int(offset))
		rs := Evaluate(rec, cat, on)
		if len(rs) != enabled {
			t.Fatalf("%d results for %d enabled screenings", len(rs), enabled)
		}
		for _, r := range rs {
			if !valid[r.Status] || r.Reason == "" {
				t.Fatalf("result %+v", r)
			}
			if r.Status == Complete && r.LastDone.After(on) {
				t.Fatalf("completed by evidence after the visit: %+v", r)
			}
		}
	})
}

func TestDefaultPiecesParse(t *testing.T) {
	pieces := defaultPieces()
	if len(pieces) != len(Default().Screenings) {
		t.Fatalf("%d pieces for %d screenings", len(pieces), len(Default().Screenings))
	}
	for _, p := range pieces {
		if _, err := Parse(p); err != nil {
			t.Fatalf("%v\n%s", err, p[:200])
		}
	}
}
