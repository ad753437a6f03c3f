package voicecb_test

// Issue 12 through Go: a placed call is never lost to an odd answer, and
// no option sends a signed request where it was not pointed. Each server
// is a raw TCP listener of the test's own on 127.0.0.1 port 0.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// fixedServer answers every request with status and body, then closes
// the connection; it is closed when the test ends.
func fixedServer(t *testing.T, status string, body []byte) string {
	t.Helper()
	return "http://" + serveLocal(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			io.Copy(io.Discard, req.Body)
		}
		fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", status, len(body))
		c.Write(body)
		c.Close()
	})
}

func callFixed(t *testing.T, status, body string, opts ...voicecb.Option) (*voicecb.CallResult, error) {
	t.Helper()
	url := fixedServer(t, status, []byte(body))
	c, err := voicecb.NewClient(appKey, appSecret, append([]voicecb.Option{voicecb.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	yes := true
	req := basicRequest()
	req.ReturnIdlePort = &yes
	return c.Click2Call(context.Background(), req)
}

func TestOddIdlePortIsUnknown(t *testing.T) {
	for _, port := range []string{"-1", "70000", `"abc"`, "2.5", "{}"} {
		r, err := callFixed(t, "200 OK", `{"resultcode":"0","sessionId":"p1","idlePort":`+port+`}`)
		if err != nil {
			t.Fatalf("idlePort %s: %v", port, err)
		}
		t.Logf("idlePort %s: %+v", port, *r)
		if r.SessionID != "p1" || r.HasIdlePort || r.IdlePort != 0 {
			t.Fatalf("idlePort %s: %+v", port, *r)
		}
	}
}

func TestErrorsCarryTheSessionID(t *testing.T) {
	for _, tc := range []struct {
		status, body string
		kind         voicecb.Kind
		id           string
	}{
		{"302 Found", `{"resultcode":"0","sessionId":"placed-1"}`, voicecb.KindPlatform, "placed-1"},
		{"500 Internal Server Error", `{"resultcode":"0","sessionId":"placed-1"}`, voicecb.KindPlatform, "placed-1"},
		{"200 OK", "{\"resultcode\":\"0\",\"sessionId\":\"id\\r\\nX: 1\\u001b[2J\"}", voicecb.KindBadResponse, `id\r\nX: 1\u{1b}[2J`},
		{"200 OK", "{\"resultcode\":\"0\",\"sessionId\":\"placed-2\",\"x\":\"\xff\"}", voicecb.KindBadResponse, "placed-2"},
		{"403 Forbidden", `{"resultcode":"1010010","resultdesc":"a\r\nb"}`, voicecb.KindPlatform, ""},
	} {
		_, err := callFixed(t, tc.status, tc.body)
		var e *voicecb.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %v", tc.status, err)
		}
		t.Logf("%s: %v SessionID=%q: %v", tc.status, e.Kind, e.SessionID, e)
		if e.Kind != tc.kind || e.SessionID != tc.id {
			t.Fatalf("%s %s: kind %v SessionID %q", tc.status, tc.body, e.Kind, e.SessionID)
		}
		if strings.ContainsAny(e.Message, "\r\n\x1b") {
			t.Fatalf("control characters in %q", e.Message)
		}
	}
}

func TestOptionsAtTheExtremes(t *testing.T) {
	for _, tc := range []struct {
		opt   voicecb.Option
		field string
	}{
		{voicecb.WithBaseURL("http://h:abc"), "base_url"},
		{voicecb.WithBaseURL("http://h:83626"), "base_url"},
		{voicecb.WithBaseURL("https://h:70000"), "base_url"},
		{voicecb.WithBaseURL("http://127.0.0.1:"), "base_url"},
		{voicecb.WithBaseURL("https://h/rest/httpsessions/click2Call/v2.0"), "base_url"},
		{voicecb.WithProxy("socks5://127.0.0.1:1080"), "proxy"},
		{voicecb.WithProxy("http://h:0"), "proxy"},
		{voicecb.WithClockOffset(24*time.Hour + time.Second), "clock_offset_secs"},
		{voicecb.WithClockOffset(-24*time.Hour - time.Second), "clock_offset_secs"},
		{voicecb.WithClockOffset(math.MaxInt64), "clock_offset_secs"},
		{voicecb.WithClockOffset(math.MinInt64), "clock_offset_secs"},
		{voicecb.WithTimeout(math.MinInt64), "timeout"},
		{voicecb.WithConnectTimeout(0), "connect_timeout"},
		{voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: 0}), "retry.max_attempts"},
		{voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: -1}), "retry.max_attempts"},
		{voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: math.MaxInt}), "retry.max_attempts"},
		{voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: 3, MaxBackoff: math.MaxInt64}), "retry.max_backoff"},
	} {
		c, err := voicecb.NewClient(appKey, appSecret, tc.opt)
		if c != nil {
			t.Fatalf("%s: got a client", tc.field)
		}
		t.Logf("%s: %v", tc.field, err)
		wantInvalid(t, err, voicecb.KindInvalidArgument, tc.field)
	}
	_, err := voicecb.NewClient(strings.Repeat("k", 257), appSecret)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "app_key")
	_, err = voicecb.NewClient(appKey, strings.Repeat("s", 257))
	wantInvalid(t, err, voicecb.KindInvalidArgument, "app_secret")

	for _, opts := range [][]voicecb.Option{
		{voicecb.WithClockOffset(24 * time.Hour)},
		{voicecb.WithClockOffset(-24 * time.Hour)},
		{voicecb.WithTimeout(math.MaxInt64), voicecb.WithConnectTimeout(math.MaxInt64)},
	} {
		r, err := callFixed(t, "200 OK", `{"resultcode":"0","sessionId":"ok"}`, opts...)
		if err != nil || r.SessionID != "ok" {
			t.Fatalf("allowed extreme: %v %v", r, err)
		}
	}
	for _, opts := range [][]voicecb.Option{
		{voicecb.WithBaseURL("http://h:65535"), voicecb.WithProxy("https://h:1")},
		{voicecb.WithBaseURL("http://h:1/gw"), voicecb.WithAllowBaseURLPath(true)},
		{voicecb.WithRetry(voicecb.RetryPolicy{MaxAttempts: 10, MaxBackoff: time.Minute})},
	} {
		c, err := voicecb.NewClient(appKey, appSecret, opts...)
		if err != nil {
			t.Fatalf("allowed: %v", err)
		}
		c.Close()
	}
	c, err := voicecb.NewClient(strings.Repeat("k", 256), strings.Repeat("s", 256))
	if err != nil {
		t.Fatalf("key and secret at the maximum: %v", err)
	}
	c.Close()
}

