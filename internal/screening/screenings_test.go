package screening

import (
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/record"
)

// TestEveryScreening is generated from the default catalogue, so every
// screening, modality, code group, code system and exclusion in it is
// exercised, and a catalogue change cannot leave one untested: for each
// modality a code of each system on each resource type it may come from,
// placed at the edges of its interval (complete the day before the due-soon
// window, due soon on its first and last day, due on the due date); the
// age and sex edges; a missing trigger; each exclusion.
func TestEveryScreening(t *testing.T) {
	cat := Default()
	v := day("2026-11-24")
	cases := 0
	for _, s := range cat.Screenings {
		if !s.On() {
			continue
		}
		t.Run(s.ID, func(t *testing.T) {
			cases += eligibility(t, cat, s, v)
			for _, m := range s.Modalities {
				t.Run("modality/"+m.ID, func(t *testing.T) { cases += modalityCases(t, cat, s, m, v) })
			}
			for _, x := range s.Exclusions {
				t.Run("exclusion/"+x.ID, func(t *testing.T) { cases += exclusionCases(t, cat, s, x, v) })
			}
		})
	}
	if cases < 500 {
		t.Fatalf("only %d cases generated from the catalogue", cases)
	}
	t.Logf("%d cases from %d enabled screenings", cases, len(cat.Enabled()))
}

// The patient each screening's cases start from: the first sex it is for,
// an age in its range, and its first trigger on record.
func ageFor(s *Screening, m *Modality) int {
	hi := 90
	if s.MaxAge != nil {
		hi = *s.MaxAge
	}
	age := (s.MinAge + hi) / 2
	if m != nil && m.MinAge > 0 {
		age = max(age, m.MinAge+12) // evidence up to ~11 years back still counts
	}
	return min(age, hi)
}

func triggerItems(s *Screening, on time.Time) []record.Item {
	if len(s.Triggers) == 0 {
		return nil
	}
	tr := s.Triggers[0]
	sys, code := firstCode(tr.Evidence[0])
	typ := "Condition"
	if len(tr.Resources) > 0 {
		typ = tr.Resources[0]
	}
	it := item(typ, sys, code, on.AddDate(-1, 0, 0))
	if tr.MinValue != nil {
		it.Value = &record.Quantity{Value: *tr.MinValue + 1}
	}
	return []record.Item{it}
}

func expectManual(s *Screening, want Status) Status {
	if s.ManualReview != "" && (want == Due || want == DueSoon) {
		return NeedsReview
	}
	return want
}

func eligibility(t *testing.T, cat *Catalogue, s *Screening, v time.Time) int {
	n := 0
	base := triggerItems(s, v)
	sex := s.Sexes[0]
	applies := expectManual(s, Due) // nothing on record
	try := func(name string, p record.Patient, items []record.Item, want Status) {
		t.Helper()
		n++
		r := result(t, cat, chart(p, items...), v, s.ID)
		if r.Status != want {
			t.Errorf("%s: status %s, want %s (%s)", name, r.Status, want, r.Reason)
		}
	}
	try("in range", person(sex, bornAged(ageFor(s, nil), v)), base, applies)
	if s.MinAge > 0 {
		// Completed years on the visit day: a birthday today counts.
		try("min age, birthday today", person(sex, v.AddDate(-s.MinAge, 0, 0)), base, applies)
		try("a day short of min age", person(sex, v.AddDate(-s.MinAge, 0, 1)), base, NotApplicable)
	}
	if s.MaxAge != nil {
		try("max age, last day", person(sex, v.AddDate(-*s.MaxAge-1, 0, 1)), base, applies)
		try("max age + 1, birthday today", person(sex, v.AddDate(-*s.MaxAge-1, 0, 0)), base, NotApplicable)
	}
	age := bornAged(ageFor(s, nil), v)
	if s.anySex {
		// Sex does not decide anything here, so its absence is no reason to stop.
		try("sex not recorded", person("", age), base, applies)
	} else {
		for _, other := range []string{"female", "male"} {
			if !strings.Contains(strings.Join(s.Sexes, ","), other) {
				try("other sex", person(other, age), base, NotApplicable)
			}
		}
		try("sex not recorded", person("", age), base, NeedsReview)
		try("sex unknown", person("unknown", age), base, NeedsReview)
		try("sex other", person("other", age), base, NeedsReview)
	}
	try("birth date not recorded", person(sex, time.Time{}), base, NeedsReview)
	if len(s.Triggers) > 0 {
		try("no trigger on record", person(sex, age), nil, NotApplicable)
		if base[0].Type == "Condition" {
			resolved := with(base[0], func(it *record.Item) { it.Status = "resolved" })
			try("trigger condition resolved", person(sex, age), []record.Item{resolved}, NotApplicable)
			wrong := with(base[0], func(it *record.Item) { it.Verification = "entered-in-error" })
			try("trigger entered in error", person(sex, age), []record.Item{wrong}, NotApplicable)
		}
		if tr := s.Triggers[0]; tr.MinValue != nil {
			low := with(base[0], func(it *record.Item) { it.Value = &record.Quantity{Value: *tr.MinValue - 0.1} })
			try("trigger value below threshold", person(sex, age), []record.Item{low}, NotApplicable)
			at := with(base[0], func(it *record.Item) { it.Value = &record.Quantity{Value: *tr.MinValue} })
			try("trigger value at threshold", person(sex, age), []record.Item{at}, applies)
		}
	}
	return n
}

