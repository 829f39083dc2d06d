package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/healthprep/desk/internal/record"
)

// currentGen is the generation date's pointer names.
func currentGen(t *testing.T, s *Store, date string) string {
	t.Helper()
	var gen string
	if err := s.db.View(func(txn *badger.Txn) error {
		var err error
		gen, err = getString(txn, prefixDay+date)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return gen
}

// wantRecords is what decoding d's raw charts gives.
func wantRecords(d Day) map[string]record.Record {
	out := map[string]record.Record{}
	for id, p := range d.Patients {
		out[id], _ = record.FromFHIR(p.Resources)
	}
	return out
}

func checkRecords(t *testing.T, s *Store, d Day) {
	t.Helper()
	got, recs, err := s.DayRecords(context.Background(), d.Date)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs, wantRecords(d)) {
		t.Fatal("the saved records differ from the raw charts decoded")
	}
	if len(got.Appointments) != len(d.Appointments) || !got.SyncedAt.Equal(d.SyncedAt) || len(got.Patients) != len(d.Patients) {
		t.Fatalf("day: %d appointments, %d patients", len(got.Appointments), len(got.Patients))
	}
	for id, p := range d.Patients {
		g := got.Patients[id]
		if g.Resources != nil || g.Stale != p.Stale || g.Problem != p.Problem || !g.FetchedAt.Equal(p.FetchedAt) {
			t.Fatalf("patient state not kept: stale %v problem %q resources %d", g.Stale, g.Problem, len(g.Resources))
		}
	}
}

// TestDayRecordsReadNoFHIR: a saved day opens from its compact records
// alone, with each patient's fetch state: with the generation's raw charts
// deleted it still opens, the same as decoding them.
func TestDayRecordsReadNoFHIR(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	d := day("2026-11-24", 30, "Alpha")
	p := d.Patients["p003"]
	p.Stale, p.Problem = true, "Epic said 500"
	d.Patients["p003"] = p
	if err := s.PutDay(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.deletePrefix([]byte(prefixSnap + currentGen(t, s, d.Date) + "/p/")); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, s, d)
}

// TestDayRecordsRebuiltFromRaw: a generation saved with no compact records
// (before they existed), or with records of another decoder version, is
// decoded from its raw charts once and the result kept.
func TestDayRecordsRebuiltFromRaw(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, s *Store, gen string)
	}{
		{"saved before compact records", func(t *testing.T, s *Store, gen string) {
			for _, part := range []string{decodedPart, statePart} {
				if err := s.deletePrefix([]byte(prefixSnap + gen + part)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"another decoder version", func(t *testing.T, s *Store, gen string) {
			if err := s.db.Update(func(txn *badger.Txn) error {
				return txn.Set(pieceKey(prefixSnap+gen+decodedPart, 0), pack([]byte{record.DecoderVersion + 1, 0, 0, 0, 0, 0, 0}))
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"damaged compact records", func(t *testing.T, s *Store, gen string) {
			if err := s.db.Update(func(txn *badger.Txn) error {
				return txn.Set(pieceKey(prefixSnap+gen+decodedPart, 0), pack([]byte{record.DecoderVersion, 9}))
			}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, t.TempDir(), newKey(t))
			defer s.Close()
			d := day("2026-11-24", 12, "Bravo")
			if err := s.PutDay(ctx, d); err != nil {
				t.Fatal(err)
			}
			gen := currentGen(t, s, d.Date)
			tc.damage(t, s, gen)
			checkRecords(t, s, d)
			// Kept: the raw charts are no longer needed to open the day.
			if err := s.deletePrefix([]byte(prefixSnap + gen + "/p/")); err != nil {
				t.Fatal(err)
			}
			checkRecords(t, s, d)
		})
	}
}

// TestEncodedRecordsWrittenInPieces: a sync's records, written from its
// encoder a piece at a time (Day.Encoder), are the pieces their bytes
// would make, across piece boundaries, and read back as the records.
func TestEncodedRecordsWrittenInPieces(t *testing.T) {
	enc := record.NewEncoder()
	long := strings.Repeat("abcdefghij", pieceBytes/40) // four patients to a piece
	for i := range 10 {
		enc.Add(fmt.Sprint("p", i), record.Record{Patient: record.Patient{ID: fmt.Sprint("p", i), Name: fmt.Sprint(i, long)}})
	}
	collect := func(put func(set func(k, v []byte) error) error) map[string]string {
		got := map[string]string{}
		err := put(func(k, v []byte) error {
			b, err := unpackInto(nil, v)
			got[string(k)] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	states := map[string]PatientData{}
	want := collect(func(set func(k, v []byte) error) error { return putDecoded(set, "g", enc.Bytes(), states) })
	got := collect(func(set func(k, v []byte) error) error { return putEncoded(set, "g", enc, states) })
	if len(want) < 4 {
		t.Fatalf("the records made %d pieces: the test should span several", len(want))
	}
	if len(got) != len(want) {
		t.Fatalf("written from the encoder: %d pieces, from its bytes: %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("piece %s differs (%d bytes, want %d)", k, len(got[k]), len(v))
		}
	}

	// And a staged day committed with the encoder reads back whole.
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	g, err := s.Stage(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Discard()
	for i := range 10 {
		if err := g.PutPatient(ctx, fmt.Sprint("p", i), PatientData{FetchedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Commit(ctx, Day{Date: "2026-11-24", Encoder: enc}); err != nil {
		t.Fatal(err)
	}
	_, recs, err := s.DayRecords(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 10 || recs["p7"].Patient.Name != fmt.Sprint(7, long) {
		t.Fatalf("read back %d records, p7 named %d bytes", len(recs), len(recs["p7"].Patient.Name))
	}
}
