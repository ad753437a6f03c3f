package voicecb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The Go binding shows the library's messages as they are: the library
// names the Go option, and a context deadline as the call's own timeout.
// TestPlatformErrors and TestTransportAndTimeout check the other messages.
func TestMessages(t *testing.T) {
	resetSandbox(t)
	ctx := context.Background()

	c := newClient(t)
	req := basicRequest()
	req.UserData = voicecb.Ptr("订单")
	_, err := c.Click2Call(ctx, req)
	e := mustBeError[*voicecb.Error](t, err)
	if e.Field != "userData" || !strings.Contains(e.Message, "voicecb.WithEncodeNonASCIIUserData(true)") ||
		strings.Contains(e.Message, "voicecb_options") {
		t.Fatalf("userData hint: %s", e.Message)
	}

	hang, _ := hangListener(t)
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
