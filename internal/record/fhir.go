package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	// The v2 prototype of encoding/json (encoding/json/v2 behind
	// GOEXPERIMENT=jsonv2 in Go 1.25+): one pass instead of validate-then-
	// decode, half the time and a third of the allocations per resource, and
	// field names matched exactly, as FHIR spells them.
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FromFHIR reduces a patient's raw FHIR R4 resources to a Record. Each
// resource is decoded by its own type's shape, as the FHIR R4 definitions
// give it (Organization.name is a string, Observation.bodySite one
// CodeableConcept, Condition.bodySite a list), into local structs holding
// only the elements read, rather than a full FHIR model: a status code a
// model does not know (Epic sends some) must not make a resource
// unreadable. A CodeableConcept element sent as a list where the
// definition has one (or one where it has a list) is read either way.
//
// A resource type the prep does not use (Organization, Goal, Provenance,
// OperationOutcome, ...) is skipped silently. A resource that cannot be
// read is skipped and reported, by position only (no PHI); nothing here
// panics on odd input. Duplicate member names and invalid UTF-8 are
// tolerated (the last name wins; bad bytes become U+FFFD).
func FromFHIR(resources []json.RawMessage) (Record, []error) {
	// One Item per resource at most: sized once, not regrown (an Item is
	// a few hundred bytes).
	rec := Record{Items: make([]Item, 0, len(resources))}
	var errs []error
	var d reader
	for i, raw := range resources {
		typ, err := d.resourceType(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("resource %d is not readable FHIR JSON: %w", i, err))
			continue
		}
		if typ == "" {
			errs = append(errs, fmt.Errorf("resource %d has no resourceType", i))
			continue
		}
		read := readers[typ]
		if read == nil {
			continue // a type the prep does not use
		}
		if err := read(typ, raw, &rec); err != nil {
			errs = append(errs, fmt.Errorf("resource %d (%s) is not valid FHIR R4: %w", i, typ, err))
		}
	}
	return rec, errs
}

// readers decode one resource type and add it to the record.
var readers = map[string]func(typ string, raw []byte, rec *Record) error{
	"Patient":           readPatient,
	"Observation":       readItem[observation],
	"Condition":         readItem[condition],
	"Procedure":         readItem[procedure],
	"Immunization":      readItem[immunization],
	"DiagnosticReport":  readItem[diagnosticReport],
	"DocumentReference": readItem[documentReference],
	"Encounter":         readItem[encounter],
	"MedicationRequest": readItem[medicationRequest],
	"ServiceRequest":    readItem[serviceRequest],
	"DeviceRequest":     readItem[deviceRequest],
}

// Types lists the resource types FromFHIR reads (Patient and the item types).
func Types() []string {
	out := make([]string, 0, len(readers))
	for t := range readers {
		out = append(out, t)
	}
	return out
}

var lenient = []jsonv2.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// reader finds a resource's type before it is decoded, with one reused
// token decoder: FHIR JSON puts resourceType first, so this reads three
// tokens, not the resource.
type reader struct {
	dec *jsontext.Decoder
	r   bytes.Reader
}

var errNotObject = errors.New("not a JSON object")

// resourceType returns the resource's type, "" when it has none.
func (d *reader) resourceType(raw []byte) (string, error) {
	d.r.Reset(raw)
	if d.dec == nil {
		d.dec = jsontext.NewDecoder(&d.r, lenient...)
	} else {
		d.dec.Reset(&d.r, lenient...)
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '{':
	case 'n':
		return "", nil
	default:
		return "", errNotObject
	}
	for d.dec.PeekKind() == '"' {
		name, err := d.dec.ReadToken()
		if err != nil {
			return "", err
		}
		if name.String() == "resourceType" {
			v, err := d.dec.ReadToken()
			if err != nil {
				return "", err
			}
			if v.Kind() != '"' {
				return "", errors.New("resourceType is not a string")
			}
			return v.String(), nil
		}
		if err := d.dec.SkipValue(); err != nil {
			return "", err
		}
	}
	if _, err := d.dec.ReadToken(); err != nil { // the closing brace, or the error
		return "", err
	}
	return "", nil
}

// itemReader is a resource type's decoded shape.
type itemReader interface {
	typ() string
	item() Item
}

// readItem decodes one resource of type typ with its shape T. A resource
// whose duplicate resourceType members disagree is read as neither.
func readItem[T any, P interface {
	*T
	itemReader
}](typ string, raw []byte, rec *Record) error {
	var v T
	if err := jsonv2.Unmarshal(raw, &v, lenient...); err != nil {
		return err
	}
	p := P(&v)
	if p.typ() != typ {
		return errors.New("it names two resource types")
	}
	if s, ok := any(p).(interface{ skip() bool }); ok && s.skip() {
		return nil
	}
	rec.Items = append(rec.Items, p.item())
	return nil
}

