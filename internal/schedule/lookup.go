// Finding each row's patient in Epic, one search per distinct patient.

package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/healthprep/desk/internal/fhir"
	"github.com/healthprep/desk/internal/record"
)

// resolve finds each row's patient in Epic: one search per distinct MRN
// (or name and birth date), whatever the number of rows naming it, at most
// Concurrency at once. A look-up that fails for a reason that would fail
// every look-up (sign-in, Epic unreachable or throttling, the sync
// cancelled) stops the others and fails the whole schedule.
func (s File) resolve(ctx context.Context, rows []Row) ([]record.Appointment, []RowError, error) {
	keys := make([]string, len(rows))
	var todo []int // the first row of each distinct patient to search for
	seen := map[string]bool{}
	for i, r := range rows {
		keys[i] = lookupKey(r)
		if keys[i] != "" && !seen[keys[i]] {
			seen[keys[i]] = true
			todo = append(todo, i)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		found = map[string]lookup{}
		fatal error
		wg    sync.WaitGroup
	)
	work := make(chan int)
	n := s.Concurrency
	if n <= 0 {
		n = 6
	}
	for w := 0; w < min(n, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				l, err := s.lookup(ctx, rows[i])
				mu.Lock()
				if err != nil && fatal == nil {
					fatal = err
					cancel()
				}
				found[keys[i]] = l
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if fatal != nil {
		return nil, nil, fatal
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var out []record.Appointment
	var problems []RowError
	for i, r := range rows {
		if r.FHIRID != "" {
			out = append(out, appointmentOf(r, r.FHIRID, displayOf(r)))
			continue
		}
		id, name, problem := found[keys[i]].forRow(r)
		if problem != "" {
			problems = append(problems, RowError{Line: r.Line, Problem: problem})
			continue
		}
		out = append(out, appointmentOf(r, id, name))
	}
	return out, problems, nil
}

// lookupKey names the search a row needs: rows with the same key share
// one search. A row with a FHIR id needs none ("").
func lookupKey(r Row) string {
	switch {
	case r.FHIRID != "":
		return ""
	case r.MRN != "":
		return "mrn\x00" + r.MRN
	}
	return "name\x00" + strings.ToLower(r.Family) + "\x00" + strings.ToLower(r.Given) + "\x00" + r.BirthDate.Format(time.DateOnly)
}

func appointmentOf(r Row, patientID, name string) record.Appointment {
	a := record.Appointment{
		Start: r.Start, Minutes: r.Minutes, ProviderID: r.ProviderID, Provider: r.Provider,
		Location: r.Department, VisitType: r.VisitType, Status: r.Status,
		PatientID: patientID, PatientName: name, CSN: r.CSN,
	}
	a.ID = "csn-" + r.CSN
	if r.CSN == "" {
		a.ID = fmt.Sprintf("%s-%s-%s", patientID, r.Start.Format("1504"), strings.Join(strings.Fields(r.Provider+r.ProviderID), ""))
	}
	return a
}

// lookup is what one patient search found: the one matching chart, or a
// problem to report on every row that needed it (never a guess).
type lookup struct {
	patient patientHead
	how     string // "MRN" or "name and date of birth"
	problem string
}

// forRow is the row's patient id and display name, or its problem.
func (l lookup) forRow(r Row) (id, name, problem string) {
	if l.problem != "" {
		return "", "", l.problem
	}
	p := l.patient
	if r.MRN != "" && !r.BirthDate.IsZero() && p.BirthDate != "" && p.BirthDate != r.BirthDate.Format(time.DateOnly) {
		return "", "", "the MRN and the date of birth on this row belong to different patients; check the row against Epic"
	}
	name = displayOf(r)
	if name == "" {
		name = p.display()
	}
	return p.ID, name, ""
}

// lookup searches Epic for the row's patient, by MRN or by name and birth
// date. A failure every search would meet is returned as the error.
func (s File) lookup(ctx context.Context, r Row) (lookup, error) {
	var q url.Values
	l := lookup{how: "name and date of birth"}
	if r.MRN != "" {
		ident := r.MRN
		if s.MRNSystem != "" {
			ident = s.MRNSystem + "|" + r.MRN
		}
		q, l.how = url.Values{"identifier": {ident}}, "MRN"
	} else {
		q = url.Values{"family": {r.Family}, "given": {r.Given}, "birthdate": {r.BirthDate.Format(time.DateOnly)}}
	}
	res, err := s.FHIR.Search(ctx, "Patient", q)
	switch fhir.KindOf(err) {
	case fhir.KindUnknown:
		if err != nil {
			return l, err
		}
	case fhir.KindSignIn, fhir.KindUnreachable, fhir.KindRateLimited, fhir.KindScope:
		return l, err
	default:
		l.problem = "the patient look-up failed: " + err.Error()
		return l, nil
	}
	var found []patientHead
	for _, raw := range res.Resources {
		var p patientHead
		if json.Unmarshal(raw, &p) == nil && p.ResourceType == "Patient" && p.ID != "" {
			found = append(found, p)
		}
	}
	switch {
	case len(found) == 0:
		l.problem = "no patient in Epic matches this row's " + l.how
	case len(found) > 1:
		l.problem = fmt.Sprintf("%d patients in Epic match this row's %s; add the MRN to the row so the right chart is used", len(found), l.how)
	default:
		l.patient = found[0]
	}
	return l, nil
}

func displayOf(r Row) string {
	if r.Family == "" {
		return ""
	}
	return strings.TrimSpace(titleIfShouting(r.Given) + " " + titleIfShouting(r.Family))
}

type patientHead struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	BirthDate    string `json:"birthDate"`
	Name         []struct {
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
}

func (p patientHead) display() string {
	if len(p.Name) == 0 {
		return ""
	}
	n := p.Name[0]
	if n.Text != "" {
		return n.Text
	}
	return strings.TrimSpace(strings.Join(append(n.Given, n.Family), " "))
}
