package voicecb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// secret is a distinctive app secret that no error may show.
const secret = "Zq9xSECRETdoNotLeak4242"

// leaks reports where err shows s: in Error(), %v, %+v or %#v, of err and
// of the *Error inside it.
func leaks(err error, s string) []string {
	forms := map[string]string{
		"Error()": err.Error(),
		"%v":      fmt.Sprintf("%v", err),
		"%+v":     fmt.Sprintf("%+v", err),
		"%#v":     fmt.Sprintf("%#v", err),
	}
	var e *voicecb.Error
	if errors.As(err, &e) {
		forms["*Error %+v"] = fmt.Sprintf("%+v", *e)
		forms["*Error %#v"] = fmt.Sprintf("%#v", *e)
		if e.Info != nil {
			forms["Info %#v"] = fmt.Sprintf("%#v", *e.Info)
		}
	}
	var out []string
	for form, text := range forms {
		if strings.Contains(text, s) {
			out = append(out, form)
		}
	}
	return out
}

// TestErrorsNeverShowTheSecret provokes every kind of error the binding
// can return with a client or a call that holds the secret, and checks
// that no rendering of the error shows it.
func TestErrorsNeverShowTheSecret(t *testing.T) {
	resetSandbox(t)
	t.Cleanup(func() { resetSandbox(t) })
	ctx := context.Background()
	// The sandbox's app with the secret under test: the sandbox refuses it.
	client := func(opts ...voicecb.Option) *voicecb.Client {
		c, err := voicecb.NewClient(appKey, secret, opts...)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Forced answers skip the sandbox's checks, so this client gets them.
	forced := client(voicecb.WithBaseURL(sandboxURL), fastRetry)
	hang, _ := hangListener(t)
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	deadline := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	call := func(c *voicecb.Client, ctx context.Context) error {
		_, err := c.Click2Call(ctx, basicRequest())
		return err
	}
	signed := signPush("push-key", secret, "https://example.com/status", time.Now())
	forged := signPush("push-key", secret+"x", "https://example.com/status", time.Now())

	cases := []struct {
		name string
		want error
		run  func() error
	}{
		{"invalid option", voicecb.ErrInvalidArgument, func() error {
			_, err := voicecb.NewClient(appKey, secret, voicecb.WithTimeout(0))
			return err
		}},
		{"invalid retry policy", voicecb.ErrInvalidArgument, func() error {
			_, err := voicecb.NewClient(appKey, secret, voicecb.WithRetry(voicecb.RetryPolicy{}))
			return err
		}},
		{"empty app key", voicecb.ErrInvalidArgument, func() error {
			_, err := voicecb.NewClient("", secret)
			return err
		}},
		{"NUL in the secret", voicecb.ErrInvalidArgument, func() error {
			_, err := voicecb.NewClient(appKey, secret+"\x00")
			return err
		}},
		{"secret not UTF-8", voicecb.ErrInvalidArgument, func() error {
			_, err := voicecb.NewClient(appKey, secret+"\xff")
			return err
		}},
		{"invalid request", voicecb.ErrInvalidArgument, func() error {
			req := basicRequest()
			req.UserData = voicecb.Ptr("{" + secret + "}")
			_, err := client(voicecb.WithBaseURL(sandboxURL)).Click2Call(ctx, req)
			return err
		}},
		{"invalid session id", voicecb.ErrInvalidArgument, func() error {
			return client(voicecb.WithBaseURL(sandboxURL)).Stop(ctx, secret+"\n")
		}},
		{"signature refused", voicecb.ErrAuth, func() error {
			return call(client(voicecb.WithBaseURL(sandboxURL)), ctx)
		}},
		{"stop refused", voicecb.ErrAuth, func() error {
			return client(voicecb.WithBaseURL(sandboxURL)).Stop(ctx, "1_2_0_3@x")
		}},
		{"clock refused", voicecb.ErrAuth, func() error {
			return call(client(voicecb.WithBaseURL(sandboxURL), voicecb.WithClockOffset(time.Hour)), ctx)
		}},
		{"transport", voicecb.ErrTransport, func() error {
			return call(client(voicecb.WithBaseURL(closedURL), fastRetry), ctx)
		}},
		{"proxy", voicecb.ErrTransport, func() error {
			return call(client(voicecb.WithBaseURL(sandboxURL), voicecb.WithProxy(closedURL)), ctx)
		}},
		{"timeout", voicecb.ErrTimeout, func() error {
			return call(client(voicecb.WithBaseURL(hang), voicecb.WithTimeout(200*time.Millisecond)), ctx)
		}},
		{"context deadline", context.DeadlineExceeded, func() error {
			return call(client(voicecb.WithBaseURL(hang)), deadline())
		}},
		{"TLS", voicecb.ErrTLS, func() error {
			return call(client(voicecb.WithBaseURL(tlsSrv.URL)), ctx)
		}},
		// (The start of a body that is not JSON is quoted on purpose: it is
		// the server's, not the client's.)
		{"bad response", voicecb.ErrBadResponse, func() error {
			forceNext(t, map[string]any{"http_status": 502, "raw_body": "<html>bad gateway</html>", "count": 1})
			return call(forced, ctx)
		}},
		{"platform refusal", voicecb.ErrPlatform, func() error {
			forceNext(t, map[string]any{"http_status": 500, "resultcode": "1010001", "count": 1})
			return call(forced, ctx)
		}},
		{"unknown result code", voicecb.ErrPlatform, func() error {
			forceNext(t, map[string]any{"http_status": 500, "resultcode": "9999999", "count": 1})
			return call(forced, ctx)
		}},
		{"retries used up", voicecb.ErrRateLimited, func() error {
			forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 3})
			return call(forced, ctx)
		}},
		{"closed client", voicecb.ErrClosed, func() error {
			c := client()
			c.Close()
			return call(c, ctx)
		}},
		{"sign: invalid nonce", voicecb.ErrInvalidArgument, func() error {
			_, _, err := voicecb.Sign(appKey, secret, "not a nonce!", "")
			return err
		}},
		{"verify: forged", voicecb.ErrBadSignature, func() error {
			return voicecb.VerifyNotification("push-key", secret+"x", "https://example.com/status", signed, time.Minute)
		}},
		{"verify: another secret", voicecb.ErrBadSignature, func() error {
			return voicecb.VerifyNotification("push-key", secret, "https://example.com/status", forged, time.Minute)
		}},
		{"verify: the secret as the digest", voicecb.ErrBadSignature, func() error {
			h := http.Header{}
			h.Set("Authorization", signed.Get("Authorization"))
			h.Set("X-AKSK", `UsernameToken Username="push-key",PasswordDigest="`+secret+`",Nonce="n",Created="`+
				time.Now().UTC().Format("2006-01-02T15:04:05Z")+`"`)
			return voicecb.VerifyNotification("push-key", secret, "https://example.com/status", h, time.Minute)
		}},
		{"verify: the secret as the username", voicecb.ErrBadSignature, func() error {
			return voicecb.VerifyNotification("push-key", secret, "https://example.com/status",
				signPush(secret, secret, "https://example.com/status", time.Now()), time.Minute)
		}},
		{"verify: empty url", voicecb.ErrInvalidArgument, func() error {
			return voicecb.VerifyNotification("push-key", secret, "", signed, time.Minute)
		}},
		{"notification: the secret as a counter", voicecb.ErrBadNotification, func() error {
			_, err := voicecb.ParseNotification([]byte(`{"eventType":"disconnect","statusInfo":{"stateCode":"` + secret + `"}}`))
			return err
		}},
		{"notification: the secret as the body", voicecb.ErrBadNotification, func() error {
			_, err := voicecb.ParseNotification([]byte(secret))
			return err
		}},
		{"notification: the secret as a key", voicecb.ErrBadNotification, func() error {
			_, err := voicecb.ParseNotification([]byte(`{"eventType":"fee","feeLst":[{"` + secret + `":1,"recordFlag":[]}]}`))
			return err
		}},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		if where := leaks(err, secret); len(where) > 0 {
			t.Errorf("%s: the secret shows in %v: %#v", c.name, where, err)
		}
	}
}

