package prep

import (
	"github.com/healthprep/desk/internal/screening"
)

// CountResults is the day list's counts for a sheet's results: the agent
// recounts a row when its documents' text changes a result.
func CountResults(results []screening.Result) Counts { return count(results) }

// unreadLines names the documents that could not be read, so the front
// desk knows to look at them by hand.
func unreadLines(d *screening.DocText) []Line {
	if d == nil || len(d.Unreadable) == 0 {
		return nil
	}
	out := make([]Line, 0, len(d.Unreadable))
	for _, u := range d.Unreadable {
		out = append(out, Line{Title: u.Title, Date: u.Date, Detail: u.Reason})
	}
	return out
}
