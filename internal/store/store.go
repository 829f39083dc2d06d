// Package store is the agent's encrypted local cache on Badger v4: day
// snapshots (the schedule and each patient's raw FHIR resources), and an
// audit log. Only this package touches the cache directory. Snapshots are
// written under a fresh generation and made current by one small
// transaction at the end, so a failed, interrupted or killed write never
// replaces the last good snapshot.
package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/klauspost/compress/zstd"

	"github.com/healthprep/desk/internal/record"
)

// SchemaVersion is the key layout version. A cache with another version is
// wiped and refilled from Epic, never read with the wrong layout.
const SchemaVersion = 1

var (
	// ErrLocked means another process has the cache open.
	ErrLocked = errors.New("the HealthPrep agent is already running (the cache is open in another process)")
	// ErrWrongKey means the cache was encrypted with another key.
	ErrWrongKey = errors.New("the cache was encrypted with a different key than the one in the keychain")
	// ErrNoDay means nothing is cached for that date.
	ErrNoDay = errors.New("nothing is saved for that day yet")
	// ErrNoFile means no file of that name was imported.
	ErrNoFile = errors.New("no such file has been imported")
)

// PatientData is one patient's cached chart.
type PatientData struct {
	Resources []json.RawMessage `json:"resources"`
	FetchedAt time.Time         `json:"fetchedAt"`
	// Stale marks data kept from an earlier sync because this sync could
	// not fetch the patient; Problem says why (no PHI).
	Stale   bool   `json:"stale,omitempty"`
	Problem string `json:"problem,omitempty"`

	// What the next sync needs to fetch only what changed: the lookback
	// start the searches used (YYYY-MM-DD) and the types they fetched
	// whole, the server's clock when they
	// began, the Patient's ETag, and the resource types that could not be
	// fetched (they get a full search next time).
	Since   string    `json:"since,omitempty"`
	Whole   []string  `json:"whole,omitempty"` // types fetched with no date limit
	Mark    time.Time `json:"mark,omitzero"`
	ETag    string    `json:"etag,omitempty"`
	Missing []string  `json:"missing,omitempty"`
}

