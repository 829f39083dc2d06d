package record

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"slices"
	"time"
)

// DecoderVersion names what FromFHIR and this codec make of a chart. The
// cache keeps each day's records in the compact form beside the raw FHIR
// and rebuilds them from the raw when the version differs, so bump it
// whenever FromFHIR reads something differently or a field is added to
// the record types (TestDecoderVersionTracksTheSource says when).
const DecoderVersion = 5

// ErrOtherVersion means compact records were written by another
// DecoderVersion: decode the raw FHIR again.
var ErrOtherVersion = errors.New("the compact records are of another decoder version")

// The compact form is a binary encoding of a day's records, made so that
// opening a day costs a few allocations, not one per string: every string
// is stored once in a table (codes and systems repeat across thousands of
// items) and decoded as substrings of one string, and the items, codings,
// quantities and components of the whole day are each decoded into one
// slab. Library codecs were measured first (encoding/gob 34 ms, JSON v2
// 75 ms for the demo's 55-appointment day, against a 15 ms budget for the
// whole day view); both allocate per string.
//
// Layout, all integers uvarint (signed ones zigzag):
//
//	version, items, codings, quantities, components, patients, strings,
//	each string's length then all their bytes,
//	then per patient: id, Patient, item count, items.

// EncodeRecords writes recs (by patient id) in the compact form.
func EncodeRecords(recs map[string]Record) []byte {
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the same records always encode the same
	x := NewEncoder()
	for _, id := range ids {
		x.Add(id, recs[id])
	}
	return x.Bytes()
}

// Encoder writes the compact form one record at a time, so a sync can
// keep each chart's compact bytes as it lands rather than every decoded
// record until the day is saved. Add each patient once.
type Encoder struct {
	e encoder
	n int
}

// NewEncoder starts an empty set of records.
func NewEncoder() *Encoder { return &Encoder{e: encoder{strs: map[string]uint64{}}} }

// Add appends patient id's record.
func (x *Encoder) Add(id string, r Record) {
	e := &x.e
	x.n++
	e.str(id)
	p := r.Patient
	for _, s := range []string{p.ID, p.MRN, p.Name, p.Sex, p.Gender, p.USCoreSex, p.ClinicalSex} {
		e.str(s)
	}
	e.time(p.BirthDate)
	e.time(p.DeceasedDate)
	if p.Deceased {
		e.uint(1)
	} else {
		e.uint(0)
	}
	e.count(r.Items == nil, len(r.Items))
	e.items += len(r.Items)
	for i := range r.Items {
		e.item(&r.Items[i])
	}
}

// Len is how many records were added.
func (x *Encoder) Len() int { return x.n }

// WriteTo writes what Bytes returns without building it in one slice:
// a sync hands the day's records to the cache a piece at a time, rather
// than holding them twice at its end.
func (x *Encoder) WriteTo(w io.Writer) (int64, error) {
	e := &x.e
	head := binary.AppendUvarint(nil, DecoderVersion)
	for _, n := range []int{e.items, e.codings, e.quantities, e.components, x.n, len(e.list)} {
		head = binary.AppendUvarint(head, uint64(n))
	}
	for _, s := range e.list {
		head = binary.AppendUvarint(head, uint64(len(s)))
	}
	var n int64
	m, err := w.Write(head)
	n += int64(m)
	for _, s := range e.list {
		if err != nil {
			return n, err
		}
		m, err = io.WriteString(w, s)
		n += int64(m)
	}
	if err != nil {
		return n, err
	}
	m, err = w.Write(e.buf)
	return n + int64(m), err
}

// Bytes returns the compact form of the records added.
func (x *Encoder) Bytes() []byte {
	e := &x.e
	head := binary.AppendUvarint(nil, DecoderVersion)
	for _, n := range []int{e.items, e.codings, e.quantities, e.components, x.n, len(e.list)} {
		head = binary.AppendUvarint(head, uint64(n))
	}
	size := 0
	for _, s := range e.list {
		head = binary.AppendUvarint(head, uint64(len(s)))
		size += len(s)
	}
	out := make([]byte, 0, len(head)+size+len(e.buf))
	out = append(out, head...)
	for _, s := range e.list {
		out = append(out, s...)
	}
	return append(out, e.buf...)
}

type encoder struct {
	buf                                    []byte
	strs                                   map[string]uint64
	list                                   []string
	items, codings, quantities, components int
}

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }

func (e *encoder) str(s string) {
	i, ok := e.strs[s]
	if !ok {
		i = uint64(len(e.list))
		e.strs[s] = i
		e.list = append(e.list, s)
	}
	e.uint(i)
}

