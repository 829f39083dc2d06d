package epicsim

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
)

// Transport serves requests to this tenant by calling its handler in this
// process: an http.Client with it reaches the tenant with no socket at all.
// Requests for any other host are refused. An outage (Faults.Down) or a
// closed tenant answers as a refused connection, and a response the tenant
// cuts off fails the read, as over TCP.
func (s *Server) Transport() http.RoundTripper { return inProcess{s} }

type inProcess struct{ s *Server }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if req.URL.Host != t.s.addr {
		return nil, fmt.Errorf("epicsim: %s is not this tenant (%s)", req.URL.Host, t.s.addr)
	}
	t.s.mu.Lock()
	refused := t.s.closed || t.s.faults.Down
	t.s.mu.Unlock()
	if refused {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	// The handler sees the request as the server would.
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	in.Host = req.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := &recorder{header: http.Header{}}
	if aborted := serve(t.s.srv.Handler, w, in); aborted {
		// The tenant hung up (hangUp): no answer, like a reset connection.
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// serve runs the handler and reports whether it aborted the response, as
// net/http's server lets a handler do with panic(http.ErrAbortHandler).
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// recorder is the in-process http.ResponseWriter: the whole answer in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
