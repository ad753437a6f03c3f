package voicecb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// newClient makes a client of the sandbox's default app; closed at the end.
func newClient(t testing.TB, opts ...voicecb.Option) *voicecb.Client {
	t.Helper()
	c, err := voicecb.NewClient(appKey, appSecret, append([]voicecb.Option{voicecb.WithBaseURL(sandboxURL)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func basicRequest() voicecb.Click2CallRequest {
	return voicecb.Click2CallRequest{DisplayNbr: display, CallerNbr: caller, CalleeNbr: callee}
}

// wantInvalid checks an invalid-argument error naming field.
func wantInvalid(t *testing.T, err error, kind voicecb.Kind, field string) {
	t.Helper()
	if !errors.Is(err, voicecb.ErrInvalidArgument) {
		t.Fatalf("error %v is not ErrInvalidArgument", err)
	}
	e := mustBeError[*voicecb.Error](t, err)
	if e.Kind != kind || e.Field != field {
		t.Fatalf("got kind %v field %q, want %v %q (%v)", e.Kind, e.Field, kind, field, e)
	}
	if e.Error() == "" || e.Error() != e.Message {
		t.Fatalf("Error() %q, Message %q", e.Error(), e.Message)
	}
	for _, other := range []error{voicecb.ErrPlatform, voicecb.ErrTransport, voicecb.ErrTimeout, voicecb.ErrClosed} {
		if errors.Is(err, other) {
			t.Fatalf("invalid-argument error matches %v", other)
		}
	}
}

func TestVersionAndABI(t *testing.T) {
	if v := voicecb.Version(); !strings.HasPrefix(v, "libvoicecb/") {
		t.Fatalf("Version() = %q", v)
	}
	voicecb.CheckABI(voicecb.ABIVersion, voicecb.ABIVersion) // agrees: no panic
	for _, c := range [][2]uint32{{voicecb.ABIVersion + 1, voicecb.ABIVersion}, {voicecb.ABIVersion, 0}} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "ABI version mismatch") {
					t.Fatalf("CheckABI(%d, %d) panicked with %q", c[0], c[1], msg)
				}
			}()
			voicecb.CheckABI(c[0], c[1])
		}()
	}
}

func TestClick2CallAndStop(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	res, err := c.Click2Call(context.Background(), basicRequest())
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}
	if res.SessionID == "" || res.HasIdlePort || res.IdlePort != 0 {
		t.Fatalf("result %+v", res)
	}
	if err := c.Stop(context.Background(), res.SessionID); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st := sandboxStats(t)
	if st["click2call"] != 1.0 || st["callstop"] != 1.0 || st["active_sessions"] != 0.0 {
		t.Fatalf("stats %v", st)
	}
	if ua := st["last_user_agent"].(string); !strings.HasPrefix(ua, "libvoicecb/") {
		t.Fatalf("default user agent %q", ua)
	}

	// Stopping it again: the platform no longer knows the session.
	err = c.Stop(context.Background(), res.SessionID)
	if !errors.Is(err, voicecb.ErrPlatform) {
		t.Fatalf("second Stop: %v", err)
	}
	if e := mustBeError[*voicecb.Error](t, err); e.HTTPStatus == 0 || e.ResultCode == "" {
		t.Fatalf("second Stop: %+v", e)
	}
}

func TestEveryOptionalFieldAgainstTheSandbox(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	req := voicecb.Click2CallRequest{
		DisplayNbr:                    display,
		CallerNbr:                     caller,
		CalleeNbr:                     callee,
		DisplayCalleeNbr:              display,
		MaxDuration:                   voicecb.Ptr[uint32](30),
		LastMinVoice:                  voicecb.Ptr("last_min.wav"),
		LastMinToUE:                   voicecb.Ptr(voicecb.ToCaller),
		PlayPreVoice:                  voicecb.Ptr(true),
		PreVoice:                      voicecb.Ptr("pre.wav"),
		WaitVoice:                     voicecb.Ptr("wait.wav"),
		CalleeMedia:                   voicecb.Ptr(voicecb.CalleeMediaNone),
		StatusURL:                     voicecb.Ptr("http://example.com/status"),
		FeeURL:                        voicecb.Ptr("https://example.com:8443/fee"),
		RecordFlag:                    voicecb.Ptr(false),
		RecordHintTone:                voicecb.Ptr("hint.wav"),
		PartyTypeRequiredInDisconnect: voicecb.Ptr(true),
		ReturnIdlePort:                voicecb.Ptr(true),
		UserData:                      voicecb.Ptr("order-42"),
	}
	res, err := c.Click2Call(context.Background(), req)
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}
	if !res.HasIdlePort || res.IdlePort <= 0 {
		t.Fatalf("result %+v: want an idle port", res)
	}
	if err := c.Stop(context.Background(), res.SessionID); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	// An idle port of 0 is still reported.
	forceNext(t, map[string]any{"http_status": 200, "raw_body": `{"resultcode":"0","resultdesc":"Success","sessionId":"1_2_0_3@x","idlePort":0}`})
	res, err = c.Click2Call(context.Background(), req)
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}
	if !res.HasIdlePort || res.IdlePort != 0 || res.SessionID != "1_2_0_3@x" {
		t.Fatalf("result %+v", res)
	}
}

