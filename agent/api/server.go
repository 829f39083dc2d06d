package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

const (
	maxBody         = 1 << 20 // requests to the agent are small; refuse more
	maxScheduleFile = 17 << 20
)

// NewHandler serves svc as the local API under /v1.
func NewHandler(svc Service, log *slog.Logger) http.Handler {
	h := &handler{svc: svc, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("GET /v1/days/{date}", h.day)
	mux.HandleFunc("GET /v1/days/{date}/sheets/{appt}", h.sheet)
	mux.HandleFunc("GET /v1/days/{date}/print", h.print)
	mux.HandleFunc("POST /v1/sync", h.sync)
	mux.HandleFunc("DELETE /v1/sync", h.cancelSync)
	mux.HandleFunc("GET /v1/sync/events", h.syncEvents)
	mux.HandleFunc("POST /v1/setup/check", h.checkSetup)
	mux.HandleFunc("POST /v1/setup", h.setup)
	mux.HandleFunc("POST /v1/setup/schedule/test", h.testSchedule)
	mux.HandleFunc("PUT /v1/setup/schedule", h.saveSchedule)
	mux.HandleFunc("POST /v1/signin", h.startSignIn)
	mux.HandleFunc("GET /v1/signin", h.signInStatus)
	mux.HandleFunc("DELETE /v1/signin", h.cancelSignIn)
	mux.HandleFunc("POST /v1/demo", h.demo)
	mux.HandleFunc("GET /v1/settings", h.settings)
	mux.HandleFunc("PUT /v1/settings", h.saveSettings)
	mux.HandleFunc("GET /v1/catalogue", h.catalogue)
	mux.HandleFunc("PATCH /v1/catalogue", h.editCatalogue)
	mux.HandleFunc("PUT /v1/catalogue", h.importCatalogue)
	mux.HandleFunc("DELETE /v1/catalogue", h.resetCatalogue)
	mux.HandleFunc("POST /v1/schedule", h.importSchedule)
	mux.HandleFunc("POST /v1/reset", h.reset)
	mux.HandleFunc("GET /v1/audit", h.audit)
	mux.HandleFunc("POST /v1/send", h.send)
	mux.HandleFunc("GET /v1/days/{date}/sent", h.sentNotes)
	mux.HandleFunc("GET /v1/days/{date}/sheets/{appt}/documents/{doc}", h.documentText)
	return mux
}

type handler struct {
	svc Service
	log *slog.Logger
}

func (h *handler) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		e := AsError(err)
		// Log the kind and route only: messages can name a FHIR resource but
		// never a patient; still, keep the log to what support needs.
		h.log.Info("api error", "route", r.Pattern, "kind", e.Kind)
		w.WriteHeader(e.Kind.httpStatus())
		json.NewEncoder(w).Encode(e)
		return
	}
	json.NewEncoder(w).Encode(v)
}

func decode(r *http.Request, v any) error { return decodeLimit(r, v, maxBody) }

func decodeLimit(r *http.Request, v any, limit int64) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return NewError(KindBadRequest, "could not read the request")
	}
	if int64(len(b)) > limit {
		return NewError(KindBadRequest, "the request is too large")
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return NewError(KindBadRequest, fmt.Sprintf("the request is not valid JSON: %v", err))
	}
	return nil
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Status(r.Context())
	h.reply(w, r, v, err)
}

func (h *handler) day(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Day(r.Context(), r.PathValue("date"))
	h.reply(w, r, v, err)
}

func (h *handler) sheet(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Sheet(r.Context(), r.PathValue("date"), r.PathValue("appt"))
	h.reply(w, r, v, err)
}