// windowDue is the due date with the modality's measure window: evidence
// counts through the end of the year last + window falls in.
func windowDue(m *Modality, last, due time.Time) time.Time {
	if m.window.IsZero() {
		return due
	}
	end := time.Date(m.window.AddTo(last).Year()+1, 1, 1, 12, 0, 0, 0, time.UTC)
	if end.After(due) {
		return end
	}
	return due
}

// statusFor is the status a due date gives on visit day v.
func statusFor(s *Screening, due, v time.Time) Status {
	switch {
	case !due.After(v):
		return Due
	case s.dueSoon.IsZero() || s.dueSoon.SubFrom(due).After(v):
		return Complete
	}
	return DueSoon
}

func resourceTypes(rs []string, dflt ...string) []string {
	if len(rs) > 0 {
		return rs
	}
	return dflt
}

// expectedInterval is the modality's interval for the age (its age bands).
func expectedInterval(m *Modality, age int) Period {
	iv := m.interval
	for _, b := range m.IntervalByAge {
		if age >= b.MinAge && (b.MaxAge == 0 || age <= b.MaxAge) {
			iv = b.period
		}
	}
	return iv
}

func modalityCases(t *testing.T, cat *Catalogue, s *Screening, m *Modality, v time.Time) int {
	age := ageFor(s, m)
	p := person(s.Sexes[0], bornAged(age, v))
	base := triggerItems(s, v)
	run := func(name string, items []record.Item) Result {
		t.Helper()
		return result(t, cat, chart(p, append(append([]record.Item{}, base...), items...)...), v, s.ID)
	}
	want := func(name string, r Result, status Status) {
		t.Helper()
		if status = expectManual(s, status); r.Status != status {
			t.Errorf("%s: status %s, want %s (%s)", name, r.Status, status, r.Reason)
		}
	}
	n := 0
	if m.AllOf || m.Sequence {
		for _, typ := range resourceTypes(m.Resources, "Observation") {
			n += stepsCases(t, s, m, typ, v, run, want)
		}
		return n
	}
	for _, g := range m.Evidence {
		for _, sys := range sortedKeys(g.all) {
			code := sampleCode(sys, g.all[sys][0])
			for _, typ := range resourceTypes(m.Resources, "Observation") {
				name := g.Name + " " + sys + " " + code + " on " + typ
				mk := func(on time.Time) record.Item { return item(typ, sys, code, on) }
				review := g.Review || m.IntervalReview && m.kind == everyPeriod
				n += kindCases(t, s, m, name, age, v, mk, review, run, want)
			}
		}
	}
	for _, kw := range m.Keywords {
		mk := func(on time.Time) record.Item {
			return with(item("DocumentReference", "", "", on), func(it *record.Item) {
				it.Codes, it.Title = nil, "Outside "+strings.ToUpper(kw)+" report"
			})
		}
		n += kindCases(t, s, m, "keyword "+kw, age, v, mk, true, run, want)
	}
	return n
}

