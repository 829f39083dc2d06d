package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/healthprep/desk/agent/api"
	"github.com/healthprep/desk/agent/localapi"
)

// Serve runs the agent service: the local API on the Unix socket, a first
// sync when the day is not cached yet, and the clinic-morning schedule.
// It returns when ctx ends. A second agent for the same user is refused.
func Serve(ctx context.Context, opts Options) error {
	if opts.Dir == "" {
		dir, err := DataDir()
		if err != nil {
			return err
		}
		opts.Dir = dir
	}
	ln, err := localapi.Listen(ctx, opts.Dir)
	if err != nil {
		return err
	}
	// POST /v1/shutdown (healthprep-agent stop, installers) ends the service
	// the way a signal does.
	ctx, shutdown := context.WithCancel(ctx)
	defer shutdown()
	opts.ApplyPreset = true
	a, err := Open(ctx, opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	mux := http.NewServeMux()
	mux.Handle("/", freeWhenIdle(api.NewHandler(a, a.log), a.releaseDecoded))
	mux.HandleFunc("POST /v1/shutdown", func(w http.ResponseWriter, r *http.Request) {
		a.log.Info("asked to stop")
		// The pid lets `stop` wait for this process to exit: the socket
		// goes before the cache is released, so it is no sign of the end.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(ShutdownReply{PID: os.Getpid()})
		shutdown()
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("local API stopped", "err", err)
		}
	}()
	a.log.Info("agent serving", "socket", localapi.SocketPath(opts.Dir))
	// Decode today's saved day now: the app's first question is for it.
	// Its garbage goes back to the OS a moment later, not at once: the
	// app's first request is being answered then, and a forced collection
	// beside it took a core from it (15 ms of a 2-core start, traced).
	go func() {
		a.loadDay(ctx, a.today())
		time.AfterFunc(idleFreeAfter, freeOSMemory)
	}()
	go a.runSchedule(ctx)
	// Between updates, the header's online state comes from a cheap probe.
	go a.runProbe(ctx, probeEvery)
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(stopCtx)
}

// runSchedule syncs today at start when it is not cached, then at the
// practice's planned times; a failed sync is retried with backoff. A
// planned time that passes while a sync runs (a start-up sync at 06:29
// that ends at 06:30, say) is not skipped: the next time is reckoned from
// when the last sync started.
func (a *Agent) runSchedule(ctx context.Context) {
	a.awaitCache(ctx)
	from := a.now()
	if st, err := a.Status(ctx); err == nil && !slices.Contains(st.Days, st.Today) && !st.NeedsSignIn {
		a.syncLogged(ctx)
	}
	retry := time.Minute
	for {
		wait := time.Hour // no plan (no clinic days): look again later
		if p, err := a.current(); err == nil {
			if plan, perr := newSyncPlan(p); perr == nil {
				if next := plan.next(from); !next.IsZero() {
					wait = max(next.Sub(a.now()), 0)
				}
			}
		}
		if !a.syncs.online() {
			wait = min(wait, retry)
			retry = min(retry*2, 30*time.Minute)
		} else {
			retry = time.Minute
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
			from = a.now()
			a.syncLogged(ctx)
		}
	}
}

// awaitCache opens the cache, retrying shortly while another process still
// holds it: an agent that was just stopped (or restarted by the app or an
// installer) releases the cache a moment after its socket goes. Without
// this the start's catch-up sync failed "busy" and waited for the next
// planned time. It gives up after cacheWaitMax; the sync then says busy.
func (a *Agent) awaitCache(ctx context.Context) {
	wait := 100 * time.Millisecond
	deadline := time.Now().Add(cacheWaitMax)
	for {
		_, err := a.openStore(ctx)
		if err == nil || api.AsError(err).Kind != api.KindBusy || time.Now().Add(wait).After(deadline) {
			return
		}
		a.log.Info("the cache is busy (another agent is letting go of it); trying again", "wait", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// cacheWaitMax bounds awaitCache.
const cacheWaitMax = 30 * time.Second

// ShutdownReply is POST /v1/shutdown's answer.
type ShutdownReply struct {
	PID int `json:"pid"`
}

func (a *Agent) syncLogged(ctx context.Context) {
	if _, err := a.Sync(ctx, api.SyncRequest{}); err != nil && ctx.Err() == nil {
		a.log.Warn("scheduled sync failed", "kind", api.AsError(err).Kind, "err", err.Error())
	}
}

// Logger returns a text logger for the agent's log file or stderr. Logs
// carry event names, counts and error kinds: never tokens or patient data.
func Logger(verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// freeOSMemory hands the garbage of a burst of work (decoding a day, a sync)
// back to the OS. The agent idles most of the day on a front-desk PC, and
// the Go runtime otherwise returns that memory only slowly.
func freeOSMemory() { debug.FreeOSMemory() }

// releaseDecoded drops the current practice's decoded days (serve, once
// idle); they are decoded again on the next look.
func (a *Agent) releaseDecoded() {
	a.mu.Lock()
	d := a.days
	a.mu.Unlock()
	if d != nil {
		d.release()
	}
}

// idleFreeAfter is how long the local API stays quiet before the garbage
// of the requests before it goes back to the OS.
const idleFreeAfter = time.Second

// freeWhenIdle wraps the local API: once it has been idle for
// idleFreeAfter after a burst of requests (the app opening a day, its
// sheets), release drops what they kept (the decoded days) and the memory
// is handed back, so the agent idles small between the front desk's
// looks. One forced collection per burst.
func freeWhenIdle(h http.Handler, release func()) http.Handler {
	idle := func() {
		release()
		freeOSMemory()
	}
	var (
		mu    sync.Mutex
		timer *time.Timer
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		mu.Lock()
		defer mu.Unlock()
		if timer == nil {
			timer = time.AfterFunc(idleFreeAfter, idle)
		} else {
			timer.Reset(idleFreeAfter)
		}
	})
}