// count writes a slice's length, keeping nil apart from empty.
func (e *encoder) count(isNil bool, n int) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

// Times keep their instant and their zone as FromFHIR made it: UTC, the
// machine's Local (time.Parse picks Local for a matching offset), or a
// fixed zone by name and offset.
const (
	timeZero = iota
	timeUTC
	timeLocal
	timeFixed
)

func (e *encoder) time(t time.Time) {
	switch {
	case t.IsZero():
		e.uint(timeZero)
		return
	case t.Location() == time.UTC:
		e.uint(timeUTC)
	case t.Location() == time.Local:
		e.uint(timeLocal)
	default:
		e.uint(timeFixed)
		name, off := t.Zone()
		e.str(name)
		e.int(int64(off))
	}
	e.int(t.Unix())
	e.uint(uint64(t.Nanosecond()))
}

func (e *encoder) codingList(cs []Coding) {
	e.count(cs == nil, len(cs))
	e.codings += len(cs)
	for _, c := range cs {
		e.str(c.System)
		e.str(c.Code)
		e.str(c.Display)
	}
}

func (e *encoder) quantity(q *Quantity) {
	if q == nil {
		e.uint(0)
		return
	}
	e.uint(1)
	e.quantities++
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(q.Value))
	e.str(q.Unit)
	e.str(q.Code)
	e.str(q.Comparator)
}

// Item flags.
const (
	flagHasValue = 1 << iota
	flagSubpotent
	flagDoNotPerform
)

func (e *encoder) item(it *Item) {
	for _, s := range []string{it.Type, it.ID, it.Status, it.Verification, it.DateFrom, it.Title, it.ValueText,
		it.DataAbsent, it.Laterality, it.Class, it.Intent, it.Focus} {
		e.str(s)
	}
	for _, t := range []time.Time{it.Date, it.Period.Start, it.Period.End, it.Abatement, it.Recorded, it.Issued} {
		e.time(t)
	}
	var flags uint64
	if it.HasValue {
		flags |= flagHasValue
	}
	if it.Subpotent {
		flags |= flagSubpotent
	}
	if it.DoNotPerform {
		flags |= flagDoNotPerform
	}
	e.uint(flags)
	for _, cs := range [][]Coding{it.Codes, it.Category, it.ValueCodes, it.BodySite, it.Discharge, it.Reasons} {
		e.codingList(cs)
	}
	e.quantity(it.Value)
	e.count(it.Components == nil, len(it.Components))
	e.components += len(it.Components)
	for i := range it.Components {
		c := &it.Components[i]
		e.codingList(c.Codes)
		e.quantity(c.Value)
		e.codingList(c.ValueCodes)
		if c.HasValue {
			e.uint(1)
		} else {
			e.uint(0)
		}
		e.str(c.DataAbsent)
	}
}

// DecodeRecords reads what EncodeRecords wrote; ErrOtherVersion when
// another decoder version wrote it. Damaged data is an error, never a
// panic: the decoder panics on anything out of place (as encoding/gob
// does, to keep bounds checks out of the hot path) and this recovers.
func DecodeRecords(b []byte) (out map[string]Record, err error) {
	d := decoder{b: b}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(runtime.Error); !ok && r != errDamaged {
				panic(r)
			}
			out, err = nil, errDamaged
		}
	}()
	if len(b) == 0 || d.uint() != DecoderVersion {
		return nil, ErrOtherVersion
	}
	nItems, nCodings, nQuantities, nComponents, n, nStrs := d.size(), d.size(), d.size(), d.size(), d.size(), d.size()
	lens := make([]int, nStrs)
	total := 0
	for i := range lens {
		lens[i] = d.size()
		total += lens[i]
	}
	all := string(b[d.pos : d.pos+total]) // one allocation for every string
	d.pos += total
	d.strs = make([]string, nStrs)
	for i, off := 0, 0; i < len(lens); i++ {
		d.strs[i] = all[off : off+lens[i]]
		off += lens[i]
	}
	// Slab sizes come from the data: size() bounds each by the data's
	// length, so damaged data cannot ask for a huge allocation.
	d.items = make([]Item, nItems)
	d.codingSlab = make([]Coding, nCodings)
	d.quantitySlab = make([]Quantity, nQuantities)
	d.componentSlab = make([]Component, nComponents)
	out = make(map[string]Record, n)
	for range n {
		id := d.str()
		var r Record
		p := &r.Patient
		p.ID, p.MRN, p.Name, p.Sex, p.Gender, p.USCoreSex, p.ClinicalSex = d.str(), d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
		p.BirthDate = d.time()
		p.DeceasedDate = d.time()
		p.Deceased = d.uint() == 1
		if k, isNil := d.count(); !isNil {
			r.Items = d.items[:k:k]
			d.items = d.items[k:]
			for i := range r.Items {
				d.item(&r.Items[i])
			}
		}
		out[id] = r
	}
	if d.pos != len(b) {
		return nil, errDamaged
	}
	return out, nil
}

