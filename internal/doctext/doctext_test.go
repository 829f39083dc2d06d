package doctext

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

var day = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// needTools skips where the Debian packages are missing, unless the test
// run requires them (make test-go sets HEALTHPREP_REQUIRE_OCR=1).
func needTools(t *testing.T) {
	t.Helper()
	for _, p := range []string{"tesseract", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("HEALTHPREP_REQUIRE_OCR") != "" {
				t.Fatalf("%s is not installed: make deps installs tesseract-ocr and poppler-utils", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
}

var space = regexp.MustCompile(`\s+`)

var nonLetter = regexp.MustCompile(`[^a-z]+`)

func lettersOnly(s string) string { return nonLetter.ReplaceAllString(strings.ToLower(s), "") }

func squash(s string) string { return strings.ToLower(space.ReplaceAllString(s, " ")) }

// Every format and scan variant reads back the sentence that matters.
func TestExtractEveryFormat(t *testing.T) {
	needTools(t)
	x := New()
	seen := map[string]bool{}
	for _, d := range docgen.Corpus(day) {
		key := string(d.Format) + "/" + string(d.Variant)
		if seen[key] {
			continue
		}
		seen[key] = true
		t.Run(key, func(t *testing.T) {
			b, err := d.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			r, err := x.Extract(context.Background(), b, d.Format.ContentType())
			if err != nil {
				t.Fatalf("%s: %v", d.ID, err)
			}
			// The first line of the body, letters only: OCR of a noisy
			// fax may lose a minus sign, never the words.
			want := lettersOnly(d.Lines[4])
			if !strings.Contains(lettersOnly(r.Text), want) {
				t.Errorf("%s (%s): %q not in %q", d.ID, r.Method, want, r.Text)
			}
			if d.Format.Scanned() != strings.Contains(r.Method, "ocr") {
				t.Errorf("%s read by %s", d.Format, r.Method)
			}
			if d.Format == docgen.TIFFScan && r.Pages != 2 {
				t.Errorf("TIFF pages = %d, want 2", r.Pages)
			}
		})
	}
	if len(seen) < 15 {
		t.Fatalf("only %d format/variant pairs in the corpus", len(seen))
	}
}

// Every hostile file ends as "could not be read", with its reason, and
// the next document still reads.
func TestHostileFilesCouldNotBeRead(t *testing.T) {
	needTools(t)
	lim := DefaultLimits
	// The bomb's cap is its processor time, short here; the wall-clock
	// limit stays long so a loaded machine's waiting never decides.
	lim.CPU = 2 * time.Second
	x := &Extractor{Limits: lim, OCR: DefaultOCR(lim), PDF: DefaultPDF(lim)}
	want := map[docgen.Hostile][]error{
		docgen.CorruptPDF:  {ErrCorrupt},
		docgen.PasswordPDF: {ErrEncrypted},
		docgen.PDFBomb:     {ErrTooLarge, ErrCrashed, ErrCPU},
		docgen.PNGBomb:     {ErrTooManyPix},
		docgen.LongPDF:     {ErrTooManyPage},
		docgen.ManyFrames:  {ErrTooManyPage},
		docgen.HugeFile:    {ErrTooLarge},
	}
	for _, h := range docgen.HostileFiles {
		t.Run(string(h), func(t *testing.T) {
			r, _, err := h.Open()
			if err != nil {
				t.Fatal(err)
			}
			// As the agent fetches: never more than the cap plus a byte.
			start := time.Now()
			b, err := ReadLimited(r, lim.MaxBytes)
			if err == nil {
				_, err = x.Extract(context.Background(), b, h.ContentType())
			}
			t.Logf("%s: %v after %s", h, err, time.Since(start).Round(time.Millisecond))
			var u *Unreadable
			if !errors.As(err, &u) {
				t.Fatalf("err = %v, want could not be read", err)
			}
			ok := false
			for _, w := range want[h] {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Errorf("err = %v, want one of %v", err, want[h])
			}
			if !strings.HasPrefix(err.Error(), "could not be read: ") || strings.Contains(err.Error(), "colonoscopy") {
				t.Errorf("message %q", err)
			}
		})
	}
	b, _ := docgen.TextPDF([][]string{{"The cecum was reached."}}, "")
	if r, err := x.Extract(context.Background(), b, "application/pdf"); err != nil || !strings.Contains(r.Text, "cecum") {
		t.Fatalf("after the hostile files: %q, %v", r.Text, err)
	}
}

// OCR that runs out of memory or time costs that document only.
func TestOCRCrashOrHangCostsOneDocument(t *testing.T) {
	needTools(t)
	var scan docgen.Doc
	for _, d := range docgen.Corpus(day) {
		if d.Format == docgen.PNGScan {
			scan = d
			break
		}
	}
	b, err := scan.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	starved := DefaultLimits
	starved.MemoryBytes = 16 << 20 // Tesseract cannot even load its model
	x := &Extractor{Limits: starved, OCR: DefaultOCR(starved)}
	if _, err := x.Extract(context.Background(), b, "image/png"); !errors.Is(err, ErrCrashed) {
		t.Errorf("out of memory: err = %v, want %v", err, ErrCrashed)
	}
	hung := DefaultLimits
	hung.Timeout = time.Millisecond // no OCR of a page finishes in that
	x = &Extractor{Limits: hung, OCR: DefaultOCR(hung)}
	if _, err := x.Extract(context.Background(), b, "image/png"); !errors.Is(err, ErrTimeout) {
		t.Errorf("over time: err = %v, want %v", err, ErrTimeout)
	}
	if r, err := New().Extract(context.Background(), b, "image/png"); err != nil || !strings.Contains(squash(r.Text), "outside") && len(r.Text) < 20 {
		t.Errorf("the next document: %q, %v", r.Text, err)
	}
}

// A document that burns processor time ends at the CPU cap, however long
// the wall-clock limit: a bomb costs the same on a busy machine as on an
// idle one, and says which cap it hit.
func TestCPUCapEndsABomb(t *testing.T) {
	needTools(t)
	r, _, err := docgen.PDFBomb.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits
	lim.CPU, lim.Timeout = time.Second, time.Hour
	x := &Extractor{Limits: lim, OCR: DefaultOCR(lim), PDF: DefaultPDF(lim)}
	_, err = x.Extract(context.Background(), b, "application/pdf")
	if !errors.Is(err, ErrCPU) || !strings.Contains(err.Error(), "processor time") {
		t.Fatalf("err = %v, want %v", err, ErrCPU)
	}
}

// No plaintext lands in a temp directory: every program reads from a
// pipe and writes to one.
func TestNoPlaintextTempFile(t *testing.T) {
	needTools(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	x := New()
	for _, d := range docgen.Corpus(day)[:16] {
		b, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.Extract(context.Background(), b, d.Format.ContentType()); err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
	}
	var files []string
	filepath.WalkDir(tmp, func(p string, e os.DirEntry, err error) error {
		if p != tmp {
			files = append(files, p)
		}
		return nil
	})
	if len(files) > 0 {
		t.Fatalf("files left in TMPDIR: %v", files)
	}
}

func TestRTFAndHTML(t *testing.T) {
	rtf := `{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\*\generator Word;}\f0 Caf\'e9 visit.\par Screening mammogram \u8211? done\line {\b BI-RADS} 1.\par}`
	got, err := rtfText([]byte(rtf))
	if err != nil || got != "Café visit.\nScreening mammogram – done\nBI-RADS 1.\n" {
		t.Errorf("rtf = %q, %v", got, err)
	}
	h := `<html><head><title>x colonoscopy</title><style>p{}</style></head><body><script>colonoscopy()</script><p>Pap &amp; HPV</p><div>done</div></body></html>`
	got, _ = htmlText([]byte(h))
	if squash(got) != " pap & hpv done " && strings.TrimSpace(squash(got)) != "pap & hpv done" {
		t.Errorf("html = %q", got)
	}
	if kindOf([]byte("hello"), "application/octet-stream") == "text" {
		t.Error("an octet stream is not text")
	}
	if kindOf([]byte("%PDF-1.4"), "text/plain") != "pdf" {
		t.Error("a mislabelled PDF is a PDF")
	}
	if s := decodeText([]byte("caf\xe9")); s != "café" {
		t.Errorf("windows-1252 = %q", s)
	}
}