// TestEveryFieldReachesTheWire checks the body the library sends for each
// Go field, with a local server that records it.
func TestEveryFieldReachesTheWire(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	var headers []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		mu.Lock()
		bodies = append(bodies, body)
		headers = append(headers, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"resultcode":"0","resultdesc":"Success","sessionId":"s-1","idlePort":"17"}`)
	}))
	defer srv.Close()

	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(srv.URL),
		voicecb.WithUserAgent("voicecb-go-test/1"), voicecb.WithEncodeNonASCIIUserData(true))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := voicecb.Click2CallRequest{
		DisplayNbr:                    display,
		CallerNbr:                     caller,
		CalleeNbr:                     callee,
		DisplayCalleeNbr:              "+8675500000000",
		MaxDuration:                   voicecb.Ptr[uint32](0),
		LastMinVoice:                  voicecb.Ptr("a.wav"),
		LastMinToUE:                   voicecb.Ptr(voicecb.ToCallee),
		PlayPreVoice:                  voicecb.Ptr(false),
		PreVoice:                      voicecb.Ptr("b.wav"),
		WaitVoice:                     voicecb.Ptr("c.wav"),
		CalleeMedia:                   voicecb.Ptr(voicecb.CalleeMediaFail),
		StatusURL:                     voicecb.Ptr("http://example.com/s"),
		FeeURL:                        voicecb.Ptr("https://example.com/f"),
		RecordFlag:                    voicecb.Ptr(true),
		RecordHintTone:                voicecb.Ptr("d.wav"),
		PartyTypeRequiredInDisconnect: voicecb.Ptr(false),
		ReturnIdlePort:                voicecb.Ptr(true),
		UserData:                      voicecb.Ptr("订单-1"),
	}
	res, err := c.Click2Call(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.SessionID != "s-1" || res.IdlePort != 17 || !res.HasIdlePort || res.Attempts != 1 || res.Elapsed <= 0 {
		t.Fatalf("result %+v", res)
	}
	// Unset fields are left out; "" for DisplayCalleeNbr means DisplayNbr.
	if _, err := c.Click2Call(context.Background(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	want := map[string]any{
		"displayNbr":                    display,
		"callerNbr":                     caller,
		"calleeNbr":                     callee,
		"displayCalleeNbr":              "+8675500000000",
		"maxDuration":                   0.0,
		"lastMinVoice":                  "a.wav",
		"lastMinToUE":                   "tob",
		"playPreVoice":                  "false",
		"preVoice":                      "b.wav",
		"waitVoice":                     "c.wav",
		"calleeMedia":                   "fail",
		"statusUrl":                     b64([]byte("http://example.com/s")),
		"feeUrl":                        b64([]byte("https://example.com/f")),
		"recordFlag":                    "true",
		"recordHintTone":                "d.wav",
		"partyTypeRequiredInDisconnect": "false",
		"returnIdlePort":                "true",
		"userData":                      "b64:" + b64([]byte("订单-1")),
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("%d requests", len(bodies))
	}
	for k, v := range want {
		if bodies[0][k] != v {
			t.Errorf("%s = %#v, want %#v", k, bodies[0][k], v)
		}
	}
	if len(bodies[0]) != len(want) {
		t.Errorf("body has %d fields, want %d: %v", len(bodies[0]), len(want), bodies[0])
	}
	minimal := map[string]any{"displayNbr": display, "callerNbr": caller, "calleeNbr": callee, "displayCalleeNbr": display}
	if len(bodies[1]) != len(minimal) {
		t.Errorf("minimal body %v", bodies[1])
	}
	for k, v := range minimal {
		if bodies[1][k] != v {
			t.Errorf("minimal %s = %#v, want %#v", k, bodies[1][k], v)
		}
	}
	if ua := headers[0].Get("User-Agent"); ua != "voicecb-go-test/1" {
		t.Errorf("User-Agent %q", ua)
	}
	if !strings.Contains(headers[0].Get("X-AKSK"), `Username="`+appKey+`"`) {
		t.Errorf("X-AKSK %q", headers[0].Get("X-AKSK"))
	}
}

func TestOptions(t *testing.T) {
	resetSandbox(t)
	c := newClient(t,
		voicecb.WithConnectTimeout(2*time.Second),
		voicecb.WithTimeout(10*time.Second+time.Nanosecond),
		voicecb.WithInsecureSkipVerify(false),
		voicecb.WithInsecureSkipVerify(true),
		voicecb.WithUserAgent("go-options-test/2"),
		voicecb.WithClockOffset(2*time.Second),
		voicecb.WithEncodeNonASCIIUserData(true),
	)
	req := basicRequest()
	req.UserData = voicecb.Ptr("用户数据")
	res, err := c.Click2Call(context.Background(), req)
	if err != nil {
		t.Fatalf("Click2Call: %v", err)
	}
	c.Stop(context.Background(), res.SessionID)
	if ua := sandboxStats(t)["last_user_agent"]; ua != "go-options-test/2" {
		t.Fatalf("user agent %v", ua)
	}

	// Without the option a non-ASCII userData is refused before sending.
	plain := newClient(t)
	before := requests(t)
	_, err = plain.Click2Call(context.Background(), req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "userData")
	if requests(t) != before {
		t.Fatal("an invalid request was sent")
	}

	// A clock an hour ahead: the platform refuses the signature.
	skewed := newClient(t, voicecb.WithClockOffset(time.Hour))
	_, err = skewed.Click2Call(context.Background(), basicRequest())
	if !errors.Is(err, voicecb.ErrAuth) || !errors.Is(err, voicecb.ErrPlatform) {
		t.Fatalf("clock offset +1h: %v", err)
	}

	// The proxy is used: one that is not there fails to connect, and the
	// sandbox sees nothing.
	before = requests(t)
	proxied := newClient(t, voicecb.WithProxy(closedURL))
	_, err = proxied.Click2Call(context.Background(), basicRequest())
	if !errors.Is(err, voicecb.ErrTransport) {
		t.Fatalf("through a closed proxy: %v", err)
	}
	if requests(t) != before {
		t.Fatal("the request bypassed the proxy")
	}

	// A CA file is read by NewClient.
	dir := t.TempDir()
	if _, err := voicecb.NewClient(appKey, appSecret, voicecb.WithCAFile(filepath.Join(dir, "missing.pem"))); err == nil {
		t.Fatal("a missing CA file was accepted")
	} else {
		wantInvalid(t, err, voicecb.KindInvalidArgument, "ca_file")
	}
	ca := filepath.Join(dir, "ca.pem")
	writeSelfSignedCert(t, ca)
	withCA := newClient(t, voicecb.WithCAFile(ca))
	res, err = withCA.Click2Call(context.Background(), basicRequest())
	if err != nil {
		t.Fatalf("with a CA file: %v", err)
	}
	withCA.Stop(context.Background(), res.SessionID)
}

func TestInvalidOptions(t *testing.T) {
	cases := []struct {
		opt   voicecb.Option
		field string
	}{
		{voicecb.WithTimeout(0), "timeout"},
		{voicecb.WithTimeout(-time.Second), "timeout"},
		{voicecb.WithConnectTimeout(0), "connect_timeout"},
		{voicecb.WithBaseURL("ftp://example.com"), "base_url"},
		{voicecb.WithBaseURL("http://127.0.0.1\x00:1"), "base_url"},
		{voicecb.WithProxy("http://127.0.0.1\x00"), "proxy"},
		{voicecb.WithUserAgent("ua\x00"), "user_agent"},
		{voicecb.WithCAFile("ca\x00.pem"), "ca_file"},
	}
	before := voicecb.LiveHandles()
	for _, tc := range cases {
		c, err := voicecb.NewClient(appKey, appSecret, tc.opt)
		if c != nil {
			t.Fatalf("%s: got a client", tc.field)
		}
		wantInvalid(t, err, voicecb.KindInvalidArgument, tc.field)
	}
	// Tiny durations round up to 1 ms rather than to the refused 0.
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithTimeout(time.Nanosecond), voicecb.WithConnectTimeout(time.Microsecond))
	if err != nil {
		t.Fatalf("1 ns timeout: %v", err)
	}
	c.Close()
	if voicecb.LiveHandles() != before {
		t.Fatal("a client handle leaked")
	}

	_, err = voicecb.NewClient("key\x00", appSecret)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "app_key")
	_, err = voicecb.NewClient(appKey, "secret\x00")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "app_secret")
	_, err = voicecb.NewClient("\xff\xfe", appSecret)
	wantInvalid(t, err, voicecb.KindInvalidUTF8, "app_key")
}

func TestPlatformErrors(t *testing.T) {
	resetSandbox(t)
	ctx := context.Background()

	// A wrong secret.
	bad, err := voicecb.NewClient(appKey, "not-the-secret", voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.Click2Call(ctx, basicRequest())
	if !errors.Is(err, voicecb.ErrAuth) || !errors.Is(err, voicecb.ErrPlatform) || errors.Is(err, voicecb.ErrRateLimited) {
		t.Fatalf("wrong secret: %v", err)
	}
	e := mustBeError[*voicecb.Error](t, err)
	if e.Kind != voicecb.KindPlatform || e.HTTPStatus != 401 || e.ResultCode != "1010010" ||
		e.Category != voicecb.CategorySignature || e.Info == nil || e.Info.Code != "1010010" || e.Advice == "" || e.Retryable {
		t.Fatalf("wrong secret: %+v", e)
	}
	if strings.Contains(e.Error(), "not-the-secret") {
		t.Fatal("the message holds the secret")
	}
	// English advice, the spec's Chinese beside it, and what the library knows.
	if e.Advice != "Check that PasswordDigest is filled in correctly." || e.AdviceZH != "请检查PasswordDigest字段填写是否正确。" ||
		e.Info.AdviceZH != e.AdviceZH || !strings.Contains(e.Message, "advice: Check that PasswordDigest") ||
		!strings.Contains(e.Message, "so that secret is wrong for this app_key") || strings.Contains(e.Message, "请检查") {
		t.Fatalf("wrong secret: %q, advice %q / %q", e.Message, e.Advice, e.AdviceZH)
	}

	c := newClient(t)
	// A display number that is not the app's.
	req := basicRequest()
	req.DisplayNbr = "+8675599999999"
	_, err = c.Click2Call(ctx, req)
	e = mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrPlatform) || !errors.Is(err, voicecb.ErrNumber) || errors.Is(err, voicecb.ErrAuth) ||
		e.HTTPStatus != 403 || e.ResultCode != "1010023" || e.Category != voicecb.CategoryNumber || e.ResultDesc == "" {
		t.Fatalf("bad display number: %+v", e)
	}
	if e.Category.String() != "number" || e.Kind.String() != "platform" {
		t.Fatalf("names %q %q", e.Category, e.Kind)
	}
	// A caller number the platform refuses.
	req = basicRequest()
	req.CallerNbr = "+0123456"
	_, err = c.Click2Call(ctx, req)
	if e = mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrNumber) || e.ResultCode != "1010024" {
		t.Fatalf("bad caller: %+v", e)
	}

	// Flow control (forced).
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 1})
	_, err = c.Click2Call(ctx, basicRequest())
	e = mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrRateLimited) || errors.Is(err, voicecb.ErrAuth) || !e.Retryable ||
		e.Category != voicecb.CategoryQuota || e.HTTPStatus != 403 {
		t.Fatalf("flow control: %+v", e)
	}

	// A body that is not JSON.
	forceNext(t, map[string]any{"http_status": 502, "raw_body": "<html>bad gateway</html>", "count": 1})
	_, err = c.Click2Call(ctx, basicRequest())
	e = mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrBadResponse) || errors.Is(err, voicecb.ErrPlatform) || e.HTTPStatus != 502 ||
		e.Info != nil || e.Category != voicecb.CategoryUnknown || e.Kind.String() != "bad_response" {
		t.Fatalf("bad response: %+v", e)
	}

	// A code the catalogue does not know.
	forceNext(t, map[string]any{"http_status": 500, "resultcode": "9999999", "resultdesc": "who knows", "count": 1})
	_, err = c.Click2Call(ctx, basicRequest())
	e = mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, voicecb.ErrPlatform) || e.Info != nil || e.ResultDesc != "who knows" || e.Category != voicecb.CategoryUnknown {
		t.Fatalf("unknown code: %+v", e)
	}
}

// successBody reads as success, sessionId included, so that only the HTTP
// status tells it is not one.
const successBody = `{"resultcode":"0","resultdesc":"Success","sessionId":"1200_366_0_20161228102743@callenabler.home1.com"}`

func TestHTTPErrorWithResultCode0IsNotASuccess(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	ctx := context.Background()
	forceNext(t, map[string]any{"http_status": 500, "raw_body": successBody, "count": 1})
	_, err := c.Click2Call(ctx, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrPlatform) || e.HTTPStatus != 500 || e.ResultCode != "0" {
		t.Fatalf("click2Call, HTTP 500 with resultcode 0: %+v", e)
	}
	forceNext(t, map[string]any{"http_status": 500, "resultcode": "0", "count": 1})
	err = c.Stop(ctx, "1200_366_0_20161228102743@callenabler.home1.com")
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrPlatform) || e.HTTPStatus != 500 || e.ResultCode != "0" {
		t.Fatalf("callStop, HTTP 500 with resultcode 0: %+v", e)
	}
	if q := sandboxStats(t)["queued"]; q != float64(0) {
		t.Fatalf("%v forced answers left", q)
	}
}

// TestFailedCallGivesNoResult: what Go can show of "out-parameters are
// written only on success" is the result, which must be nil whenever there
// is an error, even when the failed answer's body held a sessionId.
func TestFailedCallGivesNoResult(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	ctx := context.Background()
	for _, answer := range []map[string]any{
		{"http_status": 500, "raw_body": successBody, "count": 1},
		{"http_status": 403, "resultcode": "1010010", "count": 1},
		// A sessionId callStop would refuse: a bad response (that carries it).
		{"http_status": 200, "raw_body": `{"resultcode":"0","sessionId":"x\u001by"}`, "count": 1},
	} {
		forceNext(t, answer)
		res, err := c.Click2Call(ctx, basicRequest())
		if err == nil || res != nil {
			t.Fatalf("answer %v: result %+v with error %v; want nil with an error", answer, res, err)
		}
	}
	req := basicRequest()
	req.CallerNbr = "123"
	if res, err := c.Click2Call(ctx, req); err == nil || res != nil {
		t.Fatalf("invalid request: result %+v with error %v", res, err)
	}
}

func TestTransportAndTimeout(t *testing.T) {
	ctx := context.Background()
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(closedURL))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Click2Call(ctx, basicRequest())
	if !errors.Is(err, voicecb.ErrTransport) || mustBeError[*voicecb.Error](t, err).HTTPStatus != 0 {
		t.Fatalf("closed port: %v", err)
	}
	// The library's message names the endpoint and says nothing was sent.
	if m := err.Error(); !strings.HasPrefix(m, "transport error: could not connect to "+strings.TrimPrefix(closedURL, "http://")+": ") ||
		!strings.HasSuffix(m, "; nothing was sent") {
		t.Fatalf("closed port: %s", m)
	}
	if err := c.Stop(ctx, "1_2_0_3@x"); !errors.Is(err, voicecb.ErrTransport) {
		t.Fatalf("Stop to a closed port: %v", err)
	}

	hang, _ := hangListener(t)
	slow, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang), voicecb.WithTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, err = slow.Click2Call(ctx, basicRequest())
	if !errors.Is(err, voicecb.ErrTimeout) || errors.Is(err, voicecb.ErrTransport) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("never-answering server: %v", err)
	}
	if e := mustBeError[*voicecb.Error](t, err); e.Kind != voicecb.KindTimeout || e.Kind.Description() == "" {
		t.Fatalf("never-answering server: %+v", e)
	}
	// Which limit ran out, after how long, and that the call may be placed.
	want := "timed out: no answer from " + strings.TrimPrefix(hang, "http://") +
		" within 0.5 s (request timeout); the request may have reached the platform, so the call may have been placed"
	if err.Error() != want {
		t.Fatalf("timeout:\n got %s\nwant %s", err, want)
	}
}

func TestValidationSendsNothing(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	before := requests(t)
	ctx := context.Background()

	req := basicRequest()
	req.CallerNbr = "13800000001"
	_, err := c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "callerNbr")

	req = basicRequest()
	req.MaxDuration = voicecb.Ptr[uint32](1441)
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "maxDuration")

	req = basicRequest()
	req.StatusURL = voicecb.Ptr("ftp://example.com")
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "statusUrl")

	req = basicRequest()
	req.WaitVoice = voicecb.Ptr("")
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "waitVoice")

	// Each brace alone: a check of one of them would let the other through.
	for _, v := range []string{"id{1", "id}1"} {
		req = basicRequest()
		req.UserData = voicecb.Ptr(v)
		_, err = c.Click2Call(ctx, req)
		wantInvalid(t, err, voicecb.KindInvalidArgument, "userData")
	}

	req = basicRequest()
	req.LastMinToUE = voicecb.Ptr(voicecb.LastMinToUE(9))
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "lastMinToUE")

	req = basicRequest()
	req.CalleeMedia = voicecb.Ptr(voicecb.CalleeMedia(0))
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "calleeMedia")

	// Invalid UTF-8 goes to the library as is, which names the field.
	req = basicRequest()
	req.CallerNbr = "+86\xff\xfe"
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidUTF8, "callerNbr")

	req = basicRequest()
	req.UserData = voicecb.Ptr("\xc3")
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidUTF8, "userData")

	// A NUL byte cannot reach C: refused in Go, naming the field.
	req = basicRequest()
	req.CallerNbr = "+86138\x0000001"
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "callerNbr")

	req = basicRequest()
	req.RecordHintTone = voicecb.Ptr("a\x00.wav")
	_, err = c.Click2Call(ctx, req)
	wantInvalid(t, err, voicecb.KindInvalidArgument, "recordHintTone")

	err = c.Stop(ctx, "")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "sessionid")
	err = c.Stop(ctx, "1_2\x00_3@x")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "sessionid")

	if after := requests(t); after != before {
		t.Fatalf("the sandbox saw %d requests", after-before)
	}
}

func TestSignVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "tests", "vectors", "aksk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []map[string]string `json:"vectors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) < 5 {
		t.Fatalf("only %d vectors", len(doc.Vectors))
	}
	for _, v := range doc.Vectors {
		auth, aksk, err := voicecb.Sign(v["app_key"], v["app_secret"], v["nonce"], v["created"])
		if err != nil {
			t.Fatalf("%s: %v", v["name"], err)
		}
		if auth != v["authorization"] || aksk != v["x_aksk"] {
			t.Errorf("%s:\n got %s\n     %s\nwant %s\n     %s", v["name"], auth, aksk, v["authorization"], v["x_aksk"])
		}
	}

	// Empty nonce and created: fresh ones.
	_, a1, err := voicecb.Sign("key", "secret", "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, a2, err := voicecb.Sign("key", "secret", "", "2020-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if a1 == a2 || !strings.Contains(a1, `Nonce="`) || !strings.Contains(a2, `Created="2020-01-01T00:00:00Z"`) {
		t.Fatalf("fresh signatures %q %q", a1, a2)
	}

	_, _, err = voicecb.Sign("key", "secret", "not a nonce!", "2020-01-01T00:00:00Z")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "nonce")
	_, _, err = voicecb.Sign("key", "secret", "abc\x00", "")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "nonce")
	_, _, err = voicecb.Sign("key", "", "abc", "")
	wantInvalid(t, err, voicecb.KindInvalidArgument, "app_secret")
	_, _, err = voicecb.Sign("key\xff", "secret", "abc", "")
	wantInvalid(t, err, voicecb.KindInvalidUTF8, "app_key")
}

