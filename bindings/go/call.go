package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"time"
)

// LastMinToUE says who hears the last-minute announcement
// ([Click2CallRequest.LastMinToUE], the API's lastMinToUE).
type LastMinToUE int32

// The values of [LastMinToUE], with the header's VOICECB_LAST_MIN_TO_UE_* values.
const (
	// ToCaller: only the caller hears it ("toa").
	ToCaller LastMinToUE = C.VOICECB_LAST_MIN_TO_UE_CALLER
	// ToCallee: only the callee hears it ("tob").
	ToCallee LastMinToUE = C.VOICECB_LAST_MIN_TO_UE_CALLEE
	// ToBoth: both parties hear it ("both", the platform's default).
	ToBoth LastMinToUE = C.VOICECB_LAST_MIN_TO_UE_BOTH
)

// String returns the API's value: "toa", "tob" or "both".
func (v LastMinToUE) String() string {
	if name := C.voicecb_last_min_to_ue_name(C.int32_t(v)); name != nil {
		return C.GoString(name)
	}
	return fmt.Sprintf("LastMinToUE(%d)", int32(v))
}

// CalleeMedia says which of the callee side's media the caller hears while
// waiting ([Click2CallRequest.CalleeMedia], the API's calleeMedia).
type CalleeMedia int32

// The values of [CalleeMedia], with the header's VOICECB_CALLEE_MEDIA_* values.
const (
	// CalleeMediaAll: every tone of the callee side ("all", the default).
	CalleeMediaAll CalleeMedia = C.VOICECB_CALLEE_MEDIA_ALL
	// CalleeMediaNone: the wait tone until the callee answers ("none").
	CalleeMediaNone CalleeMedia = C.VOICECB_CALLEE_MEDIA_NONE
	// CalleeMediaFail: only failure announcements ("fail").
	CalleeMediaFail CalleeMedia = C.VOICECB_CALLEE_MEDIA_FAIL
)

// String returns the API's value: "all", "none" or "fail".
func (v CalleeMedia) String() string {
	if name := C.voicecb_callee_media_name(C.int32_t(v)); name != nil {
		return C.GoString(name)
	}
	return fmt.Sprintf("CalleeMedia(%d)", int32(v))
}

// Click2CallRequest is a click2Call request: the platform rings CallerNbr,
// then bridges CalleeNbr. The library checks every field against the API's
// rules before sending anything; an invalid field is an [ErrInvalidArgument]
// whose Field is the API's name of the field (given after each field here).
//
// A nil optional field is left out of the request, so that the platform's
// default applies. Set one with [Ptr]: Ptr[uint32](30), Ptr(true), Ptr("file.wav").
type Click2CallRequest struct {
	// DisplayNbr is the number the caller sees, one of the app's numbers,
	// as "+{country code}{number}" (displayNbr). Required.
	DisplayNbr string
	// CallerNbr is the party rung first, "+{country code}{number}"
	// (callerNbr). Required.
	CallerNbr string
	// CalleeNbr is the party bridged in once the caller answers (calleeNbr).
	// Required.
	CalleeNbr string
	// DisplayCalleeNbr is the number the callee sees, one of the app's
	// numbers (displayCalleeNbr); "" means DisplayNbr.
	DisplayCalleeNbr string

	// MaxDuration is the minutes after the callee answers before the
	// platform ends the call, 1 to 1440; 0 means no limit (maxDuration).
	// nil: unset.
	MaxDuration *uint32
	// LastMinVoice is the announcement file played in the last minute,
	// 1 to 128 characters (lastMinVoice). nil: unset.
	LastMinVoice *string
	// LastMinToUE says who hears that announcement (lastMinToUE). nil: unset.
	LastMinToUE *LastMinToUE
	// PlayPreVoice plays PreVoice to the caller before the callee is rung
	// (playPreVoice). nil: unset.
	PlayPreVoice *bool
	// PreVoice is the announcement file played to the caller first,
	// 1 to 128 characters (preVoice). nil: unset.
	PreVoice *string
	// WaitVoice is the file the caller hears while the callee is rung,
	// 1 to 128 characters (waitVoice). nil: unset.
	WaitVoice *string
	// CalleeMedia says which callee-side media the caller hears while
	// waiting (calleeMedia). nil: unset.
	CalleeMedia *CalleeMedia
	// StatusURL is where call-state events are pushed: a plain http(s) URL
	// of a-z A-Z 0-9 - : . / (statusUrl), at most 96 bytes, since the API
	// takes at most 128 characters of its Base64 form, which the library
	// sends. nil: unset.
	StatusURL *string
	// FeeURL is where bills are pushed; rules as for StatusURL (feeUrl).
	// nil: unset.
	FeeURL *string
	// RecordFlag records the call; the app must have recording enabled
	// (recordFlag). nil: unset.
	RecordFlag *bool
	// RecordHintTone is the file telling the parties they are recorded,
	// 1 to 128 characters (recordHintTone). nil: unset.
	RecordHintTone *string
	// PartyTypeRequiredInDisconnect says in the disconnect event who hung up
	// (partyTypeRequiredInDisconnect). nil: unset.
	PartyTypeRequiredInDisconnect *bool
	// ReturnIdlePort asks for the platform's count of idle call ports,
	// returned in [CallResult.IdlePort] (returnIdlePort). nil: unset.
	ReturnIdlePort *bool
	// UserData is the application's own tag, echoed in notifications:
	// 1 to 256 ASCII characters without '{' or '}' (userData); see
	// [WithEncodeNonASCIIUserData]. nil: unset.
	UserData *string
}

