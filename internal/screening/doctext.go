package screening

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// DocumentText is the catalogue's data for evidence found in the text of
// documents (outside records, notes, reports): per modality, the phrases
// that evidence it, the phrases that negate or postpone it within the same
// sentence, and where its date comes from. Text never completes a
// screening on its own authority: every result it decides is "check".
type DocumentText struct {
	Source string `yaml:"source,omitempty"`
	// Negations and Postponements apply to every modality, before each
	// modality's own.
	Negations     []string        `yaml:"negations,omitempty"`
	Postponements []string        `yaml:"postponements,omitempty"`
	Modalities    []*TextModality `yaml:"modalities"`

	line       int
	decodeErrs []string
	// The phrases' regular expressions are compiled on first use, not at
	// Parse: a \pL class makes each one costly (most of a catalogue's
	// load time), and a prep list with no document text never needs them.
	compiled sync.Once
}

// TextModality is how one modality shows in text.
type TextModality struct {
	Screening     string   `yaml:"screening"`
	Modality      string   `yaml:"modality"`
	Phrases       []string `yaml:"phrases"`
	Negations     []string `yaml:"negations,omitempty"`
	Postponements []string `yaml:"postponements,omitempty"`
	// Date lists where the test's date is taken from, first found wins:
	// "text" (a date in the sentence, or a labelled procedure date),
	// "clinical" (the document's clinical date), "indexed" (its date).
	Date []string `yaml:"date,omitempty"`

	line       int
	decodeErrs []string
	cueWords   []cueWord        // the negations and postponements that apply, checked at Parse
	phrases    []*regexp.Regexp // set by DocumentText.regexps
	cues       []cue            // set by DocumentText.regexps
	mod        *Modality
	scr        *Screening
}

type cue struct {
	re   *regexp.Regexp
	kind string // "negated" or "postponed"
}

type cueWord struct{ phrase, kind string }

func (d *DocumentText) UnmarshalYAML(n *yaml.Node) error {
	type fields DocumentText
	return decodeStrict(n, (*fields)(d), &d.line, &d.decodeErrs)
}

func (m *TextModality) UnmarshalYAML(n *yaml.Node) error {
	type fields TextModality
	return decodeStrict(n, (*fields)(m), &m.line, &m.decodeErrs)
}

// wordRE matches a phrase as whole words in any case, any run of spaces
// or hyphens between its words (line wraps, OCR).
func wordRE(p string) *regexp.Regexp {
	words := strings.FieldsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || r == '-' })
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(words, `[\s\-]+`) + `)(?:$|[^\pL\pN])`)
}

func (d *DocumentText) compile(c *Catalogue, bad func(int, string, ...any)) {
	decodeProblems(d.decodeErrs, bad)
	seen := map[string]bool{}
	for _, m := range d.Modalities {
		decodeProblems(m.decodeErrs, bad)
		where := fmt.Sprintf("document_text %s/%s", m.Screening, m.Modality)
		m.scr = c.Find(m.Screening)
		if m.scr == nil {
			bad(m.line, "%s: no screening %q in the catalogue", where, m.Screening)
			continue
		}
		for _, x := range m.scr.Modalities {
			if x.ID == m.Modality {
				m.mod = x
			}
		}
		if m.mod == nil {
			bad(m.line, "%s: screening %s has no modality %q", where, m.Screening, m.Modality)
			continue
		}
		if seen[m.Screening+"/"+m.Modality] {
			bad(m.line, "%s: listed twice", where)
		}
		seen[m.Screening+"/"+m.Modality] = true
		if len(m.Phrases) == 0 {
			bad(m.line, "%s: no phrases", where)
		}
		m.cueWords = nil
		for _, p := range m.Phrases {
			if strings.TrimSpace(p) == "" {
				bad(m.line, "%s: an empty phrase", where)
			}
		}
		for _, list := range []struct {
			kind  string
			words []string
		}{{"negated", d.Negations}, {"negated", m.Negations}, {"postponed", d.Postponements}, {"postponed", m.Postponements}} {
			for _, p := range list.words {
				if strings.TrimSpace(p) == "" {
					bad(m.line, "%s: an empty %s phrase", where, list.kind)
					continue
				}
				m.cueWords = append(m.cueWords, cueWord{p, list.kind})
			}
		}
		if len(m.Date) == 0 {
			m.Date = []string{"text", "clinical", "indexed"}
		}
		for _, s := range m.Date {
			if s != "text" && s != "clinical" && s != "indexed" {
				bad(m.line, "%s: date source %q is not text, clinical or indexed", where, s)
			}
		}
	}
}