func TestCatalogue(t *testing.T) {
	info, ok := voicecb.Describe(403, "1010010")
	if !ok || info.Category != voicecb.CategoryQuota || !info.Retryable || info.Code != "1010010" || info.HTTPStatus != 403 ||
		info.Description == "" || info.DescriptionZH == "" || info.Advice == "" {
		t.Fatalf("Describe(403, 1010010) = %+v, %v", info, ok)
	}
	if info, ok := voicecb.Describe(401, "1010010"); !ok || info.Category != voicecb.CategorySignature {
		t.Fatalf("Describe(401, 1010010) = %+v, %v", info, ok)
	}
	for _, c := range []struct {
		status int
		code   string
	}{{999, "1010010"}, {403, "nope"}, {-1, "1010010"}, {70000, "1010010"}, {403, "10100\x0010"}, {403, "\xff"}} {
		if _, ok := voicecb.Describe(c.status, c.code); ok {
			t.Fatalf("Describe(%d, %q) found an entry", c.status, c.code)
		}
	}
	codes := voicecb.Codes()
	if len(codes) < 10 {
		t.Fatalf("%d codes", len(codes))
	}
	categories := map[voicecb.Category]bool{}
	for _, c := range codes {
		categories[c.Category] = true
		got, ok := voicecb.Describe(c.HTTPStatus, c.Code)
		if !ok || got.Code != c.Code || got.HTTPStatus != c.HTTPStatus {
			t.Fatalf("Describe(%d, %q) = %+v, %v", c.HTTPStatus, c.Code, got, ok)
		}
		if c.Category.String() == "" || strings.HasPrefix(c.Category.String(), "Category(") {
			t.Fatalf("category name of %+v", c)
		}
	}
	for _, want := range []voicecb.Category{voicecb.CategoryAuthHeader, voicecb.CategorySignature, voicecb.CategoryNumber, voicecb.CategoryQuota, voicecb.CategoryPolicy} {
		if !categories[want] {
			t.Errorf("no code of category %v", want)
		}
	}
	codes[0].Code = "changed"
	if voicecb.Codes()[0].Code == "changed" {
		t.Fatal("Codes shares its slice")
	}
	if voicecb.CategoryUnknown.String() != "unknown" || voicecb.Category(42).String() != "Category(42)" {
		t.Fatal("names of unknown categories")
	}
}

