// A day's snapshot written as a sync goes: each chart lands in the cache
// under a fresh generation as soon as it is fetched, so the sync holds no
// day's worth of charts in memory; the generation becomes current only
// when Commit swaps the day's pointer.

package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// staging holds the generations being written in this process, so
// collectOrphans (run by another day's save) leaves them alone. A
// generation left by a killed process is in no one's set and is collected.
var staging sync.Map // gen -> struct{}

// Staging is a snapshot being written. Its methods are safe for
// concurrent use. Nothing reads it until Commit or CommitPartial; Discard
// (safe after a commit, so it can be deferred) drops an unfinished one.
type Staging struct {
	s         *Store
	date, gen string
	wb        *batch

	mu      sync.Mutex
	states  map[string]PatientData // each chart's state, without its resources
	open    int                    // charts started and not closed or aborted
	derived []*DerivedWriter
	done    bool
}

// Stage starts a snapshot of date under a new generation. Its head is
// written first, empty, so that collectOrphans finds the generation if
// this process is killed before it is committed.
func (s *Store) Stage(ctx context.Context, date string) (*Staging, error) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return nil, fmt.Errorf("bad day %q", date)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gen := date + "." + strconv.FormatInt(time.Now().UnixNano(), 36)
	staging.Store(gen, struct{}{})
	head, err := json.Marshal(dayHead{Date: date, Partial: true})
	if err == nil {
		err = s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(prefixSnap+gen+"/meta"), head) })
	}
	if err != nil {
		staging.Delete(gen)
		return nil, scrub("saving the day", err)
	}
	return &Staging{s: s, date: date, gen: gen, wb: &batch{db: s.db, wb: s.db.NewWriteBatch()}, states: map[string]PatientData{}}, nil
}

// PutPatient writes one patient's chart. Each patient is put once.
func (g *Staging) PutPatient(ctx context.Context, id string, p PatientData) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if id == "" || len(id) > maxIDLen || strings.Contains(id, "/") {
		return fmt.Errorf("a patient id of %d characters, or with a slash, cannot be saved (FHIR ids have at most 64, no slash)", len(id))
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	p.Resources = nil
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return fmt.Errorf("the day's snapshot is already closed")
	}
	if _, dup := g.states[id]; dup {
		// A second, shorter write would leave the first one's last pieces.
		return fmt.Errorf("a patient's chart was saved twice in one snapshot")
	}
	g.states[id] = p
	for i, piece := range pieces(b) {
		if err := g.wb.set(pieceKey(prefixSnap+g.gen+"/p/"+id+"/", i), piece); err != nil {
			return scrub("saving a chart", err)
		}
	}
	return nil
}

// Commit makes the snapshot the day's current one (see PutDay). d gives
// its date, time, appointments and Records (every put patient's); its
// Patients are those put.
func (g *Staging) Commit(ctx context.Context, d Day) error {
	return g.commit(ctx, d, prefixDay)
}

// CommitPartial keeps the snapshot beside the current one (see PutPartial).
func (g *Staging) CommitPartial(ctx context.Context, d Day) error {
	d.Partial = true
	return g.commit(ctx, d, prefixPart)
}

// Discard drops an uncommitted snapshot's pieces, and ends the
// generation's protection from collectOrphans either way.
func (g *Staging) Discard() {
	g.mu.Lock()
	done := g.done
	g.done = true
	g.mu.Unlock()
	// After a commit the pointer names it (or sealing dropped it).
	defer staging.Delete(g.gen)
	if done {
		return
	}
	g.wb.cancel()
	// Pieces a full batch already wrote are dropped now.
	g.s.dropGeneration(g.gen)
}

func (g *Staging) commit(ctx context.Context, d Day, pointer string) error {
	if err := g.seal(ctx, d); err != nil {
		return err
	}
	return g.s.point(ctx, d.Date, g.gen, pointer)
}

// seal finishes the generation; after it only a pointer can make it
// current. On failure it is dropped.
func (g *Staging) seal(ctx context.Context, d Day) error {
	if d.Date != g.date {
		return fmt.Errorf("a snapshot of %s cannot be saved as %s", g.date, d.Date)
	}
	g.mu.Lock()
	if g.done || g.open > 0 {
		g.mu.Unlock()
		return fmt.Errorf("the day's snapshot is already closed, or has a chart still being written")
	}
	g.done = true
	states := g.states
	g.mu.Unlock()
	err := g.finish(ctx, d, states)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		g.s.dropGeneration(g.gen)
		return scrub("saving the day", err)
	}
	return nil
}

