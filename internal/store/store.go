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
// largest value it takes (a piece, pieceBytes). Badger creates a value-log
// file of this size at every open and writes its header through a shared
// mapping: that first write's page fault grows with the file (about 4 ms
// at 16 MiB, 0.5 ms at 2 MiB here, measured), in every agent start and
// `prep`. A synced 55-appointment day is about 0.5 MiB of value log, so
// 2 MiB files are still few. A variable so tests can reach it with less
// data.
var valueLogFileSize int64 = 2 << 20

// pieceBytes bounds the uncompressed bytes in one Badger value. Badger
// refuses a value larger than its value-log file (2 MiB here); a piece
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
	Records []byte `json:"-"`
	// Encoder, when set, holds the Records instead (a sync's, as its
	// charts landed): a staged day writes them to the cache a piece at a
	// time rather than as one more copy of them.
	Encoder  *record.Encoder `json:"-"`
	patients int             // how many the head says
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
		WithMemTableSize(2 << 20).
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
	removeEmptyLogs(dir)
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
//
// The encoder lives as long as the agent (serve keeps it after its first
// sync), so it is the small one: the fastest level and lower memory, 0.8
// MiB live against 3.7 for the default level and a 1 MiB window, for
// pieces about 6 % larger (measured on 64 KiB pieces of JSON-like text).
var (
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10),
		zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true))
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