func TestKindsAndSentinels(t *testing.T) {
	names := map[voicecb.Kind]string{
		voicecb.KindOK: "ok", voicecb.KindNullArgument: "null_argument", voicecb.KindInvalidUTF8: "invalid_utf8",
		voicecb.KindInvalidArgument: "invalid_argument", voicecb.KindTransport: "transport", voicecb.KindTimeout: "timeout",
		voicecb.KindTLS: "tls", voicecb.KindBadResponse: "bad_response", voicecb.KindPlatform: "platform",
		voicecb.KindNotFound: "not_found", voicecb.KindPanic: "panic",
		voicecb.KindBadNotification: "bad_notification", voicecb.KindBadSignature: "bad_signature",
	}
	descriptions := map[string]bool{}
	for k, name := range names {
		if k.String() != name {
			t.Errorf("%d: %q, want %q", int32(k), k.String(), name)
		}
		descriptions[k.Description()] = true
	}
	if len(descriptions) != len(names) || voicecb.Kind(99).Description() != "unknown result code" {
		t.Error("library descriptions of the kinds")
	}
	match := map[voicecb.Kind]error{
		voicecb.KindNullArgument: voicecb.ErrInvalidArgument, voicecb.KindInvalidUTF8: voicecb.ErrInvalidArgument,
		voicecb.KindTLS: voicecb.ErrTLS, voicecb.KindPanic: voicecb.ErrInternal,
		voicecb.KindBadNotification: voicecb.ErrBadNotification, voicecb.KindBadSignature: voicecb.ErrBadSignature,
	}
	for k, sentinel := range match {
		e := &voicecb.Error{Kind: k, Category: voicecb.CategoryUnknown}
		if !errors.Is(e, sentinel) || errors.Is(e, voicecb.ErrPlatform) {
			t.Errorf("%v and %v", k, sentinel)
		}
		for other := range maps.Values(match) {
			if other != sentinel && errors.Is(e, other) {
				t.Errorf("%v matches %v", k, other)
			}
		}
	}
	policy := &voicecb.Error{Kind: voicecb.KindPlatform, Category: voicecb.CategoryPolicy}
	if !errors.Is(policy, voicecb.ErrPolicy) || errors.Is(policy, voicecb.ErrNumber) {
		t.Error("policy category")
	}
	header := &voicecb.Error{Kind: voicecb.KindPlatform, Category: voicecb.CategoryAuthHeader}
	if !errors.Is(header, voicecb.ErrAuth) {
		t.Error("auth_header category")
	}
}

