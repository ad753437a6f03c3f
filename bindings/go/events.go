package voicecb

/*
#include <stdint.h>
#include <stdlib.h>
#include "voicecb.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
)

// CallEvent is one thing a client did: a try of a request ended (Kind
// "attempt"), or the call did ("finished"). The library makes it; see
// [WithEventHandler] and [WithLogger].
type CallEvent struct {
	// Kind is "attempt" or "finished".
	Kind string
	// Level is how it is logged: [slog.LevelDebug] for a try,
	// [slog.LevelInfo] for a call that succeeded, [slog.LevelWarn] for a
	// refusal, a retry or a failed call.
	Level slog.Level
	// API is "click2Call" or "callStop".
	API string
	// Attempt is the try, from 1; for "finished", the tries made (0 when the
	// request was refused before any).
	Attempt int
	// AttemptElapsed is how long this try took (for "finished": the last).
	AttemptElapsed time.Duration
	// Elapsed is how long the call has taken so far, waits included.
	Elapsed time.Duration
	// Outcome is "answered", "refused", "invalid", "transport", "timeout",
	// "tls" or "bad_response".
	Outcome string
	// HTTPStatus is the answer's HTTP status, 0 when there was none.
	HTTPStatus int
	// ResultCode and ResultDesc are the platform's, "" when it sent none.
	ResultCode, ResultDesc string
	// ErrorKind is the library's kind of the failure ("platform",
	// "timeout", ...), "" on success.
	ErrorKind string
	// MayHaveReachedPlatform is false only when the library knows no byte
	// of the request left.
	MayHaveReachedPlatform bool
	// WillRetry reports a try that is retried after RetryIn.
	WillRetry bool
	// RetryIn is the wait before the next try, when WillRetry.
	RetryIn time.Duration
	// SessionID is the call's sessionId when known.
	SessionID string
	// RequestID is the try's Nonce: unique per request.
	RequestID string
	// Numbers are the request's phone numbers by API field name, masked
	// ("+86138****0001") unless [WithMaskNumbers](false).
	Numbers map[string]string
	// Line is the event as one log line, in the library's words.
	Line string
}

// WithEventHandler calls f with every [CallEvent] of the client's calls: one
// per try of a request and one when a call ends, on the goroutine of the
// call, during the call (keep it quick). A panic in f is recovered and,
// with [WithLogger], logged. f must not refer to the client it observes
// (that would keep an unclosed client from ever being freed).
func WithEventHandler(f func(CallEvent)) Option {
	return func(s *settings) { s.onEvent = f }
}

// WithLogger logs every [CallEvent] to l: the event's line as the message, its
// fields as attributes, at its Level. No logging by default.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) { s.logger = l }
}

// WithMaskNumbers says whether events show phone numbers masked
// ("+86138****0001", the default) or whole (for logs allowed to hold
// personal data).
func WithMaskNumbers(mask bool) Option {
	return func(s *settings) { s.maskNumbers = &mask }
}

// eventSink is where one client's events go.
type eventSink struct {
	logger  *slog.Logger
	onEvent func(CallEvent)
}

// eventHook is an eventSink handed to the library: a cgo handle in C
// memory (the library keeps the pointer, and cgo forbids it a Go one).
type eventHook struct {
	handle   cgo.Handle
	userdata unsafe.Pointer
}

// liveHooks counts the event hooks not yet freed, for the tests.
var liveHooks atomic.Int64

func newEventHook(sink *eventSink) *eventHook {
	liveHooks.Add(1)
	p := C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0))))
	h := cgo.NewHandle(sink)
	*(*C.uintptr_t)(p) = C.uintptr_t(h)
	return &eventHook{handle: h, userdata: p}
}

// free releases the hook once the library's client that used it is freed.
func (h *eventHook) free() {
	if h != nil {
		C.free(h.userdata)
		h.handle.Delete()
		liveHooks.Add(-1)
	}
}

// eventJSON is the library's JSON form of an event (voicecb_event_json).
type eventJSON struct {
	Kind                   string            `json:"kind"`
	Level                  string            `json:"level"`
	API                    string            `json:"api"`
	Attempt                int               `json:"attempt"`
	AttemptElapsedMS       float64           `json:"attempt_elapsed_ms"`
	ElapsedMS              float64           `json:"elapsed_ms"`
	Outcome                string            `json:"outcome"`
	HTTPStatus             *int              `json:"http_status"`
	ResultCode             *string           `json:"result_code"`
	ResultDesc             *string           `json:"result_desc"`
	ErrorKind              *string           `json:"error_kind"`
	MayHaveReachedPlatform bool              `json:"may_have_reached_platform"`
	RetryInMS              *float64          `json:"retry_in_ms"`
	SessionID              *string           `json:"session_id"`
	RequestID              *string           `json:"request_id"`
	Numbers                map[string]string `json:"numbers"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func millisDuration(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}

// eventLevel maps the library's VOICECB_EVENT_LEVEL_* to slog's.
func eventLevel(level C.int32_t) slog.Level {
	switch level {
	case C.VOICECB_EVENT_LEVEL_DEBUG:
		return slog.LevelDebug
	case C.VOICECB_EVENT_LEVEL_INFO:
		return slog.LevelInfo
	default:
		return slog.LevelWarn
	}
}

//export voicecbGoEvent
func voicecbGoEvent(ev *C.voicecb_event, userdata unsafe.Pointer) {
	sink, ok := cgo.Handle(*(*C.uintptr_t)(userdata)).Value().(*eventSink)
	if !ok {
		return
	}
	// A panic must not unwind into the library's frames: that would crash
	// the process. It is the handler's bug; report it and go on.
	defer func() {
		if r := recover(); r != nil && sink.logger != nil {
			sink.logger.Error("voicecb: the event handler panicked; the call goes on", "panic", fmt.Sprint(r))
		}
	}()
	level := eventLevel(C.voicecb_event_level(ev))
	ctx := context.Background()
	logged := sink.logger != nil && sink.logger.Enabled(ctx, level)
	if !logged && sink.onEvent == nil {
		return
	}
	var raw eventJSON
	if err := json.Unmarshal([]byte(C.GoString(C.voicecb_event_json(ev))), &raw); err != nil {
		return // the library's own JSON: cannot happen
	}
	e := CallEvent{
		Kind:                   raw.Kind,
		Level:                  level,
		API:                    raw.API,
		Attempt:                raw.Attempt,
		AttemptElapsed:         millisDuration(raw.AttemptElapsedMS),
		Elapsed:                millisDuration(raw.ElapsedMS),
		Outcome:                raw.Outcome,
		HTTPStatus:             deref(raw.HTTPStatus),
		ResultCode:             deref(raw.ResultCode),
		ResultDesc:             deref(raw.ResultDesc),
		ErrorKind:              deref(raw.ErrorKind),
		MayHaveReachedPlatform: raw.MayHaveReachedPlatform,
		WillRetry:              raw.RetryInMS != nil,
		RetryIn:                millisDuration(deref(raw.RetryInMS)),
		SessionID:              deref(raw.SessionID),
		RequestID:              deref(raw.RequestID),
		Numbers:                raw.Numbers,
		Line:                   C.GoString(C.voicecb_event_line(ev)),
	}
	if logged {
		sink.logger.LogAttrs(ctx, level, e.Line, e.attrs()...)
	}
	if sink.onEvent != nil {
		sink.onEvent(e)
	}
}

// attrs are the event's fields as slog attributes (absent ones left out).
func (e CallEvent) attrs() []slog.Attr {
	a := []slog.Attr{
		slog.String("kind", e.Kind),
		slog.String("api", e.API),
		slog.Int("attempt", e.Attempt),
		slog.Duration("attempt_elapsed", e.AttemptElapsed),
		slog.Duration("elapsed", e.Elapsed),
		slog.String("outcome", e.Outcome),
		slog.Bool("may_have_reached_platform", e.MayHaveReachedPlatform),
	}
	if e.HTTPStatus != 0 {
		a = append(a, slog.Int("http_status", e.HTTPStatus))
	}
	for _, kv := range [][2]string{
		{"result_code", e.ResultCode}, {"result_desc", e.ResultDesc}, {"error_kind", e.ErrorKind},
		{"session_id", e.SessionID}, {"request_id", e.RequestID},
	} {
		if kv[1] != "" {
			a = append(a, slog.String(kv[0], kv[1]))
		}
	}
	if e.WillRetry {
		a = append(a, slog.Duration("retry_in", e.RetryIn))
	}
	if len(e.Numbers) > 0 {
		nums := make([]any, 0, 2*len(e.Numbers))
		for k, v := range e.Numbers {
			nums = append(nums, slog.String(k, v))
		}
		a = append(a, slog.Group("numbers", nums...))
	}
	return a
}
