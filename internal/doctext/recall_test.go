package doctext

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/healthprep/desk/internal/epicsim/docgen"
	"github.com/healthprep/desk/internal/screening"
)

// TestRecallPrecision reads every outside record the simulator serves (the
// letters filed as DocumentReferences and the imaging and pathology
// reports filed as DiagnosticReports' presentedForm) and matches it with the default catalogue's phrases, against the records'
// known truth. Recall: evidencing documents found, per modality. Precision:
// text-derived "complete"s (an evidencing finding) that are true, with the
// test's true date. The documented command:
//
//	go test -count=1 -run TestRecallPrecision -v ./internal/doctext/
func TestRecallPrecision(t *testing.T) {
	needTools(t)
	x := New()
	cat := screening.Default()
	type tally struct{ truth, found, claims, trueClaims, scanned int }
	per := map[string]*tally{}
	reports := map[string]*tally{} // the presentedForm reports alone
	get := func(k string) *tally {
		if per[k] == nil {
			per[k] = &tally{}
		}
		return per[k]
	}
	docs := append(docgen.Corpus(day), docgen.Reports(day)...)
	for _, d := range docs {
		rep := func(k string) *tally {
			if d.Category == "" {
				return &tally{}
			}
			if reports[k] == nil {
				reports[k] = &tally{}
			}
			return reports[k]
		}
		b, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		r, err := x.Extract(context.Background(), b, d.Format.ContentType())
		if err != nil {
			t.Errorf("%s (%s): %v", d.ID, d.Format, err)
			continue
		}
		found := cat.FindInText(screening.TextDoc{ID: d.ID, Title: d.Title, Org: d.Org, Text: r.Text, Clinical: d.Date, Indexed: d.Date})
		key := d.Truth.Screening + "/" + d.Truth.Modality
		if d.Truth.Kind == docgen.Evidence {
			tl := get(key)
			tl.truth++
			rep(key).truth++
			if d.Format.Scanned() {
				tl.scanned++
			}
		}
		for _, f := range found {
			if f.Dismissed != "" {
				continue
			}
			k := f.Screening + "/" + f.Modality
			tl, rt := get(k), rep(k)
			tl.claims++
			rt.claims++
			right := d.Truth.Kind == docgen.Evidence && k == key && f.Date.Equal(d.Truth.Performed)
			if right {
				tl.trueClaims++
				tl.found++
				rt.trueClaims++
				rt.found++
			} else {
				t.Errorf("%s (%s %s, truth %s %s %s): claimed %s on %s from %q", d.ID, d.Format, d.Variant, d.Truth.Kind, key,
					d.Truth.Performed.Format("2006-01-02"), k, f.Date.Format("2006-01-02"), f.Sentence)
			}
		}
		if d.Truth.Kind == docgen.Evidence && !hasClaim(found, d.Truth) {
			t.Logf("missed %s (%s %s): %q", d.ID, d.Format, d.Variant, strings.Join(strings.Fields(r.Text), " "))
		}
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var all tally
	t.Logf("%-32s %8s %8s %8s %10s", "modality", "evidence", "recall", "claims", "precision")
	for _, k := range keys {
		tl := per[k]
		all.truth += tl.truth
		all.found += tl.found
		all.claims += tl.claims
		all.trueClaims += tl.trueClaims
		t.Logf("%-32s %8d %8s %8d %10s", k, tl.truth, pct(tl.found, tl.truth), tl.claims, pct(tl.trueClaims, tl.claims))
		if tl.truth > 0 && float64(tl.found) < 0.95*float64(tl.truth) {
			t.Errorf("%s: recall %s, want at least 95 %%", k, pct(tl.found, tl.truth))
		}
		if tl.claims > 0 && float64(tl.trueClaims) < 0.99*float64(tl.claims) {
			t.Errorf("%s: precision %s, want at least 99 %%", k, pct(tl.trueClaims, tl.claims))
		}
	}
	t.Logf("%-32s %8d %8s %8d %10s  (%d documents)", "all", all.truth, pct(all.found, all.truth), all.claims, pct(all.trueClaims, all.claims), len(docs))
	keys = keys[:0]
	for k := range reports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("of which DiagnosticReport presentedForm:")
	for _, k := range keys {
		tl := reports[k]
		t.Logf("%-32s %8d %8s %8d %10s", k, tl.truth, pct(tl.found, tl.truth), tl.claims, pct(tl.trueClaims, tl.claims))
	}
}

func hasClaim(fs []screening.TextFinding, tr docgen.Truth) bool {
	for _, f := range fs {
		if f.Dismissed == "" && f.Screening == tr.Screening && f.Modality == tr.Modality && f.Date.Equal(tr.Performed) {
			return true
		}
	}
	return false
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b))
}
