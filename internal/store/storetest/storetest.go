// Package storetest helps tests look for data that must not be readable
// in the cache directory.
package storetest

import (
	"bytes"
	"io"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// ClearText is a file's bytes plus whatever any zstd frame in them
// decodes to: the store compresses values before they are stored, so a
// scan of the raw bytes alone would pass without encryption too.
func ClearText(b []byte) []byte {
	out := slices.Clone(b)
	for i := 0; ; {
		j := bytes.Index(b[i:], zstdMagic)
		if j < 0 {
			return out
		}
		i += j
		if r, err := zstd.NewReader(bytes.NewReader(b[i:]), zstd.WithDecoderConcurrency(1)); err == nil {
			d, _ := io.ReadAll(io.LimitReader(r, 64<<20))
			r.Close()
			out = append(out, d...)
		}
		i += len(zstdMagic)
	}
}