// regexps compiles the modalities' phrases and cues, once, each distinct
// phrase once (the shared negations appear under every modality).
func (d *DocumentText) regexps() {
	d.compiled.Do(func() {
		res := map[string]*regexp.Regexp{}
		re := func(p string) *regexp.Regexp {
			if res[p] == nil {
				res[p] = wordRE(p)
			}
			return res[p]
		}
		for _, m := range d.Modalities {
			if m.mod == nil {
				continue // refused at Parse
			}
			m.phrases, m.cues = nil, nil
			for _, p := range m.Phrases {
				if strings.TrimSpace(p) != "" {
					m.phrases = append(m.phrases, re(p))
				}
			}
			for _, w := range m.cueWords {
				m.cues = append(m.cues, cue{re(w.phrase), w.kind})
			}
		}
	})
}

// TextDoc is a document's extracted text and its dates.
type TextDoc struct {
	ID, Title, Org string
	Type           string // DiagnosticReport for a report's presentedForm; empty: DocumentReference
	Text           string
	Clinical       time.Time // when the care happened, as the record says
	Indexed        time.Time // when the document was filed
}

// TextFinding is a sentence that names a modality. Dismissed says why it
// is not evidence ("negated", "postponed"); empty means it evidences the
// modality on Date.
type TextFinding struct {
	Screening, Modality string
	Sentence            string
	// Start and End bound the phrase in Sentence, for highlighting.
	Start, End int
	Phrase     string
	Dismissed  string
	Cue        string // the negating or postponing phrase
	Date       time.Time
	DateFrom   string // "text", "clinical", "indexed"; empty: no date
}

// FindInText finds, per modality, the sentences of a document that name
// it: one evidencing finding (the newest dated) if any, else the first
// dismissed one. Pure: the same text always gives the same findings.
func (c *Catalogue) FindInText(doc TextDoc) []TextFinding {
	if c.DocumentText == nil {
		return nil
	}
	c.DocumentText.regexps()
	sents := sentences(doc.Text)
	labelled := labelledDate(doc.Text, doc)
	var out []TextFinding
	for _, m := range c.DocumentText.Modalities {
		if m.mod == nil || !m.scr.On() {
			continue
		}
		var best, dismissed *TextFinding
		for _, s := range sents {
			for _, re := range m.phrases {
				loc := re.FindStringSubmatchIndex(s)
				if loc == nil {
					continue
				}
				f := TextFinding{Screening: m.Screening, Modality: m.Modality, Sentence: s, Start: loc[2], End: loc[3], Phrase: s[loc[2]:loc[3]]}
				for _, cu := range m.cues {
					if l := cu.re.FindStringSubmatchIndex(s); l != nil {
						f.Dismissed, f.Cue = cu.kind, s[l[2]:l[3]]
						break
					}
				}
				if f.Dismissed != "" {
					if dismissed == nil {
						dismissed = &f
					}
					break
				}
				f.Date, f.DateFrom = m.date(s, f.Start, labelled, doc)
				// A sentence that states its date beats one that
				// inherits the document's; then the newest.
				if best == nil || m.rank(f.DateFrom) < m.rank(best.DateFrom) ||
					m.rank(f.DateFrom) == m.rank(best.DateFrom) && f.Date.After(best.Date) {
					best = &f
				}
				break
			}
		}
		switch {
		case best != nil:
			out = append(out, *best)
		case dismissed != nil:
			out = append(out, *dismissed)
		}
	}
	return out
}

// dayOf is the calendar day of a document's date, as dates read from text
// are: the day it was written where it was written.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (m *TextModality) rank(from string) int {
	if i := slices.Index(m.Date, from); i >= 0 {
		return i
	}
	return len(m.Date)
}

func (m *TextModality) date(sentence string, at int, labelled time.Time, doc TextDoc) (time.Time, string) {
	for _, src := range m.Date {
		switch src {
		case "text":
			if d := nearestDate(sentence, at, doc); !d.IsZero() {
				return d, "text"
			}
			if !labelled.IsZero() {
				return labelled, "text"
			}
		case "clinical":
			if !doc.Clinical.IsZero() {
				return dayOf(doc.Clinical), "clinical"
			}
		case "indexed":
			if !doc.Indexed.IsZero() {
				return dayOf(doc.Indexed), "indexed"
			}
		}
	}
	return time.Time{}, ""
}

