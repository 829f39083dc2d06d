// Package report writes the API's day list and prep sheet as text and CSV
// for the CLI (the JSON form is the API's own; the print view is the
// agent's). It formats the wire types, so what it shows is what the app
// is sent.
package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthprep/desk/agent/api"
)

var statusWords = map[api.ScreeningStatus]string{
	"due": "DUE", "due_soon": "due soon", "needs_review": "review",
	"complete": "complete", "excluded": "excluded", "not_applicable": "n/a",
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func ageText(a *int) string {
	if a == nil {
		return "?"
	}
	return strconv.Itoa(*a)
}

// WriteDayText prints the day's list as a terminal table.
func WriteDayText(w io.Writer, d api.DayList) error {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", r.Time.Format("15:04"), name, r.MRN, ageText(r.Age), r.VisitType, r.Provider,
			r.Counts.Due, r.Counts.DueSoon, r.Counts.NeedsReview, r.Counts.Complete)
	}
	return tw.Flush()
}

// WriteSheetText prints one prep sheet.
func WriteSheetText(w io.Writer, s api.Sheet) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	if s.NotFetched {
		// Nothing is known: no age, no screenings, no "none in the period".
		fmt.Fprintf(w, "%s\n%s %s with %s\n\n", s.Patient.Name, s.Time.Format("2006-01-02 15:04"), s.VisitType, s.Provider)
		fmt.Fprintln(w, "Could not be fetched: Epic did not give this patient's chart at the last update, and no earlier update did.")
		fmt.Fprintln(w, "Nothing below is known about this patient's screenings. Update from Epic to try again.")
		return nil
	}
	fmt.Fprintf(tw, "%s  MRN %s  age %s  %s\n%s %s with %s\n\n", s.Patient.Name, s.Patient.MRN, ageText(s.Patient.Age), s.Patient.Sex, s.Time.Format("2006-01-02 15:04"), s.VisitType, s.Provider)
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
	for _, sec := range []struct {
		Name  string
		Lines []api.Line
	}{{"Active conditions", s.Conditions}, {"Recent labs", s.Labs}, {"Recent imaging", s.Imaging},
		{"Consults and documents", s.Consults}, {"Hospital visits", s.Hospital}, {"Immunizations", s.Immunizations}} {
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

// WriteDayCSV writes the day's list as CSV (one row per appointment), for
// the CLI's `prep --format csv` and any export of the day list.
//
// Names, visit types and providers come from Epic and from imported
// files, so a cell may start like a spreadsheet formula. As OWASP advises
// for CSV injection, such a cell gets a leading single quote, and every
// cell is quoted with inner quotes doubled. encoding/csv quotes only when
// needed, so the cells are written here.
func WriteDayCSV(w io.Writer, d api.DayList) error {
	bw := bufio.NewWriter(w)
	writeCSVRow(bw, []string{"date", "time", "patient", "mrn", "age", "sex", "visit_type", "provider", "status", "due", "due_soon", "needs_review", "complete", "excluded", "older_data", "could_not_be_fetched"})
	for _, r := range d.Rows {
		counts := []string{strconv.Itoa(r.Counts.Due), strconv.Itoa(r.Counts.DueSoon), strconv.Itoa(r.Counts.NeedsReview), strconv.Itoa(r.Counts.Complete), strconv.Itoa(r.Counts.Excluded)}
		a := ageText(r.Age)
		if r.NotFetched {
			counts, a = []string{"", "", "", "", ""}, "" // unknown, not zero
		}
		writeCSVRow(bw, append(append([]string{d.Date, r.Time.Format("15:04"), r.PatientName, r.MRN, a, r.Sex, r.VisitType, r.Provider, r.Status},
			counts...), strconv.FormatBool(r.Stale), strconv.FormatBool(r.NotFetched)))
	}
	return bw.Flush()
}

func writeCSVRow(w *bufio.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(SafeCell(c), `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString("\r\n")
}

// SafeCell neutralises a cell a spreadsheet would run as a formula: one
// that starts with =, +, -, @, a tab or a carriage return gets a leading
// single quote (OWASP, CSV Injection).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