func TestConcurrentUse(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	const goroutines, calls = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*calls*2)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				req := basicRequest()
				req.ReturnIdlePort = voicecb.Ptr(i%2 == 0)
				res, err := c.Click2Call(context.Background(), req)
				if err != nil {
					errs <- err
					continue
				}
				if err := c.Stop(context.Background(), res.SessionID); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := sandboxStats(t)
	if st["click2call"] != float64(goroutines*calls) || st["callstop"] != float64(goroutines*calls) || st["active_sessions"] != 0.0 {
		t.Fatalf("stats %v", st)
	}
}

func TestContext(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	before := requests(t)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Click2Call(cancelled, basicRequest())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	if err := c.Stop(cancelled, "1_2_0_3@x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop with a cancelled context: %v", err)
	}
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = c.Click2Call(expired, basicRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired deadline: %v", err)
	}
	if after := requests(t); after != before {
		t.Fatalf("the sandbox saw %d requests", after-before)
	}

	// A deadline long enough changes nothing.
	ctx, cancel3 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel3()
	res, err := c.Click2Call(ctx, basicRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx, res.SessionID); err != nil {
		t.Fatal(err)
	}

	// A short deadline shortens the client's 15 s timeout.
	hang, _ := hangListener(t)
	slow, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	short, cancel4 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel4()
	_, err = slow.Click2Call(short, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTimeout) ||
		!errors.Is(err, context.DeadlineExceeded) || e.TimeoutLimit != "call" {
		t.Fatalf("300 ms deadline: %+v", e)
	}
	short2, cancel5 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel5()
	if err := slow.Stop(short2, "1_2_0_3@x"); !errors.Is(err, voicecb.ErrTimeout) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop with a 300 ms deadline: %v", err)
	}

	// The client's own timeout running out first is not the context's
	// deadline, even once that deadline has passed too: which limit ran out
	// decides, not the clock at return.
	quick, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang),
		voicecb.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer quick.Close()
	long, cancel6 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel6()
	_, err = quick.Click2Call(long, basicRequest())
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTimeout) ||
		errors.Is(err, context.DeadlineExceeded) || e.TimeoutLimit != "request" {
		t.Fatalf("client timeout under a 1 minute deadline: %+v", e)
	}
}

