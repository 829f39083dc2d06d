// The cache's layout version and the migration from version 1.

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

func (s *Store) checkSchema(ctx context.Context) error {
	var have int
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(keySchema))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error {
			have, err = strconv.Atoi(string(v))
			return err
		})
	})
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return fmt.Errorf("reading the cache version: %w", err)
	case have == SchemaVersion:
		return nil
	case have == 1:
		err := s.migrate1(ctx)
		if err == nil {
			s.log.Info("cache layout migrated", "from", have, "to", SchemaVersion)
			return nil
		}
		s.log.Warn("cache layout migration failed; clearing it to refill from Epic", "from", have, "to", SchemaVersion, "err", scrub("migrating", err))
		if err := s.db.DropAll(); err != nil {
			return err
		}
	default:
		s.log.Warn("cache layout changed; clearing it to refill from Epic", "from", have, "to", SchemaVersion)
		if err := s.db.DropAll(); err != nil {
			return err
		}
	}
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keySchema), []byte(strconv.Itoa(SchemaVersion)))
	})
}

// migrate1 rewrites a version-1 cache (a day's list in one value, a chart
// in one value, a file in one value) in this layout. Every saved day is
// staged under a new generation first; then one transaction points the
// days at them, rewrites the files and sets the version, so a migration
// killed part-way leaves the version-1 cache as it was (the staged
// generations are orphans, collected on the next open) and runs again.
func (s *Store) migrate1(ctx context.Context) error {
	pointers := map[string]string{} // pointer key -> version-1 generation
	files := map[string][]byte{}    // name -> content
	err := s.db.View(func(txn *badger.Txn) error {
		for _, p := range []string{prefixDay, prefixPart} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(p)})
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				pointers[string(it.Item().Key())] = string(v)
			}
			it.Close()
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixFile)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			name := string(it.Item().Key()[len(prefixFile):])
			if strings.Contains(name, "/") {
				continue // a piece staged by a migration that did not finish
			}
			if err := it.Item().Value(func(v []byte) error {
				b, err := unpackInto(nil, v)
				files[name] = b
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	staged := map[string]string{} // pointer key -> new generation
	for key, gen := range pointers {
		d, err := s.readV1(ctx, gen)
		if err != nil {
			return err
		}
		ng, err := s.stage(ctx, d)
		if err != nil {
			return err
		}
		staged[key] = ng
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		for key, gen := range staged {
			if err := txn.Set([]byte(key), []byte(gen)); err != nil {
				return err
			}
		}
		for name, b := range files {
			if err := txn.Delete([]byte(prefixFile + name)); err != nil {
				return err
			}
			for i, p := range pieces(b) {
				if err := txn.Set(pieceKey(prefixFile+name+"/", i), p); err != nil {
					return err
				}
			}
		}
		return txn.Set([]byte(keySchema), []byte(strconv.Itoa(SchemaVersion)))
	})
	if err != nil {
		return err
	}
	for _, gen := range pointers {
		if err := s.dropGeneration(gen); err != nil {
			s.log.Warn("an old cache generation was left to the next clean-up", "err", scrub("cleaning up", err))
		}
	}
	return nil
}

// readV1 reads a version-1 generation: the day with its appointments in
// snap/<gen>/meta and each chart whole in snap/<gen>/p/<patient>.
func (s *Store) readV1(ctx context.Context, gen string) (Day, error) {
	var d Day
	err := s.db.View(func(txn *badger.Txn) error {
		meta, err := txn.Get([]byte(prefixSnap + gen + "/meta"))
		if err != nil {
			return err
		}
		if err := meta.Value(func(v []byte) error { return json.Unmarshal(v, &d) }); err != nil {
			return ErrDamaged
		}
		d.Patients = map[string]PatientData{}
		prefix := []byte(prefixSnap + gen + "/p/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 4})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var p PatientData
			if err := it.Item().Value(func(v []byte) error { return unpack(v, &p) }); err != nil {
				return err
			}
			d.Patients[string(it.Item().Key()[len(prefix):])] = p
		}
		return nil
	})
	return d, err
}
