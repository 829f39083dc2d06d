package api

import (
	"context"
	"net/http"
	"net/url"
)

// The document text route: the handler's and the client's halves.

func (h *handler) documentText(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.DocumentText(r.Context(), r.PathValue("date"), r.PathValue("appt"), r.PathValue("doc"))
	h.reply(w, r, v, err)
}

func (c *Client) DocumentText(ctx context.Context, date, appointmentID, docID string) (v DocumentText, err error) {
	return v, c.do(ctx, http.MethodGet, "/v1/days/"+url.PathEscape(date)+"/sheets/"+url.PathEscape(appointmentID)+
		"/documents/"+url.PathEscape(docID), nil, &v)
}
