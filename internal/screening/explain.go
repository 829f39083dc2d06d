// How a result explains itself: evidence, reasons in words, review notes and support details.

package screening

import (
	"math"
	"strconv"
	"strings"

	"github.com/healthprep/desk/internal/record"
)

func (e *evaluator) display(h hit) string {
	it := &e.items[h.item]
	if h.coding >= 0 {
		cs := codingsOf(it, h)
		if d := cs[h.coding].Display; d != "" {
			return d
		}
	}
	if it.Title != "" {
		return it.Title
	}
	return it.Type
}

func (e *evaluator) evidence(h hit) Evidence {
	it := &e.items[h.item]
	ev := Evidence{Type: it.Type, ID: it.ID, Display: e.display(h), Date: it.Date}
	if h.coding >= 0 {
		cs := codingsOf(it, h)
		ev.System, ev.Code = cs[h.coding].System, cs[h.coding].Code
	}
	return ev
}

// typeWord is the resource type as the front desk knows it ("" for one
// it has no word for). A switch: a map lookup per reason was measurable.
func typeWord(t string) string {
	switch t {
	case "Observation":
		return "result"
	case "DiagnosticReport":
		return "report"
	case "Procedure":
		return "procedure"
	case "Immunization":
		return "vaccine record"
	case "DocumentReference":
		return "document"
	case "Condition":
		return "problem list"
	case "Encounter":
		return "visit"
	case "ServiceRequest":
		return "completed order"
	case "MedicationRequest":
		return "prescription"
	}
	return ""
}

// appendWhat writes "Colonoscopy (procedure, 2019-03-02)", or with a
// value "Hemoglobin A1c 6.8 % (result, 2026-03-02)".
func (e *evaluator) appendWhat(b []byte, h hit) []byte {
	it := &e.items[h.item]
	b = append(b, e.display(h)...)
	if q := it.Value; q != nil && !h.value {
		b = append(b, ' ')
		b = appendQuantity(b, q.Value, q.Unit)
	}
	b = append(b, " ("...)
	if it.Type == "ServiceRequest" && it.Status != "completed" {
		// An open order a measure reads as a follow-up placed.
		b = append(b, "order placed"...)
	} else if w := typeWord(it.Type); w != "" {
		b = append(b, w...)
	} else {
		b = append(b, it.Type...)
	}
	if d := e.days[h.item]; d == noDate {
		b = append(b, ", no date"...)
	} else {
		b = append(b, ", "...)
		b = appendDay(b, d)
	}
	return append(b, ')')
}

func appendDay(b []byte, d int32) []byte {
	y, m, dd := civilFromDays(d)
	if y < 0 || y > 9999 {
		return append(b, "(a date out of range)"...)
	}
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+int(m)/10), byte('0'+int(m)%10), '-')
	return append(b, byte('0'+dd/10), byte('0'+dd%10))
}

func ymd(d int32) string { return string(appendDay(nil, d)) }

// appendQuantity writes a value with its unit, rounded to two places; a
// UCUM annotation unit ({score}) loses its braces.
func appendQuantity(b []byte, v float64, unit string) []byte {
	b = strconv.AppendFloat(b, math.Round(v*100)/100, 'f', -1, 64)
	unit = strings.TrimSuffix(strings.TrimPrefix(unit, "{"), "}")
	if unit != "" && unit != "1" {
		b = append(b, ' ')
		b = append(b, unit...)
	}
	return b
}

// reviewOf says, for the front desk, why evidence needs a check, or "".
func (e *evaluator) reviewOf(h hit) string {
	if h.group < 0 {
		return "counted from the title “" + e.items[h.item].Title + "”: check it is a result, not an order or referral"
	}
	if g := e.ix.groups[h.group]; g.Review {
		return "counted from a code outside the standard list for this test: check " + e.display(h) + " is this test"
	}
	if e.items[h.item].DateFrom == record.DateFromIssued {
		return "dated by when the result was reported (no date it was done is on record): check when it was done"
	}
	return ""
}

// note appends one part to Result.Details.
func (e *evaluator) note(parts ...string) {
	if !e.wantDetails {
		return
	}
	if len(e.details) > e.dstart {
		e.details = append(e.details, "; "...)
	}
	for _, p := range parts {
		e.details = append(e.details, p...)
	}
}

// more continues the current part of Result.Details.
func (e *evaluator) more(parts ...string) {
	if !e.wantDetails {
		return
	}
	for _, p := range parts {
		e.details = append(e.details, p...)
	}
}

