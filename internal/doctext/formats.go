package doctext

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/jpeg" // DecodeConfig: dimensions only, nothing decoded
	_ "image/png"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
)

// decodeText reads UTF-8, or Windows-1252 (what older systems export)
// when the bytes are not valid UTF-8.
func decodeText(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), " ")
	}
	return string(s)
}

// htmlText keeps the text of an HTML note, block elements as line breaks,
// and skips scripts, styles and the head's metadata.
func htmlText(b []byte) (string, error) {
	z := html.NewTokenizer(bytes.NewReader(b))
	var out strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out.String(), nil // io.EOF or junk: keep what was read
		case html.TextToken:
			if skip == 0 {
				out.Write(bytes.Join(bytes.Fields(z.Text()), []byte(" ")))
				out.WriteByte(' ')
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tt := z.Token().Type
			switch string(name) {
			case "script", "style", "title", "head", "template", "noscript":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "pre":
				out.WriteByte('\n')
			}
		}
	}
}

// rtfText keeps an RTF document's text: control words dropped, \par and
// \line as line breaks, \'hh and \uN escapes decoded, and destinations
// (font tables, styles, pictures, metadata) skipped. Written here because
// Go has no maintained RTF reader and the part needed is small.
func rtfText(b []byte) (string, error) {
	var out strings.Builder
	type group struct {
		skip bool
		uc   int
	}
	stack := []group{{uc: 1}}
	skipDest := map[string]bool{"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
		"header": true, "footer": true, "themedata": true, "colorschememapping": true, "latentstyles": true, "datastore": true,
		"xmlnstbl": true, "listtable": true, "listoverridetable": true, "rsidtbl": true, "generator": true, "object": true}
	pendingSkip := 0 // characters to drop after \uN
	for i := 0; i < len(b); i++ {
		top := &stack[len(stack)-1]
		c := b[i]
		switch c {
		case '{':
			if len(stack) > 1000 {
				return "", unreadable(ErrCorrupt, "nesting")
			}
			stack = append(stack, *top)
			continue
		case '}':
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		case '\r', '\n':
			continue
		case '\\':
		default:
			if pendingSkip > 0 {
				pendingSkip--
				continue
			}
			if !top.skip {
				out.WriteByte(c)
			}
			continue
		}
		// A control word or symbol.
		i++
		if i >= len(b) {
			break
		}
		c = b[i]
		switch {
		case c == '\\' || c == '{' || c == '}':
			if !top.skip {
				out.WriteByte(c)
			}
		case c == '*':
			top.skip = true
		case c == '\'':
			if i+2 < len(b) {
				if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil && !top.skip {
					if pendingSkip > 0 {
						pendingSkip--
					} else {
						r := charmap.Windows1252.DecodeByte(byte(v))
						out.WriteRune(r)
					}
				}
				i += 2
			}
		case c == '~':
			if !top.skip {
				out.WriteByte(' ')
			}
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(b) && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z') {
				j++
			}
			word := string(b[i:j])
			k := j
			if k < len(b) && (b[k] == '-' || b[k] >= '0' && b[k] <= '9') {
				k++
				for k < len(b) && b[k] >= '0' && b[k] <= '9' {
					k++
				}
			}
			arg, hasArg := 0, k > j
			if hasArg {
				arg, _ = strconv.Atoi(string(b[j:k]))
			}
			if k < len(b) && b[k] == ' ' {
				k++ // the delimiter space belongs to the control word
			}
			i = k - 1
			switch {
			case skipDest[word]:
				top.skip = true
			case word == "par" || word == "line" || word == "sect" || word == "page" || word == "row":
				if !top.skip {
					out.WriteByte('\n')
				}
			case word == "tab" || word == "cell":
				if !top.skip {
					out.WriteByte('\t')
				}
			case word == "uc" && hasArg:
				top.uc = arg
			case word == "u" && hasArg:
				if arg < 0 {
					arg += 65536
				}
				if !top.skip {
					out.WriteRune(rune(arg))
				}
				pendingSkip = top.uc
			}
		}
	}
	return out.String(), nil
}

// checkImage reads only an image's header: its size against the pixel cap,
// and for a TIFF every frame, against the page cap, before any decoding.
func checkImage(b []byte, kind string, lim Limits) (pages int, err error) {
	if kind == "tiff" {
		return tiffFrames(b, lim)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, unreadable(ErrCorrupt, "%s header", kind)
	}
	if lim.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
		return 0, unreadable(ErrTooManyPix, "%d×%d", cfg.Width, cfg.Height)
	}
	return 1, nil
}

// tiffFrames walks a TIFF's chain of image directories (x/image/tiff reads
// only the first), checking each frame's size and the number of frames.
func tiffFrames(b []byte, lim Limits) (int, error) {
	if len(b) < 8 {
		return 0, unreadable(ErrCorrupt, "tiff header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		bo = binary.BigEndian
	}
	off := int64(bo.Uint32(b[4:8]))
	seen := map[int64]bool{}
	frames := 0
	for off != 0 {
		if seen[off] || off < 8 || off+2 > int64(len(b)) {
			return 0, unreadable(ErrCorrupt, "tiff directory")
		}
		seen[off] = true
		frames++
		if lim.MaxPages > 0 && frames > lim.MaxPages {
			return 0, unreadable(ErrTooManyPage, "more than %d frames", lim.MaxPages)
		}
		n := int64(bo.Uint16(b[off:]))
		end := off + 2 + n*12
		if end+4 > int64(len(b)) {
			return 0, unreadable(ErrCorrupt, "tiff directory")
		}
		var w, h int64
		for e := off + 2; e < end; e += 12 {
			tag, typ := bo.Uint16(b[e:]), bo.Uint16(b[e+2:])
			var v int64
			if typ == 3 {
				v = int64(bo.Uint16(b[e+8:]))
			} else {
				v = int64(bo.Uint32(b[e+8:]))
			}
			switch tag {
			case 256:
				w = v
			case 257:
				h = v
			}
		}
		if w <= 0 || h <= 0 {
			return 0, unreadable(ErrCorrupt, "tiff frame size")
		}
		if lim.MaxPixels > 0 && w*h > lim.MaxPixels {
			return 0, unreadable(ErrTooManyPix, "%d×%d", w, h)
		}
		off = int64(bo.Uint32(b[end:]))
	}
	if frames == 0 {
		return 0, unreadable(ErrCorrupt, "tiff with no frames")
	}
	return frames, nil
}
