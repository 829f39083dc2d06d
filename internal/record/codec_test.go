package record_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// demoDayRecords decodes the demo clinic day's charts (55 appointments)
// from FHIR, as a sync does.
func demoDayRecords(tb testing.TB) map[string]record.Record {
	tb.Helper()
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return at }})
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	recs := map[string]record.Record{}
	for _, a := range srv.Practice().Appointments["2026-11-24"] {
		recs[a.PatientID], _ = record.FromFHIR(srv.Chart(a.PatientID))
	}
	return recs
}

// TestCompactRecordsRoundTrip: the compact form of the demo day's charts
// decodes to exactly what FromFHIR made of them.
func TestCompactRecordsRoundTrip(t *testing.T) {
	recs := demoDayRecords(t)
	got, err := record.DecodeRecords(record.EncodeRecords(recs))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("%d records back, want %d", len(got), len(recs))
	}
	for id, want := range recs {
		if !reflect.DeepEqual(got[id], want) {
			t.Fatalf("patient %d: the compact form changed the record", len(want.Items))
		}
	}
}

// fill sets every field reachable from v to a non-zero value, so a field
// added to the record types without the codec knowing is caught.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + time.Duration(*n).String())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			zones := []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("EST", -5*3600)}
			v.Set(reflect.ValueOf(time.Unix(int64(*n)*86400*37, int64(*n)).In(zones[*n%len(zones)])))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	default:
		panic("fill: add kind " + v.Kind().String())
	}
}

// TestCompactRecordsKeepEveryField: a record with every field set, and
// one with every slice empty rather than absent, come back the same.
func TestCompactRecordsKeepEveryField(t *testing.T) {
	var full record.Record
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	empty := record.Record{Patient: record.Patient{ID: "e"}, Items: []record.Item{{Type: "Observation", Codes: []record.Coding{}, Components: []record.Component{{Codes: []record.Coding{}}}}}}
	in := map[string]record.Record{"full": full, "empty": empty, "none": {}}
	got, err := record.DecodeRecords(record.EncodeRecords(in))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range in {
		if !reflect.DeepEqual(got[id], want) {
			t.Fatalf("%s: got %+v\nwant %+v", id, got[id], want)
		}
	}
}

// TestCompactRecordsDamaged: every truncation and a flipped byte are an
// error or a record, never a panic; another version is ErrOtherVersion.
func TestCompactRecordsDamaged(t *testing.T) {
	var full record.Record
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	b := record.EncodeRecords(map[string]record.Record{"p": full})
	for i := range b {
		if _, err := record.DecodeRecords(b[:i]); err == nil {
			t.Fatalf("a truncation to %d of %d bytes decoded", i, len(b))
		}
		c := append([]byte(nil), b...)
		c[i] ^= 0xff
		record.DecodeRecords(c)
	}
	other := append([]byte{record.DecoderVersion + 1}, b[1:]...)
	if _, err := record.DecodeRecords(other); !errors.Is(err, record.ErrOtherVersion) {
		t.Fatalf("another version: %v", err)
	}
}

// decoderSource is the hash of the package's source files (every non-test
// .go file, so a file split or added cannot escape it) at DecoderVersion. When it differs, the cache would keep
// serving records decoded the old way: bump record.DecoderVersion if what
// FromFHIR or the codec makes changed, then set this to the new hash.
const decoderSource = "ebb5ea5b6abe956722f500bc2f82df84c02c7be8c3e82387ff6c95f5d0c44043"

func TestDecoderVersionTracksTheSource(t *testing.T) {
	all, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var decoderFiles []string
	for _, f := range all {
		if !strings.HasSuffix(f, "_test.go") {
			decoderFiles = append(decoderFiles, f)
		}
	}
	h := sha256.New()
	for _, f := range decoderFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != decoderSource {
		t.Fatalf("internal/record's decoder changed (%v) at DecoderVersion %d: if records decode differently now, bump record.DecoderVersion (the cache then rebuilds them from the raw FHIR); then set decoderSource in codec_test.go to %q",
			decoderFiles, record.DecoderVersion, got)
	}
}

// BenchmarkDecodeRecords opens the demo day's compact records (55
// appointments). Run: go test -run '^$' -bench 'DecodeRecords|FromFHIR' -cpu 1 ./internal/record/
func BenchmarkDecodeRecords(b *testing.B) {
	b.ReportAllocs()
	enc := record.EncodeRecords(demoDayRecords(b))
	b.ReportMetric(float64(len(enc)), "bytes")
	for b.Loop() {
		if _, err := record.DecodeRecords(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEncoderWriteToIsBytes: the records written out piece by piece
// (Encoder.WriteTo) are exactly Bytes.
func TestEncoderWriteToIsBytes(t *testing.T) {
	x := record.NewEncoder()
	x.Add("p1", record.Record{Patient: record.Patient{ID: "p1", Name: "One"}, Items: []record.Item{{Type: "Observation", ID: "o1", Codes: []record.Coding{{System: "http://loinc.org", Code: "4548-4"}}}}})
	x.Add("p2", record.Record{Patient: record.Patient{ID: "p2", Name: "Two"}})
	var b bytes.Buffer
	n, err := x.WriteTo(&b)
	if err != nil || n != int64(b.Len()) {
		t.Fatalf("WriteTo: %d bytes reported, %d written, %v", n, b.Len(), err)
	}
	if !bytes.Equal(b.Bytes(), x.Bytes()) {
		t.Fatal("WriteTo wrote other bytes than Bytes returns")
	}
}