// detail notes, for support, the code and group behind a hit.
func (e *evaluator) detail(h hit) {
	if !e.wantDetails {
		return
	}
	it := &e.items[h.item]
	if h.group < 0 {
		e.note("title keyword match on a ", it.Type)
		return
	}
	cs := codingsOf(it, h)
	g := e.ix.groups[h.group]
	e.note(it.Type, " ", cs[h.coding].System, "|", cs[h.coding].Code, " in “", g.Name, "”")
	switch {
	case g.vs != nil:
		e.more(" (value set ", g.vs.OID, " version ", g.vs.Version)
		if g.vs.Partial() {
			e.more(", published expansion ", g.vs.Expansion)
		}
		e.more(")")
	case g.Source != "" && g.Source != g.Name:
		e.more(" (", g.Source, ")")
	}
	if g.Review {
		e.more(", counted with a check: ", g.Reason)
	}
}

func (r *Result) flag(note string) {
	if note != "" && !r.Review {
		r.Review, r.ReviewNote = true, note
	}
}

// flagHit marks the result for review when the evidence needs a check,
// and notes the evidence's codes for support.
func (e *evaluator) flagHit(r *Result, h hit) {
	e.detail(h)
	if !r.Review {
		r.flag(e.reviewOf(h))
	}
}

func (r *Result) notApplicable(why string) {
	r.Status, r.Reason = NotApplicable, why
	r.Review, r.ReviewNote = false, ""
}

func (r *Result) needsReview(why string) {
	r.Status, r.Reason = NeedsReview, why
}

func triggerWords(t *Rule) string {
	if t.MinValue != nil && t.Title == "" {
		return "when the latest " + ruleTitle(t) + " is " + strconv.FormatFloat(*t.MinValue, 'f', -1, 64) + " or more"
	}
	return "for patients with " + ruleTitle(t) + " on record"
}

// ruleTitle names what a rule looks for: its title, else its first group.
func ruleTitle(t *Rule) string {
	if t.Title != "" {
		return t.Title
	}
	name := strings.ReplaceAll(t.ID, "_", " ")
	for p := t; p != nil; {
		if len(p.Evidence) > 0 {
			name = p.Evidence[0].Name
			break
		}
		if len(p.AllOf) == 0 {
			break
		}
		p = p.AllOf[0]
	}
	return name
}

// appendOnRecord says what is on record for the screening although none of
// it counts, and why (PCV13 and PPSV23 alone for the adult pneumococcal
// series, an HPV test before 30), or "nothing on record" when nothing is.
func (e *evaluator) appendOnRecord(b []byte, s *Screening) []byte {
	var found [3]hit
	var why [3]string
	n := 0
	consider := func(h hit, reason string) {
		if h.value || e.days[h.item] == noDate {
			return
		}
		for i := range n {
			if found[i].item == h.item {
				return
			}
		}
		// Keep the newest three, newest first.
		i := n
		for i > 0 && e.days[found[i-1].item] < e.days[h.item] {
			i--
		}
		if i >= len(found) {
			return
		}
		copy(found[i+1:], found[i:min(n, len(found)-1)])
		copy(why[i+1:], why[i:min(n, len(found)-1)])
		found[i], why[i] = h, reason
		n = min(n+1, len(found))
	}
	for _, g := range s.Related {
		for _, h := range e.groupHits(g) {
			consider(h, g.Reason) // the data says best why it does not count
		}
	}
	for _, m := range s.Modalities {
		for _, g := range m.Evidence {
			for _, h := range e.groupHits(g) {
				d := e.days[h.item]
				a := Age(e.patient.BirthDate, dayTime(d))
				reason := "it does not complete " + lowerFirst(m.name)
				switch {
				case d != noDate && !e.patient.BirthDate.IsZero() && d < dayNum(e.patient.BirthDate):
					reason = "it is dated before the patient's birth: check the date"
				case m.RequireValue && noValue(&e.items[h.item]):
					reason = "it has no result value"
				case d == noDate || a < 0:
				case a < m.MinAge:
					reason = "it was done at age " + strconv.Itoa(a) + " and counts only from age " + strconv.Itoa(m.MinAge)
				case m.MaxAge > 0 && a > m.MaxAge:
					reason = "it was done at age " + strconv.Itoa(a) + " and counts only up to age " + strconv.Itoa(m.MaxAge)
				}
				consider(h, reason)
			}
		}
	}
	if n == 0 {
		return append(b, "nothing on record"...)
	}
	b = append(b, "not counted: "...)
	for i := range n {
		if i > 0 {
			b = append(b, " and "...)
		}
		b = e.appendWhat(b, found[i])
		e.detail(found[i])
	}
	b = append(b, ": "...)
	return append(b, why[0]...)
}

func lowerFirst(s string) string {
	if s == "" || len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s // an acronym (HPV, PSA, CT) stays as it is
	}
	return strings.ToLower(s[:1]) + s[1:]
}
