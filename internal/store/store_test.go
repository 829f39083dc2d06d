package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/healthprep/desk/internal/record"
	"github.com/healthprep/desk/internal/store/storetest"
)

func newKey(t *testing.T) []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// day builds a snapshot whose every patient carries a marker name.
func day(date string, patients int, marker string) Day {
	d := Day{Date: date, SyncedAt: time.Now().UTC(), Patients: map[string]PatientData{}}
	for i := 0; i < patients; i++ {
		id := fmt.Sprintf("p%03d", i)
		d.Appointments = append(d.Appointments, record.Appointment{ID: "a" + id, PatientID: id, PatientName: marker, Status: "booked"})
		res, _ := json.Marshal(map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"text": marker}}, "identifier": []any{map[string]any{"value": "MRN" + marker}}})
		// Enough resources per patient to exceed one Badger transaction.
		rs := []json.RawMessage{res}
		for j := 0; j < 40; j++ {
			o, _ := json.Marshal(map[string]any{"resourceType": "Observation", "id": fmt.Sprintf("o%d", j), "valueString": marker})
			rs = append(rs, o)
		}
		d.Patients[id] = PatientData{Resources: rs, FetchedAt: d.SyncedAt}
	}
	return d
}

func open(t *testing.T, dir string, key []byte) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTripAndReplace(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	defer s.Close()
	if _, err := s.GetDay(ctx, "2026-11-24"); !errors.Is(err, ErrNoDay) {
		t.Fatalf("empty cache: %v", err)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 40, "Alpha")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDay(ctx, day("2026-11-24", 35, "Bravo")); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDay(ctx, "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Patients) != 35 || len(got.Appointments) != 35 || got.Appointments[0].PatientName != "Bravo" || len(got.Patients["p001"].Resources) != 41 {
		t.Fatalf("got %d patients, %d appointments", len(got.Patients), len(got.Appointments))
	}
	if info, err := s.DayInfo(ctx, "2026-11-24"); err != nil || info.Patients != nil || len(info.Appointments) != 35 || !info.SyncedAt.Equal(got.SyncedAt) {
		t.Fatalf("day info: %v, %d appointments, charts loaded: %v", err, len(info.Appointments), info.Patients != nil)
	}
	// A partial result sits beside the current snapshot without replacing it.
	if err := s.PutPartial(ctx, day("2026-11-24", 3, "Charlie")); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.GetDay(ctx, "2026-11-24"); len(cur.Patients) != 35 {
		t.Fatalf("a partial write replaced the snapshot: %d patients", len(cur.Patients))
	}
	if part, err := s.GetPartial(ctx, "2026-11-24"); err != nil || !part.Partial || len(part.Patients) != 3 {
		t.Fatalf("partial: %v %d", err, len(part.Patients))
	}
	// The replaced generation is gone, not left to grow the cache.
	n := 0
	s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixSnap)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	// Each generation: its head, one piece of appointments, one per chart,
	// one of compact records and one of patient states.
	if want := (1 + 1 + 35 + 2) + (1 + 1 + 3 + 2); n != want {
		t.Fatalf("%d snapshot keys, want %d (old generation not dropped)", n, want)
	}
}

// scanDir reports which needles any file under dir holds in clear text.
func scanDir(t *testing.T, dir string, needles ...string) (found map[string]bool, files int) {
	found = map[string]bool{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b = storetest.ClearText(b)
		files++
		for _, needle := range needles {
			if bytes.Contains(b, []byte(needle)) {
				found[needle] = true
			}
		}
		return nil
	})
	return found, files
}

func TestEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	needles := []string{"Zebediah", "Quartermaine", "MRNZebediah", "Observation"}
	// The control: the same writes to a Badger without encryption are
	// found by the scan, so the scan can fail.
	plain := t.TempDir()
	db, err := badger.Open(badgerOptions(plain, nil, slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	cs := &Store{db: db, log: slog.New(slog.DiscardHandler), dir: plain}
	if err := cs.PutDay(ctx, day("2026-11-20", 40, "Zebediah-Quartermaine")); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	if found, _ := scanDir(t, plain, needles...); len(found) != len(needles) {
		t.Fatalf("the scan misses clear text in an unencrypted cache: found only %v", found)
	}

	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	for i := 0; i < 3; i++ {
		if err := s.PutDay(ctx, day(fmt.Sprintf("2026-11-2%d", i), 40, "Zebediah-Quartermaine")); err != nil {
			t.Fatal(err)
		}
	}
	s.AppendAudit(ctx, AuditEntry{Event: "sheet.viewed", Fields: map[string]string{"patient": "Zebediah-Quartermaine"}})
	s.Close()
	found, files := scanDir(t, dir, needles...)
	if files == 0 {
		t.Fatal("no files to scan")
	}
	if len(found) > 0 {
		t.Fatalf("the encrypted cache holds %v in clear text", found)
	}
}

func TestSecondOpenerAndWrongKey(t *testing.T) {
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	if _, err := Open(context.Background(), dir, key, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	s.Close()
	if _, err := Open(context.Background(), dir, newKey(t), nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestDamagedCacheMovedAsideAndRebuilt(t *testing.T) {
	ctx := context.Background()
	root, key := t.TempDir(), newKey(t)
	dir := filepath.Join(root, "cache")
	s := open(t, dir, key)
	s.PutDay(ctx, day("2026-11-24", 5, "Delta"))
	s.Close()
	// Scribble over the manifest.
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte("this is not a manifest"), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, aside, err := OpenOrRebuild(ctx, dir, key, nil)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	defer s2.Close()
	if aside == "" {
		t.Fatal("the damaged cache was not moved aside")
	}
	if _, err := os.Stat(filepath.Join(aside, "MANIFEST")); err != nil {
		t.Fatalf("the damaged cache was lost: %v", err)
	}
	if _, err := s2.GetDay(ctx, "2026-11-24"); !errors.Is(err, ErrNoDay) {
		t.Fatalf("fresh cache should be empty: %v", err)
	}
}

func TestSchemaChangeClearsInsteadOfMisreading(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	s.PutDay(ctx, day("2026-11-24", 2, "Echo"))
	s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keySchema), []byte("0")) })
	s.Close()
	s = open(t, dir, key)
	defer s.Close()
	if days, _ := s.Days(ctx); len(days) != 0 {
		t.Fatalf("days survived a layout change: %v", days)
	}
}

func TestRetentionPurge(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	defer s.Close()
	for d := 1; d <= 20; d++ {
		s.PutDay(ctx, day(fmt.Sprintf("2026-11-%02d", d), 3, "Foxtrot"))
	}
	n, err := s.Purge(ctx, "2026-11-07")
	if err != nil || n != 6 {
		t.Fatalf("purged %d, %v", n, err)
	}
	days, _ := s.Days(ctx)
	if len(days) != 14 || days[0] != "2026-11-20" || days[13] != "2026-11-07" {
		t.Fatalf("days left: %v", days)
	}
	// A day's own files (the notes sent to the chart that day) go with it;
	// undated files and the kept days' stay.
	for _, f := range []string{"sent-notes-2026-11-06", "sent-count-2026-11-01", "sent-notes-2026-11-07", "schedule.csv"} {
		if err := s.PutFile(ctx, f, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Purge(ctx, "2026-11-07"); err != nil {
		t.Fatal(err)
	}
	for f, kept := range map[string]bool{"sent-notes-2026-11-06": false, "sent-count-2026-11-01": false, "sent-notes-2026-11-07": true, "schedule.csv": true} {
		if _, err := s.GetFile(ctx, f); (err == nil) != kept {
			t.Errorf("%s: kept=%v, err %v", f, kept, err)
		}
	}
}

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	t0 := time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC)
	for i, ev := range []string{"signin", "sync", "sheet.viewed"} {
		s.AppendAudit(ctx, AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Event: ev})
	}
	got, _ := s.Audit(ctx, t0.Add(time.Minute))
	if len(got) != 2 || got[0].Event != "sync" || got[1].Event != "sheet.viewed" {
		t.Fatalf("%+v", got)
	}
}

