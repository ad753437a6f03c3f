package voicecb_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// receiver records what a notification handler passes on.
type receiver struct {
	mu     sync.Mutex
	events []voicecb.Event
	errs   []error
}

func (r *receiver) fn(ev voicecb.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *receiver) onError(_ *http.Request, _ []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// take returns and clears what was recorded.
func (r *receiver) take() ([]voicecb.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev, errs := r.events, r.errs
	r.events, r.errs = nil, nil
	return ev, errs
}

// post sends body to url with the given headers and returns the status.
func post(t *testing.T, url string, h http.Header, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := admin.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestNotificationHandler(t *testing.T) {
	var rec receiver
	mux := http.NewServeMux()
	mux.Handle("/status", voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{OnError: rec.onError}))
	mux.Handle("/plain", voicecb.NotificationHandler(rec.fn))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// 200, after fn has the event; an unknown event type too.
	for _, file := range []string{"disconnect.json", "bill.json", "unknown_event.json"} {
		if code := post(t, srv.URL+"/status", nil, readVector(t, file)); code != http.StatusOK {
			t.Fatalf("%s: HTTP %d", file, code)
		}
	}
	evs, errs := rec.take()
	if len(evs) != 3 || len(errs) != 0 {
		t.Fatalf("events %v, errors %v", evs, errs)
	}
	if st, ok := evs[0].(*voicecb.StatusEvent); !ok || st.Kind != voicecb.StatusDisconnect || *st.StateCode != 0 {
		t.Fatalf("first event %+v", evs[0])
	}
	if b, ok := evs[1].(*voicecb.Bill); !ok || len(b.Records) != 2 {
		t.Fatalf("second event %+v", evs[1])
	}
	if o, ok := evs[2].(*voicecb.OtherEvent); !ok || o.EventType != "recordingReady" {
		t.Fatalf("third event %+v", evs[2])
	}
	if code := post(t, srv.URL+"/plain", nil, readVector(t, "answer.json")); code != http.StatusOK {
		t.Fatalf("plain handler: HTTP %d", code)
	}

	// 400: a bad body; fn is not called, OnError has the library's error.
	if code := post(t, srv.URL+"/status", nil, []byte(`{"eventType":"fee","feeLst":[]}`)); code != http.StatusBadRequest {
		t.Fatalf("bad body: HTTP %d", code)
	}
	if code := post(t, srv.URL+"/plain", nil, nil); code != http.StatusBadRequest {
		t.Fatalf("empty body: HTTP %d", code)
	}
	evs, errs = rec.take()
	if len(evs) != 1 || len(errs) != 1 || !errors.Is(errs[0], voicecb.ErrBadNotification) ||
		!strings.Contains(errs[0].Error(), "feeLst has 0 records") {
		t.Fatalf("bad body: events %v, errors %v", evs, errs)
	}

	// 405 for anything but POST, with Allow.
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		req, _ := http.NewRequest(method, srv.URL+"/status", nil)
		resp, err := admin.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
			t.Fatalf("%s: HTTP %d, Allow %q", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}

	// 413 over 1 MiB; exactly 1 MiB is still read.
	padded := bytes.Repeat([]byte(" "), voicecb.MaxNotificationBody+1)
	copy(padded, readVector(t, "answer.json"))
	if code := post(t, srv.URL+"/status", nil, padded[:voicecb.MaxNotificationBody]); code != http.StatusOK {
		t.Fatalf("1 MiB: HTTP %d", code)
	}
	if code := post(t, srv.URL+"/status", nil, padded); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MiB + 1: HTTP %d", code)
	}
	evs, errs = rec.take()
	if len(evs) != 1 || len(errs) != 1 || !errors.Is(errs[0], voicecb.ErrBadNotification) {
		t.Fatalf("413: events %v, errors %v", evs, errs)
	}
}

// endless is a body that never ends; it counts what was read.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestNotificationHandlerReadsAtMost1MiB drives the handler directly with a
// body that never ends.
func TestNotificationHandlerReadsAtMost1MiB(t *testing.T) {
	called := false
	h := voicecb.NotificationHandler(func(voicecb.Event) { called = true })
	body := &endless{}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/status", body))
	if w.Code != http.StatusRequestEntityTooLarge || called {
		t.Fatalf("HTTP %d, fn called %v", w.Code, called)
	}
	if body.n > voicecb.MaxNotificationBody+64*1024 {
		t.Fatalf("read %d bytes", body.n)
	}
}

