// Package doctext turns a document's bytes and content type into text:
// plain text, HTML, RTF, PDF with a text layer, and by OCR scanned PDFs and
// PNG, JPEG and multi-page TIFF images. Every document is read within caps
// (bytes, pages, pixels, time, text), and the outside programs that do the
// heavy lifting (poppler, Tesseract) run as child processes fed through
// pipes, so nothing is written to disk and a crash or hang costs one
// document. Errors never carry the document's content.
package doctext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits bound the work one document may cost.
type Limits struct {
	MaxBytes  int           // the document itself
	MaxPages  int           // PDF pages and TIFF frames
	MaxPixels int64         // one page or image, width × height
	MaxText   int           // extracted text kept, in bytes
	Timeout   time.Duration // the whole document, OCR included
	// CPU caps the processor time of each child process (Linux). A bomb
	// burns CPU and ends here however busy the machine is, while a real
	// scan on a loaded machine mostly waits and is bounded by Timeout.
	// Zero means Timeout.
	CPU time.Duration
	// MemoryBytes caps each child process's address space (Linux).
	MemoryBytes int64
}

// DefaultLimits suit a practice's outside records: a 50-page fax is long,
// a scanned letter page at 300 dpi is about 8.4 million pixels.
var DefaultLimits = Limits{
	MaxBytes:    32 << 20,
	MaxPages:    50,
	MaxPixels:   40_000_000,
	MaxText:     2 << 20,
	Timeout:     3 * time.Minute,
	CPU:         time.Minute, // a 300-dpi page takes Tesseract a few seconds
	MemoryBytes: 1 << 30,
}

// Result is a document's text and how it was read.
type Result struct {
	Text   string
	Pages  int
	Method string // "text", "html", "rtf", "pdf", "ocr", "pdf+ocr"
}

// Reasons a document could not be read. They name the cap or fault, never
// the content, so they can be shown and logged.
var (
	ErrTooLarge    = errors.New("the document is larger than the size limit")
	ErrTooManyPage = errors.New("the document has more pages than the page limit")
	ErrTooManyPix  = errors.New("an image in the document is larger than the pixel limit")
	ErrEncrypted   = errors.New("the document is password-protected")
	ErrCorrupt     = errors.New("the document is damaged or not in the format it claims")
	ErrTimeout     = errors.New("reading the document took longer than the time limit")
	ErrCPU         = errors.New("reading the document used more processor time than its limit")
	ErrCrashed     = errors.New("the reader stopped on this document")
	ErrUnsupported = errors.New("the document's format cannot be read")
	ErrNoText      = errors.New("no text was found in the document")
	ErrNoOCR       = errors.New("no OCR engine is installed")
)

// Unreadable is the error for a document that could not be read: the
// sheet shows "could not be read" with Reason's message.
type Unreadable struct {
	Reason error
	Detail string // safe detail: a size, a count, a tool's exit status
}

func (u *Unreadable) Error() string {
	if u.Detail == "" {
		return "could not be read: " + u.Reason.Error()
	}
	return "could not be read: " + u.Reason.Error() + " (" + u.Detail + ")"
}

func (u *Unreadable) Unwrap() error { return u.Reason }

func unreadable(reason error, detail string, a ...any) error {
	return &Unreadable{Reason: reason, Detail: fmt.Sprintf(detail, a...)}
}

// OCR recognises the text of an image: PNG, JPEG, PNM or TIFF, every page
// of a multi-page TIFF, pages separated by form feeds. It is the one seam
// for other platforms' engines (macOS Vision, Windows.Media.Ocr).
type OCR interface {
	Recognize(ctx context.Context, image []byte) (string, error)
}

// PDF reads PDFs: the text layer of up to maxPages pages (pages separated
// by form feeds), and pages rasterised for OCR, one image at a time.
type PDF interface {
	Text(ctx context.Context, pdf []byte, maxPages int) (string, error)
	Rasterize(ctx context.Context, pdf []byte, pages int, page func(img []byte) error) error
}

// Extractor reads documents. OCR or PDF left nil means that kind of
// document is reported unreadable rather than read.
type Extractor struct {
	Limits Limits
	OCR    OCR
	PDF    PDF
}

// New returns an Extractor with the platform's default tools and limits.
func New() *Extractor {
	return &Extractor{Limits: DefaultLimits, OCR: DefaultOCR(DefaultLimits), PDF: DefaultPDF(DefaultLimits)}
}

