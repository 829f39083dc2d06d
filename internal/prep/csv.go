package prep

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// WriteDayCSV writes the day's list as CSV (one row per appointment), for
// the CLI's `prep --format csv` and any export of the day list.
//
// Names, visit types and providers come from Epic and from imported
// files, so a cell may start like a spreadsheet formula. As OWASP advises
// for CSV injection, such a cell gets a leading single quote, and every
// cell is quoted with inner quotes doubled. encoding/csv quotes only when
// needed, so the cells are written here.
func WriteDayCSV(w io.Writer, d Day) error {
	bw := bufio.NewWriter(w)
	writeCSVRow(bw, []string{"date", "time", "patient", "mrn", "age", "sex", "visit_type", "provider", "status", "due", "due_soon", "needs_review", "complete", "excluded", "older_data", "could_not_be_fetched"})
	for _, r := range d.Rows {
		counts := []string{strconv.Itoa(r.Counts.Due), strconv.Itoa(r.Counts.DueSoon), strconv.Itoa(r.Counts.NeedsReview), strconv.Itoa(r.Counts.Complete), strconv.Itoa(r.Counts.Excluded)}
		a := age(r.Age)
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
