// Package voicecb is the Go binding of libvoicecb, a client of the
// voice-callback ("click to call") REST platform: the platform rings a
// caller, then bridges a callee, showing each party one of the app's
// display numbers.
//
// The work is done by the Rust library through its C ABI (include/voicecb.h),
// linked statically: a program built with this package needs no
// libvoicecb.so at run time. See README.md for how to build.
//
// A [Client] holds the app's credentials and a pool of connections; one
// client may be shared by any number of goroutines. [Client.Click2Call]
// places a call and [Client.Stop] ends it; [Client.CallNotify] and
// [Client.CallVerify] place a voice notification and a verification code
// call, and [Client.RecordURL] gives a recording's download URL. Failures are [*Error] values that
// match the sentinels ([ErrInvalidArgument], [ErrPlatform], [ErrAuth], ...)
// with [errors.Is].
//
// The platform pushes call-status events and bills to the URLs a call
// names: [ParseNotification] reads one, [VerifyNotification] checks its
// signature, and [NotificationHandler] is an [net/http.Handler] doing both.
//
// Calls block the calling goroutine (on an OS thread of its own, as every
// cgo call does) until the platform answers or a timeout runs out. A
// context's deadline shortens that timeout; a context cancelled while a call
// is in flight does not interrupt it, because the platform may already have
// placed the call and only the answer says so.
package voicecb

/*
#include <stdlib.h>
#include "voicecb.h"
*/
import "C"

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"
)

// ABIVersion is the version of the C ABI this package was written for. At
// package initialisation it is compared with the header's
// VOICECB_ABI_VERSION and with the linked library's voicecb_abi_version();
// any mismatch panics.
const ABIVersion = 1

func init() {
	checkABI(uint32(C.voicecb_abi_version()), uint32(C.VOICECB_ABI_VERSION))
}

// checkABI panics unless the library, the header and this package agree.
func checkABI(library, header uint32) {
	if library == ABIVersion && header == ABIVersion {
		return
	}
	panic(fmt.Sprintf("voicecb: C ABI version mismatch: the linked libvoicecb has ABI %d, "+
		"include/voicecb.h has ABI %d, and this Go package was written for ABI %d; "+
		"rebuild the library (cargo build --release --lib --locked) and use the Go "+
		"binding of the same checkout", library, header, ABIVersion))
}

// Version returns the linked library's version, e.g. "libvoicecb/0.1.0".
func Version() string {
	return C.GoString(C.voicecb_version())
}

// Ptr returns a pointer to a copy of v. It fills the optional (pointer)
// fields of [Click2CallRequest]:
//
//	req.MaxDuration = voicecb.Ptr[uint32](30)
//	req.RecordFlag = voicecb.Ptr(true)
func Ptr[T any](v T) *T {
	return &v
}

// cstrings converts Go strings to C strings and frees them all at once.
type cstrings struct {
	ptrs []unsafe.Pointer
}

// add returns a C copy of v, which stays valid until free. A string holding
// a NUL byte cannot be passed to C (C would see only the part before it):
// that is an ErrInvalidArgument naming field. Invalid UTF-8 is passed as
// is, so that the library reports it.
func (s *cstrings) add(field, v string) (*C.char, error) {
	if strings.IndexByte(v, 0) >= 0 {
		return nil, nulError(field)
	}
	p := C.CString(v)
	s.ptrs = append(s.ptrs, unsafe.Pointer(p))
	return p, nil
}

// free frees every string made by add.
func (s *cstrings) free() {
	for _, p := range s.ptrs {
		C.free(p)
	}
	s.ptrs = nil
}

// nulError is the one error text of this package: the library never sees
// such a string, so it has no message for it.
func nulError(field string) *Error {
	return &Error{
		Kind:     KindInvalidArgument,
		Message:  fmt.Sprintf("invalid %s: contains a NUL byte, which a C string cannot carry; nothing was sent", field),
		Field:    field,
		Category: CategoryUnknown,
		// The string never reached the library, let alone the network.
		RequestNotSent: true,
	}
}

// goString copies a borrowed C string; NULL gives "".
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// takeError turns a failed call's result code and error handle into an
// *Error, and frees the handle.
func takeError(rc C.voicecb_result, e *C.voicecb_error) *Error {
	if e == nil {
		// The library could not build the details (out of memory): the
		// code's static description is all there is.
		return &Error{Kind: Kind(rc), Message: Kind(rc).Description(), Category: CategoryUnknown}
	}
	defer C.voicecb_error_free(e)
	err := &Error{
		Kind:       Kind(C.voicecb_error_code(e)),
		Message:    goString(C.voicecb_error_message(e)),
		Field:      goString(C.voicecb_error_field(e)),
		HTTPStatus: int(C.voicecb_error_http_status(e)),
		ResultCode: goString(C.voicecb_error_result_code(e)),
		ResultDesc: goString(C.voicecb_error_result_desc(e)),
		Category:   CategoryUnknown,

		RequestNotSent: bool(C.voicecb_error_request_not_sent(e)),
		TimeoutLimit:   goString(C.voicecb_timeout_limit_name(C.voicecb_error_timeout_limit(e))),
		SessionID:      goString(C.voicecb_error_session_id(e)),
		Attempts:       int(C.voicecb_error_attempts(e)),
		Elapsed:        micros(C.voicecb_error_elapsed_us(e)),
	}
	var skew C.int64_t
	if C.voicecb_error_clock_skew_secs(e, &skew) == C.VOICECB_OK {
		d := seconds(int64(skew))
		err.ClockSkew = &d
	}
	if info := C.voicecb_error_code_info(e); info != nil {
		ci := codeInfo(info)
		err.Info = &ci
		err.Advice = ci.Advice
		err.AdviceZH = ci.AdviceZH
		err.Category = ci.Category
		err.Retryable = ci.Retryable
	}
	return err
}

// seconds converts whole seconds to a Duration, saturating at the limits
// of Duration (about ±292 years) instead of overflowing.
func seconds(s int64) time.Duration {
	const limit = math.MaxInt64 / int64(time.Second)
	switch {
	case s > limit:
		return math.MaxInt64
	case s < -limit:
		return math.MinInt64
	}
	return time.Duration(s) * time.Second
}