// CallResult is the platform's answer to a placed call.
type CallResult struct {
	// SessionID identifies the call, for [Client.Stop] and the platform's
	// notifications.
	SessionID string
	// IdlePort is the platform's count of idle call ports; valid only when
	// HasIdlePort is true.
	IdlePort int
	// HasIdlePort reports that the platform sent IdlePort as an integer
	// 0-65535 (ask for it with [Click2CallRequest.ReturnIdlePort]); any
	// other value leaves it false, since the call was placed all the same.
	HasIdlePort bool
	// Attempts is how many tries the call made (more than 1 only with
	// [WithRetry]).
	Attempts int
	// Elapsed is how long the call took in all, tries and waits included.
	Elapsed time.Duration
}

// micros converts the C ABI's microseconds to a Duration, saturating.
func micros(us C.uint64_t) time.Duration {
	if uint64(us) > uint64(math.MaxInt64/int64(time.Microsecond)) {
		return math.MaxInt64
	}
	return time.Duration(us) * time.Microsecond
}

// callTimeout returns the C ABI's per-call timeout for ctx: 0 (the
// client's) without a deadline, else the time left, in milliseconds rounded
// up, and whether it came from the deadline. A context that is already done
// gives its error, wrapped, and nothing is sent.
func callTimeout(ctx context.Context, api string) (C.uint32_t, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, fmt.Errorf("voicecb: %s not sent: %w", api, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0, false, nil
	}
	left := time.Until(deadline)
	if left <= 0 {
		return 0, false, fmt.Errorf("voicecb: %s not sent: %w", api, context.DeadlineExceeded)
	}
	if left/time.Millisecond >= math.MaxUint32 {
		return 0, false, nil // longer than any client timeout: the client's applies
	}
	return millis(left), true, nil
}

// timeoutLimitCall is [Error.TimeoutLimit] when the call's own limit ran out.
var timeoutLimitCall = C.GoString(C.voicecb_timeout_limit_name(C.VOICECB_TIMEOUT_LIMIT_CALL))

// finish turns a failed call into an error. A timeout also matches
// [context.DeadlineExceeded] when the limit that ran out is the one the
// context's deadline set: the library says which limit it was, so this
// never depends on whether ctx.Err() has flipped yet (the library's timer
// and the context's are two clocks, and either may fire first).
func finish(fromDeadline bool, rc C.voicecb_result, cerr *C.voicecb_error) error {
	err := takeError(rc, cerr)
	if err.Kind == KindTimeout && fromDeadline && err.TimeoutLimit == timeoutLimitCall {
		err.cause = context.DeadlineExceeded
	}
	return err
}

// Click2Call places a voice callback: the platform rings req.CallerNbr, then
// bridges req.CalleeNbr. The request is checked first and nothing is sent
// if it is invalid.
//
// A deadline of ctx shorter than the client's timeout shortens this call's
// timeout. A ctx that is already cancelled or past its deadline returns its
// error (wrapped) at once, without a request. Cancelling ctx while the call
// is in flight does not interrupt it: the platform may already have placed
// the call, and only its answer carries the session id needed to stop it.
//
// Errors are [*Error] values (see the sentinels), [ErrClosed], or the
// context's error.
func (c *Client) Click2Call(ctx context.Context, req Click2CallRequest) (*CallResult, error) {
	return c.place(ctx, "click2Call", func(cs *cstrings) (sendResult, func(), error) {
		r, err := buildRequest(&req, cs)
		if err != nil {
			return nil, nil, err
		}
		send := func(h *C.voicecb_client, t C.uint32_t, out **C.voicecb_call_result, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_send_result(h, r, t, out, e)
		}
		return send, func() { C.voicecb_click2call_free(r) }, nil
	})
}

// buildRequest makes the C request; the caller frees it.
func buildRequest(req *Click2CallRequest, cs *cstrings) (*C.voicecb_click2call, error) {
	display, err := cs.add("displayNbr", req.DisplayNbr)
	if err != nil {
		return nil, err
	}
	caller, err := cs.add("callerNbr", req.CallerNbr)
	if err != nil {
		return nil, err
	}
	callee, err := cs.add("calleeNbr", req.CalleeNbr)
	if err != nil {
		return nil, err
	}
	var r *C.voicecb_click2call
	var cerr *C.voicecb_error
	if rc := C.voicecb_click2call_new(display, caller, callee, &r, &cerr); rc != C.VOICECB_OK {
		return nil, takeError(rc, cerr)
	}
	if err := setFields(r, req, cs); err != nil {
		C.voicecb_click2call_free(r)
		return nil, err
	}
	return r, nil
}

