package prep

import (
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/healthprep/desk/internal/screening"
)

var statusWords = map[screening.Status]string{
	screening.Due: "DUE", screening.DueSoon: "due soon", screening.NeedsReview: "review",
	screening.Complete: "complete", screening.Excluded: "excluded", screening.NotApplicable: "n/a",
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func age(a *int) string {
	if a == nil {
		return "?"
	}
	return strconv.Itoa(*a)
}

type section struct {
	Name  string
	Lines []Line
}

func sections(s Sheet) []section {
	return []section{{"Active conditions", s.Conditions}, {"Recent labs", s.Labs}, {"Recent imaging", s.Imaging},
		{"Consults and documents", s.Consults}, {"Hospital visits", s.Hospital}, {"Immunizations", s.Immunizations}}
}

var printPage = template.Must(template.New("print").Funcs(template.FuncMap{
	"ymd": ymd, "age": age, "hhmm": func(t time.Time) string { return t.Format("15:04") },
	"words": func(s screening.Status) string { return statusWords[s] }, "sections": sections,
	"cls": func(s screening.Status) string { return strings.ReplaceAll(string(s), "_", "-") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prep {{.Date}}</title>
<style>
body{font:11pt/1.35 system-ui,"Segoe UI",Roboto,sans-serif;color:#111;margin:0}
.sheet{padding:12mm 14mm;page-break-after:always}.sheet:last-child{page-break-after:auto}
h1{font-size:15pt;margin:0}.sub{color:#444;font-size:9.5pt}
table{border-collapse:collapse;width:100%;margin-top:4mm}th,td{border-bottom:1px solid #bbb;padding:1.2mm 1.5mm;text-align:left;vertical-align:top;font-size:9.5pt}
th{font-size:8.5pt;color:#333}.due{font-weight:700}.st{white-space:nowrap}.check,.note{color:#8a4b00}.attention{font-weight:700}.note{font-size:8.5pt}
h2{font-size:10.5pt;margin:4mm 0 1mm}ul{margin:0;padding-left:5mm;font-size:9.5pt}.none{color:#666;font-size:9.5pt}
.cols{columns:2;column-gap:8mm}.cols section{break-inside:avoid}
@page{size:auto;margin:0}
</style></head><body>
{{range .Sheets}}<div class="sheet">
<h1>{{.Patient.Name}}</h1>
<div class="sub">MRN {{.Patient.MRN}} · {{age .Patient.Age}} years · {{.Patient.Sex}}{{if .Patient.BirthDate}} · born {{.Patient.BirthDate}}{{end}}</div>
<div class="sub">{{hhmm .Time}} {{.VisitType}} · {{.Provider}}{{if .Stale}} · older data (Epic could not be reached for this patient){{end}}</div>
{{if .NotFetched}}<p class="note">Could not be fetched: Epic did not give this patient's chart at the last update, and no earlier update did. Nothing is known about this patient's screenings.</p>{{else}}
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
<table><thead><tr><th>Screening</th><th>Status</th><th>Last done</th><th>Next due</th><th>Why</th></tr></thead><tbody>
{{range .Results}}<tr class="{{cls .Status}}"><td>{{.Title}}{{if .Review}} <span class="check">(check)</span>{{end}}</td><td class="st">{{words .Status}}</td><td>{{ymd .LastDone}}</td><td>{{ymd .NextDue}}</td><td>{{.Reason}}{{if .Attention}}<div class="attention">Needs attention: {{.Attention}}</div>{{end}}{{if .ReviewNote}}<div class="note">Check: {{.ReviewNote}}</div>{{end}}</td></tr>
{{end}}</tbody></table>
<div class="cols">{{range sections .}}<section><h2>{{.Name}}</h2>{{if .Lines}}<ul>{{range .Lines}}<li>{{ymd .Date}} {{.Title}}{{if .Detail}} — {{.Detail}}{{end}}</li>{{end}}</ul>{{else}}<div class="none">None in the period shown.</div>{{end}}</section>{{end}}</div>{{end}}
</div>
{{end}}</body></html>`))

// WritePrintHTML writes a self-contained print document, one sheet per page.
func WritePrintHTML(w io.Writer, date string, sheets []Sheet) error {
	return printPage.Execute(w, struct {
		Date   string
		Sheets []Sheet
	}{date, sheets})
}
