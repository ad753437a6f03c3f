package voicecb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The whole flow against the sandbox: place a call, stop it, and handle a
// refusal. sandboxURL is the sandbox that the tests start; a program gives
// the platform's address (or leaves the default).
func Example() {
	client, err := voicecb.NewClient("sandbox-app-key", "sandbox-app-secret",
		voicecb.WithBaseURL(sandboxURL),
		voicecb.WithTimeout(10*time.Second))
	if err != nil {
		fmt.Println("client:", err)
		return
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// Ring +8613800000001, then bridge +8613800000002; both see the app's
	// display number.
	call, err := client.Click2Call(ctx, voicecb.Click2CallRequest{
		DisplayNbr:     "+8675512345678",
		CallerNbr:      "+8613800000001",
		CalleeNbr:      "+8613800000002",
		MaxDuration:    voicecb.Ptr[uint32](30),
		LastMinToUE:    voicecb.Ptr(voicecb.ToBoth),
		ReturnIdlePort: voicecb.Ptr(true),
	})
	if err != nil {
		fmt.Println("click2Call:", err)
		return
	}
	fmt.Println("call placed:", call.SessionID != "")
	fmt.Println("idle ports reported:", call.HasIdlePort)

	if err := client.Stop(ctx, call.SessionID); err != nil {
		fmt.Println("callStop:", err)
		return
	}
	fmt.Println("call stopped")

	// A display number that is not the app's: the platform refuses.
	_, err = client.Click2Call(ctx, voicecb.Click2CallRequest{
		DisplayNbr: "+8675500000000",
		CallerNbr:  "+8613800000001",
		CalleeNbr:  "+8613800000002",
	})
	var e *voicecb.Error
	if errors.As(err, &e) {
		fmt.Println("refused:", e.HTTPStatus, e.ResultCode, e.Category, errors.Is(err, voicecb.ErrNumber))
	}

	// An invalid number is caught before anything is sent.
	_, err = client.Click2Call(ctx, voicecb.Click2CallRequest{
		DisplayNbr: "+8675512345678",
		CallerNbr:  "13800000001",
		CalleeNbr:  "+8613800000002",
	})
	if errors.As(err, &e) && errors.Is(err, voicecb.ErrInvalidArgument) {
		fmt.Println("invalid field:", e.Field)
	}
	// Output:
	// call placed: true
	// idle ports reported: true
	// call stopped
	// refused: 403 1010023 number true
	// invalid field: callerNbr
}

// Describe looks a platform result code up in the library's catalogue.
func ExampleDescribe() {
	info, ok := voicecb.Describe(403, "1010010")
	fmt.Println(ok, info.Category, info.Retryable)
	// Output: true quota true
}

// ParseNotification reads a push; a type switch tells the kinds apart.
func ExampleParseNotification() {
	body := []byte(`{"eventType":"disconnect","statusInfo":{"sessionId":"1201_1386@example",` +
		`"timestamp":"2019-01-24 03:06:02","stateCode":"17","stateDesc":"User busy.","partyType":2}}`)
	ev, err := voicecb.ParseNotification(body)
	if err != nil {
		fmt.Println("bad push:", err)
		return
	}
	switch ev := ev.(type) {
	case *voicecb.StatusEvent:
		when, _ := ev.Time()
		fmt.Println(ev.Kind, ev.SessionID, *ev.StateCode, ev.PartyType, when)
	case *voicecb.Bill:
		fmt.Println(len(ev.Records), "records")
	case *voicecb.OtherEvent:
		fmt.Println("unknown event", ev.EventType)
	}
	_, err = voicecb.ParseNotification([]byte(`{"eventType":"fee","feeLst":[]}`))
	fmt.Println(errors.Is(err, voicecb.ErrBadNotification))
	// Output:
	// disconnect 1201_1386@example 17 2 2019-01-24 03:06:02 +0000 UTC
	// true
}

// A receiver of signed pushes: the handler answers 200 once fn returns,
// and 400, 401, 405 or 413 to what it refuses.
func ExampleNotificationHandlerWith() {
	handler := voicecb.NotificationHandlerWith(func(ev voicecb.Event) {
		if st, ok := ev.(*voicecb.StatusEvent); ok && st.Kind == voicecb.StatusDisconnect {
			fmt.Println("call ended:", st.SessionID)
		}
	}, voicecb.NotificationOptions{
		AppKey:    "app-key",
		AppSecret: "app-secret",
		// The statusUrl given to Click2Call, as the platform signs it.
		URL: "https://example.com/voicecb/status",
		OnError: func(r *http.Request, body []byte, err error) {
			fmt.Println("refused:", errors.Is(err, voicecb.ErrBadSignature))
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/voicecb/status", handler)

	// An unsigned push is refused.
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/voicecb/status",
		strings.NewReader(`{"eventType":"disconnect","statusInfo":{"sessionId":"s1"}}`)))
	fmt.Println(w.Code)
	// Output:
	// refused: true
	// 401
}

// A voice notification (an announcement that collects 4 digits, then a
// template with its two values) and a verification code call, against the
// sandbox.
func ExampleClient_CallNotify() {
	client, err := voicecb.NewClient("sandbox-app-key", "sandbox-app-secret", voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		fmt.Println("client:", err)
		return
	}
	defer client.Close()
	ctx := context.Background()

	note, err := client.CallNotify(ctx, voicecb.CallNotifyRequest{
		DisplayNbr: "+8675512345678",
		CalleeNbr:  "+8613800000002",
		PlayInfo: []voicecb.PlayInfo{
			{NotifyVoice: "notifyvoice.wav", CollectInd: voicecb.Ptr(4)},
			{TemplateID: "test_template", TemplateParas: []string{"3", "人民公园正门"}},
		},
	})
	if err != nil {
		fmt.Println("callNotify:", err)
		return
	}
	fmt.Println("notification placed:", note.SessionID != "")

	code, err := client.CallVerify(ctx, voicecb.CallVerifyRequest{
		DisplayNbr: "+8675512345678",
		CalleeNbr:  "+8613800000002",
		VerifyCode: "2468",
		PreTone:    "pretone.wav",
		PosTone:    voicecb.Ptr("postone.wav"),
	})
	if err != nil {
		fmt.Println("callVerify:", err)
		return
	}
	fmt.Println("verification placed:", code.SessionID != "")

	// A template the app does not have: the platform refuses with 1012003.
	_, err = client.CallNotify(ctx, voicecb.CallNotifyRequest{
		DisplayNbr: "+8675512345678",
		CalleeNbr:  "+8613800000002",
		PlayInfo:   []voicecb.PlayInfo{{TemplateID: "no_such_template"}},
	})
	var e *voicecb.Error
	if errors.As(err, &e) {
		fmt.Println("refused:", e.ResultCode)
	}
	// Output:
	// notification placed: true
	// verification placed: true
	// refused: 1012003
}
