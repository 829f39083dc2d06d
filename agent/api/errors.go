package api

import (
	"errors"
	"net/http"
)

// Kind classifies an error so the app can choose what to offer (sign in
// again, fix setup, wait) without parsing words.
type Kind string

const (
	KindBadRequest    Kind = "bad_request"
	KindNotConfigured Kind = "not_configured"
	KindNeedsSignIn   Kind = "needs_sign_in"
	KindOffline       Kind = "offline"
	KindNotFound      Kind = "not_found"
	KindBusy          Kind = "busy"
	KindForbidden     Kind = "forbidden"
	KindInternal      Kind = "internal"
	// KindAgentDown: the agent itself does not answer (stopped, or never
	// started); the app can start it again.
	KindAgentDown Kind = "agent_down"
)

// Error is an error with words for the user and optional detail for support.
// Neither may carry tokens or patient data.
type Error struct {
	Kind    Kind   `json:"kind"`
	Message string `json:"error"`
	Detail  string `json:"detail,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Errorf-style constructors keep call sites short.
func NewError(kind Kind, msg string) *Error { return &Error{Kind: kind, Message: msg} }

// AsError returns err as an *Error, classifying unknown errors as internal
// but keeping their message (the agent's errors are written for users).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Message: err.Error()}
}

func (k Kind) httpStatus() int {
	switch k {
	case KindBadRequest:
		return http.StatusBadRequest
	case KindNotConfigured, KindBusy:
		return http.StatusConflict
	case KindNeedsSignIn:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindOffline:
		return http.StatusBadGateway
	case KindNotFound:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
