// Retention: old days, their files and orphaned generations go, and the space is reclaimed.

package store

import (
	"context"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Purge deletes days before keepFrom (YYYY-MM-DD) and reclaims space.
func (s *Store) Purge(ctx context.Context, keepFrom string) (int, error) {
	days, err := s.Days(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range days {
		if d >= keepFrom {
			continue
		}
		var gens []string
		err := s.db.Update(func(txn *badger.Txn) error {
			for _, p := range []string{prefixDay, prefixPart} {
				if g, err := getString(txn, p+d); err == nil {
					gens = append(gens, g)
				}
				if err := txn.Delete([]byte(p + d)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, scrub("removing old days", err)
		}
		for _, g := range gens {
			if err := s.dropGeneration(g); err != nil {
				return n, scrub("removing old days", err)
			}
		}
		n++
	}
	// Files that belong to a day (their name ends in -YYYY-MM-DD: the
	// notes sent to the chart that day, its count) go with the day.
	files, err := s.datedFilesBefore(keepFrom)
	if err != nil {
		return n, scrub("removing old days", err)
	}
	for _, f := range files {
		if err := s.deletePrefix([]byte(prefixFile + f + "/")); err != nil {
			return n, scrub("removing old days", err)
		}
	}
	if n > 0 || len(files) > 0 {
		s.gc()
	}
	return n, nil
}

// datedFilesBefore lists the files whose name ends in a date before day.
func (s *Store) datedFilesBefore(day string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixFile)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			name, _, _ := strings.Cut(strings.TrimPrefix(string(it.Item().Key()), prefixFile), "/")
			if seen[name] || len(name) < len("-2006-01-02") {
				continue
			}
			seen[name] = true
			date := name[len(name)-len("2006-01-02"):]
			if name[len(name)-len("-2006-01-02")] != '-' {
				continue
			}
			if _, err := time.Parse(time.DateOnly, date); err == nil && date < day {
				out = append(out, name)
			}
		}
		return nil
	})
	return out, err
}

// gc runs Badger's value-log GC until it has nothing to rewrite.
func (s *Store) gc() {
	for i := 0; i < 10; i++ {
		if s.db.RunValueLogGC(0.5) != nil {
			return
		}
	}
}

// dropGeneration deletes a snapshot generation's keys.
func (s *Store) dropGeneration(gen string) error {
	return s.deletePrefix([]byte(prefixSnap + gen + "/"))
}

func (s *Store) deletePrefix(prefix []byte) error {
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// collectOrphans deletes generations no pointer names: what an interrupted
// or killed write left behind. A generation this process is still writing
// (a sync's Staging) is not an orphan yet.
func (s *Store) collectOrphans(ctx context.Context) error {
	live := map[string]bool{}
	var gens []string
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		for _, p := range []string{prefixDay, prefixPart} {
			opts.Prefix = []byte(p)
			it := txn.NewIterator(opts)
			for it.Rewind(); it.Valid(); it.Next() {
				v, _ := it.Item().ValueCopy(nil)
				live[string(v)] = true
			}
			it.Close()
		}
		opts.Prefix = []byte(prefixSnap)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key()[len(prefixSnap):])
			if strings.HasSuffix(k, "/meta") {
				gens = append(gens, strings.TrimSuffix(k, "/meta"))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range gens {
		if _, writing := staging.Load(g); !live[g] && !writing {
			if err := s.dropGeneration(g); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