// The crash test: a child process writes snapshots in a loop and is killed
// with SIGKILL at a random moment, 20 times. Each time the cache must open
// and its current snapshot must be complete (every patient of the schedule).
func TestKilledWritesNeverBreakTheLastGoodSnapshot(t *testing.T) {
	if os.Getenv("STORE_CRASH_CHILD") != "" {
		crashChild()
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	key := newKey(t)
	rng := mrand.New(mrand.NewPCG(1, 2))
	checked := 0
	for i := 0; i < 20; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWritesNeverBreakTheLastGoodSnapshot$")
		cmd.Env = append(os.Environ(), "STORE_CRASH_CHILD=1", "STORE_DIR="+dir, "STORE_KEY="+fmt.Sprintf("%x", key), "STORE_ROUND="+strconv.Itoa(i))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random moment after the child's first snapshot is
		// saved, however slow the machine: every round has one to check.
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("round %d: the child saved nothing: %v", i, err)
		}
		time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		s, err := Open(ctx, dir, key, nil)
		if err != nil {
			t.Fatalf("round %d: the cache did not open after SIGKILL: %v", i, err)
		}
		d, err := s.GetDay(ctx, "2026-11-24")
		if err != nil && !errors.Is(err, ErrNoDay) {
			t.Fatalf("round %d: %v", i, err)
		}
		if err == nil {
			checked++
			for _, a := range d.Appointments {
				if p, ok := d.Patients[a.PatientID]; !ok || len(p.Resources) != 41 {
					t.Fatalf("round %d: snapshot incomplete: patient %s has %d resources", i, a.PatientID, len(p.Resources))
				}
			}
			// The records saved beside the charts are of the same snapshot.
			rd, recs, err := s.DayRecords(ctx, "2026-11-24")
			if err != nil || !rd.SyncedAt.Equal(d.SyncedAt) || len(recs) != len(d.Patients) {
				t.Fatalf("round %d: saved records: %v, %d for %d patients", i, err, len(recs), len(d.Patients))
			}
			for _, a := range d.Appointments {
				if r := recs[a.PatientID]; r.Patient.ID != a.PatientID || len(r.Items) != 40 {
					t.Fatalf("round %d: saved records incomplete: %d items", i, len(r.Items))
				}
			}
		}
		s.Close()
	}
	if checked != 20 {
		t.Fatalf("only %d of 20 rounds had a snapshot to check", checked)
	}
}

func crashChild() {
	var key []byte
	fmt.Sscanf(os.Getenv("STORE_KEY"), "%x", &key)
	s, err := Open(context.Background(), os.Getenv("STORE_DIR"), key, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		if s.PutDay(context.Background(), day("2026-11-24", 30+i%15, "Golf"+os.Getenv("STORE_ROUND"))) == nil {
			fmt.Println("saved")
		}
	}
}

func TestImportedFilesAreKeptEncrypted(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	csv := []byte("Appt Time,Provider,MRN,Patient Name,DOB,Visit Type\n8:00 AM,Park,2001007,\"QUARTERMAINE,ZEBEDIAH\",09/12/1987,Follow-Up\n")
	if _, err := s.GetFile(ctx, "schedule.csv"); !errors.Is(err, ErrNoFile) {
		t.Fatalf("before import: %v", err)
	}
	if err := s.PutFile(ctx, "schedule.csv", csv); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetFile(ctx, "schedule.csv")
	if err != nil || !bytes.Equal(got, csv) {
		t.Fatalf("%v %q", err, got)
	}
	s.Close()
	if found, _ := scanDir(t, dir, "QUARTERMAINE", "2001007", "09/12/1987"); len(found) > 0 {
		t.Fatalf("the imported file is in clear text: %v", found)
	}
}