// ---- shared data types ----

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

type patient struct {
	ID         string `json:"id"`
	Identifier []struct {
		System string    `json:"system"`
		Value  string    `json:"value"`
		Type   *codeable `json:"type"`
	} `json:"identifier"`
	Name []struct {
		Use    string   `json:"use"`
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
	Gender    string      `json:"gender"`
	BirthDate string      `json:"birthDate"`
	Extension []extension `json:"extension"`
}

// Sex-for-clinical-use extensions (Epic's, and HL7's).
var sexExtensions = []string{
	"http://open.epic.com/FHIR/StructureDefinition/extension/sex-for-clinical-use",
	"http://hl7.org/fhir/StructureDefinition/patient-sexParameterForClinicalUse",
}

// sexCode normalises a sex code: female, male, or the code in lower case.
func sexCode(code string) string {
	switch c := strings.ToLower(code); c {
	case "female", "f", "female-typical", sctFemale:
		return "female"
	case "male", "m", "male-typical", sctMale:
		return "male"
	default:
		return c
	}
}

func readPatient(_ string, raw []byte, rec *Record) error {
	var r patient
	if err := jsonv2.Unmarshal(raw, &r, lenient...); err != nil {
		return err
	}
	p := Patient{ID: r.ID, Gender: strings.ToLower(r.Gender)}
	for _, id := range r.Identifier {
		if (id.Type != nil && (id.Type.Text == "MRN" || id.Type.Text == "EPI" || id.Type.first() == "MR")) || strings.Contains(strings.ToLower(id.System), "mrn") {
			p.MRN = id.Value
			break
		}
	}
	if p.MRN == "" && len(r.Identifier) > 0 {
		p.MRN = r.Identifier[0].Value
	}
	for _, n := range r.Name {
		if n.Use == "official" || p.Name == "" {
			p.Name = n.Text
			if p.Name == "" {
				p.Name = strings.TrimSpace(strings.Join(n.Given, " ") + " " + n.Family)
			}
		}
	}
	if t, err := time.Parse(time.DateOnly, r.BirthDate); err == nil {
		p.BirthDate = t
	}
	for i := range r.Extension {
		e := &r.Extension[i]
		switch {
		case e.URL == usCoreSexURL:
			p.USCoreSex = sexCode(e.code())
		case e.URL == sexExtensions[0] || e.URL == sexExtensions[1]:
			p.ClinicalSex = sexCode(e.code())
		}
	}
	// Sex for clinical use, when it says female or male, decides what
	// applies; then the recorded (US Core) sex; anything else (specified,
	// unknown) leaves the gender as is.
	p.Sex = p.Gender
	for _, s := range []string{p.ClinicalSex, p.USCoreSex} {
		if s == "female" || s == "male" {
			p.Sex = s
			break
		}
	}
	rec.Patient = p
	return nil
}

// ---- clinical resources, one shape per type (FHIR R4 4.0.1) ----

// common holds what every read type has.
type common struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
}

func (c *common) typ() string { return c.ResourceType }

func (c *common) base(typ string) Item {
	return Item{Type: typ, ID: c.ID, Status: strings.ToLower(c.Status)}
}

func coded(it *Item, c *codeable) {
	it.Codes = c.codings()
	it.Title = c.title()
}

type observation struct {
	common
	Category          codeables    `json:"category"` // 0..*
	Code              *codeableOne `json:"code"`
	EffectiveDateTime string       `json:"effectiveDateTime"`
	EffectivePeriod   *period      `json:"effectivePeriod"`
	EffectiveInstant  string       `json:"effectiveInstant"`
	Issued            string       `json:"issued"`
	BodySite          *codeableOne `json:"bodySite"` // 0..1
	Component         []component  `json:"component"`
	value
}

type component struct {
	Code *codeableOne `json:"code"`
	value
}

func (r *observation) item() Item {
	it := r.base("Observation")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Issued = parseDate(r.Issued)
	dt := r.EffectiveDateTime
	if dt == "" {
		dt = r.EffectiveInstant
	}
	effective(dt, r.EffectivePeriod, it.Issued, DateFromIssued, &it)
	it.Value, it.ValueCodes, it.ValueText, it.HasValue, it.DataAbsent = r.value.read()
	for i := range r.Component {
		c := Component{Codes: r.Component[i].Code.cc().codings()}
		c.Value, c.ValueCodes, _, c.HasValue, c.DataAbsent = r.Component[i].value.read()
		it.HasValue = it.HasValue || c.HasValue
		it.Components = append(it.Components, c)
	}
	if r.BodySite != nil {
		bodySites(codeables{r.BodySite.codeable}, &it)
	}
	return it
}