var abbrev = regexp.MustCompile(`(?i)(?:^|\s)(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|dr|mr|mrs|ms|st|vs|no|e\.g|i\.e)\.$`)

// sentences splits text at sentence ends and paragraph breaks. A line
// break ends a sentence unless the next line continues it (starts in
// lower case), as wrapped lines in PDFs and scans do.
func sentences(text string) []string {
	text = strings.ReplaceAll(text, "\f", "\n\n")
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n':
			j := i + 1
			for j < len(rs) && (rs[j] == ' ' || rs[j] == '\t' || rs[j] == '\r') {
				j++
			}
			if j >= len(rs) || rs[j] == '\n' || !unicode.IsLower(rs[j]) {
				flush()
			} else {
				cur.WriteByte(' ')
			}
		case (r == '.' || r == '?' || r == '!') && (i+1 == len(rs) || unicode.IsSpace(rs[i+1])):
			cur.WriteRune(r)
			if !abbrev.MatchString(cur.String()) {
				flush()
			}
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

var (
	monthNames = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	dateRE     = regexp.MustCompile(`(?i)\b(?:(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})|(\d{4})-(\d{2})-(\d{2})|(` + monthNames + `)\.?\s+(\d{1,2}),?\s+(\d{4})|(\d{1,2})\s+(` + monthNames + `)\.?,?\s+(\d{4}))\b`)
	birthRE    = regexp.MustCompile(`(?i)(?:dob|d\.o\.b|birth|born)\W*$`)
	labelRE    = regexp.MustCompile(`(?i)(?:date of (?:service|procedure|exam|examination|study)|(?:procedure|exam|study|service) date)\s*:?\s*$`)
)

// parseDate reads one date match; ok false for an impossible date.
func parseDate(s string, m []int) (time.Time, bool) {
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	atoi := func(x string) int {
		n := 0
		for _, c := range x {
			n = n*10 + int(c-'0')
		}
		return n
	}
	month := func(x string) int {
		x = strings.ToLower(x)
		for i, p := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
			if strings.HasPrefix(x, p) {
				return i + 1
			}
		}
		return 0
	}
	var y, mo, d int
	switch {
	case g(1) != "":
		mo, d, y = atoi(g(1)), atoi(g(2)), atoi(g(3))
		if len(g(3)) == 2 { // as Go and most EHRs read two-digit years
			y += 2000
			if y > 2068 {
				y -= 100
			}
		}
	case g(4) != "":
		y, mo, d = atoi(g(4)), atoi(g(5)), atoi(g(6))
	case g(7) != "":
		mo, d, y = month(g(7)), atoi(g(8)), atoi(g(9))
	default:
		d, mo, y = atoi(g(10)), month(g(11)), atoi(g(12))
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || d < 1 || t.Day() != d || y < 1900 {
		return time.Time{}, false
	}
	return t, true
}

// plausible: a test date is not a birth date, and not after the document
// was written (a later date is a plan, not a test done).
func plausible(s string, m []int, t time.Time, doc TextDoc) bool {
	if birthRE.MatchString(s[max(0, m[0]-12):m[0]]) {
		return false
	}
	limit := doc.Indexed
	if limit.IsZero() || !doc.Clinical.IsZero() && doc.Clinical.After(limit) {
		limit = doc.Clinical
	}
	return limit.IsZero() || !t.After(limit.AddDate(0, 0, 1))
}

// nearestDate is the plausible date in the sentence nearest the phrase.
func nearestDate(s string, at int, doc TextDoc) time.Time {
	var best time.Time
	bestDist := -1
	for _, m := range dateRE.FindAllStringSubmatchIndex(s, -1) {
		t, ok := parseDate(s, m)
		if !ok || !plausible(s, m, t, doc) {
			continue
		}
		dist := m[0] - at
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = t, dist
		}
	}
	return best
}

// labelledDate is a date the document labels as the procedure's ("Date
// of service: 03/14/2025").
func labelledDate(text string, doc TextDoc) time.Time {
	for _, m := range dateRE.FindAllStringSubmatchIndex(text, -1) {
		if !labelRE.MatchString(text[max(0, m[0]-30):m[0]]) {
			continue
		}
		if t, ok := parseDate(text, m); ok && plausible(text, m, t, doc) {
			return t
		}
	}
	return time.Time{}
}

