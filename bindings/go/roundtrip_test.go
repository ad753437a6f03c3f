package voicecb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// roundTripWait bounds every wait of the round-trip tests.
const roundTripWait = 10 * time.Second

// signingSandbox starts a sandbox of its own that signs its pushes with the
// default app's credentials and plays a simulated minute in 600 ms (a call
// reaches "callee answered" in 90 ms, retries back off 10 ms, 20 ms). It is
// killed when the test ends; start the receivers first, so that it is
// killed before they close.
func signingSandbox(t *testing.T) string {
	t.Helper()
	url, stop, err := startSandbox("--sign-pushes", "--time-scale", "600")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// nextEvent waits (at most roundTripWait) for the next event the receiver
// passed on.
func nextEvent(t *testing.T, events <-chan voicecb.Event, what string) voicecb.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(roundTripWait):
		t.Fatalf("no %s pushed within %v", what, roundTripWait)
	}
	return nil
}

// settledStats waits (at most roundTripWait) until the sandbox has no push
// left to deliver and cond holds, and returns its counters.
func settledStats(t *testing.T, base string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(roundTripWait)
	for {
		st := statsOf(t, base)
		if st["pushes_queued"] == 0.0 && cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("pushes not settled within %v: %v", roundTripWait, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRoundTrip places a call on a sandbox that signs its pushes and
// receives them with NotificationHandlerWith, which checks every signature
// against the URL it is configured with (the statusUrl and feeUrl as
// given): the six status events of the call's set-up, then, after Stop,
// the disconnect and the bill.
func TestRoundTrip(t *testing.T) {
	events := make(chan voicecb.Event, 32)
	var failures atomic.Int64
	firstFailure := make(chan error, 1)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// One handler per URL: the URL a signature covers is configured, never
	// taken from the request.
	for _, path := range []string{"/voicecb/status", "/voicecb/fee"} {
		mux.Handle(path, voicecb.NotificationHandlerWith(func(ev voicecb.Event) {
			events <- ev
		}, voicecb.NotificationOptions{
			AppKey: appKey, AppSecret: appSecret, URL: srv.URL + path,
			OnError: func(_ *http.Request, _ []byte, err error) {
				failures.Add(1)
				select {
				case firstFailure <- err:
				default:
				}
			},
		}))
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("receiver at %s, not on 127.0.0.1", srv.URL)
	}
	base := signingSandbox(t)

	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(base), voicecb.WithEncodeNonASCIIUserData(true))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const userData = "客户 42号"
	req := basicRequest()
	req.StatusURL = voicecb.Ptr(srv.URL + "/voicecb/status")
	req.FeeURL = voicecb.Ptr(srv.URL + "/voicecb/fee")
	req.UserData = voicecb.Ptr(userData)
	placed := time.Now().UTC().Truncate(time.Second)
	ctx := context.Background()
	call, err := c.Click2Call(ctx, req)
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}

	// The call's set-up: callout, alerting, answer for the caller, then
	// for the callee, in order, with times that do not go back.
	status := func(what string) *voicecb.StatusEvent {
		t.Helper()
		ev := nextEvent(t, events, what)
		st, ok := ev.(*voicecb.StatusEvent)
		if !ok {
			t.Fatalf("%s: got %T %s", what, ev, ev.Body())
		}
		if st.SessionID != call.SessionID || st.UserData != userData || st.Fields["userData"] != userData ||
			!bytes.Contains(st.Raw, []byte(`"b64:`)) {
			t.Fatalf("%s: %+v", what, st)
		}
		return st
	}
	var last time.Time
	for i, step := range []struct {
		kind  voicecb.StatusKind
		party string
	}{
		{voicecb.StatusCallout, caller}, {voicecb.StatusAlerting, caller}, {voicecb.StatusAnswer, caller},
		{voicecb.StatusCallout, callee}, {voicecb.StatusAlerting, callee}, {voicecb.StatusAnswer, callee},
	} {
		what := step.kind.String() + " for " + step.party
		st := status(what)
		if st.Kind != step.kind || st.EventType != step.kind.String() || st.Called != step.party || st.Caller != display ||
			st.StateCode != nil {
			t.Fatalf("event %d: got %v for %s (%+v), want %s", i, st.Kind, st.Called, st, what)
		}
		tm, ok := st.Time()
		if !ok || tm.Location() != time.UTC || tm.Format("2006-01-02 15:04:05") != st.Timestamp ||
			tm.Before(placed) || tm.After(placed.Add(time.Minute)) || tm.Before(last) {
			t.Fatalf("%s: Time() %v %v, Timestamp %q, placed %v", what, tm, ok, st.Timestamp, placed)
		}
		last = tm
	}

	if err := c.Stop(ctx, call.SessionID); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// Stopped after the callee answered: stateCode 0, about the caller.
	st := status("disconnect")
	if st.Kind != voicecb.StatusDisconnect || st.StateCode == nil || *st.StateCode != 0 || st.Called != caller {
		t.Fatalf("disconnect: %+v", st)
	}
	if tm, ok := st.Time(); !ok || tm.Before(last) {
		t.Fatalf("disconnect: Time() %v %v", tm, ok)
	}
	ev := nextEvent(t, events, "bill")
	b, ok := ev.(*voicecb.Bill)
	if !ok || b.EventType != "fee" || len(b.Records) != 1 {
		t.Fatalf("bill: %T %s", ev, ev.Body())
	}
	r := b.Records[0]
	var obj map[string]any
	if r.SessionID != call.SessionID || r.ServiceType != "002" || r.UserData != userData ||
		r.Fields["serviceType"] != "002" || json.Unmarshal(r.Raw, &obj) != nil || obj["sessionId"] != call.SessionID {
		t.Fatalf("bill record: %+v", r)
	}

	// The call is over: the platform no longer knows it.
	err = c.Stop(ctx, call.SessionID)
	e := mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrPlatform) || e.ResultCode != "1020152" {
		t.Fatalf("second Stop: %+v", e)
	}

	// Each push delivered at the first attempt: every signature verified.
	stats := settledStats(t, base, func(map[string]any) bool { return true })
	if stats["pushes_sent"] != 8.0 || stats["push_attempts"] != 8.0 || stats["pushes_failed"] != 0.0 ||
		stats["pushes_skipped"] != 0.0 {
		t.Fatalf("stats %v", stats)
	}
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d pushes refused, the first: %v", n, <-firstFailure)
	}
	select {
	case ev := <-events:
		t.Fatalf("an extra push: %s", ev.Body())
	default:
	}
}

