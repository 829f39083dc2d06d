package record_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
	"github.com/healthprep/desk/internal/record"
)

// TestPracticeReadsWhole reads every chart of the simulator's practice:
// no resource is unreadable and none of a type the prep reads is dropped.
// It logs the counts (issue 19's closing note):
//
//	go test -run PracticeReadsWhole -v ./internal/record/
func TestPracticeReadsWhole(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	srv, err := epicsim.Start(context.Background(), epicsim.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	patients, resources, items, unreadable := 0, 0, 0, 0
	byType := map[string]int{}
	all := srv.Practice().Patients
	if raceOn {
		all = all[:0:0]
		for _, a := range srv.Practice().Appointments["2026-11-24"] {
			all = append(all, srv.Practice().PatientByID(a.PatientID))
		}
	}
	for _, p := range all {
		chart := srv.Chart(p.ID)
		rec, errs := record.FromFHIR(chart)
		patients++
		resources += len(chart)
		items += len(rec.Items)
		unreadable += len(errs)
		for _, err := range errs {
			t.Errorf("patient %d: %v", patients, err)
		}
		want := 0
		for _, raw := range chart {
			var h struct {
				ResourceType string `json:"resourceType"`
			}
			json.Unmarshal(raw, &h)
			byType[h.ResourceType]++
			if h.ResourceType != "Patient" {
				want++
			}
		}
		if rec.Patient.ID != p.ID || len(rec.Items) != want {
			t.Errorf("patient %d: %d of %d items read", patients, len(rec.Items), want)
		}
	}
	t.Logf("%d patients, %d resources, %d items, %d unreadable; by type %v", patients, resources, items, unreadable, byType)
}
