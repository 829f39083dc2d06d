// Saving and reading days: a generation per snapshot, swapped in by one pointer.

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// PutDay writes a day's snapshot and makes it current in one final
// transaction; until then the previous snapshot stays current.
func (s *Store) PutDay(ctx context.Context, d Day) error { return s.put(ctx, d, prefixDay) }

// PutPartial keeps an unfinished sync's result beside the current snapshot
// without replacing it.
func (s *Store) PutPartial(ctx context.Context, d Day) error {
	d.Partial = true
	return s.put(ctx, d, prefixPart)
}

// dayHead is a generation's meta value: small and fixed, whatever the
// size of the day.
type dayHead struct {
	Date         string    `json:"date"`
	SyncedAt     time.Time `json:"syncedAt"`
	Partial      bool      `json:"partial"`
	Appointments int       `json:"appointments"`
	Patients     int       `json:"patients"`
}

func (s *Store) put(ctx context.Context, d Day, pointer string) error {
	g, err := s.Stage(ctx, d.Date)
	if err != nil {
		return err
	}
	defer g.Discard()
	for id, p := range d.Patients {
		if err := g.PutPatient(ctx, id, p); err != nil {
			return scrub("saving the day", err)
		}
	}
	return g.commit(ctx, d, pointer)
}

// stage writes d under a new generation that nothing points at yet, and
// returns it (see Staging), for a caller that sets the pointer itself
// before anything can collect it (the migration, while opening).
func (s *Store) stage(ctx context.Context, d Day) (string, error) {
	g, err := s.Stage(ctx, d.Date)
	if err != nil {
		return "", err
	}
	defer g.Discard()
	for id, p := range d.Patients {
		if err := g.PutPatient(ctx, id, p); err != nil {
			return "", scrub("saving the day", err)
		}
	}
	if err := g.seal(ctx, d); err != nil {
		return "", err
	}
	return g.gen, nil
}

