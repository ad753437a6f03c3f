package voicecb_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// counter returns one of the sandbox's counters.
func counter(t *testing.T, name string) int {
	t.Helper()
	n, ok := sandboxStats(t)[name].(float64)
	if !ok {
		t.Fatalf("stats without %s", name)
	}
	return int(n)
}

// fastRetry is 3 tries with 10-20 ms waits.
var fastRetry = voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})

func TestRetry(t *testing.T) {
	resetSandbox(t)
	t.Cleanup(func() { resetSandbox(t) })
	ctx := context.Background()
	c := newClient(t, fastRetry)

	// Flow control (retry-safe) twice, then success: three requests.
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 2})
	res, err := c.Click2Call(ctx, basicRequest())
	if err != nil {
		t.Fatalf("Click2Call with retries: %v", err)
	}
	if n := counter(t, "click2call"); n != 3 {
		t.Fatalf("%d click2call requests, want 3", n)
	}
	if err := c.Stop(ctx, res.SessionID); err != nil {
		t.Fatal(err)
	}

	// Not retry-safe: one request.
	resetSandbox(t)
	forceNext(t, map[string]any{"http_status": 500, "resultcode": "1010001", "count": 1})
	_, err = c.Click2Call(ctx, basicRequest())
	e := mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrPlatform) || e.ResultCode != "1010001" || e.Retryable || e.RequestNotSent {
		t.Fatalf("500/1010001: %+v", e)
	}
	if n := counter(t, "click2call"); n != 1 {
		t.Fatalf("%d click2call requests, want 1", n)
	}

	// Flow control on every try: the last refusal is returned after 3.
	resetSandbox(t)
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 5})
	_, err = c.Click2Call(ctx, basicRequest())
	if !errors.Is(err, voicecb.ErrRateLimited) || !mustBeError[*voicecb.Error](t, err).Retryable {
		t.Fatalf("flow control 5 times: %v", err)
	}
	if n := counter(t, "click2call"); n != 3 {
		t.Fatalf("%d click2call requests, want 3", n)
	}

	// 500/1023002 is retry-safe for callStop only.
	resetSandbox(t)
	res, err = c.Click2Call(ctx, basicRequest())
	if err != nil {
		t.Fatal(err)
	}
	forceNext(t, map[string]any{"http_status": 500, "resultcode": "1023002", "count": 2})
	if err := c.Stop(ctx, res.SessionID); err != nil {
		t.Fatalf("Stop with retries: %v", err)
	}
	if n := counter(t, "callstop"); n != 3 {
		t.Fatalf("%d callstop requests, want 3", n)
	}
	forceNext(t, map[string]any{"http_status": 500, "resultcode": "1023002", "count": 2})
	_, err = c.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); e.ResultCode != "1023002" || e.Retryable {
		t.Fatalf("click2Call 1023002: %+v", e)
	}
	if n := counter(t, "click2call"); n != 2 {
		t.Fatalf("%d click2call requests, want 2", n)
	}

	// Without the option nothing is retried.
	resetSandbox(t)
	plain := newClient(t)
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 2})
	if _, err := plain.Click2Call(ctx, basicRequest()); !errors.Is(err, voicecb.ErrRateLimited) {
		t.Fatalf("without retries: %v", err)
	}
	if n := counter(t, "click2call"); n != 1 {
		t.Fatalf("%d click2call requests, want 1", n)
	}
}

// countingServer reads each request on 127.0.0.1 and never answers,
// counting them. It serves one connection at a time, in the order they were
// made; drain returns the count once every connection made before it has
// been read (a marker connection queues behind them).
func countingServer(t *testing.T) (url string, drain func() int) {
	t.Helper()
	var requests int
	marked := make(chan int, 1)
	addr := serveLocal(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		head, _ := bufio.NewReader(c).Peek(4)
		switch string(head) {
		case "MARK":
			marked <- requests
		case "POST", "GET ":
			requests++
			io.Copy(io.Discard, c) // never answer; wait until the client gives up
		}
	})
	drain = func() int {
		t.Helper()
		m, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if _, err := m.Write([]byte("MARK\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-marked:
			return n
		case <-time.After(30 * time.Second):
			t.Fatal("the server never reached the marker")
			return 0
		}
	}
	return "http://" + addr, drain
}

