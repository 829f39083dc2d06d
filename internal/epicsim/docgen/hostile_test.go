package docgen

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// The bomb is a valid PNG: a small one built the same way decodes to the
// stated size with every pixel black (checksums included), and the served
// one states 20,000 × 20,000 pixels from under 1 MB.
func TestPNGBombIsAValidPNG(t *testing.T) {
	for _, size := range [][2]int{{300, 1000}, {7, 64}, {5, 3}} {
		b, err := bombPNG(size[0], size[1])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%v: %v", size, err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Rect.Dx() != size[0] || g.Rect.Dy() != size[1] {
			t.Fatalf("%v: decoded %T %v", size, img, img.Bounds())
		}
		for i, p := range g.Pix {
			if p != 0 {
				t.Fatalf("%v: pixel %d is %d", size, i, p)
			}
		}
	}
	r, n, err := PNGBomb.Open()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(r)
	if err != nil || cfg.Width != 20000 || cfg.Height != 20000 || n >= 1<<20 {
		t.Fatalf("served bomb: %+v, %d bytes, %v", cfg, n, err)
	}
}