// TestLineBreaksRefused checks that the library refuses CR and LF in every
// string that could reach a header or the request body, naming the field.
func TestLineBreaksRefused(t *testing.T) {
	resetSandbox(t)
	before := requests(t)
	ctx := context.Background()
	breaks := []string{"\r\n", "\n", "\r"}

	for _, br := range breaks {
		_, err := voicecb.NewClient("key"+br+"X-Injected: 1", appSecret, voicecb.WithBaseURL(sandboxURL))
		wantInvalid(t, err, voicecb.KindInvalidArgument, "app_key")
		_, err = voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), voicecb.WithUserAgent("ua"+br+"X-Injected: 1"))
		wantInvalid(t, err, voicecb.KindInvalidArgument, "user_agent")
		_, err = voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL+br))
		wantInvalid(t, err, voicecb.KindInvalidArgument, "base_url")
		_, err = voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), voicecb.WithProxy(closedURL+br))
		wantInvalid(t, err, voicecb.KindInvalidArgument, "proxy")
		_, _, err = voicecb.Sign("key"+br, appSecret, "", "")
		wantInvalid(t, err, voicecb.KindInvalidArgument, "app_key")
	}

	c := newClient(t)
	type field struct {
		name string
		set  func(r *voicecb.Click2CallRequest, v string)
	}
	fields := []field{
		{"displayNbr", func(r *voicecb.Click2CallRequest, v string) { r.DisplayNbr = v }},
		{"callerNbr", func(r *voicecb.Click2CallRequest, v string) { r.CallerNbr = v }},
		{"calleeNbr", func(r *voicecb.Click2CallRequest, v string) { r.CalleeNbr = v }},
		{"displayCalleeNbr", func(r *voicecb.Click2CallRequest, v string) { r.DisplayCalleeNbr = v }},
		{"lastMinVoice", func(r *voicecb.Click2CallRequest, v string) { r.LastMinVoice = &v }},
		{"preVoice", func(r *voicecb.Click2CallRequest, v string) { r.PreVoice = &v }},
		{"waitVoice", func(r *voicecb.Click2CallRequest, v string) { r.WaitVoice = &v }},
		{"statusUrl", func(r *voicecb.Click2CallRequest, v string) { r.StatusURL = &v }},
		{"feeUrl", func(r *voicecb.Click2CallRequest, v string) { r.FeeURL = &v }},
		{"recordHintTone", func(r *voicecb.Click2CallRequest, v string) { r.RecordHintTone = &v }},
		{"userData", func(r *voicecb.Click2CallRequest, v string) { r.UserData = &v }},
	}
	valid := map[string]string{
		"displayNbr": display, "callerNbr": caller, "calleeNbr": callee, "displayCalleeNbr": display,
		"lastMinVoice": "a.wav", "preVoice": "b.wav", "waitVoice": "c.wav", "statusUrl": "http://example.com/s",
		"feeUrl": "http://example.com/f", "recordHintTone": "d.wav", "userData": "order-42",
	}
	encoding := newClient(t, voicecb.WithEncodeNonASCIIUserData(true))
	for _, f := range fields {
		for _, br := range breaks {
			for _, v := range []string{valid[f.name] + br, br + valid[f.name], valid[f.name][:2] + br + valid[f.name][2:]} {
				req := basicRequest()
				f.set(&req, v)
				_, err := c.Click2Call(ctx, req)
				wantInvalid(t, err, voicecb.KindInvalidArgument, f.name)
				if f.name == "userData" { // not even Base64-encoded
					_, err = encoding.Click2Call(ctx, req)
					wantInvalid(t, err, voicecb.KindInvalidArgument, f.name)
				}
			}
		}
	}
	for _, br := range breaks {
		wantInvalid(t, c.Stop(ctx, "1_2_0_3@x"+br), voicecb.KindInvalidArgument, "sessionid")
		wantInvalid(t, c.Stop(ctx, br+"1_2_0_3@x"), voicecb.KindInvalidArgument, "sessionid")
	}
	if after := requests(t); after != before {
		t.Fatalf("the sandbox saw %d requests", after-before)
	}
}
