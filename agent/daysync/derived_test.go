package daysync

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/documents"
	"github.com/healthprep/desk/internal/store"
)

// A sync saves the day's readable attachments with the snapshot, as the
// agent's reading lists them from the raw charts (agent
// dayAttachments), whether a chart was streamed whole, merged on top of
// the last sync's or kept fresh: the agent's first look at a synced day
// then never reads every raw chart again to list them (it took 260 ms of
// the first start after a sync).
func TestSyncSavesTheDaysAttachments(t *testing.T) {
	r := newRig(t, rigOpts{providers: []string{"E1001", "E1002"}})
	ctx := context.Background()
	check := func(what string) {
		t.Helper()
		// What the agent derives from the raw charts.
		derive := func(d store.Day) ([]byte, error) {
			atts := map[string][]documents.Candidate{}
			for id, p := range d.Patients {
				if c := documents.Attachments(id, p.Resources); len(c) > 0 {
					atts[id] = c
				}
			}
			return json.Marshal(atts)
		}
		day, err := r.store.GetDay(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := derive(day)
		derived := false
		got, err := r.store.Derived(ctx, date, documents.AttachmentsName, func(d store.Day) ([]byte, error) {
			derived = true
			return derive(d)
		})
		if err != nil {
			t.Fatal(err)
		}
		if derived {
			t.Fatalf("%s: the attachments were not saved with the day", what)
		}
		// The same listing; the saved one has its patients in the order
		// they landed, which the reader (a map) does not see.
		var atts, wantAtts map[string][]documents.Candidate
		if err := json.Unmarshal(got, &atts); err != nil {
			t.Fatalf("%s: the saved attachments are not JSON: %v", what, err)
		}
		json.Unmarshal(want, &wantAtts)
		if canon, _ := json.Marshal(atts); !bytes.Equal(canon, want) {
			t.Fatalf("%s: saved attachments differ from the raw charts' (%d bytes, want %d)", what, len(canon), len(want))
		}
		if len(atts) < 5 || len(atts) != len(wantAtts) {
			t.Fatalf("%s: attachments of %d patients; the demo's charts have documents", what, len(atts))
		}
	}
	if _, err := Sync(ctx, r.deps, clinicDay); err != nil {
		t.Fatal(err)
	}
	check("first sync (streamed)")
	// Five hours on no chart is fresh: each is merged on top of the last.
	r.clock.add(5 * time.Hour)
	if sum, err := Sync(ctx, r.deps, clinicDay); err != nil || sum.Incremental == 0 {
		t.Fatalf("second sync: %+v %v", sum, err)
	}
	check("incremental sync")
	// A minute on every chart is fresh: only the Patients are read.
	r.clock.add(time.Minute)
	if sum, err := Sync(ctx, r.deps, clinicDay); err != nil || sum.Fresh == 0 {
		t.Fatalf("third sync: %+v %v", sum, err)
	}
	check("fresh charts")
}