// finish writes the head, the appointments and the compact records, and
// flushes the batch.
func (g *Staging) finish(ctx context.Context, d Day, states map[string]PatientData) error {
	defer g.wb.cancel()
	head, err := json.Marshal(dayHead{Date: d.Date, SyncedAt: d.SyncedAt, Partial: d.Partial, Appointments: len(d.Appointments), Patients: len(states)})
	if err != nil {
		return err
	}
	if err := g.wb.set([]byte(prefixSnap+g.gen+"/meta"), head); err != nil {
		return err
	}
	appts, err := json.Marshal(d.Appointments)
	if err != nil {
		return err
	}
	for i, p := range pieces(appts) {
		if err := g.wb.set(pieceKey(prefixSnap+g.gen+"/a/", i), p); err != nil {
			return err
		}
	}
	if d.Encoder != nil {
		if err := putEncoded(g.wb.set, g.gen, d.Encoder, states); err != nil {
			return err
		}
	} else if d.Records == nil {
		// The caller has only raw charts (PutDay without Records).
		if len(d.Patients) != len(states) {
			return fmt.Errorf("a staged day needs its compact records")
		}
		if err := g.s.setDecoded(ctx, g.wb.set, g.gen, d); err != nil {
			return err
		}
	} else if err := putDecoded(g.wb.set, g.gen, d.Records, states); err != nil {
		return err
	}
	g.mu.Lock()
	derived := g.derived
	g.mu.Unlock()
	for _, w := range derived {
		if err := w.seal(); err != nil {
			return err
		}
	}
	return g.wb.flush()
}

// batchBytes is how much a staging's writes hold before they go to
// Badger. A WriteBatch alone commits when its transaction is full, but
// it counts a value-log value as its 12-byte pointer, so until then it
// held every compressed piece of the day (a few MiB at 55 appointments,
// growing with the day); flushing each MiB keeps what a sync holds flat.
const batchBytes = 1 << 20

// batch is a WriteBatch flushed every batchBytes. Pieces it has flushed
// are in Badger under the staging's generation: Discard and a failed
// seal drop them (dropGeneration), and collectOrphans does after a kill.
//
// The compressed chart pieces are packed into buffers of its own, reused
// once a flush has written them: Badger copies each value into its value
// log and memtable, but its pooled write requests keep pointers to the
// values they wrote, so a buffer of each piece stayed alive for two
// garbage collections after its write.
type batch struct {
	db   *badger.DB
	mu   sync.Mutex
	wb   *badger.WriteBatch
	held int
	used [][]byte // packed buffers in the current WriteBatch
	free [][]byte // packed buffers written, to pack into again
}

func (b *batch) set(k, v []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.setLocked(k, v)
}

// setPacked sets k to raw compressed, in a buffer of the batch's.
func (b *batch) setPacked(k, raw []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var dst []byte
	if n := len(b.free); n > 0 {
		dst, b.free = b.free[n-1][:0], b.free[:n-1]
	} else {
		dst = make([]byte, 0, len(raw)/4) // as pack: zstd makes one of the input's size
	}
	v := zenc.EncodeAll(raw, dst)
	b.used = append(b.used, v)
	b.held += cap(v) - len(v) // what the buffer holds, not only its piece
	return b.setLocked(k, v)
}

func (b *batch) setLocked(k, v []byte) error {
	if err := b.wb.Set(k, v); err != nil {
		return err
	}
	b.held += len(k) + len(v)
	if b.held < batchBytes {
		return nil
	}
	// A WriteBatch cannot be used after Flush: the next writes go to a new one.
	err := b.wb.Flush()
	if err == nil {
		b.free = append(b.free, b.used...) // written: Badger reads them no more
	}
	b.wb, b.held, b.used = b.db.NewWriteBatch(), 0, nil
	return err
}

func (b *batch) delete(k []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wb.Delete(k)
}

func (b *batch) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wb.Flush()
}

func (b *batch) cancel() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wb.Cancel()
}

// ChartWriter writes one patient's chart as its pages arrive, so a sync
// holds a page of it at a time, not the whole chart. What it writes reads
// back as the PatientData PutPatient would have written.
type ChartWriter struct {
	g      *Staging
	id     string
	mu     sync.Mutex
	buf    []byte // the chart's JSON not yet in a piece
	n      int    // resources written
	pieces int    // pieces written
	closed bool
}

// chartHead opens a chart's JSON; PatientData's first field is Resources.
const chartHead = `{"resources":`

// chartPiece is the size of a streamed chart's pieces: smaller than
// pieceBytes (a reader joins pieces of any size), so each chart being
// written holds at most this much.
const chartPiece = pieceBytes / 16

// chartBuffers are the charts' write buffers, reused from chart to chart
// rather than each grown from small to a piece's size.
var chartBuffers = sync.Pool{New: func() any { return make([]byte, 0, chartPiece+64<<10) }}

// release gives the buffer back; under w.mu.
func (w *ChartWriter) release() {
	if w.buf != nil && cap(w.buf) <= 2*chartPiece {
		chartBuffers.Put(w.buf[:0])
	}
	w.buf = nil
}

