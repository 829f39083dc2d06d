package epicsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

func getBinary(t *testing.T, s *Server, tok, id, accept string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.FHIRBase()+"/Binary/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// Consult notes carry outside records, served in their own type or as a
// FHIR Binary, the same bytes every time; the DocumentReference names the
// type it is served in.
func TestOutsideRecordsServedByBinary(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	var docs []*Resource
	for _, r := range s.Practice().res {
		if r.Type == "DocumentReference" && r.Code.code == "11488-4" {
			docs = append(docs, r)
		}
	}
	if len(docs) < 20 {
		t.Fatalf("%d consult notes", len(docs))
	}
	kinds := map[docgen.Kind]int{}
	formats := map[docgen.Format]int{}
	checked := 0
	for _, r := range docs {
		d, ok := s.OutsideRecord(r.ID)
		if !ok {
			t.Fatalf("%s: no outside record", r.ID)
		}
		kinds[d.Truth.Kind]++
		formats[d.Format]++
		if d.Format.Scanned() || checked >= 6 {
			continue
		}
		checked++
		want, _ := d.Bytes()
		code, ct, got := getBinary(t, s, tok, r.ID, d.Format.ContentType())
		if code != 200 || ct != d.Format.ContentType() || !bytes.Equal(got, want) {
			t.Fatalf("%s raw: %d %s, %d bytes (want %d)", r.ID, code, ct, len(got), len(want))
		}
		var bin struct{ ResourceType, ContentType, Data string }
		code, _, body := getBinary(t, s, tok, r.ID, "application/fhir+json")
		if json.Unmarshal(body, &bin); code != 200 || bin.ResourceType != "Binary" || bin.ContentType != d.Format.ContentType() {
			t.Fatalf("%s as Binary: %d %+v", r.ID, code, bin)
		}
		if b, _ := base64.StdEncoding.DecodeString(bin.Data); !bytes.Equal(b, want) {
			t.Fatalf("%s: Binary data differs", r.ID)
		}
		m := map[string]any{}
		s.documentContent(m, r)
		att := m["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
		if att["contentType"] != d.Format.ContentType() || att["url"] != "Binary/"+r.ID || m["custodian"].(map[string]any)["display"] != d.Org {
			t.Fatalf("%s attachment %v, custodian %v", r.ID, att, m["custodian"])
		}
	}
	for _, k := range []docgen.Kind{docgen.Evidence, docgen.Negated, docgen.Postponed, docgen.Unrelated} {
		if kinds[k] == 0 {
			t.Errorf("no %s documents among %v", k, kinds)
		}
	}
	if len(formats) < 6 {
		t.Errorf("formats %v", formats)
	}
	if code, _, _ := getBinary(t, s, "bad-token", docs[0].ID, "*/*"); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _, _ := getBinary(t, s, tok, "no-such-doc", "*/*"); code != 404 {
		t.Errorf("unknown id: %d", code)
	}
}

// The 200 MB attachment is generated as it is sent: its Content-Length is
// stated, and a client can stop reading at its own cap.
func TestHugeAttachmentServedLazily(t *testing.T) {
	s := start(t, nil)
	tok := s.MintAccessToken(DemoClientID, time.Hour)
	req, _ := http.NewRequest(http.MethodGet, s.FHIRBase()+"/Binary/hostile-200mb", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/pdf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != docgen.HugeSize {
		t.Fatalf("Content-Length %d", resp.ContentLength)
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if n != 1<<20 {
		t.Fatalf("read %d", n)
	}
	for _, id := range HostileDocumentIDs() {
		if _, _, _, ok := s.binaryContent(id); !ok {
			t.Errorf("%s not served", id)
		}
	}
}
