// Package prepnote renders a prep sheet as the note HealthPrep sends to
// the patient's chart: the screenings with their status, the evidence
// that counted and its dates, and the catalogue version that decided them,
// as text/plain or text/html (the two content types Epic files as a
// clinical note). It is pure: a sheet in, bytes out.
//
// The note leaves out the patient's name, MRN and birth date (the chart
// it is filed in says whose it is) and the support details (codes, value
// sets): what a provider reads before the visit, nothing more.
package prepnote

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/prep"
	"github.com/healthprep/desk/internal/screening"
)

// Formats.
const (
	Text = "text" // text/plain
	HTML = "html" // text/html
)

// Options say how and by whom the note was prepared.
type Options struct {
	Format           string // Text (default) or HTML
	CatalogueVersion string
	PreparedBy       string    // the signed-in user's name
	PreparedAt       time.Time // when it is sent
	Location         *time.Location
}

// Note is a rendered note.
type Note struct {
	Title       string // the document's description
	ContentType string // with charset
	Data        []byte
}

// Title is every note's description in the chart.
const Title = "Preventive screening prep (HealthPrep Desk)"

// ErrNothingKnown refuses a sheet whose chart was never fetched.
var ErrNothingKnown = errors.New("this patient's chart could not be fetched from Epic, so there is no prep to send; update from Epic first")

var groups = []struct {
	status screening.Status
	name   string
}{
	{screening.Due, "Due"}, {screening.DueSoon, "Due soon"}, {screening.NeedsReview, "To review"},
	{screening.Complete, "Complete"}, {screening.Excluded, "Excluded"},
}

// view is the note's content, shared by both formats.
type view struct {
	Title, Visit, Prepared, Stale string
	Notes                         []string
	Groups                        []group
}

type group struct {
	Name  string
	Items []item
}

