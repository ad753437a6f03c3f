package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the library's result code (voicecb_result of the C ABI) of a
// failed call.
type Kind int32

// The result codes of the C ABI, with the header's values.
const (
	// KindOK is success; an [*Error] never has it.
	KindOK Kind = C.VOICECB_OK
	// KindNullArgument: a required argument was missing (NULL in C).
	// Matches [ErrInvalidArgument].
	KindNullArgument Kind = C.VOICECB_ERR_NULL_ARGUMENT
	// KindInvalidUTF8: a string was not valid UTF-8; [Error.Field] names it.
	// Matches [ErrInvalidArgument].
	KindInvalidUTF8 Kind = C.VOICECB_ERR_INVALID_UTF8
	// KindInvalidArgument: an argument broke a rule of the API and nothing
	// was sent; [Error.Field] names it. Matches [ErrInvalidArgument].
	KindInvalidArgument Kind = C.VOICECB_ERR_INVALID_ARGUMENT
	// KindTransport: connecting failed or the connection broke (refused,
	// DNS, reset, proxy). Matches [ErrTransport].
	KindTransport Kind = C.VOICECB_ERR_TRANSPORT
	// KindTimeout: the connect timeout or the request timeout ran out.
	// Matches [ErrTimeout].
	KindTimeout Kind = C.VOICECB_ERR_TIMEOUT
	// KindTLS: the TLS handshake failed. Matches [ErrTLS].
	KindTLS Kind = C.VOICECB_ERR_TLS
	// KindBadResponse: the server's answer was not what the API defines.
	// Matches [ErrBadResponse].
	KindBadResponse Kind = C.VOICECB_ERR_BAD_RESPONSE
	// KindPlatform: the platform refused the request; see
	// [Error.HTTPStatus], [Error.ResultCode] and [Error.Info]. Matches
	// [ErrPlatform], and by category [ErrAuth], [ErrRateLimited],
	// [ErrNumber] and [ErrPolicy].
	KindPlatform Kind = C.VOICECB_ERR_PLATFORM
	// KindNotFound: the catalogue has no entry for a lookup ([Describe]
	// reports it as false instead).
	KindNotFound Kind = C.VOICECB_ERR_NOT_FOUND
	// KindPanic: a bug in the library (a panic caught at the C boundary).
	// Matches [ErrInternal].
	KindPanic Kind = C.VOICECB_ERR_PANIC
	// KindBadNotification: a pushed notification's body is not what the
	// API defines (see [ParseNotification]). Matches [ErrBadNotification].
	KindBadNotification Kind = C.VOICECB_ERR_BAD_NOTIFICATION
	// KindBadSignature: a pushed notification's signature did not verify
	// (see [VerifyNotification]). Matches [ErrBadSignature].
	KindBadSignature Kind = C.VOICECB_ERR_BAD_SIGNATURE
	// KindInvalidHandle: a handle given to the library was not a live one
	// of its type. The package manages its handles, so this is a bug in it.
	KindInvalidHandle Kind = C.VOICECB_ERR_INVALID_HANDLE
)

// String returns a short stable name of the code, such as "timeout" or
// "invalid_argument".
func (k Kind) String() string {
	switch k {
	case KindOK:
		return "ok"
	case KindNullArgument:
		return "null_argument"
	case KindInvalidUTF8:
		return "invalid_utf8"
	case KindInvalidArgument:
		return "invalid_argument"
	case KindTransport:
		return "transport"
	case KindTimeout:
		return "timeout"
	case KindTLS:
		return "tls"
	case KindBadResponse:
		return "bad_response"
	case KindPlatform:
		return "platform"
	case KindNotFound:
		return "not_found"
	case KindPanic:
		return "panic"
	case KindBadNotification:
		return "bad_notification"
	case KindBadSignature:
		return "bad_signature"
	case KindInvalidHandle:
		return "invalid_handle"
	}
	return fmt.Sprintf("Kind(%d)", int32(k))
}

// Description returns the library's English description of the code
// (voicecb_result_str), such as "timed out".
func (k Kind) Description() string {
	return C.GoString(C.voicecb_result_str(C.int32_t(k)))
}

// Sentinel errors, for [errors.Is]. An [*Error] matches the sentinel of its
// [Kind] and, for platform refusals, those of its [Category].
var (
	// ErrInvalidArgument: a value broke a rule of the API (or was not
	// UTF-8, or held a NUL byte); nothing was sent. [Error.Field] names it.
	ErrInvalidArgument = errors.New("voicecb: invalid argument")
	// ErrTransport: connecting failed or the connection broke.
	ErrTransport = errors.New("voicecb: transport error")
	// ErrTimeout: the connect timeout or the request timeout (possibly
	// shortened by a context deadline) ran out. The call may or may not
	// have been placed.
	ErrTimeout = errors.New("voicecb: timed out")
	// ErrTLS: the TLS handshake failed.
	ErrTLS = errors.New("voicecb: TLS handshake failed")
	// ErrBadResponse: the server's answer was not what the API defines.
	ErrBadResponse = errors.New("voicecb: bad response")
	// ErrPlatform: the platform refused the request.
	ErrPlatform = errors.New("voicecb: platform refused the request")
	// ErrAuth: the platform refused the credentials or the signature
	// (category auth_header or signature): a wrong app secret, or a clock
	// that is off (see [WithClockOffset]).
	ErrAuth = errors.New("voicecb: authentication refused")
	// ErrRateLimited: a quota, call limit, port limit or flow control was
	// hit (category quota); [Error.Retryable] says whether to try later.
	ErrRateLimited = errors.New("voicecb: rate limited")
	// ErrNumber: a phone number is invalid or not the app's (category number).
	ErrNumber = errors.New("voicecb: number refused")
	// ErrPolicy: a policy refused the call (category policy: blacklist,
	// whitelist, risk control, region).
	ErrPolicy = errors.New("voicecb: refused by policy")
	// ErrInternal: a bug in the library (a panic caught at its boundary);
	// please report it.
	ErrInternal = errors.New("voicecb: internal error in libvoicecb")
	// ErrBadNotification: a pushed notification's body is not what the API
	// defines (not JSON, no eventType, a field of an impossible type, over
	// 1 MiB); the message names what is wrong.
	ErrBadNotification = errors.New("voicecb: bad notification")
	// ErrBadSignature: a pushed notification's signature did not verify;
	// the message names the check that failed.
	ErrBadSignature = errors.New("voicecb: bad notification signature")
	// ErrClosed is returned by the methods of a [Client] after
	// [Client.Close]. It is not an [*Error].
	ErrClosed = errors.New("voicecb: client is closed")
)

