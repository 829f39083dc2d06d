// FHIR's data types as the decoder reads them: codings, periods, quantities, values, laterality.

package record

import (
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/go-json-experiment/json/jsontext"
)

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type codeable struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
	// Extensions on a CodeableConcept carry qualifiers, e.g. a bodySite's
	// laterality.
	Extension []extension `json:"extension"`
}

func (c *codeable) codings() []Coding {
	if c == nil || len(c.Coding) == 0 {
		return nil
	}
	out := make([]Coding, 0, len(c.Coding))
	for _, x := range c.Coding {
		out = append(out, Coding(x))
	}
	return out
}

func (c *codeable) first() string {
	if c == nil || len(c.Coding) == 0 {
		return ""
	}
	return c.Coding[0].Code
}

func (c *codeable) title() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, x := range c.Coding {
		if x.Display != "" {
			return x.Display
		}
	}
	return ""
}

// codeables is a CodeableConcept list (0..*); a single CodeableConcept in
// its place is read as a list of one.
type codeables []codeable

func (l *codeables) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case '{':
		var one codeable
		if err := jsonv2.UnmarshalDecode(dec, &one); err != nil {
			return err
		}
		*l = codeables{one}
		return nil
	case 'n':
		_, err := dec.ReadToken()
		return err
	}
	return jsonv2.UnmarshalDecode(dec, (*[]codeable)(l))
}

// codeableOne is a CodeableConcept (0..1); a list in its place is read as its
// codings together.
type codeableOne struct{ codeable }

func (o *codeableOne) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '[' {
		return jsonv2.UnmarshalDecode(dec, &o.codeable)
	}
	var l []codeable
	if err := jsonv2.UnmarshalDecode(dec, &l); err != nil {
		return err
	}
	for _, c := range l {
		o.Coding = append(o.Coding, c.Coding...)
		o.Extension = append(o.Extension, c.Extension...)
		if o.Text == "" {
			o.Text = c.Text
		}
	}
	return nil
}

func (o *codeableOne) cc() *codeable {
	if o == nil {
		return nil
	}
	return &o.codeable
}

func (l codeables) codings() []Coding {
	var out []Coding
	for i := range l {
		out = append(out, l[i].codings()...)
	}
	return out
}