func TestClick2CallTimedOutAfterSendingIsSentOnce(t *testing.T) {
	url, drain := countingServer(t)
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(url),
		voicecb.WithTimeout(800*time.Millisecond), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	_, err = c.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTimeout) || e.RequestNotSent {
		t.Fatalf("click2Call: %+v", e)
	}
	if n := drain(); n != 1 {
		t.Fatalf("click2Call was sent %d times after a timeout", n)
	}
	// The count does count retries: callStop is retried after a timeout.
	if err := c.Stop(ctx, "1200_366_0_20161228102743@callenabler.home1.com"); !errors.Is(err, voicecb.ErrTimeout) {
		t.Fatalf("callStop: %v", err)
	}
	if n := drain(); n != 1+3 {
		t.Fatalf("%d requests, want 1 click2Call and 3 callStop tries", n)
	}
}

func TestRetryPolicyChecks(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		policy voicecb.RetryPolicy
		field  string
	}{
		{voicecb.RetryPolicy{}, "retry.max_attempts"},
		{voicecb.RetryPolicy{MaxAttempts: -1}, "retry.max_attempts"},
		{voicecb.RetryPolicy{MaxAttempts: 11}, "retry.max_attempts"},
		{voicecb.RetryPolicy{MaxAttempts: 1 << 40}, "retry.max_attempts"},
		{voicecb.RetryPolicy{MaxAttempts: 3, InitialBackoff: 30 * ms, MaxBackoff: 20 * ms}, "retry.initial_backoff"},
		{voicecb.RetryPolicy{MaxAttempts: 3, MaxBackoff: time.Minute + ms}, "retry.max_backoff"},
	} {
		_, err := voicecb.NewClient(appKey, appSecret, voicecb.WithRetry(c.policy))
		wantInvalid(t, err, voicecb.KindInvalidArgument, c.field)
	}
	for _, p := range []voicecb.RetryPolicy{
		{MaxAttempts: 1},
		{MaxAttempts: 10, InitialBackoff: time.Minute, MaxBackoff: time.Minute},
		{MaxAttempts: 2, InitialBackoff: -time.Second, MaxBackoff: time.Nanosecond},
	} {
		c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithRetry(p))
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		c.Close()
	}
}

func TestRequestNotSentAndClockSkew(t *testing.T) {
	resetSandbox(t)
	ctx := context.Background()

	// A clock an hour behind: refused (1010013), with the platform's skew
	// (about 0: only the offset was wrong) from its Date header.
	skewed := newClient(t, voicecb.WithClockOffset(-time.Hour))
	_, err := skewed.Click2Call(ctx, basicRequest())
	e := mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrAuth) || e.ResultCode != "1010013" || e.RequestNotSent {
		t.Fatalf("clock -1h: %+v", e)
	}
	if e.ClockSkew == nil || *e.ClockSkew < -5*time.Second || *e.ClockSkew > 5*time.Second {
		t.Fatalf("clock -1h: skew %v", e.ClockSkew)
	}

	// Other refusals carry no skew.
	bad, err := voicecb.NewClient(appKey, "not-the-secret", voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); e.ClockSkew != nil || e.RequestNotSent || e.HTTPStatus != 401 {
		t.Fatalf("wrong secret: %+v", e)
	}

	// Nothing sent: a validation error (library or binding), a closed port.
	c := newClient(t)
	req := basicRequest()
	req.CallerNbr = "13800000001"
	_, err = c.Click2Call(ctx, req)
	if e := mustBeError[*voicecb.Error](t, err); !e.RequestNotSent || e.Field != "callerNbr" {
		t.Fatalf("validation: %+v", e)
	}
	req.CallerNbr = "+86\x00"
	_, err = c.Click2Call(ctx, req)
	if e := mustBeError[*voicecb.Error](t, err); !e.RequestNotSent {
		t.Fatalf("NUL: %+v", e)
	}
	if err := c.Stop(ctx, ""); !mustBeError[*voicecb.Error](t, err).RequestNotSent {
		t.Fatalf("empty session id: %v", err)
	}
	closed, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(closedURL))
	if err != nil {
		t.Fatal(err)
	}
	defer closed.Close()
	_, err = closed.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTransport) || !e.RequestNotSent {
		t.Fatalf("closed port: %+v", e)
	}

	// Sent, maybe placed: a timeout after the request went out.
	hang, _ := hangListener(t)
	slow, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang), voicecb.WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, err = slow.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTimeout) || e.RequestNotSent {
		t.Fatalf("timeout: %+v", e)
	}
}