// point makes gen the generation pointer names for date, in one small
// transaction, and drops the one it replaces. Until then the previous
// snapshot stays current; a staged generation nothing points at is
// collected as an orphan.
func (s *Store) point(ctx context.Context, date, gen, pointer string) error {
	var old string
	err := s.db.Update(func(txn *badger.Txn) error {
		old, _ = getString(txn, pointer+date)
		if err := txn.Set([]byte(pointer+date), []byte(gen)); err != nil {
			return err
		}
		if pointer == prefixDay {
			// A finished snapshot supersedes any partial one for the day.
			if err := txn.Delete([]byte(prefixPart + date)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return scrub("saving the day", err)
	}
	if old != "" {
		return scrub("saving the day", s.dropGeneration(old))
	}
	return scrub("saving the day", s.collectOrphans(ctx))
}

func getString(txn *badger.Txn, key string) (string, error) {
	it, err := txn.Get([]byte(key))
	if err != nil {
		return "", err
	}
	v, err := it.ValueCopy(nil)
	return string(v), err
}

// GetDay returns the current snapshot of date, or ErrNoDay.
func (s *Store) GetDay(ctx context.Context, date string) (Day, error) {
	return s.get(ctx, prefixDay, date, true)
}

// DayInfo returns the current snapshot of date without its patients'
// charts (Patients is nil): when it was synced, whether it is partial,
// the appointments. It is cheap, for status.
func (s *Store) DayInfo(ctx context.Context, date string) (Day, error) {
	return s.get(ctx, prefixDay, date, false)
}

// GetPartial returns an unfinished sync's result for date, or ErrNoDay.
func (s *Store) GetPartial(ctx context.Context, date string) (Day, error) {
	return s.get(ctx, prefixPart, date, true)
}

func (s *Store) get(ctx context.Context, pointer, date string, charts bool) (Day, error) {
	var d Day
	err := s.db.View(func(txn *badger.Txn) error {
		var (
			gen string
			err error
		)
		d, gen, err = s.head(txn, pointer, date)
		if err != nil || !charts {
			return err
		}
		d.Patients = make(map[string]PatientData, d.patients)
		// A chart's pieces are contiguous and in order under its id.
		prefix := []byte(prefixSnap + gen + "/p/")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		var (
			cur  string
			buf  []byte
			next int
		)
		flush := func() error {
			if cur == "" {
				return nil
			}
			var p PatientData
			if err := json.Unmarshal(buf, &p); err != nil {
				return ErrDamaged
			}
			d.Patients[cur] = p
			return nil
		}
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rest := string(it.Item().Key()[len(prefix):])
			slash := strings.LastIndexByte(rest, '/')
			if slash <= 0 {
				return ErrDamaged
			}
			id, n := rest[:slash], rest[slash+1:]
			if id != cur {
				if err := flush(); err != nil {
					return err
				}
				cur, buf, next = id, buf[:0], 0
			}
			if i, err := strconv.Atoi(n); err != nil || i != next {
				return ErrDamaged
			}
			next++
			if err := it.Item().Value(func(v []byte) error {
				buf, err = unpackInto(buf, v)
				return err
			}); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(d.Patients) != d.patients {
			return ErrDamaged
		}
		return nil
	})
	return d, scrub("reading the saved day", err)
}

// head reads the generation pointer names for date, its head and its
// appointments.
func (s *Store) head(txn *badger.Txn, pointer, date string) (Day, string, error) {
	gen, err := getString(txn, pointer+date)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Day{}, "", ErrNoDay
	}
	if err != nil {
		return Day{}, "", err
	}
	meta, err := txn.Get([]byte(prefixSnap + gen + "/meta"))
	if err != nil {
		return Day{}, "", fmt.Errorf("the saved day is incomplete: %w", err)
	}
	var head dayHead
	if err := meta.Value(func(v []byte) error { return json.Unmarshal(v, &head) }); err != nil {
		return Day{}, "", ErrDamaged
	}
	d := Day{Date: head.Date, SyncedAt: head.SyncedAt, Partial: head.Partial, patients: head.Patients}
	b, _, err := readPieces(txn, prefixSnap+gen+"/a/")
	if err != nil {
		return Day{}, "", err
	}
	if json.Unmarshal(b, &d.Appointments) != nil || len(d.Appointments) != head.Appointments {
		return Day{}, "", ErrDamaged
	}
	return d, gen, nil
}

// Days lists the dates with a current snapshot, newest first.
func (s *Store) Days(ctx context.Context) ([]string, error) {
	var days []string
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte(prefixDay)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			days = append(days, string(it.Item().Key()[len(prefixDay):]))
		}
		return nil
	})
	sort.Sort(sort.Reverse(sort.StringSlice(days)))
	return days, scrub("listing the saved days", err)
}

// derivedPart holds what readers derive from a generation's raw charts
// (the documents' attachments, say) under a name with its version, so it
// is derived once per snapshot and goes with it.
const derivedPart = "/x/"

// Derived returns what derive makes of date's current snapshot (its raw
// charts), made once and kept beside the snapshot under name: later calls
// read it back without the raw charts. A new snapshot derives afresh; a
// new derive function must use a new name.
func (s *Store) Derived(ctx context.Context, date, name string, derive func(Day) ([]byte, error)) ([]byte, error) {
	if name == "" || strings.Contains(name, "/") {
		return nil, errors.New("store: a derived value's name must be a word")
	}
	var (
		gen string
		b   []byte
		n   int
	)
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if gen, err = getString(txn, prefixDay+date); errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNoDay
		} else if err != nil {
			return err
		}
		b, n, err = readPieces(txn, prefixSnap+gen+derivedPart+name+"/")
		return err
	})
	if err != nil || n > 0 {
		return b, scrub("reading the saved day", err)
	}
	d, err := s.GetDay(ctx, date)
	if err != nil {
		return nil, err
	}
	if b, err = derive(d); err != nil {
		return nil, err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if cur, err := getString(txn, prefixDay+date); err != nil || cur != gen {
			return err // replaced meanwhile: the next call derives from the new one
		}
		prefix := prefixSnap + gen + derivedPart + name + "/"
		if err := deleteIn(txn, prefix); err != nil {
			return err
		}
		for i, p := range pieces(b) {
			if err := txn.Set(pieceKey(prefix, i), p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("a derived value was not kept; it is derived again next time", "err", scrub("saving the derived value", err))
	}
	return b, nil
}