// kindCases places one kind of evidence around the edges of the modality.
func kindCases(t *testing.T, s *Screening, m *Modality, name string, age int, v time.Time, mk func(time.Time) record.Item,
	review bool, run func(string, []record.Item) Result, want func(string, Result, Status)) int {
	t.Helper()
	n := 0
	expect := func(what string, r Result, status Status, last, next time.Time) {
		t.Helper()
		n++
		want(name+": "+what, r, status)
		if ymdOf(r.LastDone) != ymdOf(last) || ymdOf(r.NextDue) != ymdOf(next) {
			t.Errorf("%s: %s: last %s next %s, want %s and %s", name, what, ymdOf(r.LastDone), ymdOf(r.NextDue), ymdOf(last), ymdOf(next))
		}
		if !last.IsZero() {
			if r.Modality != m.name || len(r.Evidence) == 0 {
				t.Errorf("%s: %s: modality %q with %d evidence, want %q", name, what, r.Modality, len(r.Evidence), m.name)
			}
			if r.Review != review || review && r.ReviewNote == "" {
				t.Errorf("%s: %s: review %v (%q), want %v", name, what, r.Review, r.ReviewNote, review)
			}
		}
	}
	nothing := run(name, nil)
	expect("nothing on record", nothing, Due, time.Time{}, time.Time{})
	switch m.kind {
	case everyPeriod:
		iv := expectedInterval(m, age)
		edges := []struct {
			what string
			due  time.Time
			st   Status
		}{
			{"the day before the due-soon window", s.dueSoon.AddTo(v).AddDate(0, 0, 1), Complete},
			{"first day of the due-soon window", s.dueSoon.AddTo(v), DueSoon},
			{"due tomorrow", v.AddDate(0, 0, 1), DueSoon},
			{"due today", v, Due},
			{"a year overdue", v.AddDate(-1, 0, 0), Due},
		}
		for _, e := range edges {
			if s.dueSoon.IsZero() && e.st == DueSoon {
				e.st = Due
				if e.due.After(v) {
					e.st = Complete
				}
			}
			last := iv.SubFrom(e.due)
			if !iv.AddTo(last).Equal(e.due) {
				t.Fatalf("%s: %s - %s does not come back to %s", name, ymdOf(e.due), iv, ymdOf(e.due))
			}
			if due := windowDue(m, last, e.due); !due.Equal(e.due) {
				// The measure's window keeps it covered to the year's end.
				e.due, e.st = due, statusFor(s, due, v)
			}
			expect(e.what, run(name, []record.Item{mk(last)}), e.st, last, e.due)
		}
		// The newest evidence counts, whatever order the chart lists it in.
		old, recent := iv.SubFrom(v.AddDate(-1, 0, 0)), iv.SubFrom(s.dueSoon.AddTo(v).AddDate(0, 0, 30))
		expect("older and newer", run(name, []record.Item{mk(recent), mk(old)}), Complete, recent, windowDue(m, recent, iv.AddTo(recent)))
	case once:
		last := v.AddDate(-3, 0, 0)
		expect("done three years ago", run(name, []record.Item{mk(last)}), Complete, last, time.Time{})
		expect("done today", run(name, []record.Item{mk(v)}), Complete, v, time.Time{})
		expect("done tomorrow (after the visit)", run(name, []record.Item{mk(v.AddDate(0, 0, 1))}), Due, time.Time{}, time.Time{})
	case season:
		start := time.Date(v.Year(), time.Month(8), 1, 12, 0, 0, 0, time.UTC)
		expect("on the season's first day", run(name, []record.Item{mk(start)}), Complete, start, start.AddDate(1, 0, 0))
		expect("the day before the season", run(name, []record.Item{mk(start.AddDate(0, 0, -1))}), Due, time.Time{}, time.Time{})
	case series:
		gap := max(m.minGap.AddTo(v).Sub(v), 10*7*24*time.Hour)
		var doses []record.Item
		first := v.AddDate(-2, 0, 0)
		for i := range m.Doses {
			doses = append(doses, mk(first.Add(time.Duration(i)*gap)))
		}
		lastDose := first.Add(time.Duration(m.Doses-1) * gap)
		expect("every dose", run(name, doses), Complete, lastDose, time.Time{})
		if m.Doses > 1 {
			expect("one dose short", run(name, doses[:m.Doses-1]), Due, time.Time{}, time.Time{})
			// The same dose charted twice on one day is one dose.
			twice := append(append([]record.Item{}, doses[:m.Doses-1]...), mk(first))
			expect("a dose charted twice", run(name, twice), Due, time.Time{}, time.Time{})
			if !m.minGap.IsZero() {
				early := append(append([]record.Item{}, doses[:m.Doses-1]...), mk(m.minGap.AddTo(first.Add(time.Duration(m.Doses-2)*gap)).AddDate(0, 0, -1)))
				r := run(name, early)
				expect("last dose too soon", r, Due, time.Time{}, time.Time{})
				if !strings.Contains(r.Reason, "does not count") {
					t.Errorf("%s: a dose given too soon is not explained: %s", name, r.Reason)
				}
			}
		}
	}
	return n
}

