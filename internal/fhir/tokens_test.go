package fhir

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/healthprep/desk/internal/smart"
)

// A token source's failure keeps its kind: an outage or throttling at the
// token endpoint is not a sign-in problem, and a session that ended is.
func TestTokenFailureKinds(t *testing.T) {
	var fhirHits int
	fhirSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fhirHits++ }))
	defer fhirSrv.Close()
	throttle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer throttle.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/token"
	down.Close() // connection refused from now on

	refresh := smart.Credentials{ClientID: "app", RefreshToken: "rt"}
	for _, tc := range []struct {
		name  string
		src   *smart.Source
		want  Kind
		smart error
	}{
		{"outage", smart.NewSource(&smart.Config{TokenURL: downURL}, refresh, smart.SourceOptions{}), KindUnreachable, smart.ErrUnreachable},
		{"throttled", smart.NewSource(&smart.Config{TokenURL: throttle.URL + "/token"}, refresh, smart.SourceOptions{}), KindRateLimited, smart.ErrThrottled},
		{"session ended", smart.NewSource(&smart.Config{TokenURL: throttle.URL + "/token"}, smart.Credentials{ClientID: "app"}, smart.SourceOptions{}), KindSignIn, smart.ErrSessionEnded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{Base: fhirSrv.URL, Tokens: tc.src, MaxTries: 1}
			_, err := c.Search(context.Background(), "Patient", url.Values{})
			if KindOf(err) != tc.want {
				t.Fatalf("kind %v, want %v (err %v)", KindOf(err), tc.want, err)
			}
			if !errors.Is(err, tc.smart) {
				t.Errorf("the token source's own kind is lost: %v", err)
			}
		})
	}
	if fhirHits != 0 {
		t.Errorf("%d FHIR requests went out without a token", fhirHits)
	}
}

// A cancelled sync asks the token source for nothing (no renewal request)
// and reports the cancellation, not a sign-in problem.
func TestCancelledSyncAsksForNoToken(t *testing.T) {
	var tokenHits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenHits++
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := smart.NewSource(&smart.Config{TokenURL: srv.URL + "/token"}, smart.Credentials{ClientID: "app", RefreshToken: "rt"}, smart.SourceOptions{})
	c := &Client{Base: srv.URL, Tokens: src, MaxTries: 1, MaxInFlight: 1}
	for range 20 {
		_, err := c.Search(ctx, "Patient", url.Values{})
		if !errors.Is(err, context.Canceled) || KindOf(err) == KindSignIn {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	}
	if tokenHits != 0 || src.Requests() != 0 {
		t.Fatalf("a cancelled sync made %d token requests", tokenHits)
	}
}
