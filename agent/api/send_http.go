package api

import (
	"context"
	"net/http"
	"net/url"
)

// The send routes: the handler's and the client's halves.

func (h *handler) send(w http.ResponseWriter, r *http.Request) {
	var req SendRequest
	if err := decode(r, &req); err != nil {
		h.reply(w, r, nil, err)
		return
	}
	v, err := h.svc.Send(r.Context(), req)
	h.reply(w, r, v, err)
}

func (h *handler) sentNotes(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.SentNotes(r.Context(), r.PathValue("date"))
	h.reply(w, r, v, err)
}

func (c *Client) Send(ctx context.Context, req SendRequest) (v SendResult, err error) {
	return v, c.do(ctx, http.MethodPost, "/v1/send", req, &v)
}

func (c *Client) SentNotes(ctx context.Context, date string) (v SentNotes, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/days/"+url.PathEscape(date)+"/sent", nil, &v)
}