// ApplyText lets what documents say decide screenings the coded record
// leaves due: a finding within its modality's interval makes the result
// complete (or due soon), always marked for review ("check"), with the
// sentence and the document as its evidence. Coded results are kept.
func ApplyText(results []Result, c *Catalogue, visit time.Time, docs []TextDoc, found [][]TextFinding) []Result {
	if c.DocumentText == nil {
		return results
	}
	visit = time.Date(visit.Year(), visit.Month(), visit.Day(), 0, 0, 0, 0, time.UTC)
	type cand struct {
		f   TextFinding
		doc TextDoc
		tm  *TextModality
	}
	best := map[string]cand{}
	for i, fs := range found {
		for _, f := range fs {
			if f.Dismissed != "" || f.Date.IsZero() || f.Date.After(visit) {
				continue
			}
			var tm *TextModality
			for _, m := range c.DocumentText.Modalities {
				if m.Screening == f.Screening && m.Modality == f.Modality && m.mod != nil {
					tm = m
				}
			}
			if tm == nil || tm.mod.kind != everyPeriod && tm.mod.kind != once {
				continue
			}
			if b, ok := best[f.Screening]; !ok || f.Date.After(b.f.Date) {
				best[f.Screening] = cand{f, docs[i], tm}
			}
		}
	}
	out := slices.Clone(results)
	for i, r := range out {
		b, ok := best[r.ID]
		if !ok || r.Status != Due && r.Status != DueSoon && r.Status != NeedsReview {
			continue
		}
		if r.Status == DueSoon && !r.LastDone.IsZero() && !b.f.Date.After(r.LastDone) {
			continue
		}
		status, next := Complete, time.Time{}
		if b.tm.mod.kind == everyPeriod {
			next = b.tm.mod.interval.AddTo(b.f.Date)
			switch {
			case !next.After(visit):
				continue // too old to count
			case !b.tm.scr.dueSoon.SubFrom(next).After(visit):
				status = DueSoon
			}
		}
		name := b.tm.mod.Title
		if name == "" {
			name = b.tm.mod.ID
		}
		r.Status, r.LastDone, r.NextDue, r.Modality = status, b.f.Date, next, b.tm.mod.ID
		r.Review = true
		r.ReviewNote = "found in the text of a document, not in coded results: check the document"
		r.Reason = fmt.Sprintf("%s on %s, read in %q from %s (check)", name, b.f.Date.Format("2006-01-02"), b.doc.Title, orUnknown(b.doc.Org))
		typ := b.doc.Type
		if typ == "" {
			typ = "DocumentReference"
		}
		r.Evidence = append(slices.Clone(r.Evidence), Evidence{Type: typ, ID: b.doc.ID, Display: b.doc.Title, Date: b.f.Date,
			Text: &TextEvidence{Sentence: b.f.Sentence, Start: b.f.Start, End: b.f.End, Org: b.doc.Org, DocDate: b.doc.Indexed, DateFrom: b.f.DateFrom}})
		out[i] = r
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "an unnamed organisation"
	}
	return s
}

// TextEvidence is the sentence a text-derived result came from, with the
// phrase at [Start, End) to highlight, and the document it is in.
type TextEvidence struct {
	Sentence string    `json:"sentence"`
	Start    int       `json:"start"`
	End      int       `json:"end"`
	Org      string    `json:"org,omitempty"`
	DocDate  time.Time `json:"docDate,omitzero"`
	DateFrom string    `json:"dateFrom,omitempty"`
}

// TextWindow is the earliest day a document could still evidence screening
// id at the visit, by the longest interval of its modalities read from
// text (zero: any day, for a once-in-life test); ok false when none of its
// modalities is read from text. Documents older than it are not fetched.
func (c *Catalogue) TextWindow(id string, visit time.Time) (since time.Time, ok bool) {
	if c.DocumentText == nil {
		return time.Time{}, false
	}
	for _, m := range c.DocumentText.Modalities {
		if m.Screening != id || m.mod == nil {
			continue
		}
		var from time.Time
		if m.mod.kind == everyPeriod {
			from = m.mod.interval.SubFrom(visit)
		}
		if !ok || from.Before(since) {
			since = from
		}
		ok = true
	}
	return since, ok
}

// DocText is what a patient's documents said, for the prep sheet: each
// read document with its findings, and those that could not be read.
type DocText struct {
	Docs       []TextDoc
	Found      [][]TextFinding
	Unreadable []UnreadDoc
}

// UnreadDoc is a document that could not be read, and why (no content).
type UnreadDoc struct {
	ID, Title string
	Date      time.Time
	Reason    string
}
