package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/healthprep/desk/internal/record"
)

// longChart is a patient with 30 years of daily vitals, each with a short
// free-text note (random here, as free text compresses poorly), so that
// the chart compresses to more than the value limit of the tests' Badger.
func longChart(id, marker string) PatientData {
	rng := mrand.New(mrand.NewPCG(7, 30))
	start := time.Date(1996, 1, 1, 9, 0, 0, 0, time.UTC)
	pt, _ := json.Marshal(map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"text": marker}}})
	res := []json.RawMessage{pt}
	note := make([]byte, 40)
	for d := 0; d < 30*365; d++ {
		at := start.AddDate(0, 0, d).Format(time.RFC3339)
		for _, code := range []string{"8480-6", "8462-4", "8867-4", "29463-7", "39156-5", "8310-5"} {
			for i := range note {
				note[i] = byte(rng.IntN(256))
			}
			o, _ := json.Marshal(map[string]any{"resourceType": "Observation", "id": fmt.Sprintf("v%d-%s", d, code), "status": "final",
				"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": code}}},
				"effectiveDateTime": at, "valueQuantity": map[string]any{"value": 60 + rng.IntN(100)}, "note": []any{map[string]any{"text": base64.StdEncoding.EncodeToString(note)}}})
			res = append(res, o)
		}
	}
	return PatientData{Resources: res, FetchedAt: time.Date(2026, 11, 24, 6, 31, 0, 0, time.UTC)}
}

// smallValueLimit runs a test against a Badger whose value limit (its
// value-log file size) is 2 MiB (the default since it was 16 MiB): the
// same refusal, with an eighth of the data to write on a loaded CI machine.
func smallValueLimit(t *testing.T) int {
	old := valueLogFileSize
	valueLogFileSize = 2 << 20
	t.Cleanup(func() { valueLogFileSize = old })
	return int(valueLogFileSize)
}

// A 600-appointment day, a day of 20,000 appointments (an imported file
// once gave one of 95,000) and a patient with 30 years of daily vitals all
// save whole and read back equal, through real Badger, though each is
// larger than the largest value Badger takes.
func TestDaysAndChartsOfAnySizeSave(t *testing.T) {
	limit := smallValueLimit(t)
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()

	busy := day("2026-11-24", 600, "Hotel")
	busy.Patients["long"] = longChart("long", "Hotel")
	busy.Appointments = append(busy.Appointments, record.Appointment{ID: "along", PatientID: "long", PatientName: "Hotel"})
	var raw bytes.Buffer
	json.NewEncoder(&raw).Encode(busy.Patients["long"])
	if z := pack(raw.Bytes()); len(z) <= limit {
		t.Fatalf("the long chart packs to %d bytes: not over Badger's value limit, so it proves nothing", len(z))
	}
	if err := s.PutDay(ctx, busy); err != nil {
		t.Fatalf("saving a 600-appointment day with a 30-year chart: %v", err)
	}
	got, err := s.GetDay(ctx, busy.Date)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Appointments) != 601 || len(got.Patients) != 601 || !reflect.DeepEqual(got.Patients["long"].Resources, busy.Patients["long"].Resources) ||
		!reflect.DeepEqual(got.Patients["p599"], busy.Patients["p599"]) {
		t.Fatalf("read back %d appointments, %d patients, long chart %d resources", len(got.Appointments), len(got.Patients), len(got.Patients["long"].Resources))
	}

	huge := Day{Date: "2026-11-25", SyncedAt: time.Now().UTC(), Patients: map[string]PatientData{}}
	for i := 0; i < 20_000; i++ {
		huge.Appointments = append(huge.Appointments, record.Appointment{ID: fmt.Sprintf("a%06d", i), PatientID: fmt.Sprintf("p%06d", i),
			PatientName: fmt.Sprintf("India %06d Juliet", i), Provider: "Dr. Kilo Lima", VisitType: "Follow-up visit", Status: "booked",
			Start: time.Date(2026, 11, 25, 8, i%600, 0, 0, time.UTC)})
	}
	if b, _ := json.Marshal(huge.Appointments); len(b) <= limit {
		t.Fatalf("the list is %d bytes: not over Badger's value limit", len(b))
	}
	if err := s.PutDay(ctx, huge); err != nil {
		t.Fatalf("saving a 20,000-appointment day: %v", err)
	}
	info, err := s.DayInfo(ctx, huge.Date)
	if err != nil || len(info.Appointments) != 20_000 || info.Appointments[19_999] != huge.Appointments[19_999] {
		t.Fatalf("read back: %v, %d appointments", err, len(info.Appointments))
	}
}