type condition struct {
	common
	ClinicalStatus     *codeableOne `json:"clinicalStatus"`
	VerificationStatus *codeableOne `json:"verificationStatus"`
	Category           codeables    `json:"category"` // 0..*
	Code               *codeableOne `json:"code"`
	BodySite           codeables    `json:"bodySite"` // 0..*
	OnsetDateTime      string       `json:"onsetDateTime"`
	OnsetPeriod        *period      `json:"onsetPeriod"`
	AbatementDateTime  string       `json:"abatementDateTime"`
	AbatementPeriod    *period      `json:"abatementPeriod"`
	RecordedDate       string       `json:"recordedDate"`
}

func (r *condition) item() Item {
	it := r.base("Condition")
	it.Status = strings.ToLower(r.ClinicalStatus.cc().first())
	it.Verification = strings.ToLower(r.VerificationStatus.cc().first())
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Recorded = parseDate(r.RecordedDate)
	it.Period = r.OnsetPeriod.read()
	switch onset := parseDate(r.OnsetDateTime); {
	case !onset.IsZero():
		it.Date = onset
	case !it.Period.Start.IsZero():
		it.Date = it.Period.Start
	case !it.Recorded.IsZero():
		it.Date, it.DateFrom = it.Recorded, DateFromRecorded
	}
	it.Abatement = parseDate(r.AbatementDateTime)
	if ap := r.AbatementPeriod.read(); it.Abatement.IsZero() {
		it.Abatement = ap.End
		if it.Abatement.IsZero() {
			it.Abatement = ap.Start
		}
	}
	bodySites(r.BodySite, &it)
	return it
}

type procedure struct {
	common
	Category          *codeableOne `json:"category"` // 0..1
	Code              *codeableOne `json:"code"`
	PerformedDateTime string       `json:"performedDateTime"`
	PerformedPeriod   *period      `json:"performedPeriod"`
	BodySite          codeables    `json:"bodySite"` // 0..*
	ReasonCode        codeables    `json:"reasonCode"`
}

func (r *procedure) item() Item {
	it := r.base("Procedure")
	coded(&it, r.Code.cc())
	it.Category = r.Category.cc().codings()
	effective(r.PerformedDateTime, r.PerformedPeriod, time.Time{}, "", &it)
	bodySites(r.BodySite, &it)
	it.Reasons = r.ReasonCode.codings()
	return it
}

type immunization struct {
	common
	VaccineCode        *codeableOne `json:"vaccineCode"`
	OccurrenceDateTime string       `json:"occurrenceDateTime"`
	IsSubpotent        bool         `json:"isSubpotent"`
}

func (r *immunization) item() Item {
	it := r.base("Immunization")
	coded(&it, r.VaccineCode.cc())
	it.Date = parseDate(r.OccurrenceDateTime)
	it.Subpotent = r.IsSubpotent
	return it
}

type diagnosticReport struct {
	common
	Category          codeables    `json:"category"` // 0..*
	Code              *codeableOne `json:"code"`
	EffectiveDateTime string       `json:"effectiveDateTime"`
	EffectivePeriod   *period      `json:"effectivePeriod"`
	Issued            string       `json:"issued"`
}

func (r *diagnosticReport) item() Item {
	it := r.base("DiagnosticReport")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Issued = parseDate(r.Issued)
	effective(r.EffectiveDateTime, r.EffectivePeriod, it.Issued, DateFromIssued, &it)
	return it
}

// PrepNoteSystem is the identifier system of the prep notes this app files
// in the chart (agent/send). They are our own output, not evidence: a
// note's "colonoscopy: complete" must never decide a screening, so records
// and the document reader leave them out.
const PrepNoteSystem = "urn:healthprep:prep-note:visit"

// OwnPrepNote says whether a DocumentReference with these identifier
// systems is one of our prep notes.
func OwnPrepNote(systems ...string) bool {
	for _, s := range systems {
		if s == PrepNoteSystem {
			return true
		}
	}
	return false
}

type documentReference struct {
	common
	Type        *codeableOne `json:"type"`     // 0..1
	Category    codeables    `json:"category"` // 0..*
	Date        string       `json:"date"`
	Description string       `json:"description"`
	Identifier  []struct {
		System string `json:"system"`
	} `json:"identifier"`
}

func (r *documentReference) skip() bool {
	for _, id := range r.Identifier {
		if OwnPrepNote(id.System) {
			return true
		}
	}
	return false
}