var errDamaged = errors.New("the compact records are damaged")

type zoneKey struct {
	name string
	off  int64
}

type decoder struct {
	b             []byte
	pos           int
	strs          []string
	zones         map[zoneKey]*time.Location
	items         []Item
	codingSlab    []Coding
	quantitySlab  []Quantity
	componentSlab []Component
}

func (d *decoder) uint() uint64 {
	b := d.b[d.pos:]
	// One and two bytes inline: string indexes, counts and flags.
	if len(b) > 0 && b[0] < 0x80 {
		d.pos++
		return uint64(b[0])
	}
	if len(b) > 1 && b[1] < 0x80 {
		d.pos += 2
		return uint64(b[0]&0x7f) | uint64(b[1])<<7
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		panic(errDamaged)
	}
	d.pos += n
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b[d.pos:])
	if n <= 0 {
		panic(errDamaged)
	}
	d.pos += n
	return v
}

// size is a count that must fit in the data's length.
func (d *decoder) size() int {
	v := d.uint()
	if v > uint64(len(d.b)) {
		panic(errDamaged)
	}
	return int(v)
}

func (d *decoder) str() string { return d.strs[d.uint()] }

func (d *decoder) count() (n int, isNil bool) {
	v := d.size()
	if v == 0 {
		return 0, true
	}
	return v - 1, false
}

func (d *decoder) time() time.Time {
	var loc *time.Location
	switch d.uint() {
	case timeZero:
		return time.Time{}
	case timeUTC:
		loc = time.UTC
	case timeLocal:
		loc = time.Local
	case timeFixed:
		key := zoneKey{d.str(), d.int()}
		if loc = d.zones[key]; loc == nil {
			if d.zones == nil {
				d.zones = map[zoneKey]*time.Location{}
			}
			loc = time.FixedZone(key.name, int(key.off))
			d.zones[key] = loc
		}
	default:
		panic(errDamaged)
	}
	sec, nsec := d.int(), d.uint()
	if nsec >= 1e9 {
		panic(errDamaged)
	}
	return time.Unix(sec, int64(nsec)).In(loc)
}

func (d *decoder) codings() []Coding {
	n, isNil := d.count()
	if isNil {
		return nil
	}
	cs := d.codingSlab[:n:n]
	d.codingSlab = d.codingSlab[n:]
	for i := range cs {
		cs[i] = Coding{System: d.str(), Code: d.str(), Display: d.str()}
	}
	return cs
}

func (d *decoder) quantity() *Quantity {
	switch d.uint() {
	case 0:
		return nil
	case 1:
	default:
		panic(errDamaged)
	}
	q := &d.quantitySlab[0]
	d.quantitySlab = d.quantitySlab[1:]
	q.Value = math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.pos:]))
	d.pos += 8
	q.Unit, q.Code, q.Comparator = d.str(), d.str(), d.str()
	return q
}

func (d *decoder) item(it *Item) {
	it.Type, it.ID, it.Status, it.Verification, it.DateFrom, it.Title = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
	it.ValueText, it.DataAbsent, it.Laterality, it.Class, it.Intent, it.Focus = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
	it.Date, it.Period.Start, it.Period.End, it.Abatement, it.Recorded, it.Issued = d.time(), d.time(), d.time(), d.time(), d.time(), d.time()
	flags := d.uint()
	it.HasValue, it.Subpotent, it.DoNotPerform = flags&flagHasValue != 0, flags&flagSubpotent != 0, flags&flagDoNotPerform != 0
	it.Codes, it.Category, it.ValueCodes, it.BodySite, it.Discharge, it.Reasons = d.codings(), d.codings(), d.codings(), d.codings(), d.codings(), d.codings()
	it.Value = d.quantity()
	n, isNil := d.count()
	if isNil {
		return
	}
	it.Components = d.componentSlab[:n:n]
	d.componentSlab = d.componentSlab[n:]
	for i := range it.Components {
		c := &it.Components[i]
		c.Codes = d.codings()
		c.Value = d.quantity()
		c.ValueCodes = d.codings()
		c.HasValue = d.uint() == 1
		c.DataAbsent = d.str()
	}
}