// Badger's refusal of an oversized value dumps the value's first bytes in
// hex; no error leaving the store carries them (nor its text).
func TestCacheErrorsCarryNoCachedBytes(t *testing.T) {
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	const name, fhirID = "Quartermaine, Zebediah", "eXq3Zz9-patient"
	val := append([]byte(`{"name":"`+name+`","id":"`+fhirID+`"}`), make([]byte, 17<<20)...)
	raw := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("snap/x/p/"+fhirID), val) })
	if raw == nil || !strings.Contains(raw.Error(), hex.Dump(val[:16])[10:30]) {
		t.Fatalf("Badger's error no longer dumps the value (%v): this test needs a new control", raw)
	}
	err := scrub("saving the day", raw)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v is not ErrTooLarge", err)
	}
	msg := err.Error()
	for _, leak := range []string{name, fhirID, "7b 22", "Value:", "\n"} {
		if strings.Contains(msg, leak) {
			t.Fatalf("the error %q holds %q", msg, leak)
		}
	}
	if !strings.Contains(msg, "17825") || !strings.Contains(msg, strconv.FormatInt(valueLogFileSize, 10)) {
		t.Fatalf("the error %q does not give the sizes", msg)
	}
	// A key refusal (the key holds the patient id) is reduced the same way.
	raw = s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(strings.Repeat(fhirID, 5000)), []byte("x")) })
	if msg := scrub("saving", raw).Error(); raw == nil || strings.Contains(msg, fhirID) || strings.Contains(msg, "65 58") {
		t.Fatalf("key refusal: %q", msg)
	}
	// An id no FHIR server issues is refused by the store with its length only.
	d := day("2026-11-24", 1, "Hotel")
	d.Patients[strings.Repeat("Z", 300)] = PatientData{}
	if err := s.PutDay(context.Background(), d); err == nil || strings.Contains(err.Error(), "ZZZ") {
		t.Fatalf("an over-long id: %v", err)
	}
}

// Badger's own log lines can name keys (patient ids): only their format
// reaches the log.
func TestBadgerLogsNoArguments(t *testing.T) {
	var b bytes.Buffer
	l := badgerLogger{slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Errorf("Unable to read: Key: %v, Version : %v", []byte("snap/g/p/eXq3Zz9"), 3)
	l.Warningf("While reading key: %x, got error: %v", []byte("eXq3Zz9"), errors.New("x"))
	if strings.Contains(b.String(), "eXq3Zz9") || strings.Contains(b.String(), hex.EncodeToString([]byte("eXq3Zz9"))) {
		t.Fatalf("Badger's log holds a key: %s", b.String())
	}
}

// The largest file import takes (16 MB) saves even when it does not
// compress: in one value it would pack to more than Badger's limit.
func TestLargestImportedFileSaves(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), newKey(t))
	defer s.Close()
	data := make([]byte, 16<<20)
	mrand.NewChaCha8([32]byte{16}).Read(data)
	if z := pack(data); int64(len(z)) <= valueLogFileSize {
		t.Fatalf("random data packs to %d bytes: the control is gone", len(z))
	}
	if err := s.PutFile(ctx, "schedule.csv", data); err != nil {
		t.Fatalf("saving a 16 MB file: %v", err)
	}
	if err := s.PutFile(ctx, "schedule.csv", data[:100]); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetFile(ctx, "schedule.csv")
	if err != nil || !bytes.Equal(got, data[:100]) {
		t.Fatalf("the replaced file: %v, %d bytes (pieces of the old one left?)", err, len(got))
	}
}

// A cache written with 16 MiB value-log files (before they were 2 MiB)
// opens, reads and saves as before.
func TestCacheOfLargerValueLogFilesOpens(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	old := valueLogFileSize
	valueLogFileSize = 16 << 20
	s := open(t, dir, key)
	if err := s.PutDay(ctx, day("2026-11-24", 40, "Alpha")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	valueLogFileSize = old
	for _, marker := range []string{"Bravo", "Charlie"} {
		s = open(t, dir, key)
		if d, err := s.GetDay(ctx, "2026-11-24"); err != nil || len(d.Patients) != 40 {
			t.Fatalf("reading the older cache: %v", err)
		}
		if err := s.PutDay(ctx, day("2026-11-24", 40, marker)); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s = open(t, dir, key)
	defer s.Close()
	if d, err := s.DayInfo(ctx, "2026-11-24"); err != nil || d.Appointments[0].PatientName != "Charlie" {
		t.Fatalf("after saving on top: %v %+v", err, d.Appointments)
	}
}
