//go:build linux

package doctext

import (
	"context"
	"fmt"
	"image"
	"syscall"
	"testing"

	"github.com/healthprep/desk/internal/epicsim/docgen"
)

// Benchmarks of reading speed and memory, one document at a time as the
// agent's single default worker reads:
//
//	go test -run '^$' -bench . -benchtime 10x ./internal/doctext/
//
// pages/s for text PDFs and for OCR (Tesseract on one core:
// OMP_THREAD_LIMIT=1), and the peak RSS of the readers (children) and of
// the Go process.

func reportRSS(b *testing.B) {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	b.ReportMetric(float64(kids.Maxrss)/1024, "peak-reader-RSS-MB")
	b.ReportMetric(float64(self.Maxrss)/1024, "peak-self-RSS-MB")
}

func benchExtract(b *testing.B, data []byte, ct string, pages int) {
	x := New()
	ctx := context.Background()
	for b.Loop() {
		if r, err := x.Extract(ctx, data, ct); err != nil || r.Pages != pages {
			b.Fatalf("%v, %d pages", err, r.Pages)
		}
	}
	b.ReportMetric(float64(pages*b.N)/b.Elapsed().Seconds(), "pages/s")
	reportRSS(b)
}

func BenchmarkTextPDF(b *testing.B) {
	pages := make([][]string, 20)
	for i := range pages {
		for l := range 40 {
			pages[i] = append(pages[i], fmt.Sprintf("Page %d line %d: colonoscopy performed on 01/02/2025; the cecum was reached.", i+1, l+1))
		}
	}
	data, err := docgen.TextPDF(pages, "")
	if err != nil {
		b.Fatal(err)
	}
	benchExtract(b, data, "application/pdf", 20)
}

func letterPage(b *testing.B, v docgen.Variant) *image.Gray {
	d := docgen.Corpus(day)[0]
	img, err := docgen.Page(d.Lines, v, 1)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

func BenchmarkOCRPNGPage(b *testing.B) {
	data, err := docgen.PNG(letterPage(b, docgen.Clean))
	if err != nil {
		b.Fatal(err)
	}
	benchExtract(b, data, "image/png", 1)
}

func BenchmarkOCRScannedPDF(b *testing.B) {
	p := letterPage(b, docgen.Noisy)
	data, err := docgen.ImagePDF([]*image.Gray{p, p})
	if err != nil {
		b.Fatal(err)
	}
	benchExtract(b, data, "application/pdf", 2)
}
