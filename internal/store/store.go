// Package store is the agent's encrypted local cache on Badger v4: day
// snapshots (the schedule, each patient's raw FHIR resources, and the
// same charts as records in compact form, so a day opens without parsing
// FHIR: decoded.go), and an audit log. Only this package touches the cache directory. Snapshots are
// written under a fresh generation and made current by one small
// transaction at the end, so a failed, interrupted or killed write never
// replaces the last good snapshot.
//
// No Badger value grows with the data: a day's appointments, each
// patient's chart and each imported file are split into pieces of at most
// pieceBytes (each compressed on its own), so a 600-appointment day or 30
// years of vitals always fit Badger's value limit (the value-log file
// size). Errors leaving this package never carry cached bytes: Badger's
// own messages can hold a hex dump of a key or value (see scrub).
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
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/klauspost/compress/zstd"

	"github.com/healthprep/desk/internal/record"
)

// SchemaVersion is the key layout version. A cache of version 1 (one value
// per day's list and per chart) is migrated; any other version is wiped
// and refilled from Epic, never read with the wrong layout.
const SchemaVersion = 2

// valueLogFileSize is Badger's value-log file size, which is also the
// largest value it takes. A variable so tests can reach it with less data.
var valueLogFileSize int64 = 16 << 20

// pieceBytes bounds the uncompressed bytes in one Badger value. Badger
// refuses a value larger than its value-log file (16 MiB here); a piece
// compresses to at most a little over its size.
const pieceBytes = 1 << 20

// maxIDLen bounds a patient id used in a key (FHIR ids are at most 64
// characters); Badger refuses keys over 65,000 bytes.
const maxIDLen = 256

var (
	// ErrLocked means another process has the cache open.
	ErrLocked = errors.New("the HealthPrep agent is already running (the cache is open in another process)")
	// ErrWrongKey means the cache was encrypted with another key.
	ErrWrongKey = errors.New("the cache was encrypted with a different key than the one in the keychain")
	// ErrNoDay means nothing is cached for that date.
	ErrNoDay = errors.New("nothing is saved for that day yet")
	// ErrNoFile means no file of that name was imported.
	ErrNoFile = errors.New("no such file has been imported")
	// ErrTooLarge means Badger refused an entry for its size.
	ErrTooLarge = errors.New("an entry is too large for the cache")
	// ErrDamaged means a saved value could not be read back.
	ErrDamaged = errors.New("the saved data is damaged")
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

// Unfetched reports a patient Epic could not give us with nothing from an
// earlier sync either: nothing about them is known.
func (p PatientData) Unfetched() bool { return p.Stale && p.FetchedAt.IsZero() }

// Day is a day's snapshot.
type Day struct {
	Date         string                 `json:"date"` // YYYY-MM-DD
	SyncedAt     time.Time              `json:"syncedAt"`
	Partial      bool                   `json:"partial"`
	Appointments []record.Appointment   `json:"appointments"`
	Patients     map[string]PatientData `json:"-"`
	// Records are the Patients' charts in compact form (record.Encoder),
	// when the caller has them: a sync encodes each chart as it lands, so
	// saving decodes nothing. They must hold every patient of Patients;
	// when nil, saving decodes the Resources. Reads leave it nil.
	Records  []byte `json:"-"`
	patients int    // how many the head says
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

// badgerLogger routes Badger's own chatter to slog. Only the format is
// logged, never its arguments: Badger prints keys (which hold patient ids)
// and values in some of its messages.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Warn("badger", "msg", strings.TrimSpace(f)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Debug("badger", "msg", strings.TrimSpace(f)) }
func (b badgerLogger) Infof(f string, a ...any)    {}
func (b badgerLogger) Debugf(f string, a ...any)   {}

// options tunes Badger for a small desktop cache (see toolchain notes):
// small memtables and value-log files, bounded caches, encryption on.
func badgerOptions(dir string, key []byte, log *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithEncryptionKey(key).
		WithIndexCacheSize(4 << 20). // required with encryption
		WithBlockCacheSize(8 << 20).
		WithValueLogFileSize(valueLogFileSize).
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
	if err := s.checkSchema(ctx); err != nil {
		db.Close()
		return nil, scrub("opening the cache", err)
	}
	if err := s.collectOrphans(ctx); err != nil {
		log.Warn("cache cleanup skipped", "err", scrub("cleaning up", err))
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
	return nil, scrub("the cache is damaged", err)
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
	prefixSnap = "snap/" // snap/<gen>/meta, snap/<gen>/a/<piece>, snap/<gen>/p/<patient>/<piece>
	prefixAud  = "audit/"
	prefixFile = "file/" // file/<name>/<piece> -> an imported file
)

// PutFile keeps an imported file (a schedule exported from Epic holds
// names, MRNs and birth dates) in the encrypted cache, replacing any of
// that name in one transaction: at most 17 pieces, far under Badger's
// transaction limit (values over the value threshold count as pointers).
func (s *Store) PutFile(ctx context.Context, name string, data []byte) error {
	if name == "" || strings.Contains(name, "/") || len(data) > 16<<20 {
		return errors.New("the file is empty-named or larger than 16 MB")
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := deleteIn(txn, prefixFile+name+"/"); err != nil {
			return err
		}
		for i, p := range pieces(data) {
			if err := txn.Set(pieceKey(prefixFile+name+"/", i), p); err != nil {
				return err
			}
		}
		return nil
	})
	return scrub("saving the file", err)
}

// GetFile returns an imported file, or ErrNoFile.
func (s *Store) GetFile(ctx context.Context, name string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		b, n, err := readPieces(txn, prefixFile+name+"/")
		if err == nil && n == 0 {
			return ErrNoFile
		}
		out = b
		return err
	})
	return out, scrub("reading the file", err)
}

