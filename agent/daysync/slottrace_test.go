package daysync

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"time"
)

// slotTrace records when each request of a sync is on the wire (from the
// request going out to the end of its body) and whether it had to open a new
// connection, so a benchmark can say where the wire's slots sat idle: at
// the start (before the pipe first filled), in the middle, or at the end
// (after it last was full).
type slotTrace struct {
	next http.RoundTripper

	mu       sync.Mutex
	spans    [][2]time.Time
	newConns int
}

func (t *slotTrace) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	fresh := false
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { fresh = !i.Reused },
	}))
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.add(start, fresh)
		return nil, err
	}
	resp.Body = &tracedBody{ReadCloser: resp.Body, done: sync.OnceFunc(func() { t.add(start, fresh) })}
	return resp, nil
}

func (t *slotTrace) add(start time.Time, fresh bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = append(t.spans, [2]time.Time{start, time.Now()})
	if fresh {
		t.newConns++
	}
}

type tracedBody struct {
	io.ReadCloser
	done func()
}

// Read ends the span at the body's end: what the client does with the
// bytes after that (decoding them while it holds the slot) is not the
// wire's time.
func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done()
	}
	return n, err
}

func (b *tracedBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}

// idle is the slot time left unused between from and to with limit slots,
// split at the first and the last moment all slots were busy.
func (t *slotTrace) idle(from, to time.Time, limit int) (head, middle, tail time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	type ev struct {
		at    time.Time
		delta int
	}
	var evs []ev
	for _, s := range t.spans {
		evs = append(evs, ev{s[0], 1}, ev{s[1], -1})
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	// The first and last instants the pipe was full.
	var firstFull, lastFull time.Time
	n := 0
	for i, e := range evs {
		n += e.delta
		if n >= limit {
			if firstFull.IsZero() {
				firstFull = e.at
			}
			if i+1 < len(evs) {
				lastFull = evs[i+1].at
			}
		}
	}
	if firstFull.IsZero() {
		firstFull, lastFull = to, to
	}
	n = 0
	at := from
	for _, e := range append(evs, ev{to, 0}) {
		if e.at.After(at) && n < limit {
			// Split the interval [at, e.at) at firstFull and lastFull.
			for a := at; a.Before(e.at); {
				b := e.at
				var bucket *time.Duration
				switch {
				case a.Before(firstFull):
					b, bucket = minTime(b, firstFull), &head
				case a.Before(lastFull):
					b, bucket = minTime(b, lastFull), &middle
				default:
					bucket = &tail
				}
				*bucket += time.Duration(limit-n) * b.Sub(a)
				a = b
			}
		}
		if e.at.After(at) {
			at = e.at
		}
		n += e.delta
	}
	return head, middle, tail
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