func (h *handler) print(w http.ResponseWriter, r *http.Request) {
	html, err := h.svc.PrintHTML(r.Context(), r.PathValue("date"), r.URL.Query().Get("appointment"))
	if err != nil {
		h.reply(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, html)
}

func (h *handler) sync(w http.ResponseWriter, r *http.Request) {
	var req SyncRequest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.Sync(r.Context(), req)
	h.reply(w, r, v, err)
}

// syncEvents streams progress as server-sent events.
func (h *handler) syncEvents(w http.ResponseWriter, r *http.Request) {
	ch, err := h.svc.SyncEvents(r.Context())
	if err != nil {
		h.reply(w, r, nil, err)
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			io.WriteString(w, ": keepalive\n\n")
		case ev, ok := <-ch:
			if !ok {
				return
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func (h *handler) checkSetup(w http.ResponseWriter, r *http.Request) {
	var req SetupRequest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.CheckSetup(r.Context(), req)
	h.reply(w, r, v, err)
}

func (h *handler) testSchedule(w http.ResponseWriter, r *http.Request) {
	var req ScheduleTest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.TestSchedule(r.Context(), req)
	h.reply(w, r, v, err)
}

func (h *handler) saveSchedule(w http.ResponseWriter, r *http.Request) {
	var req ScheduleSource
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.SaveSchedule(r.Context(), req)
	h.reply(w, r, v, err)
}

func (h *handler) setup(w http.ResponseWriter, r *http.Request) {
	var req SetupRequest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.Setup(r.Context(), req)
	h.reply(w, r, v, err)
}

func (h *handler) cancelSync(w http.ResponseWriter, r *http.Request) {
	h.reply(w, r, struct{}{}, h.svc.CancelSync(r.Context()))
}

func (h *handler) startSignIn(w http.ResponseWriter, r *http.Request) {
	var req SignInRequest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.StartSignIn(r.Context(), req)
	h.reply(w, r, v, err)
}

// maxSignInWait bounds a long-poll so proxies and client timeouts never cut it.
const maxSignInWait = 60 * time.Second

// signInStatus long-polls: ?wait=30s returns as soon as the sign-in ends,
// or after the wait with it still waiting.
func (h *handler) signInStatus(w http.ResponseWriter, r *http.Request) {
	var wait time.Duration
	if s := r.URL.Query().Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			h.reply(w, r, nil, NewError(KindBadRequest, "wait must be a duration like 30s"))
			return
		}
		wait = min(d, maxSignInWait)
	}
	v, err := h.svc.SignInStatus(r.Context(), wait)
	h.reply(w, r, v, err)
}

func (h *handler) cancelSignIn(w http.ResponseWriter, r *http.Request) {
	h.reply(w, r, struct{}{}, h.svc.CancelSignIn(r.Context()))
}

func (h *handler) demo(w http.ResponseWriter, r *http.Request) {
	h.reply(w, r, struct{}{}, h.svc.StartDemo(r.Context()))
}

func (h *handler) settings(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Settings(r.Context())
	h.reply(w, r, v, err)
}

func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	var s Settings
	if err := decode(r, &s); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	h.reply(w, r, struct{}{}, h.svc.SaveSettings(r.Context(), s))
}

func (h *handler) reset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Confirm string `json:"confirm"`
	}
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	h.reply(w, r, struct{}{}, h.svc.Reset(r.Context(), req.Confirm))
}

func (h *handler) audit(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			h.reply(w, r, nil, NewError(KindBadRequest, "since must be an RFC 3339 time"))
			return
		}
		since = t
	}
	v, err := h.svc.Audit(r.Context(), since)
	h.reply(w, r, v, err)
}

func (h *handler) catalogue(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.Catalogue(r.Context())
	h.reply(w, r, v, err)
}

func (h *handler) editCatalogue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Edits []CatalogueEdit `json:"edits"`
	}
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.EditCatalogue(r.Context(), req.Edits)
	h.reply(w, r, v, err)
}

func (h *handler) importCatalogue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		YAML string `json:"yaml"`
	}
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.ImportCatalogue(r.Context(), req.YAML)
	h.reply(w, r, v, err)
}

func (h *handler) resetCatalogue(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.ResetCatalogue(r.Context())
	h.reply(w, r, v, err)
}

func (h *handler) importSchedule(w http.ResponseWriter, r *http.Request) {
	var req ScheduleImport
	if err := decodeLimit(r, &req, maxScheduleFile); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.ImportSchedule(r.Context(), req)
	h.reply(w, r, v, err)
}
