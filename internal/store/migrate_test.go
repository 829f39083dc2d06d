package store

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// writeV1 writes d in the version-1 layout (the whole day in its meta
// value, each chart in one value) and points pointer at it.
func writeV1(t *testing.T, s *Store, pointer string, d Day, gen string) {
	t.Helper()
	err := s.db.Update(func(txn *badger.Txn) error {
		meta, _ := json.Marshal(d)
		if err := txn.Set([]byte(prefixSnap+gen+"/meta"), meta); err != nil {
			return err
		}
		for id, p := range d.Patients {
			b, _ := json.Marshal(p)
			if err := txn.Set([]byte(prefixSnap+gen+"/p/"+id), pack(b)); err != nil {
				return err
			}
		}
		return txn.Set([]byte(pointer+d.Date), []byte(gen))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A cache written by the version-1 layout opens with its days, partial
// results and imported file intact, in the new layout, with no trace of
// the old keys; a second open finds nothing left to migrate.
func TestVersion1CacheIsMigrated(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	good, part := day("2026-11-23", 12, "Kilo"), day("2026-11-24", 4, "Lima")
	part.Partial = true
	writeV1(t, s, prefixDay, good, "2026-11-23.v1a")
	writeV1(t, s, prefixDay, day("2026-11-24", 6, "Mike"), "2026-11-24.v1b")
	writeV1(t, s, prefixPart, part, "2026-11-24.v1c")
	csv := bytes.Repeat([]byte("8:00 AM,Park,2001007,Follow-Up\n"), 1000)
	s.db.Update(func(txn *badger.Txn) error {
		txn.Set([]byte(prefixFile+"schedule.csv"), pack(csv))
		return txn.Set([]byte(keySchema), []byte("1"))
	})
	s.Close()

	s = open(t, dir, key)
	got, err := s.GetDay(ctx, "2026-11-23")
	if err != nil {
		t.Fatalf("the version-1 day after migration: %v", err)
	}
	if !got.SyncedAt.Equal(good.SyncedAt) || !reflect.DeepEqual(got.Appointments, good.Appointments) || !reflect.DeepEqual(got.Patients["p011"].Resources, good.Patients["p011"].Resources) {
		t.Fatalf("the migrated day differs: %d appointments, %d patients", len(got.Appointments), len(got.Patients))
	}
	if p, err := s.GetPartial(ctx, "2026-11-24"); err != nil || !p.Partial || len(p.Patients) != 4 {
		t.Fatalf("the partial result: %v, %d patients", err, len(p.Patients))
	}
	if d, err := s.GetDay(ctx, "2026-11-24"); err != nil || len(d.Patients) != 6 {
		t.Fatalf("the second day: %v", err)
	}
	if f, err := s.GetFile(ctx, "schedule.csv"); err != nil || !bytes.Equal(f, csv) {
		t.Fatalf("the imported file: %v, %d bytes", err, len(f))
	}
	var version string
	var old []string
	s.db.View(func(txn *badger.Txn) error {
		version, _ = getString(txn, keySchema)
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			if bytes.Contains([]byte(k), []byte(".v1")) || k == prefixFile+"schedule.csv" {
				old = append(old, k)
			}
		}
		return nil
	})
	if version != strconv.Itoa(SchemaVersion) || len(old) > 0 {
		t.Fatalf("after migration: version %q, old keys left %v", version, old)
	}
	s.Close()
	s = open(t, dir, key)
	defer s.Close()
	if days, _ := s.Days(ctx); len(days) != 2 {
		t.Fatalf("days after a second open: %v", days)
	}
}

// A version-1 cache that cannot be read is cleared to be refilled from
// Epic: the open never fails for it.
func TestUnreadableVersion1CacheIsRebuilt(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	s.db.Update(func(txn *badger.Txn) error {
		txn.Set([]byte(prefixDay+"2026-11-24"), []byte("2026-11-24.gone"))
		return txn.Set([]byte(keySchema), []byte("1"))
	})
	s.Close()
	s = open(t, dir, key)
	defer s.Close()
	if days, err := s.Days(ctx); err != nil || len(days) != 0 {
		t.Fatalf("days: %v %v", days, err)
	}
}

// A migration that stopped after staging some days (the process killed)
// left the version-1 cache as it was: the next open migrates it whole and
// collects what the stopped one staged.
func TestStoppedMigrationRunsAgain(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	s := open(t, dir, key)
	good := day("2026-11-23", 5, "November")
	writeV1(t, s, prefixDay, good, "2026-11-23.v1a")
	if _, err := s.stage(ctx, good); err != nil { // what the stopped migration wrote
		t.Fatal(err)
	}
	s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(keySchema), []byte("1")) })
	s.Close()

	s = open(t, dir, key)
	defer s.Close()
	got, err := s.GetDay(ctx, "2026-11-23")
	if err != nil || len(got.Patients) != 5 || !reflect.DeepEqual(got.Appointments, good.Appointments) {
		t.Fatalf("after the second migration: %v, %d patients", err, len(got.Patients))
	}
	metas := 0
	s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixSnap)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if bytes.HasSuffix(it.Item().Key(), []byte("/meta")) {
				metas++
			}
		}
		return nil
	})
	if metas != 1 {
		t.Fatalf("%d generations left, want the current one only", metas)
	}
}