func TestClose(t *testing.T) {
	before := voicecb.LiveHandles()
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if !voicecb.Freed(c) || voicecb.LiveHandles() != before {
		t.Fatal("Close did not free the handle")
	}
	n := requests(t)
	_, err = c.Click2Call(context.Background(), basicRequest())
	if !errors.Is(err, voicecb.ErrClosed) {
		t.Fatalf("Click2Call after Close: %v", err)
	}
	if err := c.Stop(context.Background(), "1_2_0_3@x"); !errors.Is(err, voicecb.ErrClosed) {
		t.Fatalf("Stop after Close: %v", err)
	}
	if requests(t) != n {
		t.Fatal("a closed client sent a request")
	}
	var nilClient *voicecb.Client
	if err := nilClient.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := nilClient.Click2Call(context.Background(), basicRequest()); !errors.Is(err, voicecb.ErrClosed) {
		t.Fatalf("nil client: %v", err)
	}
}

func TestCloseDuringCalls(t *testing.T) {
	before := voicecb.LiveHandles()
	hang := newHangServer(t)
	// The client's timeout is far longer than the test: the calls end when
	// the server drops their connections, after Close, never by the clock.
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang.url), voicecb.WithTimeout(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	const calls = 4
	errs := make(chan error, calls)
	for i := 0; i < calls; i++ {
		go func() {
			_, err := c.Click2Call(context.Background(), basicRequest())
			errs <- err
		}()
	}
	hang.waitAccepted(t, calls)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if voicecb.Freed(c) {
		t.Fatal("Close freed the handle under calls in flight")
	}
	if _, err := c.Click2Call(context.Background(), basicRequest()); !errors.Is(err, voicecb.ErrClosed) {
		t.Fatalf("a call after Close: %v", err)
	}
	hang.dropConns()
	for i := 0; i < calls; i++ {
		err := <-errs
		var e *voicecb.Error
		if !errors.As(err, &e) || errors.Is(err, voicecb.ErrClosed) {
			t.Errorf("call in flight during Close: %v", err)
		}
	}
	if !voicecb.Freed(c) || voicecb.LiveHandles() != before {
		t.Fatal("the handle was not freed after the last call")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCleanupFreesAnUnclosedClient(t *testing.T) {
	before := voicecb.LiveHandles()
	func() {
		c, err := voicecb.NewClient(appKey, appSecret)
		if err != nil {
			t.Fatal(err)
		}
		_ = c
	}()
	// The finalizer runs on its own goroutine some time after a GC: poll
	// (bounded at 30 s, which only stops a broken test) until it has.
	for i := 0; i < 3000 && voicecb.LiveHandles() > before; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if voicecb.LiveHandles() > before {
		t.Fatal("an unreachable client was never freed")
	}
}

// writeSelfSignedCert writes a throwaway self-signed certificate as PEM.
func writeSelfSignedCert(t *testing.T, path string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "voicecb test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