type item struct {
	Title, Status, Line, Why string
	Flags, Evidence          []string
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

var statusWords = map[screening.Status]string{
	screening.Due: "due", screening.DueSoon: "due soon", screening.NeedsReview: "to review",
	screening.Complete: "complete", screening.Excluded: "excluded", screening.NotApplicable: "not applicable",
}

func build(s prep.Sheet, o Options) view {
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	v := view{Title: Title, Notes: s.Notes}
	visit := []string{s.Time.In(loc).Format("2006-01-02 15:04")}
	if s.VisitType != "" {
		visit = append(visit, s.VisitType)
	}
	if s.Provider != "" {
		visit = append(visit, "with "+s.Provider)
	}
	v.Visit = strings.Join(visit, ", ")
	v.Prepared = fmt.Sprintf("Prepared %s by %s from the Epic chart; screening catalogue %s.",
		o.PreparedAt.In(loc).Format("2006-01-02 15:04"), or(o.PreparedBy, "HealthPrep Desk"), or(o.CatalogueVersion, "unknown"))
	if s.Stale {
		v.Stale = "Epic could not be reached for this patient at the last update: this prep rests on an earlier update."
	}
	for _, g := range groups {
		var items []item
		for _, r := range s.Results {
			if r.Status != g.status {
				continue
			}
			it := item{Title: r.Title, Status: statusWords[r.Status], Why: r.Reason}
			var facts []string
			if !r.LastDone.IsZero() {
				facts = append(facts, "last done "+ymd(r.LastDone)+map[bool]string{true: " (" + r.Modality + ")", false: ""}[r.Modality != ""])
			}
			if !r.NextDue.IsZero() {
				facts = append(facts, "next due "+ymd(r.NextDue))
			}
			it.Line = strings.Join(facts, "; ")
			if r.Attention != "" {
				it.Flags = append(it.Flags, "attention: "+r.Attention)
			}
			if r.Review {
				it.Flags = append(it.Flags, "check: "+or(r.ReviewNote, "rests on evidence marked for review"))
			}
			for _, e := range r.Evidence {
				what := or(e.Display, e.Code)
				from := or(sources[e.Type], e.Type)
				if what == "" {
					what, from = from, ""
				}
				var meta []string
				if from != "" {
					meta = append(meta, from)
				}
				if !e.Date.IsZero() {
					meta = append(meta, ymd(e.Date))
				}
				if len(meta) > 0 {
					what += " (" + strings.Join(meta, ", ") + ")"
				}
				it.Evidence = append(it.Evidence, what)
			}
			items = append(items, it)
		}
		if len(items) > 0 {
			v.Groups = append(v.Groups, group{Name: g.name, Items: items})
		}
	}
	return v
}

// sources name where evidence came from, in the words the sheet uses.
var sources = map[string]string{
	"Observation": "result", "DiagnosticReport": "report", "Procedure": "procedure",
	"Immunization": "vaccine record", "DocumentReference": "document", "Condition": "condition",
	"Encounter": "visit", "MedicationRequest": "medication", "ServiceRequest": "order", "DeviceRequest": "device order",
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Render renders the note for one sheet.
func Render(s prep.Sheet, o Options) (Note, error) {
	if s.NotFetched {
		return Note{}, ErrNothingKnown
	}
	v := build(s, o)
	var b bytes.Buffer
	switch o.Format {
	case "", Text:
		writeText(&b, v)
		return Note{Title: Title, ContentType: "text/plain; charset=utf-8", Data: b.Bytes()}, nil
	case HTML:
		if err := htmlNote.Execute(&b, v); err != nil {
			return Note{}, err
		}
		return Note{Title: Title, ContentType: "text/html; charset=utf-8", Data: b.Bytes()}, nil
	}
	return Note{}, fmt.Errorf("the note format %q is not known: use text or html", o.Format)
}

func writeText(b *bytes.Buffer, v view) {
	fmt.Fprintf(b, "%s\nVisit: %s\n%s\n", v.Title, v.Visit, v.Prepared)
	if v.Stale != "" {
		fmt.Fprintf(b, "%s\n", v.Stale)
	}
	for _, n := range v.Notes {
		fmt.Fprintf(b, "Note: %s\n", n)
	}
	if len(v.Groups) == 0 {
		b.WriteString("\nNo screening applies at this visit.\n")
	}
	for _, g := range v.Groups {
		fmt.Fprintf(b, "\n%s\n", strings.ToUpper(g.Name))
		for _, it := range g.Items {
			fmt.Fprintf(b, "- %s: %s", it.Title, it.Status)
			if it.Line != "" {
				fmt.Fprintf(b, "; %s", it.Line)
			}
			b.WriteString(".\n")
			if it.Why != "" {
				fmt.Fprintf(b, "  Why: %s\n", it.Why)
			}
			for _, f := range it.Flags {
				fmt.Fprintf(b, "  [%s]\n", f)
			}
			if len(it.Evidence) > 0 {
				fmt.Fprintf(b, "  Evidence: %s\n", strings.Join(it.Evidence, "; "))
			}
		}
	}
}

var htmlNote = template.Must(template.New("note").Parse(`<div>
<h3>{{.Title}}</h3>
<p>Visit: {{.Visit}}<br>{{.Prepared}}{{if .Stale}}<br><b>{{.Stale}}</b>{{end}}</p>
{{range .Notes}}<p>Note: {{.}}</p>
{{end}}{{if not .Groups}}<p>No screening applies at this visit.</p>
{{end}}{{range .Groups}}<h4>{{.Name}}</h4>
<ul>
{{range .Items}}<li><b>{{.Title}}</b>: {{.Status}}{{if .Line}}; {{.Line}}{{end}}.{{if .Why}}<br>Why: {{.Why}}{{end}}{{range .Flags}}<br>[{{.}}]{{end}}{{if .Evidence}}<br>Evidence: {{range $i, $e := .Evidence}}{{if $i}}; {{end}}{{$e}}{{end}}{{end}}</li>
{{end}}</ul>
{{end}}</div>
`))