func TestDescribeFor(t *testing.T) {
	stop, ok := voicecb.DescribeFor(voicecb.CallStop, 500, "1023002")
	if !ok || !stop.Retryable || !slices.Equal(stop.APIs, []voicecb.API{voicecb.CallStop}) {
		t.Fatalf("callStop 500/1023002: %+v %v", stop, ok)
	}
	c2c, ok := voicecb.DescribeFor(voicecb.Click2Call, 500, "1023002")
	if !ok || c2c.Retryable || !slices.Equal(c2c.APIs, []voicecb.API{voicecb.Click2Call}) || c2c.Advice == stop.Advice {
		t.Fatalf("click2Call 500/1023002: %+v %v", c2c, ok)
	}
	// Describe, without an API, gives click2Call's row.
	if info, ok := voicecb.Describe(500, "1023002"); !ok || info.Retryable {
		t.Fatalf("Describe 500/1023002: %+v %v", info, ok)
	}
	both, ok := voicecb.DescribeFor(voicecb.CallStop, 500, "1023001")
	if !ok || !slices.Equal(both.APIs, []voicecb.API{voicecb.Click2Call, voicecb.CallStop}) {
		t.Fatalf("500/1023001: %+v %v", both, ok)
	}
	for _, c := range []struct {
		api    voicecb.API
		status int
		code   string
	}{
		{voicecb.API(0), 500, "1023002"}, {voicecb.API(3), 500, "1023002"}, {voicecb.CallStop, 500, "nope"},
		{voicecb.CallStop, -1, "1023002"}, {voicecb.CallStop, 70000, "1023002"}, {voicecb.CallStop, 500, "10230\x0002"},
	} {
		if info, ok := voicecb.DescribeFor(c.api, c.status, c.code); ok {
			t.Errorf("DescribeFor(%v, %d, %q) = %+v", c.api, c.status, c.code, info)
		}
	}
	if voicecb.Click2Call.String() != "click2Call" || voicecb.CallStop.String() != "callStop" || voicecb.API(7).String() != "API(7)" {
		t.Error("API names")
	}
	// Every entry is listed for at least one API, and DescribeFor finds it there.
	codes := voicecb.Codes()
	for _, info := range codes {
		if len(info.APIs) == 0 {
			t.Errorf("%d/%s listed for no API", info.HTTPStatus, info.Code)
		}
		for _, api := range info.APIs {
			got, ok := voicecb.DescribeFor(api, info.HTTPStatus, info.Code)
			if !ok || got.Retryable != info.Retryable || got.Advice != info.Advice {
				t.Errorf("DescribeFor(%v, %d, %s) = %+v, %v; Codes has %+v", api, info.HTTPStatus, info.Code, got, ok, info)
			}
		}
	}
	codes[0].APIs[0] = voicecb.API(99)
	if voicecb.Codes()[0].APIs[0] == voicecb.API(99) {
		t.Fatal("Codes shares its APIs slices")
	}
}
