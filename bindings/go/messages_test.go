package voicecb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The Go binding shows the library's messages as they are: these check what
// they say, and that the library names the Go option and gives the English
// advice, with the Chinese one beside it.
func TestMessages(t *testing.T) {
	resetSandbox(t)
	ctx := context.Background()

	bad, err := voicecb.NewClient(appKey, "not-the-secret", voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.Click2Call(ctx, basicRequest())
	e := mustBeError[*voicecb.Error](t, err)
	if e.Advice != "Check that PasswordDigest is filled in correctly." || e.AdviceZH != "请检查PasswordDigest字段填写是否正确。" ||
		e.Info == nil || e.Info.AdviceZH != e.AdviceZH {
		t.Fatalf("advice: %+v", e)
	}
	if !strings.Contains(e.Message, "advice: Check that PasswordDigest") ||
		!strings.Contains(e.Message, "so that secret is wrong for this app_key") || strings.Contains(e.Message, "请检查") {
		t.Fatalf("wrong secret: %s", e.Message)
	}

	c := newClient(t)
	req := basicRequest()
	req.UserData = voicecb.Ptr("订单")
	_, err = c.Click2Call(ctx, req)
	e = mustBeError[*voicecb.Error](t, err)
	if e.Field != "userData" || !strings.Contains(e.Message, "voicecb.WithEncodeNonASCIIUserData(true)") ||
		strings.Contains(e.Message, "voicecb_options") {
		t.Fatalf("userData hint: %s", e.Message)
	}

	closed, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(closedURL))
	if err != nil {
		t.Fatal(err)
	}
	defer closed.Close()
	_, err = closed.Click2Call(ctx, basicRequest())
	e = mustBeError[*voicecb.Error](t, err)
	endpoint := strings.TrimPrefix(closedURL, "http://")
	if !strings.HasPrefix(e.Message, "transport error: could not connect to "+endpoint+": ") ||
		!strings.HasSuffix(e.Message, "; nothing was sent") || !e.RequestNotSent {
		t.Fatalf("closed port: %s", e.Message)
	}

	hang, _ := hangListener(t)
	slow, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang), voicecb.WithTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, err = slow.Click2Call(ctx, basicRequest())
	e = mustBeError[*voicecb.Error](t, err)
	want := "timed out: no answer from " + strings.TrimPrefix(hang, "http://") +
		" within 0.5 s (request timeout); the request may have reached the platform, so the call may have been placed"
	if e.Message != want {
		t.Fatalf("timeout:\n got %s\nwant %s", e.Message, want)
	}
	// A context deadline shorter than the client's timeout is the limit named.
	long, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang), voicecb.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = long.Stop(dctx, "1_2_0_3@x")
	e = mustBeError[*voicecb.Error](t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(e.Message, "(the call's own timeout)") ||
		!strings.HasSuffix(e.Message, "so the call may have been stopped") {
		t.Fatalf("context deadline: %s", e.Message)
	}
}