// setFields passes every optional field that is set to its
// voicecb_click2call_set_* setter.
func setFields(r *C.voicecb_click2call, req *Click2CallRequest, cs *cstrings) error {
	var cerr *C.voicecb_error
	check := func(rc C.voicecb_result) error {
		if rc != C.VOICECB_OK {
			return takeError(rc, cerr)
		}
		return nil
	}
	var displayCallee *string
	if req.DisplayCalleeNbr != "" {
		displayCallee = &req.DisplayCalleeNbr
	}
	err := setTexts(r, cs, []textField[*C.voicecb_click2call]{
		{"displayCalleeNbr", displayCallee, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_display_callee_nbr(r, v, e)
		}},
		{"lastMinVoice", req.LastMinVoice, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_last_min_voice(r, v, e)
		}},
		{"preVoice", req.PreVoice, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_pre_voice(r, v, e)
		}},
		{"waitVoice", req.WaitVoice, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_wait_voice(r, v, e)
		}},
		{"statusUrl", req.StatusURL, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_status_url(r, v, e)
		}},
		{"feeUrl", req.FeeURL, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_fee_url(r, v, e)
		}},
		{"recordHintTone", req.RecordHintTone, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_record_hint_tone(r, v, e)
		}},
		{"userData", req.UserData, func(r *C.voicecb_click2call, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_user_data(r, v, e)
		}},
	})
	if err != nil {
		return err
	}

	type flag struct {
		value *bool
		set   func(*C.voicecb_click2call, C.bool, **C.voicecb_error) C.voicecb_result
	}
	flags := []flag{
		{req.PlayPreVoice, func(r *C.voicecb_click2call, v C.bool, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_play_pre_voice(r, v, e)
		}},
		{req.RecordFlag, func(r *C.voicecb_click2call, v C.bool, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_record_flag(r, v, e)
		}},
		{req.PartyTypeRequiredInDisconnect, func(r *C.voicecb_click2call, v C.bool, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_party_type_required_in_disconnect(r, v, e)
		}},
		{req.ReturnIdlePort, func(r *C.voicecb_click2call, v C.bool, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_click2call_set_return_idle_port(r, v, e)
		}},
	}
	for _, f := range flags {
		if f.value == nil {
			continue
		}
		if err := check(f.set(r, C.bool(*f.value), &cerr)); err != nil {
			return err
		}
	}

	if req.MaxDuration != nil {
		if err := check(C.voicecb_click2call_set_max_duration(r, C.uint32_t(*req.MaxDuration), &cerr)); err != nil {
			return err
		}
	}
	if req.LastMinToUE != nil {
		if err := check(C.voicecb_click2call_set_last_min_to_ue(r, C.int32_t(*req.LastMinToUE), &cerr)); err != nil {
			return err
		}
	}
	if req.CalleeMedia != nil {
		if err := check(C.voicecb_click2call_set_callee_media(r, C.int32_t(*req.CalleeMedia), &cerr)); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops the call sessionID (both parties are released). The context
// is used as for [Client.Click2Call]. An invalid session id (empty, too
// long, a control character, not UTF-8) is an [ErrInvalidArgument] with
// Field "sessionid", the API's name for it.
func (c *Client) Stop(ctx context.Context, sessionID string) error {
	return c.run(ctx, "callStop", func(h *C.voicecb_client, cs *cstrings, t C.uint32_t, cerr **C.voicecb_error) (C.voicecb_result, error) {
		sid, err := cs.add("sessionid", sessionID)
		if err != nil {
			return 0, err
		}
		return C.voicecb_call_stop(h, sid, t, cerr), nil
	})
}

// run runs one request as every call does: ctx's deadline as the call's
// timeout (a done ctx sends nothing), the client held for the call, and the
// C strings of cs freed after it. call makes the C call; an error it
// returns (a string C cannot carry) is returned as is.
func (c *Client) run(ctx context.Context, api string, call func(h *C.voicecb_client, cs *cstrings, timeout C.uint32_t, cerr **C.voicecb_error) (C.voicecb_result, error)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	timeout, fromDeadline, err := callTimeout(ctx, api)
	if err != nil {
		return err
	}
	h, err := c.acquire()
	if err != nil {
		return err
	}
	// The deferred release uses c after the C call returns, so c stays
	// reachable, and its cleanup cannot free h, until the call is over: no
	// runtime.KeepAlive(c) is needed.
	defer c.release()

	var cs cstrings
	defer cs.free()
	var cerr *C.voicecb_error
	rc, err := call(h, &cs, timeout, &cerr)
	if err != nil {
		return err
	}
	if rc != C.VOICECB_OK {
		return finish(fromDeadline, rc, cerr)
	}
	return nil
}