// categories flattens category CodeableConcepts; a text-only one becomes a
// coding whose code is the text (Epic sends some that way).
func (l codeables) categories() []Coding {
	var out []Coding
	for i := range l {
		out = append(out, l[i].codings()...)
		if len(l[i].Coding) == 0 && l[i].Text != "" {
			out = append(out, Coding{Code: l[i].Text})
		}
	}
	return out
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (p *period) read() Period {
	if p == nil {
		return Period{}
	}
	return Period{Start: parseDate(p.Start), End: parseDate(p.End)}
}

type quantity struct {
	Value      *float64 `json:"value"`
	Comparator string   `json:"comparator"`
	Unit       string   `json:"unit"`
	Code       string   `json:"code"`
}

func (q *quantity) read() *Quantity {
	if q == nil || q.Value == nil {
		return nil
	}
	return &Quantity{Value: *q.Value, Unit: q.Unit, Code: q.Code, Comparator: q.Comparator}
}

type reference struct {
	Display string `json:"display"`
}

type extension struct {
	URL                  string      `json:"url"`
	ValueCodeableConcept *codeable   `json:"valueCodeableConcept"`
	ValueCoding          *coding     `json:"valueCoding"`
	ValueCode            string      `json:"valueCode"`
	Extension            []extension `json:"extension"` // complex extensions: HL7's has a "value" part
}

// code returns the extension's code, looking into a complex extension's
// "value" part (HL7's patient-sexParameterForClinicalUse).
func (e *extension) code() string {
	switch {
	case e.ValueCodeableConcept != nil:
		return e.ValueCodeableConcept.first()
	case e.ValueCoding != nil:
		return e.ValueCoding.Code
	case e.ValueCode != "":
		return e.ValueCode
	}
	for i := range e.Extension {
		if e.Extension[i].URL == "value" {
			return e.Extension[i].code()
		}
	}
	return ""
}

// value is an Observation's or a component's value[x] and dataAbsentReason.
type value struct {
	ValueQuantity        *quantity      `json:"valueQuantity"`
	ValueCodeableConcept *codeable      `json:"valueCodeableConcept"`
	ValueString          *string        `json:"valueString"`
	ValueBoolean         *bool          `json:"valueBoolean"`
	ValueInteger         *float64       `json:"valueInteger"`
	ValueRange           jsontext.Value `json:"valueRange"`
	ValueRatio           jsontext.Value `json:"valueRatio"`
	ValueSampledData     jsontext.Value `json:"valueSampledData"`
	ValueTime            *string        `json:"valueTime"`
	ValueDateTime        *string        `json:"valueDateTime"`
	ValuePeriod          jsontext.Value `json:"valuePeriod"`
	DataAbsentReason     *codeable      `json:"dataAbsentReason"`
}

// read returns the numeric value, coded value, text, whether any value is
// present, and the data-absent reason.
func (v *value) read() (q *Quantity, codes []Coding, text string, has bool, absent string) {
	q = v.ValueQuantity.read()
	if q == nil && v.ValueInteger != nil {
		q = &Quantity{Value: *v.ValueInteger}
	}
	codes = v.ValueCodeableConcept.codings()
	if v.ValueString != nil {
		text = strings.TrimSpace(*v.ValueString)
	}
	has = q != nil || len(codes) > 0 || text != "" ||
		(v.ValueCodeableConcept != nil && v.ValueCodeableConcept.Text != "") ||
		v.ValueBoolean != nil || len(v.ValueRange) > 0 || len(v.ValueRatio) > 0 ||
		len(v.ValueSampledData) > 0 || v.ValueTime != nil || v.ValueDateTime != nil || len(v.ValuePeriod) > 0
	return q, codes, text, has, strings.ToLower(v.DataAbsentReason.first())
}

// ---- dates ----

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// effective reads a dateTime-or-Period element the way the measures do:
// the dateTime, else the period's end, else (flagged) an open period's
// start, else (flagged) the fallback.
func effective(dt string, p *period, fallback time.Time, fallbackFrom string, it *Item) {
	it.Period = p.read()
	switch t := parseDate(dt); {
	case !t.IsZero():
		it.Date = t
	case !it.Period.End.IsZero():
		it.Date = it.Period.End
	case !it.Period.Start.IsZero():
		it.Date, it.DateFrom = it.Period.Start, DateFromPeriodStart
	case !fallback.IsZero():
		it.Date, it.DateFrom = fallback, fallbackFrom
	}
}

// ---- laterality ----

const (
	snomed          = "http://snomed.info/sct"
	lateralityAttr  = "272741003" // SNOMED CT |Laterality| attribute
	sctLeft         = "7771000"
	sctRight        = "24028007"
	sctRightAndLeft = "51440002"
	usCoreSexURL    = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex"
	sctFemale       = "248152002"
	sctMale         = "248153007"
	lateralityNone  = 0
	lateralityLeft  = 1
	lateralityRight = 2
	lateralityBoth  = lateralityLeft | lateralityRight
)

// sideOf reads a SNOMED CT code, or a post-coordinated expression with a
// laterality qualifier (e.g. "80248007:272741003=7771000"), as a side.
func sideOf(system, code string) int {
	if system != "" && system != snomed {
		return lateralityNone
	}
	if i := strings.Index(code, lateralityAttr); i >= 0 {
		rest := code[i+len(lateralityAttr):]
		if j := strings.IndexByte(rest, '='); j >= 0 {
			rest = strings.TrimLeft(rest[j+1:], " ")
			end := 0
			for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
				end++
			}
			code = rest[:end]
		}
	}
	switch code {
	case sctLeft:
		return lateralityLeft
	case sctRight:
		return lateralityRight
	case sctRightAndLeft:
		return lateralityBoth
	}
	return lateralityNone
}

// bodySites reads bodySite CodeableConcepts: every coding, and the side
// from any coding or qualifier extension.
func bodySites(l codeables, it *Item) {
	side := lateralityNone
	for i := range l {
		for _, c := range l[i].Coding {
			it.BodySite = append(it.BodySite, Coding(c))
			side |= sideOf(c.System, c.Code)
		}
		for _, e := range l[i].Extension {
			if e.ValueCodeableConcept != nil {
				for _, c := range e.ValueCodeableConcept.Coding {
					side |= sideOf(c.System, c.Code)
				}
			}
			if e.ValueCoding != nil {
				side |= sideOf(e.ValueCoding.System, e.ValueCoding.Code)
			}
		}
	}
	switch side {
	case lateralityLeft:
		it.Laterality = Left
	case lateralityRight:
		it.Laterality = Right
	case lateralityBoth:
		it.Laterality = Both
	}
}

// ---- Patient ----
