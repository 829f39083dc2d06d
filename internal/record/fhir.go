package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

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
	"Task":              readItem[task],
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
