package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/healthprep/desk/internal/record"
)

// Beside a generation's raw charts the cache keeps what the prep reads, so
// opening a day never parses FHIR JSON:
//
//	snap/<gen>/c/<piece>  the day's records in record's compact form
//	                      (record.EncodeRecords, tagged with DecoderVersion)
//	snap/<gen>/s/<piece>  each patient's fetch state (PatientData without
//	                      Resources), JSON
//
// Both are written with the generation, so they are exactly as durable
// as the raw charts. A generation without them (saved before they
// existed) or whose records another DecoderVersion wrote is decoded from
// its raw charts once, on first read, and the result kept.
const (
	decodedPart = "/c/"
	statePart   = "/s/"
)

// setDecoded writes d's compact records (d.Records, else its charts
// decoded) and patient states under gen through set.
func (s *Store) setDecoded(ctx context.Context, set func(k, v []byte) error, gen string, d Day) error {
	recs := d.Records
	states := make(map[string]PatientData, len(d.Patients))
	for id, p := range d.Patients {
		p.Resources = nil
		states[id] = p
	}
	if recs == nil {
		decoded, _ := s.decode(ctx, d.Patients)
		if err := ctx.Err(); err != nil {
			return err
		}
		recs = record.EncodeRecords(decoded)
	}
	return putDecoded(set, gen, recs, states)
}

// putDecoded writes compact records and patient states under gen.
func putDecoded(set func(k, v []byte) error, gen string, recs []byte, states map[string]PatientData) error {
	st, err := json.Marshal(states)
	if err != nil {
		return err
	}
	for part, b := range map[string][]byte{decodedPart: recs, statePart: st} {
		for i, p := range pieces(b) {
			if err := set(pieceKey(prefixSnap+gen+part, i), p); err != nil {
				return err
			}
		}
	}
	return nil
}

// putEncoded is putDecoded with the records written from enc a piece at
// a time: the same pieces as pieces(enc.Bytes()) would make.
func putEncoded(set func(k, v []byte) error, gen string, enc *record.Encoder, states map[string]PatientData) error {
	pw := &pieceWriter{set: set, prefix: prefixSnap + gen + decodedPart}
	if _, err := enc.WriteTo(pw); err != nil {
		return err
	}
	if err := pw.close(); err != nil {
		return err
	}
	st, err := json.Marshal(states)
	if err != nil {
		return err
	}
	for i, p := range pieces(st) {
		if err := set(pieceKey(prefixSnap+gen+statePart, i), p); err != nil {
			return err
		}
	}
	return nil
}

// pieceWriter cuts what is written to it into pieces of pieceBytes
// under prefix, as pieces does a slice.
type pieceWriter struct {
	set    func(k, v []byte) error
	prefix string
	buf    []byte
	n      int
}

func (w *pieceWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		if len(w.buf) == pieceBytes {
			if err := w.emit(); err != nil {
				return written, err
			}
		}
		if w.buf == nil {
			w.buf = make([]byte, 0, pieceBytes)
		}
		k := min(len(b), pieceBytes-len(w.buf))
		w.buf = append(w.buf, b[:k]...)
		b, written = b[k:], written+k
	}
	return written, nil
}

func (w *pieceWriter) emit() error {
	err := w.set(pieceKey(w.prefix, w.n), pack(w.buf))
	w.buf, w.n = w.buf[:0], w.n+1
	return err
}

// close writes the last piece: one, empty, if nothing was written.
func (w *pieceWriter) close() error {
	if len(w.buf) > 0 || w.n == 0 {
		return w.emit()
	}
	return nil
}

// decode turns raw charts into records and fetch states.
func (s *Store) decode(ctx context.Context, patients map[string]PatientData) (map[string]record.Record, map[string]PatientData) {
	recs := make(map[string]record.Record, len(patients))
	states := make(map[string]PatientData, len(patients))
	unreadable := 0
	for id, p := range patients {
		if ctx.Err() != nil {
			break
		}
		rec, errs := record.FromFHIR(p.Resources)
		unreadable += len(errs)
		if rec.Patient.ID == "" {
			rec.Patient.ID = id
		}
		recs[id] = rec
		p.Resources = nil
		states[id] = p
	}
	if unreadable > 0 {
		s.log.Warn("unreadable resources skipped", "count", unreadable)
	}
	return recs, states
}

// DayRecords returns the current snapshot of date with its charts as
// records: Day.Patients hold each patient's fetch state, no Resources.
// It reads the compact form; see decodedPart.
func (s *Store) DayRecords(ctx context.Context, date string) (Day, map[string]record.Record, error) {
	var (
		d      Day
		gen    string
		recs   map[string]record.Record
		states map[string]PatientData
	)
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if d, gen, err = s.head(txn, prefixDay, date); err != nil {
			return err
		}
		b, n, err := readPieces(txn, prefixSnap+gen+statePart)
		if err != nil || n == 0 {
			return err
		}
		if json.Unmarshal(b, &states) != nil {
			return ErrDamaged
		}
		b, n, err = readPieces(txn, prefixSnap+gen+decodedPart)
		if err != nil || n == 0 {
			return err
		}
		recs, err = record.DecodeRecords(b)
		if err != nil && !errors.Is(err, record.ErrOtherVersion) {
			s.log.Warn("saved records unreadable; decoding the raw charts again", "err", err)
		}
		return nil
	})
	if err != nil {
		return d, nil, scrub("reading the saved day", err)
	}
	if recs != nil && len(recs) == len(states) && len(states) == d.patients {
		d.Patients = states
		return d, recs, nil
	}
	return s.redecode(ctx, date, gen)
}

// redecode decodes gen's raw charts and keeps the result in gen, unless a
// newer snapshot replaced it meanwhile (then the next read finds that).
func (s *Store) redecode(ctx context.Context, date, gen string) (Day, map[string]record.Record, error) {
	d, err := s.GetDay(ctx, date)
	if err != nil {
		return d, nil, err
	}
	recs, states := s.decode(ctx, d.Patients)
	if err := ctx.Err(); err != nil {
		return d, nil, err
	}
	d.Patients = states
	err = s.db.Update(func(txn *badger.Txn) error {
		if cur, err := getString(txn, prefixDay+date); err != nil || cur != gen {
			return err // replaced: nothing to keep
		}
		for _, part := range []string{decodedPart, statePart} {
			if err := deleteIn(txn, prefixSnap+gen+part); err != nil {
				return err
			}
		}
		return putDecoded(txn.Set, gen, record.EncodeRecords(recs), states)
	})
	if err != nil {
		s.log.Warn("the decoded day was not kept; it is decoded again next time", "err", scrub("saving the decoded day", err))
	}
	return d, recs, nil
}