// Chart starts the chart of id. Each patient has one chart or one
// PutPatient; a chart that is aborted frees the id again.
func (g *Staging) Chart(id string) (*ChartWriter, error) {
	if id == "" || len(id) > maxIDLen || strings.Contains(id, "/") {
		return nil, fmt.Errorf("a patient id of %d characters, or with a slash, cannot be saved (FHIR ids have at most 64, no slash)", len(id))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.states[id]; dup || g.done {
		return nil, fmt.Errorf("a patient's chart was saved twice in one snapshot")
	}
	g.states[id] = PatientData{} // reserved until Close or Abort
	g.open++
	return &ChartWriter{g: g, id: id, buf: append(chartBuffers.Get().([]byte)[:0], chartHead+"["...)}, nil
}

// Add appends resources to the chart, writing each full piece.
func (w *ChartWriter) Add(ctx context.Context, rs []json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("the chart is already closed")
	}
	for _, r := range rs {
		if w.n > 0 {
			w.buf = append(w.buf, ',')
		}
		// Compact, as json.Marshal of the chart would store it.
		before := len(w.buf)
		b := bytes.NewBuffer(w.buf)
		if err := json.Compact(b, r); err != nil {
			w.buf = w.buf[:before]
			if w.n > 0 {
				w.buf = w.buf[:before-1]
			}
			return fmt.Errorf("a resource is not JSON: %w", err)
		}
		w.buf = b.Bytes()
		w.n++
		if err := w.flush(false); err != nil {
			return err
		}
	}
	return nil
}

// flush writes the full pieces of buf (all of it when last).
func (w *ChartWriter) flush(last bool) error {
	for len(w.buf) >= chartPiece || (last && len(w.buf) > 0) {
		n := min(len(w.buf), chartPiece)
		if err := w.g.wb.setPacked(pieceKey(prefixSnap+w.g.gen+"/p/"+w.id+"/", w.pieces), w.buf[:n]); err != nil {
			return scrub("saving a chart", err)
		}
		w.pieces++
		w.buf = append(w.buf[:0], w.buf[n:]...)
	}
	return nil
}

// Close ends the chart with the rest of p (whose Resources are those
// added: p.Resources must be nil).
func (w *ChartWriter) Close(ctx context.Context, p PatientData) error {
	if p.Resources != nil {
		return fmt.Errorf("a streamed chart's resources come through Add")
	}
	rest, err := json.Marshal(p)
	if err != nil {
		return err
	}
	// rest is {"resources":null,...}: the chart goes on from its comma.
	rest = rest[len(chartHead+"null"):]
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("the chart is already closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.closed = true
	w.buf = append(append(w.buf, ']'), rest...)
	if err := w.flush(true); err != nil {
		return err
	}
	w.release()
	w.g.mu.Lock()
	w.g.states[w.id] = p
	w.g.open--
	w.g.mu.Unlock()
	return nil
}

// Abort drops what the chart wrote, so the patient can be put otherwise
// (their previous data, flagged stale).
func (w *ChartWriter) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	for i := range w.pieces {
		w.g.wb.delete(pieceKey(prefixSnap+w.g.gen+"/p/"+w.id+"/", i))
	}
	w.release()
	w.g.mu.Lock()
	delete(w.g.states, w.id)
	w.g.open--
	w.g.mu.Unlock()
}

// DerivedWriter writes a value derived from a staged day's raw charts
// (what Store.Derived returns under its name) a part at a time, as the
// charts land, so its writer holds none of it: the parts are joined in
// the order added. It is kept with the snapshot only if Done was called
// before the commit; otherwise its parts are dropped then and Derived
// derives the value afresh (a sync that stopped part-way has not seen
// every chart).
type DerivedWriter struct {
	g      *Staging
	prefix string

	mu   sync.Mutex
	n    int // pieces written
	done bool
	shut bool // sealed with the snapshot: no more parts
}

// Derived starts the derived value name of the staged day.
func (g *Staging) Derived(name string) (*DerivedWriter, error) {
	if name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("store: a derived value's name must be a word")
	}
	w := &DerivedWriter{g: g, prefix: prefixSnap + g.gen + derivedPart + name + "/"}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return nil, fmt.Errorf("the day's snapshot is already closed")
	}
	g.derived = append(g.derived, w)
	return w, nil
}

// Add appends b to the value.
func (w *DerivedWriter) Add(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.shut {
		return fmt.Errorf("store: a part added to a finished derived value")
	}
	for _, p := range pieces(b) {
		if err := w.g.wb.set(pieceKey(w.prefix, w.n), p); err != nil {
			return scrub("saving the day", err)
		}
		w.n++
	}
	return nil
}

// Done says the value is whole: it is kept with the snapshot.
func (w *DerivedWriter) Done() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// seal takes no more parts, and drops the value's parts unless it is done.
func (w *DerivedWriter) seal() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shut = true
	if w.done {
		return nil
	}
	for i := range w.n {
		if err := w.g.wb.delete(pieceKey(w.prefix, i)); err != nil {
			return err
		}
	}
	return nil
}
