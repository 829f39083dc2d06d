package daysync

import (
	"context"
	"testing"
)

// A patient Epic could not give on the day's first sync has nothing kept
// from an earlier one: the summary counts them as not fetched, and their
// saved data says so. On a later sync the same failure keeps the earlier
// chart, and is not counted so.
func TestFirstSyncFailuresAreNotFetchedNotKept(t *testing.T) {
	r := newRig(t, rigOpts{providers: []string{"E1001"}})
	r.deps.Schedule = withPatient{firstN{r.deps.Schedule, 8}, heaviest(r.srv.Practice())}
	good := r.deps
	small := fastClient(r.fc.Base, r.fc.Tokens)
	small.MaxBody = 48 << 10 // the heaviest chart's answers are larger: it fails
	failing := r.deps
	failing.FHIR, failing.Full = small, true
	ctx := context.Background()

	sum, err := Sync(ctx, failing, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stale == 0 || sum.Unfetched != sum.Stale {
		t.Fatalf("first sync: %d failed, %d counted not fetched; want all of them", sum.Stale, sum.Unfetched)
	}
	day, _ := r.store.GetDay(ctx, date)
	for id, p := range day.Patients {
		if p.Stale != p.Unfetched() {
			t.Fatalf("patient %s failed on the first sync but reads as kept from an earlier one", id)
		}
	}

	if _, err := Sync(ctx, good, clinicDay); err != nil {
		t.Fatal(err)
	}
	sum, err = Sync(ctx, failing, clinicDay)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stale == 0 || sum.Unfetched != 0 {
		t.Fatalf("later sync: %d failed, %d counted not fetched; want none (their charts are kept)", sum.Stale, sum.Unfetched)
	}
}