// TestRoundTripWrongSecret: a receiver with another secret answers 401 to
// every signed push and never passes one on; the sandbox gives up.
func TestRoundTripWrongSecret(t *testing.T) {
	const wrongSecret = "not-the-sandbox-app-secret"
	var passed, refused atomic.Int64
	firstRefusal := make(chan error, 1)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	mux.Handle("/voicecb/status", voicecb.NotificationHandlerWith(func(voicecb.Event) {
		passed.Add(1)
	}, voicecb.NotificationOptions{
		AppKey: appKey, AppSecret: wrongSecret, URL: srv.URL + "/voicecb/status",
		OnError: func(_ *http.Request, body []byte, err error) {
			refused.Add(1)
			if body != nil {
				err = errors.New("the body of an unverified push was read")
			}
			select {
			case firstRefusal <- err:
			default:
			}
		},
	}))
	t.Cleanup(srv.Close)
	base := signingSandbox(t)

	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := basicRequest()
	req.StatusURL = voicecb.Ptr(srv.URL + "/voicecb/status")
	call, err := c.Click2Call(context.Background(), req)
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}

	select {
	case err := <-firstRefusal:
		if !errors.Is(err, voicecb.ErrBadSignature) || strings.Contains(err.Error(), wrongSecret) ||
			strings.Contains(err.Error(), appSecret) {
			t.Fatalf("OnError got %v", err)
		}
	case <-time.After(roundTripWait):
		t.Fatalf("no push refused within %v", roundTripWait)
	}
	// The first push is given up after its 3 attempts, each answered 401.
	stats := settledStats(t, base, func(st map[string]any) bool {
		failed, _ := st["pushes_failed"].(float64)
		return failed >= 1
	})
	notes, _ := json.Marshal(stats["push_notes"])
	attempts, _ := stats["push_attempts"].(float64)
	if stats["pushes_sent"] != 0.0 || attempts < 3 || !strings.Contains(string(notes), "HTTP 401") {
		t.Fatalf("stats %v", stats)
	}
	if passed.Load() != 0 || refused.Load() < 3 {
		t.Fatalf("%d pushes passed on, %d refused", passed.Load(), refused.Load())
	}
	if err := c.Stop(context.Background(), call.SessionID); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// TestRoundTripUTC8Signing: a sandbox signing in Beijing time (with its Z)
// and each digest form; the push verifies with exactly those options, not
// as UTC nor with the other form.
func TestRoundTripUTC8Signing(t *testing.T) {
	for _, tc := range []struct {
		flag        string
		form, other voicecb.DigestForm
	}{
		{"plain", voicecb.DigestFormPlain, voicecb.DigestFormLines},
		{"lines", voicecb.DigestFormLines, voicecb.DigestFormPlain},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			headers := make(chan http.Header, 16)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case headers <- r.Header.Clone():
				default:
				}
			}))
			t.Cleanup(srv.Close)
			base, stop, err := startSandbox("--sign-pushes", "--sign-pushes-as", "utc8",
				"--push-digest", tc.flag, "--time-scale", "600")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(stop)
			c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(base))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			url := srv.URL + "/status"
			req := basicRequest()
			req.StatusURL = voicecb.Ptr(url)
			if _, err := c.Click2Call(context.Background(), req); err != nil {
				t.Fatalf("Click2Call: %v", err)
			}
			var h http.Header
			select {
			case h = <-headers:
			case <-time.After(roundTripWait):
				t.Fatalf("no push within %v", roundTripWait)
			}
			verify := func(clock voicecb.SignerClock, form voicecb.DigestForm) error {
				return voicecb.VerifyNotificationWith(appKey, appSecret, url, h, voicecb.VerifyOptions{
					Window: 5 * time.Minute, SignerClock: clock, DigestForm: form,
				})
			}
			if err := verify(voicecb.SignerClockUTC8, tc.form); err != nil {
				t.Fatalf("UTC+8, %s: %v", tc.flag, err)
			}
			if err := verify(voicecb.SignerClockUTC, tc.form); !errors.Is(err, voicecb.ErrBadSignature) {
				t.Fatalf("read as UTC: %v", err)
			}
			if err := verify(voicecb.SignerClockUTC8, tc.other); !errors.Is(err, voicecb.ErrBadSignature) {
				t.Fatalf("the other digest form: %v", err)
			}
		})
	}
}
