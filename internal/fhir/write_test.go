package fhir

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim"
)

// note is a minimal valid DocumentReference for a patient.
func note(patient, contentType, text string, replaces ...string) []byte {
	doc := map[string]any{
		"resourceType": "DocumentReference", "status": "current",
		"type":    map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "11506-3"}}},
		"subject": map[string]any{"reference": "Patient/" + patient},
		"content": []any{map[string]any{"attachment": map[string]any{"contentType": contentType, "data": base64.StdEncoding.EncodeToString([]byte(text))}}},
	}
	for _, r := range replaces {
		doc["relatesTo"] = []any{map[string]any{"code": "replaces", "target": map[string]any{"reference": "DocumentReference/" + r}}}
	}
	b, _ := json.Marshal(doc)
	return b
}

func writable(c *Client) *Client {
	c.Writes = AllowWrites("DocumentReference")
	return c
}

func TestClientRefusesWritesItWasNotBuiltFor(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	pt := srv.Practice().Patients[0].ID
	for name, try := range map[string]func() error{
		"create": func() error {
			_, err := c.Create(context.Background(), "DocumentReference", note(pt, "text/plain", "x"))
			return err
		},
		"update": func() error {
			_, err := c.Update(context.Background(), "DocumentReference", "eNote00001", note(pt, "text/plain", "x"), "")
			return err
		},
		"other type": func() error {
			_, err := writable(&Client{Base: c.Base, Tokens: c.Tokens}).Create(context.Background(), "Patient", []byte(`{"resourceType":"Patient"}`))
			return err
		},
	} {
		if err := try(); KindOf(err) != KindWritesOff || MayHaveWritten(err) {
			t.Errorf("%s: err = %v, want a writes-off refusal", name, err)
		}
	}
	for k := range srv.Requests() {
		if strings.HasPrefix(k, "POST") || strings.HasPrefix(k, "PUT") {
			t.Errorf("a refused write reached the server: %v", srv.Requests())
		}
	}
	if srv.NoteCount() != 0 {
		t.Fatal("a note was stored")
	}
}

func TestCreateUpdateAndSearchNotes(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	writable(c)
	ctx := context.Background()
	pt := srv.Practice().Patients[0].ID
	w, err := c.Create(ctx, "DocumentReference", note(pt, "text/plain; charset=utf-8", "first"))
	if err != nil || w.ID == "" || w.VersionID != "1" {
		t.Fatalf("create: %+v, %v", w, err)
	}
	w2, err := c.Create(ctx, "DocumentReference", note(pt, "text/html", "<p>second</p>", w.ID))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Search(ctx, "DocumentReference", url.Values{"patient": {pt}, "status": {"current"}, "type": {"http://loinc.org|11506-3"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range res.Resources {
		var d struct{ ID string }
		json.Unmarshal(r, &d)
		if strings.HasPrefix(d.ID, "eNote") { // the chart's own documents aside
			ids = append(ids, d.ID)
		}
	}
	if fmt.Sprint(ids) != "["+w2.ID+"]" {
		t.Fatalf("current notes = %v, want only the replacement %s", ids, w2.ID)
	}
	if n := len(srv.Notes(pt)); n != 2 {
		t.Fatalf("%d notes stored, want 2 (one superseded)", n)
	}
	// A note replaced already cannot be replaced again.
	if _, err := c.Create(ctx, "DocumentReference", note(pt, "text/plain", "third", w.ID)); KindOf(err) != KindConflict {
		t.Fatalf("replacing a superseded note: %v", err)
	}
	u, err := c.Update(ctx, "DocumentReference", w2.ID, note(pt, "text/plain", "edited"), `W/"1"`)
	if err != nil || u.VersionID != "2" {
		t.Fatalf("update: %+v %v", u, err)
	}
	if _, err := c.Update(ctx, "DocumentReference", w2.ID, note(pt, "text/plain", "stale"), `W/"1"`); KindOf(err) != KindConflict {
		t.Fatalf("update at an old version: %v", err)
	}
}

func TestGenericServerOffersNoNoteUpdate(t *testing.T) {
	srv, c := setup(t, epicsim.Options{Profile: epicsim.ProfileGeneric})
	writable(c)
	pt := srv.Practice().Patients[0].ID
	w, err := c.Create(context.Background(), "DocumentReference", note(pt, "text/plain", "x"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Update(context.Background(), "DocumentReference", w.ID, note(pt, "text/plain", "y"), "")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindBadRequest || e.Status != 405 {
		t.Fatalf("update on a generic server: %v", err)
	}
}

func TestNoteValidationAsEpic(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	writable(c)
	pt := srv.Practice().Patients[0].ID
	for name, body := range map[string][]byte{
		"rtf":            note(pt, "application/rtf", "x"),
		"no patient":     note("nobody", "text/plain", "x"),
		"too large":      note(pt, "text/plain", strings.Repeat("a", epicsim.MaxNoteBytes+1)),
		"not current":    []byte(strings.Replace(string(note(pt, "text/plain", "x")), `"current"`, `"preliminary"`, 1)),
		"replaces ghost": note(pt, "text/plain", "x", "eNote99999"),
	} {
		_, err := c.Create(context.Background(), "DocumentReference", body)
		if KindOf(err) != KindInvalid || MayHaveWritten(err) {
			t.Errorf("%s: %v, want a 422 refusal", name, err)
		}
	}
	if srv.NoteCount() != 0 {
		t.Fatal("an invalid note was stored")
	}
}

// Each write fault: what the client reports and whether the note may be
// in the chart (MayHaveWritten), against what the tenant really stored.
func TestWriteFaults(t *testing.T) {
	srv, c := setup(t, epicsim.Options{})
	writable(c)
	c.Timeout = 500 * time.Millisecond // the timeout fault holds until the client gives up
	pt := srv.Practice().Patients[0].ID
	for _, tc := range []struct {
		fault  epicsim.WriteFault
		kind   Kind
		maybe  bool
		stored int
	}{
		{epicsim.WriteScope, KindScope, false, 0},
		{epicsim.WriteInvalid, KindInvalid, false, 0},
		{epicsim.WriteConflict, KindConflict, false, 0},
		{epicsim.WriteServerError, KindServer, true, 0},
		{epicsim.WriteTimeout, KindUnreachable, true, 0},
		{epicsim.WriteDropped, KindUnreachable, true, 1},
	} {
		before := srv.NoteCount()
		srv.SetWriteFault(tc.fault, 1)
		_, err := c.Create(context.Background(), "DocumentReference", note(pt, "text/plain", "x"))
		if KindOf(err) != tc.kind || MayHaveWritten(err) != tc.maybe {
			t.Errorf("%s: %v (kind %d, may have written %v), want kind %d, %v", tc.fault, err, KindOf(err), MayHaveWritten(err), tc.kind, tc.maybe)
		}
		if got := srv.NoteCount() - before; got != tc.stored {
			t.Errorf("%s: %d notes stored, want %d", tc.fault, got, tc.stored)
		}
	}
	// The fault was for one write only: the next one is stored.
	if _, err := c.Create(context.Background(), "DocumentReference", note(pt, "text/plain", "x")); err != nil {
		t.Fatal(err)
	}
}
