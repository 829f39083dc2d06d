package prep

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthprep/desk/internal/screening"
)

var statusWords = map[screening.Status]string{
	screening.Due: "DUE", screening.DueSoon: "due soon", screening.NeedsReview: "review",
	screening.Complete: "complete", screening.Excluded: "excluded", screening.NotApplicable: "n/a",
}

var measureWords = map[screening.MeasureStatus]string{
	screening.MeasureMet: "met", screening.MeasureNotMet: "NOT MET", screening.MeasureExcluded: "excluded",
	screening.MeasureOutside: "outside the measure",
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

// WriteDayText prints the day's list as a terminal table.
func WriteDayText(w io.Writer, d Day) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	asOf := "not synced"
	if d.AsOf != nil {
		asOf = "as of " + d.AsOf.Local().Format("15:04")
	}
	fmt.Fprintf(tw, "%s (%s)%s\n", d.Date, asOf, map[bool]string{true: " - last update incomplete", false: ""}[d.Partial])
	fmt.Fprintln(tw, "TIME\tPATIENT\tMRN\tAGE\tVISIT\tPROVIDER\tDUE\tSOON\tREVIEW\tDONE\t")
	for _, r := range d.Rows {
		name := r.PatientName
		if r.Inactive {
			name += " [" + r.Status + "]"
		}
		switch {
		case r.NotFetched:
			name += " (could not be fetched)"
		case r.Stale:
			name += " (older data)"
		}
		if r.NotFetched {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t\n", r.Time.Format("15:04"), name, r.MRN, "", r.VisitType, r.Provider)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", r.Time.Format("15:04"), name, r.MRN, age(r.Age), r.VisitType, r.Provider,
			r.Counts.Due, r.Counts.DueSoon, r.Counts.NeedsReview, r.Counts.Complete)
	}
	return tw.Flush()
}

// WriteSheetText prints one prep sheet.
func WriteSheetText(w io.Writer, s Sheet) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	if s.NotFetched {
		// Nothing is known: no age, no screenings, no "none in the period".
		fmt.Fprintf(w, "%s\n%s %s with %s\n\n", s.Patient.Name, s.Time.Format("2006-01-02 15:04"), s.VisitType, s.Provider)
		fmt.Fprintln(w, "Could not be fetched: Epic did not give this patient's chart at the last update, and no earlier update did.")
		fmt.Fprintln(w, "Nothing below is known about this patient's screenings. Update from Epic to try again.")
		return nil
	}
	fmt.Fprintf(tw, "%s  MRN %s  age %s  %s\n%s %s with %s\n\n", s.Patient.Name, s.Patient.MRN, age(s.Patient.Age), s.Patient.Sex, s.Time.Format("2006-01-02 15:04"), s.VisitType, s.Provider)
	if s.Stale {
		fmt.Fprintln(tw, "Older data: Epic could not be reached for this patient at the last update; this sheet shows what an earlier update fetched.")
	}
	for _, n := range s.Notes {
		fmt.Fprintf(tw, "Note: %s\n", n)
	}
	if s.Stale || len(s.Notes) > 0 {
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "SCREENING\tSTATUS\tLAST DONE\tNEXT DUE\tWHY\t")
	for _, r := range s.Results {
		flag := ""
		if r.Attention != "" {
			flag += " [attention: " + r.Attention + "]"
		}
		if r.Review {
			flag += " [check: " + r.ReviewNote + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s%s\t\n", r.Title, statusWords[r.Status], ymd(r.LastDone), ymd(r.NextDue), r.Reason, flag)
	}
	tw.Flush()
	if len(s.Measures) > 0 {
		fmt.Fprintf(w, "\nQuality measures %d (how the practice's measures count this patient):\n", s.Measures[0].Year)
		for _, m := range s.Measures {
			fmt.Fprintf(w, "  %s %s: %s - %s\n", m.ID, m.Title, measureWords[m.Status], m.Reason)
			if m.Differs != "" {
				fmt.Fprintf(w, "    Differs from the guideline: %s\n", m.Differs)
			}
		}
	}
	for _, sec := range sections(s) {
		fmt.Fprintf(w, "\n%s:\n", sec.Name)
		if len(sec.Lines) == 0 {
			fmt.Fprintln(w, "  none in the period shown")
		}
		for _, l := range sec.Lines {
			fmt.Fprintf(w, "  %s  %s%s\n", ymd(l.Date), l.Title, map[bool]string{true: " - " + l.Detail, false: ""}[l.Detail != ""])
		}
	}
	return nil
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