func TestCallNumbersAtTheExtremes(t *testing.T) {
	url := fixedServer(t, "200 OK", []byte(`{"resultcode":"0","sessionId":"ok"}`))
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, n := range []uint32{1441, math.MaxUint32} {
		req := basicRequest()
		req.MaxDuration = &n
		_, err := c.Click2Call(context.Background(), req)
		wantInvalid(t, err, voicecb.KindInvalidArgument, "maxDuration")
	}
	for _, n := range []uint32{0, 1440} {
		req := basicRequest()
		req.MaxDuration = &n
		if _, err := c.Click2Call(context.Background(), req); err != nil {
			t.Fatalf("maxDuration %d: %v", n, err)
		}
	}
}

func statusWithFields(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"eventType":"answer","statusInfo":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%05d":"v%d"`, i, i)
	}
	b.WriteString("}}")
	return []byte(b.String())
}

func TestNotificationFieldCap(t *testing.T) {
	ev, err := voicecb.ParseNotification(statusWithFields(voicecb.MaxNotificationFields))
	if err != nil {
		t.Fatal(err)
	}
	if st := ev.(*voicecb.StatusEvent); len(st.Fields) != 1024 || st.Fields["f01023"] != "v1023" {
		t.Fatalf("%d fields", len(st.Fields))
	}
	_, err = voicecb.ParseNotification(statusWithFields(voicecb.MaxNotificationFields + 1))
	if !errors.Is(err, voicecb.ErrBadNotification) || !strings.Contains(err.Error(), "1025 fields, more than the 1024") {
		t.Fatalf("1025 fields: %v", err)
	}
	ev, err = voicecb.ParseNotification([]byte(`{"eventType":"fee"}`))
	if b, ok := ev.(*voicecb.Bill); err != nil || !ok || len(b.Records) != 0 {
		t.Fatalf("fee without feeLst: %v %v", ev, err)
	}
}

func TestVerifyOptionsAtTheExtremes(t *testing.T) {
	const url = "https://example.com/s"
	for _, tc := range []struct {
		opts  voicecb.VerifyOptions
		field string
	}{
		{voicecb.VerifyOptions{SignerClock: 2}, "signer_clock"},
		{voicecb.VerifyOptions{SignerClock: -1}, "signer_clock"},
		{voicecb.VerifyOptions{DigestForm: 3}, "digest_form"},
		{voicecb.VerifyOptions{DigestForm: math.MinInt32}, "digest_form"},
	} {
		err := voicecb.VerifyNotificationWith("k", "s", url, http.Header{}, tc.opts)
		wantInvalid(t, err, voicecb.KindInvalidArgument, tc.field)
	}
	for _, w := range []time.Duration{0, -time.Hour, math.MaxInt64, math.MinInt64} {
		err := voicecb.VerifyNotificationWith("k", "s", url, http.Header{}, voicecb.VerifyOptions{Window: w, SignerClock: voicecb.SignerClockUTC8})
		if !errors.Is(err, voicecb.ErrBadSignature) {
			t.Fatalf("window %v: %v", w, err)
		}
	}
}

func TestNotificationURLInItsBase64Form(t *testing.T) {
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := basicRequest()
	req.StatusURL = voicecb.Ptr("https://" + strings.Repeat("a", 89))
	_, err = c.Click2Call(context.Background(), req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "statusUrl")
	if !strings.Contains(err.Error(), "97 bytes, 132 in Base64") {
		t.Fatal(err)
	}
}
