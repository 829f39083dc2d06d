package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/healthprep/desk/internal/record"
)

// genKeys counts the keys of a generation.
func genKeys(t *testing.T, s *Store, gen string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte(prefixSnap + gen + "/")
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStagedChartsBecomeCurrentOnlyAtCommit: charts written one by one as
// a sync goes stay invisible, survive another day's save (which collects
// orphans), and replace the last good snapshot only at Commit.
func TestStagedChartsBecomeCurrentOnlyAtCommit(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	if err := s.PutDay(ctx, day("2026-11-24", 3, "Alpha")); err != nil {
		t.Fatal(err)
	}
	next := day("2026-11-24", 3, "Bravo")
	g, err := s.Stage(ctx, next.Date)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Discard()
	enc := record.NewEncoder()
	for id, p := range next.Patients {
		if err := g.PutPatient(ctx, id, p); err != nil {
			t.Fatal(err)
		}
		r, _ := record.FromFHIR(p.Resources)
		enc.Add(id, r)
	}
	if err := g.PutPatient(ctx, "p000", next.Patients["p000"]); err == nil {
		t.Fatal("a second write of one chart was taken")
	}
	// Another day's save collects orphans: the staged generation is not one.
	if err := s.PutDay(ctx, day("2026-11-25", 1, "Charlie")); err != nil {
		t.Fatal(err)
	}
	if n := genKeys(t, s, g.gen); n == 0 {
		t.Fatalf("the staged generation was collected by another save")
	}
	cur, err := s.GetDay(ctx, "2026-11-24")
	if err != nil || cur.Appointments[0].PatientName != "Alpha" {
		t.Fatalf("before Commit the day is %v, %v; want the last good one", cur.Appointments, err)
	}
	if err := g.Commit(ctx, Day{Date: next.Date, SyncedAt: next.SyncedAt, Appointments: next.Appointments}); err == nil {
		t.Fatal("a staged day without its records was saved")
	}
	next.Patients, next.Records = nil, enc.Bytes()
	g2, _ := s.Stage(ctx, next.Date)
	defer g2.Discard()
	for id, p := range day("2026-11-24", 3, "Bravo").Patients {
		g2.PutPatient(ctx, id, p)
	}
	if err := g2.Commit(ctx, next); err != nil {
		t.Fatal(err)
	}
	cur, err = s.GetDay(ctx, "2026-11-24")
	if err != nil || cur.Appointments[0].PatientName != "Bravo" || len(cur.Patients) != 3 || len(cur.Patients["p001"].Resources) != 41 {
		t.Fatalf("after Commit: %v, %d patients", err, len(cur.Patients))
	}
	if _, recs, err := s.DayRecords(ctx, "2026-11-24"); err != nil || len(recs) != 3 || len(recs["p002"].Items) != 40 {
		t.Fatalf("records after Commit: %v, %d", err, len(recs))
	}
	if n := genKeys(t, s, g.gen); n != 0 {
		t.Fatalf("the failed commit left %d keys", n)
	}
}

// TestKilledStagingIsCollected: a staging a killed process left (its head
// written, some charts, never committed) is dropped at the next open, and
// the last good snapshot is untouched.
func TestKilledStagingIsCollected(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	if err := s.PutDay(ctx, day("2026-11-24", 2, "Alpha")); err != nil {
		t.Fatal(err)
	}
	g, err := s.Stage(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	for id, p := range day("2026-11-24", 40, "Bravo").Patients {
		if err := g.PutPatient(ctx, id, p); err != nil {
			t.Fatal(err)
		}
	}
	g.mu.Lock()
	g.done = true // as if killed: no commit, no discard
	g.mu.Unlock()
	g.wb.flush()
	staging.Delete(g.gen) // a new process knows nothing of it
	if genKeys(t, s, g.gen) == 0 {
		t.Fatal("the test staged nothing")
	}
	s.Close()
	s = open(t, dir, key)
	defer s.Close()
	if n := genKeys(t, s, g.gen); n != 0 {
		t.Fatalf("the killed staging left %d keys", n)
	}
	d, err := s.GetDay(ctx, "2026-11-24")
	if err != nil || len(d.Patients) != 2 || d.Appointments[0].PatientName != "Alpha" {
		t.Fatalf("last good day: %v, %d patients", err, len(d.Patients))
	}
	if _, err := s.GetPartial(ctx, "2026-11-24"); !errors.Is(err, ErrNoDay) {
		t.Fatalf("a killed staging became a partial day: %v", err)
	}
}

// TestChartStreamedReadsBackWhole: a chart written a page at a time,
// across several pieces, reads back as the chart PutPatient writes; an
// aborted chart leaves nothing and its patient can be put again; a day
// with a chart still being written is not committed.
func TestChartStreamedReadsBackWhole(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	var big []json.RawMessage
	for i := range 5000 { // about 2.5 MB: three pieces
		big = append(big, json.RawMessage(fmt.Sprintf(`{ "resourceType": "Observation", "id": "o%d", "valueString": %q }`, i, strings.Repeat("x", 400))))
	}
	want := PatientData{Resources: big, FetchedAt: time.Now().UTC(), Since: "2011-11-24", ETag: `W/"3"`, Missing: []string{"DeviceRequest"}}
	g, err := s.Stage(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Discard()
	w, err := g.Chart("p1")
	if err != nil {
		t.Fatal(err)
	}
	for page := range slices.Chunk(big, 200) {
		if err := w.Add(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	if w.pieces < 2 {
		t.Fatalf("the chart went out in %d pieces; the test wants several", w.pieces)
	}
	gone, _ := g.Chart("p2")
	gone.Add(ctx, big[:3000])
	unclosed, _ := g.Chart("p3")
	if err := g.Commit(ctx, Day{Date: "2026-11-24", Records: record.NewEncoder().Bytes()}); err == nil {
		t.Fatal("a day with charts still being written was committed")
	}
	g, _ = s.Stage(ctx, "2026-11-24") // the failed commit closed the first
	defer g.Discard()
	w, _ = g.Chart("p1")
	for page := range slices.Chunk(big, 200) {
		w.Add(ctx, page)
	}
	rest := want
	rest.Resources = nil
	if err := w.Close(ctx, rest); err != nil {
		t.Fatal(err)
	}
	gone, _ = g.Chart("p2")
	gone.Add(ctx, big[:3000])
	gone.Abort()
	stale := PatientData{Stale: true, Problem: "not fetched"}
	if err := g.PutPatient(ctx, "p2", stale); err != nil {
		t.Fatalf("an aborted chart's patient could not be put: %v", err)
	}
	_ = unclosed
	enc := record.NewEncoder()
	r, _ := record.FromFHIR(big)
	enc.Add("p1", r)
	enc.Add("p2", record.Record{})
	d := Day{Date: "2026-11-24", Appointments: []record.Appointment{{ID: "a1", PatientID: "p1"}, {ID: "a2", PatientID: "p2"}}, Records: enc.Bytes()}
	if err := g.Commit(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDay(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Patients) != 2 || !got.Patients["p2"].Stale || len(got.Patients["p2"].Resources) != 0 {
		t.Fatalf("patients read back: %d, p2 %+v", len(got.Patients), got.Patients["p2"])
	}
	p1 := got.Patients["p1"]
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(p1)
	if !bytes.Equal(wantJSON, gotJSON) {
		t.Fatalf("the streamed chart reads back otherwise (%d bytes, want %d)", len(gotJSON), len(wantJSON))
	}
}

// TestStagingHoldsAboutAMiB: a chart's pieces reach Badger as they are
// written, not all at the commit. A WriteBatch alone counts a value-log
// value as its pointer, so it held a whole day's compressed pieces until
// then (issue 17: sync memory growing with the day).
func TestStagingHoldsAboutAMiB(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	g, err := s.Stage(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Discard()
	w, err := g.Chart("p1")
	if err != nil {
		t.Fatal(err)
	}
	// 4 MiB of hex, which compresses to about half: two MiB of pieces.
	noise := make([]byte, 2<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1024 {
		for j := range noise {
			noise[j] = "0123456789abcdef"[rng.IntN(16)]
		}
		r := json.RawMessage(fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","note":[{"text":"%s"}]}`, i, noise))
		if err := w.Add(ctx, []json.RawMessage{r}); err != nil {
			t.Fatal(err)
		}
	}
	// Only the head the staging began with would be there if the pieces
	// were all still held.
	if n := genKeys(t, s, g.gen); n < 2 {
		t.Fatalf("after 4 MiB of a chart, %d keys of the staging are in Badger: its pieces are all held until the commit", n)
	}
	if err := w.Close(ctx, PatientData{FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	enc := record.NewEncoder()
	enc.Add("p1", record.Record{})
	if err := g.Commit(ctx, Day{Date: "2026-11-24", Records: enc.Bytes()}); err != nil {
		t.Fatal(err)
	}
	d, err := s.GetDay(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Patients["p1"].Resources); n != 1024 {
		t.Fatalf("the chart read back with %d resources, want 1024", n)
	}
}
