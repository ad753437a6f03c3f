package voicecb_test

import (
	"context"
	"errors"
	"fmt"
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
