package doctext

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child runs one outside program on one document: input through stdin,
// output from stdout, nothing on disk. On Linux it runs under prlimit
// (util-linux) with an address-space and CPU-time cap, so a bomb or a bug
// in the program ends that program alone; the context's deadline kills it.
type child struct {
	lim Limits
}

// command builds the command line: name resolved on PATH, wrapped in
// prlimit where there is one.
func (c child) command(ctx context.Context, name string, args ...string) (*exec.Cmd, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, unreadable(ErrUnsupported, "%s is not installed", name)
	}
	argv := append([]string{path}, args...)
	if runtime.GOOS == "linux" {
		if pl, err := exec.LookPath("prlimit"); err == nil {
			lim := []string{pl, "--core=0"}
			if c.lim.MemoryBytes > 0 {
				lim = append(lim, "--as="+strconv.FormatInt(c.lim.MemoryBytes, 10))
			}
			if cpu := c.lim.cpu(); cpu > 0 {
				// SIGXCPU at the soft limit, so the end can be told from a
				// crash; SIGKILL a little later if it is ignored.
				soft := int(cpu/time.Second) + 1
				lim = append(lim, "--cpu="+strconv.Itoa(soft)+":"+strconv.Itoa(soft+5))
			}
			argv = append(append(lim, "--"), argv...)
		}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// One thread: reading runs in the background on a shared desktop, and
	// Tesseract's OpenMP otherwise takes every core. LC_ALL=C is what
	// Tesseract requires.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "OMP_THREAD_LIMIT=1"}
	for _, k := range []string{"TESSDATA_PREFIX", "TMPDIR", "HOME", "SystemRoot"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	return cmd, nil
}

// cpu is the processor time one program may use.
func (l Limits) cpu() time.Duration {
	if l.CPU > 0 {
		return l.CPU
	}
	return l.Timeout
}

// capped collects at most max bytes; past that it fails the write, which
// closes the pipe and stops the program.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

var errOver = errors.New("output over the limit")

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.max {
		c.over = true
		return 0, errOver
	}
	return c.Buffer.Write(p)
}

// run feeds in to the program and returns its output (at most max bytes)
// and the start of its error output, for classifying failures only.
func (c child) run(ctx context.Context, in []byte, max int, name string, args ...string) (out, stderr []byte, err error) {
	cmd, err := c.command(ctx, name, args...)
	if err != nil {
		return nil, nil, err
	}
	o := &capped{max: max}
	e := &capped{max: 4096}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), o, e
	err = cmd.Run()
	if o.over {
		return nil, e.Bytes(), unreadable(ErrTooLarge, "%s wrote more than %d MB of text", name, max>>20)
	}
	return o.Bytes(), e.Bytes(), c.failed(ctx, name, err)
}

// failed turns a program's end into a reason: a signal (a crash, or a cap
// hit) or an exit status. The program's own messages are not passed on:
// they may quote the document.
func (c child) failed(ctx context.Context, name string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			if ws.Signal() == cpuCapSignal {
				return unreadable(ErrCPU, "%s, %s", name, c.lim.cpu())
			}
			return unreadable(ErrCrashed, "%s ended by %s", name, ws.Signal())
		}
		return unreadable(ErrCrashed, "%s exit status %d", name, ee.ExitCode())
	}
	return unreadable(ErrCrashed, "%s: %v", name, errors.Unwrap(err))
}

// Tesseract is the OCR engine on Linux: Debian's tesseract-ocr, run as a
// command, image in on stdin, text out on stdout.
type Tesseract struct {
	Limits   Limits
	Language string // traineddata name; default "eng"
}

// DefaultOCR is Tesseract on every platform it is installed on; a build
// for macOS or Windows can return the OS's engine here instead.
func DefaultOCR(lim Limits) OCR { return &Tesseract{Limits: lim} }