// Extract reads one document. The content type is a hint: the bytes'
// signature wins, since outside records are often mislabelled.
func (x *Extractor) Extract(ctx context.Context, data []byte, contentType string) (Result, error) {
	lim := x.Limits
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return Result{}, unreadable(ErrTooLarge, "over %d MB", lim.MaxBytes>>20)
	}
	if lim.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.Timeout)
		defer cancel()
	}
	r, err := x.extract(ctx, data, kindOf(data, contentType))
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Result{}, unreadable(ErrTimeout, "%s", lim.Timeout)
		}
		if ctx.Err() != nil {
			return Result{}, ctx.Err() // cancelled: not the document's fault
		}
		var u *Unreadable
		if !errors.As(err, &u) {
			err = unreadable(ErrCrashed, "")
		}
		return Result{}, err
	}
	r.Text = tidy(r.Text, lim.MaxText)
	if strings.TrimSpace(r.Text) == "" {
		return Result{}, unreadable(ErrNoText, "")
	}
	return r, nil
}

func (x *Extractor) extract(ctx context.Context, data []byte, kind string) (Result, error) {
	switch kind {
	case "text":
		return Result{Text: decodeText(data), Pages: 1, Method: "text"}, nil
	case "html":
		t, err := htmlText(data)
		return Result{Text: t, Pages: 1, Method: "html"}, err
	case "rtf":
		t, err := rtfText(data)
		return Result{Text: t, Pages: 1, Method: "rtf"}, err
	case "pdf":
		return x.pdf(ctx, data)
	case "png", "jpeg", "tiff":
		pages, err := checkImage(data, kind, x.Limits)
		if err != nil {
			return Result{}, err
		}
		if x.OCR == nil {
			return Result{}, unreadable(ErrNoOCR, "")
		}
		t, err := x.OCR.Recognize(ctx, data)
		return Result{Text: t, Pages: pages, Method: "ocr"}, err
	}
	return Result{}, unreadable(ErrUnsupported, "%s", kind)
}

// pdf reads the text layer; a page with next to no text is a scan, and the
// whole document is then rasterised and read by OCR.
func (x *Extractor) pdf(ctx context.Context, data []byte) (Result, error) {
	if x.PDF == nil {
		return Result{}, unreadable(ErrUnsupported, "no PDF reader")
	}
	max := x.Limits.MaxPages
	t, err := x.PDF.Text(ctx, data, max+1)
	if err != nil {
		return Result{}, err
	}
	pages := strings.Split(strings.TrimSuffix(t, "\f"), "\f")
	if max > 0 && len(pages) > max {
		return Result{}, unreadable(ErrTooManyPage, "more than %d", max)
	}
	if letters(t) >= 40*len(pages) {
		return Result{Text: t, Pages: len(pages), Method: "pdf"}, nil
	}
	if x.OCR == nil {
		return Result{}, unreadable(ErrNoOCR, "")
	}
	var b strings.Builder
	err = x.PDF.Rasterize(ctx, data, len(pages), func(img []byte) error {
		s, err := x.OCR.Recognize(ctx, img)
		b.WriteString(s)
		b.WriteString("\f")
		return err
	})
	return Result{Text: b.String(), Pages: len(pages), Method: "pdf+ocr"}, err
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// kindOf decides how to read the bytes: a known signature first, then the
// stated content type.
func kindOf(b []byte, contentType string) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n\ufeff"), []byte(`{\rtf`)):
		return "rtf"
	}
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	switch ct {
	case "text/html", "application/xhtml+xml":
		return "html"
	case "text/rtf", "application/rtf":
		return "rtf"
	case "application/pdf":
		return "pdf"
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpeg"
	case "image/tiff":
		return "tiff"
	}
	if strings.HasPrefix(ct, "text/") {
		return "text"
	}
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	if strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") {
		return "html"
	}
	if ct == "" && utf8.Valid(b[:min(len(b), 4096)]) && !bytes.ContainsRune(b[:min(len(b), 4096)], 0) {
		return "text"
	}
	return ct
}

// tidy normalises line ends and spaces and keeps at most max bytes (on a
// rune boundary).
func tidy(s string, max int) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\u00a0':
			return ' '
		case r == 0 || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	if max > 0 && len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// ReadLimited reads a document from r, at most maxBytes: a larger one is
// refused once it passes the cap, without reading (or holding) the rest.
func ReadLimited(r io.Reader, maxBytes int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBytes {
		return nil, unreadable(ErrTooLarge, "over %d MB", maxBytes>>20)
	}
	return b, nil
}