// deleteIn deletes every key under prefix inside txn.
func deleteIn(txn *badger.Txn, prefix string) error {
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// pieces splits b into compressed values of at most pieceBytes each
// before compression; an empty b is one empty piece.
func pieces(b []byte) [][]byte {
	var out [][]byte
	for len(b) > pieceBytes {
		out = append(out, pack(b[:pieceBytes]))
		b = b[pieceBytes:]
	}
	return append(out, pack(b))
}

// pieceKey is the key of piece i under prefix; fixed width, so pieces sort
// in order.
func pieceKey(prefix string, i int) []byte { return fmt.Appendf(nil, "%s%06d", prefix, i) }

// readPieces joins the pieces under prefix (decompressed), checking they
// run 0, 1, 2... with none missing; n is how many there were.
func readPieces(txn *badger.Txn, prefix string) (b []byte, n int, err error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 4})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()[len(prefix):]
		if i, err := strconv.Atoi(string(k)); err != nil || i != n {
			return nil, n, ErrDamaged
		}
		if err := it.Item().Value(func(v []byte) error {
			var err error
			b, err = unpackInto(b, v)
			return err
		}); err != nil {
			return nil, n, err
		}
		n++
	}
	return b, n, nil
}

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
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return fmt.Errorf("bad day %q", d.Date)
	}
	gen, err := s.stage(ctx, d)
	if err != nil {
		return scrub("saving the day", err)
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
		return scrub("saving the day", err)
	}
	if old != "" {
		return scrub("saving the day", s.dropGeneration(old))
	}
	return scrub("saving the day", s.collectOrphans(ctx))
}

// stage writes d under a new generation that nothing points at yet, and
// returns it. A WriteBatch commits as many transactions as the data needs
// (never ErrTxnTooBig); until a pointer names the generation, no reader
// sees it, and an unfinished one is collected as an orphan.
func (s *Store) stage(ctx context.Context, d Day) (string, error) {
	gen := d.Date + "." + strconv.FormatInt(time.Now().UnixNano(), 36)
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	head, err := json.Marshal(dayHead{Date: d.Date, SyncedAt: d.SyncedAt, Partial: d.Partial, Appointments: len(d.Appointments), Patients: len(d.Patients)})
	if err != nil {
		return "", err
	}
	if err := wb.Set([]byte(prefixSnap+gen+"/meta"), head); err != nil {
		return "", err
	}
	appts, err := json.Marshal(d.Appointments)
	if err != nil {
		return "", err
	}
	for i, p := range pieces(appts) {
		if err := wb.Set(pieceKey(prefixSnap+gen+"/a/", i), p); err != nil {
			return "", err
		}
	}
	for id, p := range d.Patients {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if id == "" || len(id) > maxIDLen || strings.Contains(id, "/") {
			return "", fmt.Errorf("a patient id of %d characters, or with a slash, cannot be saved (FHIR ids have at most 64, no slash)", len(id))
		}
		b, err := json.Marshal(p)
		if err != nil {
			return "", err
		}
		for i, piece := range pieces(b) {
			if err := wb.Set(pieceKey(prefixSnap+gen+"/p/"+id+"/", i), piece); err != nil {
				return "", err
			}
		}
	}
	if err := s.setDecoded(ctx, wb.Set, gen, d); err != nil {
		return "", err
	}
	if err := wb.Flush(); err != nil {
		return "", err
	}
	return gen, nil
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
	return scrub("writing the audit log", s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(key), b) }))
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
				return ErrDamaged
			}
			out = append(out, e)
		}
		return nil
	})
	return out, scrub("reading the audit log", err)
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
	b, err := unpackInto(nil, v)
	if err != nil {
		return err
	}
	if json.Unmarshal(b, into) != nil {
		return ErrDamaged
	}
	return nil
}

// unpackInto appends v, decompressed, to dst.
func unpackInto(dst, v []byte) ([]byte, error) {
	if !bytes.HasPrefix(v, zmagic) {
		return append(dst, v...), nil
	}
	b, err := zdec.DecodeAll(v, dst)
	if err != nil {
		return dst, ErrDamaged
	}
	return b, nil
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

// exceeded matches Badger's size refusals ("Value with size 20425098
// exceeded 16777216 limit. Value:" and a hex dump of the value's start).
var exceeded = regexp.MustCompile(`(Key|Value) with size (\d+) exceeded (\d+) limit`)

// scrub turns an error bound for a caller into one that carries no cached
// bytes: Badger's size refusals dump the key or value they refused (names,
// FHIR ids), so they become ErrTooLarge with the sizes alone; other
// messages keep only their first line, before any "Key:" or "Value:".
// This package's own errors and the context's pass through.
func scrub(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNoDay), errors.Is(err, ErrNoFile), errors.Is(err, ErrLocked), errors.Is(err, ErrWrongKey),
		errors.Is(err, ErrDamaged), errors.Is(err, ErrTooLarge), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, badger.ErrTxnTooBig):
		return fmt.Errorf("%s: %w (too much for one cache transaction)", op, ErrTooLarge)
	}
	msg := err.Error()
	if m := exceeded.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s: %w (a %s of %s bytes, over Badger's %s-byte limit)", op, ErrTooLarge, strings.ToLower(m[1]), m[2], m[3])
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	for _, cut := range []string{"Key:", "Value:", "key:", "value:"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return &scrubbed{op: op, msg: strings.TrimSpace(msg), err: err}
}

// scrubbed is a cache error reduced to a message without cached bytes.
// It unwraps to the original so errors.Is still works, but only the
// reduced message is printed.
type scrubbed struct {
	op, msg string
	err     error
}

func (e *scrubbed) Error() string { return e.op + ": " + e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