func (t *Tesseract) Recognize(ctx context.Context, img []byte) (string, error) {
	lang := t.Language
	if lang == "" {
		lang = "eng"
	}
	out, _, err := child{t.Limits}.run(ctx, img, t.Limits.MaxText+1, "tesseract", "stdin", "stdout", "-l", lang, "--psm", "3")
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// Poppler reads PDFs with Debian's poppler-utils: pdftotext for the text
// layer and pdftoppm to rasterise scanned pages, each through pipes.
// Poppler is the most complete PDF reader available (fonts, encodings,
// broken cross-reference tables); the pure-Go PDF readers miss text in
// common real-world files.
type Poppler struct {
	Limits Limits
	// Pixels is the longest side of a rasterised page (about 220 dpi for a
	// letter page): a page's stated size cannot make a huge bitmap.
	Pixels int
}

// DefaultPDF is poppler-utils.
func DefaultPDF(lim Limits) PDF { return &Poppler{Limits: lim, Pixels: 2400} }

func (p *Poppler) Text(ctx context.Context, pdf []byte, maxPages int) (string, error) {
	out, stderr, err := child{p.Limits}.run(ctx, pdf, p.Limits.MaxText*4, "pdftotext", "-enc", "UTF-8", "-l", strconv.Itoa(maxPages), "-", "-")
	if err != nil {
		return "", pdfError(err, stderr)
	}
	return string(out), nil
}

func pdfError(err error, stderr []byte) error {
	var u *Unreadable
	if !errors.As(err, &u) || u.Reason != ErrCrashed {
		return err
	}
	if strings.Contains(u.Detail, "exit status") {
		// pdftotext: 1 opening the file failed, 3 permissions.
		if bytes.Contains(bytes.ToLower(stderr), []byte("password")) || strings.HasSuffix(u.Detail, "status 3") {
			return unreadable(ErrEncrypted, "")
		}
		return unreadable(ErrCorrupt, "%s", u.Detail)
	}
	return err
}

func (p *Poppler) Rasterize(ctx context.Context, pdf []byte, pages int, page func(img []byte) error) error {
	c := child{p.Limits}
	cmd, err := c.command(ctx, "pdftoppm", "-q", "-gray", "-scale-to", strconv.Itoa(p.Pixels), "-f", "1", "-l", strconv.Itoa(pages), "-")
	if err != nil {
		return err
	}
	cmd.Stdin = bytes.NewReader(pdf)
	e := &capped{max: 4096}
	cmd.Stderr = e
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return unreadable(ErrCrashed, "pdftoppm did not start")
	}
	r := bufio.NewReaderSize(stdout, 1<<16)
	var perr error
	for n := 0; perr == nil; n++ {
		img, err := nextPGM(r, p.Limits.MaxPixels)
		if err == io.EOF {
			break
		}
		if err != nil {
			perr = err
			break
		}
		perr = page(img)
	}
	if perr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return perr
	}
	return pdfError(c.failed(ctx, "pdftoppm", cmd.Wait()), e.Bytes())
}

// nextPGM reads one binary PGM (P5) image from pdftoppm's output stream,
// refusing one larger than the pixel cap before reading its pixels.
func nextPGM(r *bufio.Reader, maxPixels int64) ([]byte, error) {
	var hdr bytes.Buffer
	fields := 0
	for fields < 4 {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && hdr.Len() == 0 {
				return nil, io.EOF
			}
			return nil, unreadable(ErrCorrupt, "rasterised page")
		}
		hdr.WriteByte(b)
		if hdr.Len() > 64 {
			return nil, unreadable(ErrCorrupt, "rasterised page header")
		}
		if b == ' ' || b == '\n' || b == '\t' || b == '\r' {
			if f := strings.Fields(hdr.String()); len(f) > fields {
				fields = len(f)
			}
		}
	}
	f := strings.Fields(hdr.String())
	if f[0] != "P5" {
		return nil, unreadable(ErrCorrupt, "rasterised page type")
	}
	w, _ := strconv.ParseInt(f[1], 10, 64)
	h, _ := strconv.ParseInt(f[2], 10, 64)
	if w <= 0 || h <= 0 || f[3] != "255" {
		return nil, unreadable(ErrCorrupt, "rasterised page size")
	}
	if maxPixels > 0 && w*h > maxPixels {
		return nil, unreadable(ErrTooManyPix, "%d×%d", w, h)
	}
	img := make([]byte, hdr.Len()+int(w*h))
	copy(img, hdr.Bytes())
	if _, err := io.ReadFull(r, img[hdr.Len():]); err != nil {
		return nil, unreadable(ErrCorrupt, "rasterised page cut short")
	}
	return img, nil
}