// Error is the error of a failed library call. Use [errors.As] to get it,
// or [errors.Is] with the sentinels.
type Error struct {
	// Kind is the library's result code.
	Kind Kind
	// Message is the library's text: what happened and, where known, what
	// to do (platform refusals add the catalogue's advice). It never holds
	// the app secret or a digest.
	Message string
	// Field names the field or argument at fault for the invalid-argument
	// kinds, as the API names it ("callerNbr", "maxDuration", "app_key",
	// "base_url", ...); "" otherwise.
	Field string
	// HTTPStatus is the status of the server's answer, 0 when there was none.
	HTTPStatus int
	// ResultCode is the platform's resultcode, "" when it sent none.
	ResultCode string
	// ResultDesc is the platform's resultdesc, "" when it sent none.
	ResultDesc string
	// Advice is the catalogue's handling advice in English, "" without Info.
	Advice string
	// AdviceZH is the documents' handling advice in Chinese, "" without Info.
	AdviceZH string
	// Category is the catalogue's category, [CategoryUnknown] without Info.
	Category Category
	// Retryable reports that the catalogue says the answer proves the call
	// was not placed, so sending the same request later is safe. False
	// without Info.
	Retryable bool
	// Info is the catalogue's entry for (HTTPStatus, ResultCode), nil when
	// the catalogue does not know the code or the error is not a refusal.
	Info *CodeInfo
	// RequestNotSent reports that the library knows no byte of the request
	// reached the network (a validation error, or a connection that could
	// not be made), so a Click2Call certainly placed no call. False means
	// the request may have reached the platform.
	RequestNotSent bool
	// ClockSkew is how far the platform's clock is ahead of this host's
	// (negative: behind), in whole seconds, for a refusal of the signature's
	// time (1010013) whose answer had a Date header; nil when unknown. Pass
	// it to [WithClockOffset] to sign with the platform's time.
	ClockSkew *time.Duration
	// TimeoutLimit says, for a timeout, which limit ran out as the library
	// saw it: "connect" ([WithConnectTimeout]), "request" ([WithTimeout]) or
	// "call" (the call's own limit, which a context deadline sets); "" for
	// other errors.
	TimeoutLimit string
	// SessionID is, for a failed Click2Call whose answer held a sessionId
	// (a refusal with a 3xx or 5xx status, a body too large or broken after
	// the id, an id CallStop would refuse), that id with control characters
	// escaped, so that a call that may be ringing can still be stopped; ""
	// otherwise.
	SessionID string
	// Attempts is how many tries of the request the call made (0: refused
	// before any, or not a call's error).
	Attempts int
	// Elapsed is how long the call took in all, tries and waits included.
	Elapsed time.Duration

	// cause is the context's error when a context deadline shortened the
	// call's timeout and that timeout ran out.
	cause error
}

// Error returns the library's message (voicecb_error_message).
func (e *Error) Error() string {
	return e.Message
}

// Unwrap returns [context.DeadlineExceeded] when the call timed out because
// its context's deadline shortened the timeout, and nil otherwise.
func (e *Error) Unwrap() error {
	return e.cause
}

// Is reports whether e matches one of the package's sentinel errors: the
// sentinel of its Kind, [ErrInvalidArgument] for every invalid-argument
// kind, and for platform refusals [ErrAuth], [ErrRateLimited], [ErrNumber]
// or [ErrPolicy] by category.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalidArgument:
		return e.Kind == KindInvalidArgument || e.Kind == KindNullArgument || e.Kind == KindInvalidUTF8
	case ErrTransport:
		return e.Kind == KindTransport
	case ErrTimeout:
		return e.Kind == KindTimeout
	case ErrTLS:
		return e.Kind == KindTLS
	case ErrBadResponse:
		return e.Kind == KindBadResponse
	case ErrPlatform:
		return e.Kind == KindPlatform
	case ErrInternal:
		return e.Kind == KindPanic
	case ErrBadNotification:
		return e.Kind == KindBadNotification
	case ErrBadSignature:
		return e.Kind == KindBadSignature
	case ErrAuth:
		return e.Kind == KindPlatform && (e.Category == CategoryAuthHeader || e.Category == CategorySignature)
	case ErrRateLimited:
		return e.Kind == KindPlatform && e.Category == CategoryQuota
	case ErrNumber:
		return e.Kind == KindPlatform && e.Category == CategoryNumber
	case ErrPolicy:
		return e.Kind == KindPlatform && e.Category == CategoryPolicy
	}
	return false
}
