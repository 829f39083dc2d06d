package docgen

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
)

// Hostile names a file built to hurt a reader.
type Hostile string

const (
	CorruptPDF  Hostile = "corrupt-pdf"  // a PDF header, then noise
	PasswordPDF Hostile = "password-pdf" // encrypted with a user password
	PDFBomb     Hostile = "pdf-bomb"     // forms that draw forms: 10^9 words from 2 KB
	PNGBomb     Hostile = "png-bomb"     // 20,000 × 20,000 pixels from under 1 MB
	LongPDF     Hostile = "500-pages"    // a 500-page text PDF
	ManyFrames  Hostile = "10000-frames" // a TIFF with 10,000 frames
	HugeFile    Hostile = "200mb"        // a 200 MB attachment, served lazily
)

// HostileFiles lists every hostile file the simulator serves.
var HostileFiles = []Hostile{CorruptPDF, PasswordPDF, PDFBomb, PNGBomb, LongPDF, ManyFrames, HugeFile}

// HugeSize is the size of the HugeFile attachment.
const HugeSize = 200 << 20

// ContentType is what the hostile file claims to be.
func (h Hostile) ContentType() string {
	switch h {
	case PNGBomb:
		return "image/png"
	case ManyFrames:
		return "image/tiff"
	}
	return "application/pdf"
}

var pngBomb = sync.OnceValues(func() ([]byte, error) { return bombPNG(20000, 20000) })

// Open returns the hostile file's bytes as a reader and its size. The
// 200 MB file is generated as it is read, never held whole.
func (h Hostile) Open() (io.Reader, int64, error) {
	var b []byte
	var err error
	switch h {
	case CorruptPDF:
		rng := rand.New(rand.NewPCG(7, 7))
		b = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
		for range 4096 {
			b = append(b, byte(rng.IntN(256)))
		}
	case PasswordPDF:
		b, err = TextPDF([][]string{{"Screening mammogram performed on 01/02/2025."}}, "secret")
	case PDFBomb:
		b = bombPDF(9, 10)
	case PNGBomb:
		b, err = pngBomb()
	case LongPDF:
		pages := make([][]string, 500)
		for i := range pages {
			pages[i] = []string{fmt.Sprintf("Page %d of 500. Colonoscopy performed on 01/02/2025. The cecum was reached.", i+1)}
		}
		b, err = TextPDF(pages, "")
	case ManyFrames:
		frames := make([]*image.Gray, 10000)
		px := image.NewGray(image.Rect(0, 0, 1, 1))
		for i := range frames {
			frames[i] = px
		}
		b = TIFF(frames)
	case HugeFile:
		return io.MultiReader(strings.NewReader("%PDF-1.7\n"), io.LimitReader(zeros{}, HugeSize-9)), HugeSize, nil
	default:
		return nil, 0, fmt.Errorf("docgen: unknown hostile file %q", h)
	}
	return bytes.NewReader(b), int64(len(b)), err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// bombPDF is a one-page PDF whose content draws form X<depth>, each form
// drawing the one below it fan times, the last writing a word.
func bombPDF(depth, fan int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	stream := func(dict, s string) string {
		return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(s), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	top := 5 + depth // object number of the top form
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X %d 0 R >> >> /Contents 4 0 R >>", top))
	obj(stream("", "/X Do"))
	obj(stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>",
		"BT /F1 12 Tf 72 720 Td (colonoscopy performed) Tj ET"))
	for i := 1; i <= depth; i++ {
		obj(stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X %d 0 R >> >>", 4+i),
			strings.Repeat("/X Do\n", fan)))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// bombPNG is a real w × h grey PNG of zeros: small on disk, w*h bytes
// once decoded.
func bombPNG(w, h int) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	chunk("IHDR", ihdr)
	z, err := zeroZlib(w+1, h) // each row: filter byte 0, then zeros
	if err != nil {
		return nil, err
	}
	chunk("IDAT", z)
	chunk("IEND", nil)
	return b.Bytes(), nil
}

// zeroZlib is the zlib stream of rows×rowLen zero bytes, built from one
// compressed band repeated: compressing 400 MB of zeros for every test
// run took minutes under the race detector. A band compressed from an
// empty window and ended by a sync flush refers only to itself, so
// copies of it follow one another in one deflate stream.
func zeroZlib(rowLen, rows int) ([]byte, error) {
	const band = 64 // rows per compressed band
	var blk bytes.Buffer
	fw, err := flate.NewWriter(&blk, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	full, rest := rows/band, rows%band
	compress := func(n int) ([]byte, error) {
		blk.Reset()
		fw.Reset(&blk)
		if _, err := fw.Write(make([]byte, n)); err != nil {
			return nil, err
		}
		if err := fw.Flush(); err != nil {
			return nil, err
		}
		return bytes.Clone(blk.Bytes()), nil
	}
	var z bytes.Buffer
	z.Write([]byte{0x78, 0x01}) // zlib header: deflate, 32 KB window
	if full > 0 {
		b, err := compress(band * rowLen)
		if err != nil {
			return nil, err
		}
		for range full {
			z.Write(b)
		}
	}
	if rest > 0 {
		b, err := compress(rest * rowLen)
		if err != nil {
			return nil, err
		}
		z.Write(b)
	}
	z.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // the final, empty stored block
	// Adler-32 of n zero bytes: a stays 1, b gains 1 per byte.
	n := uint64(rowLen) * uint64(rows)
	return binary.BigEndian.AppendUint32(z.Bytes(), uint32(n%65521)<<16|1), nil
}
