// Package docgen renders the simulator's outside records (letters, reports,
// scanned faxes) from text, deterministically: text and image-only PDFs,
// RTF, HTML, PNG, JPEG and multi-page TIFF, scanned variants skewed, noisy
// or at low resolution, and the hostile files a reader must survive. It
// builds bytes at request time so nothing large lives in git.
package docgen

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Variant is how a scan was degraded.
type Variant string

const (
	Clean  Variant = "clean"
	Skewed Variant = "skewed" // rotated 1.5 degrees, as a page fed crooked
	Noisy  Variant = "noisy"  // speckles, as a fax
	LowRes Variant = "lowres" // 100 dpi, a fax in standard mode, rather than 200
)

var (
	fontOnce sync.Once
	fontData *opentype.Font
	fontErr  error
)

func face(dpi float64) (font.Face, error) {
	fontOnce.Do(func() { fontData, fontErr = opentype.Parse(goregular.TTF) })
	if fontErr != nil {
		return nil, fontErr
	}
	return opentype.NewFace(fontData, &opentype.FaceOptions{Size: 11, DPI: dpi, Hinting: font.HintingFull})
}

// Page draws lines of text on a letter-size grey page, as a scanner would
// see it, degraded per the variant; seed makes the noise repeatable.
func Page(lines []string, v Variant, seed uint64) (*image.Gray, error) {
	dpi := 200.0
	if v == LowRes {
		dpi = 100
	}
	f, err := face(dpi)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w, h := int(8.5*dpi), int(11*dpi)
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.Black, Face: f}
	lineH := f.Metrics().Height.Ceil() * 14 / 10
	y := int(dpi) // one-inch margin
	for _, l := range lines {
		y += lineH
		d.Dot = fixed.P(int(dpi), y)
		d.DrawString(l)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ca4))
	switch v {
	case Skewed:
		img = rotate(img, 1.5)
	case Noisy:
		for i := 0; i < w*h/150; i++ {
			img.SetGray(rng.IntN(w), rng.IntN(h), color.Gray{Y: uint8(rng.IntN(2) * 255)})
		}
	}
	return img, nil
}

// rotate turns an image by deg degrees about its centre (nearest pixel).
func rotate(src *image.Gray, deg float64) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	draw.Draw(dst, b, image.White, image.Point{}, draw.Src)
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			fx, fy := float64(x)-cx, float64(y)-cy
			sx, sy := int(c*fx+s*fy+cx), int(-s*fx+c*fy+cy)
			if sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				dst.Pix[y*dst.Stride+x] = src.Pix[sy*src.Stride+sx]
			}
		}
	}
	return dst
}

// PNG encodes pages' first page as PNG.
func PNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	return b.Bytes(), err
}

// JPEG encodes an image as a JPEG at fax-like quality.
func JPEG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes(), err
}

// TIFF writes grey pages as one multi-page TIFF, each page one
// Deflate-compressed strip (golang.org/x/image/tiff writes a single page
// only). Compressed, a two-page fax is tens of KB rather than 7 MB, as a
// fax server's would be, and cheap to keep.
func TIFF(pages []*image.Gray) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed) // one compressor: 10,000 frames must stay cheap
	for i, p := range pages {
		w, h := p.Bounds().Dx(), p.Bounds().Dy()
		z.Reset()
		zw.Reset(&z)
		for y := 0; y < h; y++ {
			zw.Write(p.Pix[y*p.Stride : y*p.Stride+w])
		}
		zw.Close()
		const entries = 9
		ifd := b.Len()
		data := ifd + 2 + entries*12 + 4
		next := uint32(0)
		if i < len(pages)-1 {
			next = uint32(data + z.Len())
		}
		tag := func(t, typ uint16, v uint32) {
			binary.Write(&b, le, t)
			binary.Write(&b, le, typ)
			binary.Write(&b, le, uint32(1))
			if typ == 3 {
				binary.Write(&b, le, uint16(v))
				binary.Write(&b, le, uint16(0))
			} else {
				binary.Write(&b, le, v)
			}
		}
		binary.Write(&b, le, uint16(entries))
		tag(256, 4, uint32(w))       // ImageWidth
		tag(257, 4, uint32(h))       // ImageLength
		tag(258, 3, 8)               // BitsPerSample
		tag(259, 3, 8)               // Compression: Deflate
		tag(262, 3, 1)               // BlackIsZero
		tag(273, 4, uint32(data))    // StripOffsets
		tag(277, 3, 1)               // SamplesPerPixel
		tag(278, 4, uint32(h))       // RowsPerStrip
		tag(279, 4, uint32(z.Len())) // StripByteCounts
		binary.Write(&b, le, next)
		b.Write(z.Bytes())
	}
	return b.Bytes()
}

// newPDF is a letter-size PDF stamped with a fixed creation date, so the
// same record is the same bytes on every read (the reader caches by
// content hash), not a new file each second.
func newPDF() *fpdf.Fpdf {
	pdf := fpdf.New("P", "pt", "Letter", "")
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	pdf.SetCreationDate(when)
	pdf.SetModificationDate(when)
	return pdf
}

// TextPDF lays lines out as a PDF with a text layer, one page per slice.
func TextPDF(pages [][]string, protect string) ([]byte, error) {
	pdf := newPDF()
	pdf.SetCompression(true)
	if protect != "" {
		pdf.SetProtection(fpdf.CnProtectPrint, protect, protect+"-owner")
	}
	pdf.SetFont("Helvetica", "", 11)
	for _, lines := range pages {
		pdf.AddPage()
		for i, l := range lines {
			pdf.Text(72, 90+float64(i)*16, l)
		}
	}
	var b bytes.Buffer
	err := pdf.Output(&b)
	return b.Bytes(), err
}

// ImagePDF wraps scanned pages as an image-only PDF (no text layer), as a
// fax server or scanner makes them.
func ImagePDF(pages []*image.Gray) ([]byte, error) {
	pdf := newPDF()
	for i, p := range pages {
		b, err := PNG(p)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("p%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(b))
		pdf.AddPage()
		pdf.ImageOptions(name, 0, 0, 612, 792, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	var b bytes.Buffer
	err := pdf.Output(&b)
	return b.Bytes(), err
}

// RTF writes lines as an RTF document, the way word processors do (font
// table, escaped non-ASCII, \par per line).
func RTF(lines []string) []byte {
	var b strings.Builder
	b.WriteString(`{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}}{\info{\title Outside record}}` + "\n")
	for _, l := range lines {
		b.WriteString(`\f0\fs22 `)
		for _, r := range l {
			switch {
			case r == '\\' || r == '{' || r == '}':
				b.WriteString(`\` + string(r))
			case r > 127:
				fmt.Fprintf(&b, `\u%d?`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString("\\par\n")
	}
	b.WriteString("}")
	return []byte(b.String())
}

// HTML writes lines as an HTML note with a style block and a script that a
// reader must skip.
func HTML(title string, lines []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html><head><title>%s</title><style>p{margin:0}</style><script>var x='colonoscopy';</script></head><body>\n", html.EscapeString(title))
	for _, l := range lines {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(l))
	}
	b.WriteString("</body></html>")
	return []byte(b.String())
}