func (r *documentReference) item() Item {
	it := r.base("DocumentReference")
	coded(&it, r.Type.cc())
	it.Category = r.Category.categories()
	it.Date = parseDate(r.Date)
	if r.Description != "" {
		it.Title = r.Description
	}
	return it
}

type encounter struct {
	common
	Class *struct {
		Code string `json:"code"`
	} `json:"class"` // a Coding
	Type            codeables `json:"type"` // 0..*
	Period          *period   `json:"period"`
	Hospitalization *struct {
		DischargeDisposition *codeableOne `json:"dischargeDisposition"`
	} `json:"hospitalization"`
}

func (r *encounter) item() Item {
	it := r.base("Encounter")
	it.Codes = r.Type.codings()
	if len(r.Type) > 0 {
		it.Title = r.Type[0].title()
	}
	it.Period = r.Period.read()
	it.Date = it.Period.Start
	if r.Class != nil {
		it.Class = r.Class.Code
	}
	if r.Hospitalization != nil {
		it.Discharge = r.Hospitalization.DischargeDisposition.cc().codings()
	}
	return it
}

// request holds what the three request types share.
type request struct {
	common
	Intent       string    `json:"intent"`
	DoNotPerform bool      `json:"doNotPerform"`
	AuthoredOn   string    `json:"authoredOn"`
	ReasonCode   codeables `json:"reasonCode"`
}

func (r *request) base(typ string) Item {
	it := r.common.base(typ)
	it.Intent = strings.ToLower(r.Intent)
	it.DoNotPerform = r.DoNotPerform
	it.Date = parseDate(r.AuthoredOn)
	it.Reasons = r.ReasonCode.codings()
	return it
}

type medicationRequest struct {
	request
	Category                  codeables    `json:"category"` // 0..*
	MedicationCodeableConcept *codeableOne `json:"medicationCodeableConcept"`
	MedicationReference       *reference   `json:"medicationReference"`
	DosageInstruction         []struct {
		Timing *struct {
			Repeat *struct {
				BoundsPeriod *period `json:"boundsPeriod"`
			} `json:"repeat"`
		} `json:"timing"`
	} `json:"dosageInstruction"`
	DispenseRequest *struct {
		ValidityPeriod *period `json:"validityPeriod"`
	} `json:"dispenseRequest"`
}

func (r *medicationRequest) item() Item {
	it := r.base("MedicationRequest")
	coded(&it, r.MedicationCodeableConcept.cc())
	if it.Title == "" && r.MedicationReference != nil {
		it.Title = r.MedicationReference.Display
	}
	it.Category = r.Category.categories()
	for _, d := range r.DosageInstruction {
		if d.Timing != nil && d.Timing.Repeat != nil && d.Timing.Repeat.BoundsPeriod != nil {
			it.Period = d.Timing.Repeat.BoundsPeriod.read()
			break
		}
	}
	if it.Period.IsZero() && r.DispenseRequest != nil {
		it.Period = r.DispenseRequest.ValidityPeriod.read()
	}
	return it
}

// occurrence reads a request's occurrenceDateTime or occurrencePeriod.
func occurrence(dt string, p *period) Period {
	if t := parseDate(dt); !t.IsZero() {
		return Period{Start: t, End: t}
	}
	return p.read()
}

type serviceRequest struct {
	request
	Category           codeables    `json:"category"` // 0..*
	Code               *codeableOne `json:"code"`
	OccurrenceDateTime string       `json:"occurrenceDateTime"`
	OccurrencePeriod   *period      `json:"occurrencePeriod"`
	BodySite           codeables    `json:"bodySite"` // 0..*
}

func (r *serviceRequest) item() Item {
	it := r.base("ServiceRequest")
	coded(&it, r.Code.cc())
	it.Category = r.Category.categories()
	it.Period = occurrence(r.OccurrenceDateTime, r.OccurrencePeriod)
	bodySites(r.BodySite, &it)
	return it
}

type deviceRequest struct {
	request
	CodeCodeableConcept *codeableOne `json:"codeCodeableConcept"`
	CodeReference       *reference   `json:"codeReference"`
	OccurrenceDateTime  string       `json:"occurrenceDateTime"`
	OccurrencePeriod    *period      `json:"occurrencePeriod"`
}

func (r *deviceRequest) item() Item {
	it := r.base("DeviceRequest")
	coded(&it, r.CodeCodeableConcept.cc())
	if it.Title == "" && r.CodeReference != nil {
		it.Title = r.CodeReference.Display
	}
	it.Period = occurrence(r.OccurrenceDateTime, r.OccurrencePeriod)
	return it
}
