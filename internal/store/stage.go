// A day's snapshot written as a sync goes: each chart lands in the cache
// under a fresh generation as soon as it is fetched, so the sync holds no
// day's worth of charts in memory; the generation becomes current only
// when Commit swaps the day's pointer.

package store

import (
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
	wb        *badger.WriteBatch

	mu     sync.Mutex
	states map[string]PatientData // each chart's state, without its resources
	done   bool
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
	return &Staging{s: s, date: date, gen: gen, wb: s.db.NewWriteBatch(), states: map[string]PatientData{}}, nil
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
		if err := g.wb.Set(pieceKey(prefixSnap+g.gen+"/p/"+id+"/", i), piece); err != nil {
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
	g.wb.Cancel()
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
	if g.done {
		g.mu.Unlock()
		return fmt.Errorf("the day's snapshot is already closed")
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
	defer g.wb.Cancel()
	head, err := json.Marshal(dayHead{Date: d.Date, SyncedAt: d.SyncedAt, Partial: d.Partial, Appointments: len(d.Appointments), Patients: len(states)})
	if err != nil {
		return err
	}
	if err := g.wb.Set([]byte(prefixSnap+g.gen+"/meta"), head); err != nil {
		return err
	}
	appts, err := json.Marshal(d.Appointments)
	if err != nil {
		return err
	}
	for i, p := range pieces(appts) {
		if err := g.wb.Set(pieceKey(prefixSnap+g.gen+"/a/", i), p); err != nil {
			return err
		}
	}
	if d.Records == nil {
		// The caller has only raw charts (PutDay without Records).
		if len(d.Patients) != len(states) {
			return fmt.Errorf("a staged day needs its compact records")
		}
		if err := g.s.setDecoded(ctx, g.wb.Set, g.gen, d); err != nil {
			return err
		}
	} else if err := putDecoded(g.wb.Set, g.gen, d.Records, states); err != nil {
		return err
	}
	return g.wb.Flush()
}