// stepsCases: all_of (every group, any order) and sequence (in order,
// min_gap apart) modalities.
func stepsCases(t *testing.T, s *Screening, m *Modality, typ string, v time.Time,
	run func(string, []record.Item) Result, want func(string, Result, Status)) int {
	t.Helper()
	n := 0
	mk := func(g *Group, on time.Time) record.Item {
		sys, code := firstCode(g)
		return item(typ, sys, code, on)
	}
	if m.AllOf {
		on := v.AddDate(0, -6, 0)
		var all []record.Item
		for _, g := range m.Evidence {
			all = append(all, mk(g, on))
		}
		r := run("all", all)
		n++
		want("every group", r, Complete)
		if len(r.Evidence) != len(m.Evidence) {
			t.Errorf("all_of result shows %d evidence for %d groups", len(r.Evidence), len(m.Evidence))
		}
		for i := range m.Evidence {
			part := append(append([]record.Item{}, all[:i]...), all[i+1:]...)
			n++
			want("missing "+m.Evidence[i].Name, run("part", part), Due)
		}
		// The oldest group's newest result decides when it is due again.
		older := append([]record.Item{mk(m.Evidence[0], m.interval.SubFrom(v).AddDate(0, 0, -1))}, all[1:]...)
		n++
		want("one group lapsed", run("lapsed", older), Due)
		return n
	}
	first := v.AddDate(-3, 0, 0)
	steps := []record.Item{mk(m.Evidence[0], first)}
	at := first
	for _, g := range m.Evidence[1:] {
		at = m.minGap.AddTo(at)
		steps = append(steps, mk(g, at))
	}
	n++
	want("every step, min_gap apart", run("steps", steps), Complete)
	n++
	r := run("first step", steps[:1])
	want("first step only", r, Due)
	if !strings.Contains(r.Reason, m.Evidence[1].Name) {
		t.Errorf("a started sequence does not say what completes it: %s", r.Reason)
	}
	if !m.minGap.IsZero() {
		early := append(append([]record.Item{}, steps[:len(steps)-1]...), mk(m.Evidence[len(m.Evidence)-1], at.AddDate(0, 0, -1)))
		n++
		want("last step a day too soon", run("early", early), Due)
	}
	reversed := []record.Item{mk(m.Evidence[1], first), mk(m.Evidence[0], m.minGap.AddTo(first))}
	n++
	want("steps in the wrong order", run("reversed", reversed), Due)
	return n
}

func exclusionCases(t *testing.T, cat *Catalogue, s *Screening, x *Rule, v time.Time) int {
	p := person(s.Sexes[0], bornAged(ageFor(s, nil), v))
	base := triggerItems(s, v)
	n := 0
	try := func(name string, items []record.Item, excluded bool) {
		t.Helper()
		n++
		r := result(t, cat, chart(p, append(append([]record.Item{}, base...), items...)...), v, s.ID)
		if got := r.Status == Excluded && r.Rule == x.ID; got != excluded {
			t.Errorf("%s: status %s rule %q, want excluded by %s: %v (%s)", name, r.Status, r.Rule, x.ID, excluded, r.Reason)
		}
		if excluded && (len(r.Evidence) == 0 || !strings.HasPrefix(r.Reason, "not needed: ")) {
			t.Errorf("%s: an exclusion without its evidence: %+v", name, r)
		}
	}
	on := v.AddDate(-2, 0, 0)
	if len(x.AllOf) > 0 {
		var parts []record.Item
		for _, part := range x.AllOf {
			sys, code := firstCode(part.Evidence[0])
			parts = append(parts, item(resourceTypes(part.Resources, "Condition")[0], sys, code, on))
		}
		try("every part", parts, true)
		for i := range parts {
			try("part "+x.AllOf[i].ID+" alone", parts[i:i+1], false)
		}
		return n
	}
	for _, g := range x.Evidence {
		for _, sys := range sortedKeys(g.all) {
			code := sampleCode(sys, g.all[sys][0])
			for _, typ := range resourceTypes(x.Resources, "Condition", "Procedure") {
				it := item(typ, sys, code, on)
				name := g.Name + " " + code + " on " + typ
				try(name, []record.Item{it}, true)
				if typ == "Condition" && x.window == "year" {
					// Only while it lasts into the year (CMS951's CKD 5).
					y := time.Date(v.Year(), 1, 1, 12, 0, 0, 0, time.UTC)
					try(name+" resolved, no end date", []record.Item{with(it, func(it *record.Item) { it.Status = "resolved" })}, false)
					try(name+" ended on January 1", []record.Item{with(it, func(it *record.Item) { it.Status, it.Abatement = "resolved", y })}, true)
					try(name+" ended on December 31 last year", []record.Item{with(it, func(it *record.Item) { it.Status, it.Abatement = "resolved", y.AddDate(0, 0, -1) })}, false)
				} else if typ == "Condition" {
					// History counts: a resolved cancer still excludes.
					try(name+" resolved", []record.Item{with(it, func(it *record.Item) { it.Status = "resolved" })}, true)
					try(name+" refuted", []record.Item{with(it, func(it *record.Item) { it.Verification = "refuted" })}, false)
					try(name+" entered in error", []record.Item{with(it, func(it *record.Item) { it.Verification = "entered-in-error" })}, false)
				} else {
					try(name+" entered in error", []record.Item{with(it, func(it *record.Item) { it.Status = "entered-in-error" })}, false)
				}
				try(name+" dated after the visit", []record.Item{item(typ, sys, code, v.AddDate(0, 0, 1))}, false)
			}
		}
	}
	return n
}