func TestNotificationHandlerSigned(t *testing.T) {
	const key, secret = "push-app-key", "push-app-secret"
	var rec receiver
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + "/voicecb/status"
	mux.Handle("/voicecb/status", voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{
		AppKey: key, AppSecret: secret, URL: url, OnError: rec.onError}))
	mux.Handle("/behind-proxy", voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{
		AppKey: key, AppSecret: secret, URL: "https://example.com/voicecb/status", Window: time.Minute, OnError: rec.onError}))
	mux.Handle("/misconfigured", voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{
		AppKey: key, OnError: rec.onError}))
	body := readVector(t, "answer.json")
	now := time.Now()

	// 200: signed for the configured URL, wherever the handler is mounted.
	if code := post(t, url, signPush(key, secret, url, now), body); code != http.StatusOK {
		t.Fatalf("signed: HTTP %d", code)
	}
	if code := post(t, srv.URL+"/behind-proxy", signPush(key, secret, "https://example.com/voicecb/status", now), body); code != http.StatusOK {
		t.Fatalf("signed for the configured URL: HTTP %d", code)
	}
	if evs, errs := rec.take(); len(evs) != 2 || len(errs) != 0 {
		t.Fatalf("events %v, errors %v", evs, errs)
	}

	// 401: unsigned, another secret, another URL, stale (default window 5 min).
	for name, h := range map[string]http.Header{
		"unsigned":       nil,
		"another secret": signPush(key, "not-the-secret", url, now),
		"another url":    signPush(key, secret, srv.URL+"/other", now),
		"another key":    signPush("other-key", secret, url, now),
		"stale":          signPush(key, secret, url, now.Add(-6*time.Minute)),
	} {
		if code := post(t, url, h, body); code != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d", name, code)
		}
	}
	evs, errs := rec.take()
	if len(evs) != 0 || len(errs) != 5 {
		t.Fatalf("events %v, errors %v", evs, errs)
	}
	for _, err := range errs {
		if !errors.Is(err, voicecb.ErrBadSignature) || strings.Contains(err.Error(), secret) {
			t.Errorf("OnError got %v", err)
		}
	}

	// An unsigned push is refused before its body is read.
	unread := &endless{}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/voicecb/status", unread))
	if w.Code != http.StatusUnauthorized || unread.n != 0 {
		t.Fatalf("unsigned endless body: HTTP %d, %d bytes read", w.Code, unread.n)
	}
	rec.take()

	// A push signed for another receiver of the same app, sent with that
	// receiver's Host header: the URL is never taken from the request.
	other := signPush(key, secret, "http://other-receiver.example/voicecb/status", now)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "other-receiver.example"
	maps.Copy(req.Header, other)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("signed for another receiver, its Host header: HTTP %d", resp.StatusCode)
	}
	rec.take()

	// 400: signed, but not a notification.
	if code := post(t, url, signPush(key, secret, url, now), []byte("eventType=answer")); code != http.StatusBadRequest {
		t.Fatalf("signed bad body: HTTP %d", code)
	}
	// 500: credentials the library refuses (no secret).
	if code := post(t, srv.URL+"/misconfigured", signPush(key, secret, srv.URL+"/misconfigured", now), body); code != http.StatusInternalServerError {
		t.Fatalf("misconfigured: HTTP %d", code)
	}
	evs, errs = rec.take()
	if len(evs) != 0 || len(errs) != 2 || !errors.Is(errs[0], voicecb.ErrBadNotification) {
		t.Fatalf("events %v, errors %v", evs, errs)
	}
	if e := mustBeError[*voicecb.Error](t, errs[1]); !errors.Is(e, voicecb.ErrInvalidArgument) || e.Field != "app_secret" {
		t.Fatalf("misconfigured: %+v", e)
	}
}

// TestNotificationHandlerNeedsTheURL: with credentials and no URL, every
// push is answered 500 and OnError names the url, whatever the request's
// Host and path say.
func TestNotificationHandlerNeedsTheURL(t *testing.T) {
	const key, secret = "push-app-key", "push-app-secret"
	var rec receiver
	srv := httptest.NewServer(voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{
		AppKey: key, AppSecret: secret, OnError: rec.onError}))
	defer srv.Close()
	url := srv.URL + "/voicecb/status"
	if code := post(t, url, signPush(key, secret, url, time.Now()), readVector(t, "answer.json")); code != http.StatusInternalServerError {
		t.Fatalf("signed for the request's own URL: HTTP %d", code)
	}
	evs, errs := rec.take()
	if len(evs) != 0 || len(errs) != 1 {
		t.Fatalf("events %v, errors %v", evs, errs)
	}
	if e := mustBeError[*voicecb.Error](t, errs[0]); !errors.Is(e, voicecb.ErrInvalidArgument) || e.Field != "url" {
		t.Fatalf("no URL: %+v", e)
	}
}

// TestNotificationHandlerUTC8 verifies a push signed as the vendor's pages
// describe (Created in Beijing time with a Z, "\n" between the parts).
func TestNotificationHandlerUTC8(t *testing.T) {
	const key, secret = "push-app-key", "push-app-secret"
	const url = "https://example.com/voicecb/status"
	var rec receiver
	h := voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{AppKey: key, AppSecret: secret, URL: url,
		SignerClock: voicecb.SignerClockUTC8, DigestForm: voicecb.DigestFormLines, OnError: rec.onError})
	created := time.Now().UTC().Add(8 * time.Hour).Format("2006-01-02T15:04:05Z")
	hdr := signPushAs(key, secret, url, created, "\n")
	for _, tc := range []struct {
		h    http.Handler
		want int
	}{
		{h, http.StatusOK},
		// The same push read as UTC is 8 hours away.
		{voicecb.NotificationHandlerWith(rec.fn, voicecb.NotificationOptions{AppKey: key, AppSecret: secret, URL: url}), http.StatusUnauthorized},
	} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(readVector(t, "answer.json")))
		maps.Copy(req.Header, hdr)
		tc.h.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Fatalf("HTTP %d, want %d", w.Code, tc.want)
		}
	}
}