// Day is a day's snapshot.
type Day struct {
	Date         string                 `json:"date"` // YYYY-MM-DD
	SyncedAt     time.Time              `json:"syncedAt"`
	Partial      bool                   `json:"partial"`
	Appointments []record.Appointment   `json:"appointments"`
	Patients     map[string]PatientData `json:"-"`
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	At     time.Time         `json:"at"`
	Event  string            `json:"event"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Store is an open cache.
type Store struct {
	db  *badger.DB
	log *slog.Logger
	dir string
}

// badgerLogger routes Badger's own chatter to slog at debug level.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Warn("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Debug("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(f string, a ...any)    {}
func (b badgerLogger) Debugf(f string, a ...any)   {}

// options tunes Badger for a small desktop cache (see toolchain notes):
// small memtables and value-log files, bounded caches, encryption on.
func badgerOptions(dir string, key []byte, log *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithEncryptionKey(key).
		WithIndexCacheSize(4 << 20). // required with encryption
		WithBlockCacheSize(8 << 20).
		WithValueLogFileSize(16 << 20).
		WithMemTableSize(4 << 20).
		WithValueThreshold(1 << 10).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBaseTableSize(1 << 20).
		WithBaseLevelSize(4 << 20).
		WithNumCompactors(2).
		WithCompactL0OnClose(true).
		WithCompression(options.ZSTD).
		WithMetricsEnabled(false).
		WithLogger(badgerLogger{log})
}

// Open opens (creating if needed) the cache in dir with a 32-byte key.
func Open(ctx context.Context, dir string, key []byte, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(key) != 32 {
		return nil, errors.New("the cache key must be 32 bytes")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the cache directory: %w", err)
	}
	db, err := openDB(dir, key, log)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, log: log, dir: dir}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.collectOrphans(ctx); err != nil {
		log.Warn("cache cleanup skipped", "err", err)
	}
	return s, nil
}

// openDB opens Badger, turning its panics and errors into typed errors.
func openDB(dir string, key []byte, log *slog.Logger) (db *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the cache is damaged: %v", r)
		}
	}()
	removeEmptyValueLogs(dir)
	db, err = badger.Open(badgerOptions(dir, key, log))
	switch {
	case err == nil:
		return db, nil
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return nil, ErrLocked
	case strings.Contains(err.Error(), "Encryption key mismatch"):
		return nil, ErrWrongKey
	}
	return nil, fmt.Errorf("the cache is damaged: %w", err)
}

// OpenOrRebuild opens the cache; a damaged one, or one whose key was lost,
// is moved aside (never deleted) and a fresh one created, to be refilled
// from Epic. It returns the path the old cache was moved to, if any.
func OpenOrRebuild(ctx context.Context, dir string, key []byte, log *slog.Logger) (*Store, string, error) {
	s, err := Open(ctx, dir, key, log)
	if err == nil || errors.Is(err, ErrLocked) {
		return s, "", err
	}
	aside := fmt.Sprintf("%s.unreadable-%s", dir, time.Now().UTC().Format("20060102T150405Z"))
	if rerr := os.Rename(dir, aside); rerr != nil {
		return nil, "", fmt.Errorf("%v; moving it aside also failed: %w", err, rerr)
	}
	if log != nil {
		log.Warn("cache unreadable; moved aside and rebuilding from Epic", "reason", err.Error(), "movedTo", aside)
	}
	s, err = Open(ctx, dir, key, log)
	return s, aside, err
}

// Close closes the cache.
func (s *Store) Close() error { return s.db.Close() }

const (
	keySchema  = "meta/schema"
	prefixDay  = "day/"  // day/<date> -> generation
	prefixPart = "part/" // part/<date> -> generation of a partial result
	prefixSnap = "snap/" // snap/<gen>/meta, snap/<gen>/p/<patient>
	prefixAud  = "audit/"
	prefixFile = "file/" // file/<name> -> an imported file, compressed
)

// PutFile keeps an imported file (a schedule exported from Epic holds
// names, MRNs and birth dates) in the encrypted cache, replacing any of
// that name.
func (s *Store) PutFile(ctx context.Context, name string, data []byte) error {
	if name == "" || len(data) > 16<<20 {
		return errors.New("the file is empty-named or larger than 16 MB")
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(prefixFile+name), pack(data)) })
}

// GetFile returns an imported file, or ErrNoFile.
func (s *Store) GetFile(ctx context.Context, name string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixFile + name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNoFile
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error {
			b, err := zdec.DecodeAll(v, nil)
			out = b
			return err
		})
	})
	return out, err
}

func (s *Store) checkSchema() error {
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

// PutDay writes a day's snapshot and makes it current in one final
// transaction; until then the previous snapshot stays current.
func (s *Store) PutDay(ctx context.Context, d Day) error { return s.put(ctx, d, prefixDay) }

// PutPartial keeps an unfinished sync's result beside the current snapshot
// without replacing it.
func (s *Store) PutPartial(ctx context.Context, d Day) error {
	d.Partial = true
	return s.put(ctx, d, prefixPart)
}

func (s *Store) put(ctx context.Context, d Day, pointer string) error {
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return fmt.Errorf("bad day %q", d.Date)
	}
	gen := d.Date + "." + strconv.FormatInt(time.Now().UnixNano(), 36)
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	meta, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := wb.Set([]byte(prefixSnap+gen+"/meta"), meta); err != nil {
		return err
	}
	for id, p := range d.Patients {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := wb.Set([]byte(prefixSnap+gen+"/p/"+id), pack(b)); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("saving the day: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err // the staged generation is collected as an orphan later
	}
	var old string
	err = s.db.Update(func(txn *badger.Txn) error {
		old, _ = getString(txn, pointer+d.Date)
		if err := txn.Set([]byte(pointer+d.Date), []byte(gen)); err != nil {
			return err
		}
		if pointer == prefixDay {
			// A finished snapshot supersedes any partial one for the day.
			if err := txn.Delete([]byte(prefixPart + d.Date)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("saving the day: %w", err)
	}
	if old != "" {
		return s.dropGeneration(old)
	}
	return s.collectOrphans(ctx)
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
		gen, err := getString(txn, pointer+date)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNoDay
		}
		if err != nil {
			return err
		}
		meta, err := txn.Get([]byte(prefixSnap + gen + "/meta"))
		if err != nil {
			return fmt.Errorf("the saved day is incomplete: %w", err)
		}
		if err := meta.Value(func(v []byte) error { return json.Unmarshal(v, &d) }); err != nil {
			return err
		}
		if !charts {
			return nil
		}
		d.Patients = map[string]PatientData{}
		opts := badger.DefaultIteratorOptions
		prefix := []byte(prefixSnap + gen + "/p/")
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
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
	return days, err
}

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
			return n, err
		}
		for _, g := range gens {
			if err := s.dropGeneration(g); err != nil {
				return n, err
			}
		}
		n++
	}
	if n > 0 {
		s.gc()
	}
	return n, nil
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
// or killed write left behind.
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
		if !live[g] {
			if err := s.dropGeneration(g); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// AppendAudit adds an entry to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s%020d", prefixAud, e.At.UnixNano())
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(key), b) })
}

// Audit returns audit entries at or after since, oldest first.
func (s *Store) Audit(ctx context.Context, since time.Time) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixAud)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek([]byte(fmt.Sprintf("%s%020d", prefixAud, max(since.UnixNano(), 0)))); it.Valid(); it.Next() {
			var e AuditEntry
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Patient values are zstd-compressed before Badger sees them: values over
// the 1 KiB threshold live in the value log, which Badger does not
// compress, and FHIR JSON shrinks about tenfold. A value that does not
// start with zstd's magic number is plain JSON (written before this).
var (
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
	zmagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

func pack(b []byte) []byte { return zenc.EncodeAll(b, make([]byte, 0, len(b)/8)) }

func unpack(v []byte, into any) error {
	if bytes.HasPrefix(v, zmagic) {
		b, err := zdec.DecodeAll(v, nil)
		if err != nil {
			return fmt.Errorf("the saved day is damaged: %w", err)
		}
		v = b
	}
	return json.Unmarshal(v, into)
}

// Size returns the bytes the cache takes on disk.
func (s *Store) Size() (int64, error) {
	var n int64
	err := filepath.WalkDir(s.dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}
