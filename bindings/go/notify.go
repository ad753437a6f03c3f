package voicecb

/*
#include <stdlib.h>
#include "voicecb.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Event is one push of the platform to a call's statusUrl or feeUrl, as
// [ParseNotification] read it: a [*StatusEvent], a [*Bill] or, for an
// event type the library does not know, an [*OtherEvent]. Use a type
// switch:
//
//	switch ev := ev.(type) {
//	case *voicecb.StatusEvent: // ev.Kind, ev.SessionID, ev.StateCode ...
//	case *voicecb.Bill:        // ev.Records
//	case *voicecb.OtherEvent:  // log ev.Raw
//	}
type Event interface {
	// Type returns the eventType as sent ("answer", "fee", ...).
	Type() string
	// Body returns the whole push as compact JSON (the Raw field).
	Body() json.RawMessage

	event()
}

// StatusKind is the kind of a call-status event (a VOICECB_STATUS_* value
// of the C ABI).
type StatusKind int32

// The kinds of call-status events, with the header's values, in the order
// a call goes through them.
const (
	// StatusCallout: the platform is calling a party ("callout").
	StatusCallout StatusKind = C.VOICECB_STATUS_CALLOUT
	// StatusAlerting: a party's phone is ringing ("alerting").
	StatusAlerting StatusKind = C.VOICECB_STATUS_ALERTING
	// StatusAnswer: a party answered ("answer").
	StatusAnswer StatusKind = C.VOICECB_STATUS_ANSWER
	// StatusCollectInfo: the digits a party keyed in ("collectInfo"; see
	// [StatusEvent.DigitInfo]).
	StatusCollectInfo StatusKind = C.VOICECB_STATUS_COLLECT_INFO
	// StatusDisconnect: the call ended ("disconnect"; see
	// [StatusEvent.StateCode] and [StatusEvent.PartyType]).
	StatusDisconnect StatusKind = C.VOICECB_STATUS_DISCONNECT
)

// String returns the eventType the API uses for the kind: "callout",
// "alerting", "answer", "collectInfo" or "disconnect".
func (k StatusKind) String() string {
	switch k {
	case StatusCallout:
		return "callout"
	case StatusAlerting:
		return "alerting"
	case StatusAnswer:
		return "answer"
	case StatusCollectInfo:
		return "collectInfo"
	case StatusDisconnect:
		return "disconnect"
	}
	return fmt.Sprintf("StatusKind(%d)", int32(k))
}

// StatusEvent is a call-status event: the statusInfo of the push. Every
// field is optional because deployments leave some out: a string field is
// "" when the push did not have it (or had null).
type StatusEvent struct {
	// EventType is the eventType as sent; the library matches it without
	// regard to ASCII case.
	EventType string
	// Kind is which event it is.
	Kind StatusKind
	// SessionID is the call, as [Client.Click2Call] returned it (sessionId).
	SessionID string
	// Timestamp is the time as sent, "yyyy-MM-dd HH:mm:ss" in UTC on the
	// platform's clock (timestamp); see [StatusEvent.Time].
	Timestamp string
	// Caller is the calling number (caller).
	Caller string
	// Called is the called number (called).
	Called string
	// UserData is the call's userData, decoded by the library when it had
	// Base64-encoded it (see [WithEncodeNonASCIIUserData]), otherwise as
	// sent.
	UserData string
	// StateCode is why the call ended (stateCode, on disconnect), whether
	// sent as a number or as digits; nil when absent.
	StateCode *int64
	// StateDesc is the text of StateCode (stateDesc).
	StateDesc string
	// PartyType is which party hung up, as sent (partyType, on disconnect
	// when the call set PartyTypeRequiredInDisconnect; a number is given as
	// its decimal text).
	PartyType string
	// DigitInfo is the digits keyed in (digitInfo, on collectInfo).
	DigitInfo string
	// Fields holds every statusInfo field that is present and not null, by
	// its API name, as the library renders it: strings as sent (userData
	// decoded), integer fields in decimal, other numbers and booleans as
	// JSON text, nested values as compact JSON. It reaches fields the
	// struct does not name, such as displayCallerNum.
	Fields map[string]string
	// Raw is the whole body as compact JSON (object keys may come in
	// another order than sent; userData as sent).
	Raw json.RawMessage
}

// Bill is a bill (eventType "fee"): the records of feeLst.
type Bill struct {
	// EventType is the eventType as sent ("fee").
	EventType string
	// Records holds the 1 to 50 call records, in the order sent.
	Records []BillRecord
	// Raw is the whole body as compact JSON.
	Raw json.RawMessage
}

// BillRecord is one call record of a [Bill]. Times are
// "yyyy-MM-dd HH:mm:ss" strings as sent (UTC, the platform's clock); the
// counters are integers whether the platform sent numbers or digits, nil
// when absent (or sent as ""). A string field is "" when absent.
type BillRecord struct {
	// Direction is the direction of the call (direction).
	Direction *int64
	// SpID is the cloud account (spId).
	SpID string
	// AppKey is the app that placed the call (appKey).
	AppKey string
	// ICID is the record's unique id (icid).
	ICID string
	// BindNum is the platform number of the call (bindNum).
	BindNum string
	// SessionID is the call, as [Client.Click2Call] returned it (sessionId).
	SessionID string
	// CallerNum is the calling number (callerNum).
	CallerNum string
	// CalleeNum is the called number (calleeNum).
	CalleeNum string
	// FwdDisplayNum is the number shown on the forwarded leg (fwdDisplayNum).
	FwdDisplayNum string
	// FwdDstNum is the number the call was forwarded to (fwdDstNum).
	FwdDstNum string
	// CallInTime is when the call came in (callInTime).
	CallInTime string
	// FwdStartTime is when the forwarded leg started (fwdStartTime).
	FwdStartTime string
	// FwdAlertingTime is when the forwarded leg rang (fwdAlertingTime).
	FwdAlertingTime string
	// FwdAnswerTime is when the forwarded leg was answered (fwdAnswerTime).
	FwdAnswerTime string
	// CallEndTime is when the call ended (callEndTime).
	CallEndTime string
	// FwdUnaswRsn is the Q.850 cause when the forwarded leg failed
	// (fwdUnaswRsn).
	FwdUnaswRsn *int64
	// FailTime is when the call failed (failTime).
	FailTime string
	// UlFailReason is where the call failed (ulFailReason).
	UlFailReason *int64
	// SipStatusCode is the SIP status of a failure (sipStatusCode).
	SipStatusCode *int64
	// CallOutStartTime is when the first leg (to the caller) started
	// (callOutStartTime).
	CallOutStartTime string
	// CallOutAlertingTime is when the first leg rang (callOutAlertingTime).
	CallOutAlertingTime string
	// CallOutAnswerTime is when the first leg was answered
	// (callOutAnswerTime).
	CallOutAnswerTime string
	// CallOutUnaswRsn is the Q.850 cause when the first leg failed
	// (callOutUnaswRsn).
	CallOutUnaswRsn *int64
	// RecordFlag is 1 when the call was recorded (recordFlag).
	RecordFlag *int64
	// RecordStartTime is when recording started (recordStartTime).
	RecordStartTime string
	// RecordObjectName is the recording's file name (recordObjectName).
	RecordObjectName string
	// RecordBucketName is the recording's bucket (recordBucketName).
	RecordBucketName string
	// RecordDomain is the recording's storage domain (recordDomain).
	RecordDomain string
	// RecordFileDownloadURL is where to download the recording
	// (recordFileDownloadUrl).
	RecordFileDownloadURL string
	// TTSPlayTimes is how many text-to-speech announcements were played
	// (ttsPlayTimes).
	TTSPlayTimes *int64
	// TTSTransDuration is the seconds spent converting text to speech
	// (ttsTransDuration).
	TTSTransDuration *int64
	// ServiceType is "002" for voice callback (serviceType).
	ServiceType string
	// HostName is the platform host that wrote the record (hostName).
	HostName string
	// UserData is the call's userData, decoded as in [StatusEvent.UserData].
	UserData string
	// Fields holds every field of the record that is present and not null,
	// rendered as in [StatusEvent.Fields] (counters in decimal); it reaches
	// fields the struct does not name, such as endToEndID.
	Fields map[string]string
	// Raw is the record's object as compact JSON, unknown fields included.
	Raw json.RawMessage
}

// OtherEvent is a push whose eventType the library does not know; it is
// kept whole so that a receiver can still log or handle it.
type OtherEvent struct {
	// EventType is the eventType as sent.
	EventType string
	// Raw is the whole body as compact JSON.
	Raw json.RawMessage
}

// Type returns the eventType as sent.
func (e *StatusEvent) Type() string { return e.EventType }

// Body returns the whole push as compact JSON.
func (e *StatusEvent) Body() json.RawMessage { return e.Raw }

func (*StatusEvent) event() {}

// Type returns the eventType as sent.
func (b *Bill) Type() string { return b.EventType }

// Body returns the whole push as compact JSON.
func (b *Bill) Body() json.RawMessage { return b.Raw }

func (*Bill) event() {}

// Type returns the eventType as sent.
func (o *OtherEvent) Type() string { return o.EventType }

// Body returns the whole push as compact JSON.
func (o *OtherEvent) Body() json.RawMessage { return o.Raw }

func (*OtherEvent) event() {}

// timeLayout is the format of every time in a push.
const timeLayout = "2006-01-02 15:04:05"

// Time returns Timestamp read as a time in UTC, and false when it is
// absent or not "yyyy-MM-dd HH:mm:ss". Runs of spaces, as in some of the
// platform's samples, count as one. A bad time does not make the event
// unparseable, so this is left to the caller.
func (e *StatusEvent) Time() (time.Time, bool) {
	// The C ABI has no getter for the parsed time: this follows
	// notify::parse_time of the library (squeeze whitespace, then the one
	// layout).
	t, err := time.ParseInLocation(timeLayout, strings.Join(strings.Fields(e.Timestamp), " "), time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// ParseNotification reads the body of a push (a call-status event or a
// bill). A body that is not what the API defines (empty, not JSON, no
// eventType, a known field of an impossible type, a bill of 0 or more
// than 50 records, more than 1 MiB) is an [ErrBadNotification] whose
// message names what is wrong (never quoting the body's values). An
// eventType the library does not know is not an error: it gives an
// [*OtherEvent].
//
// The platform sends a push again until it is answered 200, so a receiver
// that cannot parse one should still log it and answer; see
// [NotificationHandler].
func ParseNotification(body []byte) (Event, error) {
	var ptr *C.uint8_t
	if len(body) > 0 {
		ptr = (*C.uint8_t)(unsafe.Pointer(&body[0]))
	}
	var n *C.voicecb_notification
	var cerr *C.voicecb_error
	if rc := C.voicecb_notification_parse(ptr, C.size_t(len(body)), &n, &cerr); rc != C.VOICECB_OK {
		return nil, takeError(rc, cerr)
	}
	defer C.voicecb_notification_free(n)

	eventType := goString(C.voicecb_notification_event_type(n))
	raw := json.RawMessage(goString(C.voicecb_notification_raw_json(n)))
	switch C.voicecb_notification_type(n) {
	case C.VOICECB_NOTIFICATION_STATUS:
		return statusEvent(n, eventType, raw), nil
	case C.VOICECB_NOTIFICATION_BILL:
		return bill(n, eventType, raw), nil
	}
	return &OtherEvent{EventType: eventType, Raw: raw}, nil
}

// statusEvent copies a status event out of the handle.
func statusEvent(n *C.voicecb_notification, eventType string, raw json.RawMessage) *StatusEvent {
	var cs cstrings
	defer cs.free()
	get := func(field string) (string, bool) {
		p, err := cs.add("field", field)
		if err != nil {
			return "", false
		}
		v := C.voicecb_notification_get(n, p)
		if v == nil {
			return "", false
		}
		return C.GoString(v), true
	}
	text := func(field string) string {
		v, _ := get(field)
		return v
	}
	ev := &StatusEvent{
		EventType: eventType,
		Kind:      StatusKind(C.voicecb_notification_status_kind(n)),
		SessionID: text("sessionId"),
		Timestamp: text("timestamp"),
		Caller:    text("caller"),
		Called:    text("called"),
		UserData:  text("userData"),
		StateDesc: text("stateDesc"),
		PartyType: text("partyType"),
		DigitInfo: text("digitInfo"),
		Fields:    map[string]string{},
		Raw:       raw,
	}
	var code C.int64_t
	if C.voicecb_notification_state_code(n, &code) == C.VOICECB_OK {
		v := int64(code)
		ev.StateCode = &v
	}
	// The C ABI cannot list a statusInfo's fields: their names come from
	// the library's JSON of the body.
	var top map[string]json.RawMessage
	var info map[string]json.RawMessage
	if json.Unmarshal(raw, &top) == nil && json.Unmarshal(top["statusInfo"], &info) == nil {
		for name := range info {
			if v, ok := get(name); ok {
				ev.Fields[name] = v
			}
		}
	}
	return ev
}

// bill copies a bill out of the handle.
func bill(n *C.voicecb_notification, eventType string, raw json.RawMessage) *Bill {
	count := int(C.voicecb_notification_record_count(n))
	b := &Bill{EventType: eventType, Records: make([]BillRecord, count), Raw: raw}
	// The records' objects and field names come from the library's JSON of
	// the body; their values from the C ABI's getters.
	var top map[string]json.RawMessage
	var list []json.RawMessage
	if json.Unmarshal(raw, &top) == nil {
		json.Unmarshal(top["feeLst"], &list)
	}
	var cs cstrings
	defer cs.free()
	for i := range b.Records {
		var obj json.RawMessage
		if i < len(list) {
			obj = list[i]
		}
		b.Records[i] = billRecord(n, C.size_t(i), obj, &cs)
	}
	return b
}

// billRecord copies record i of a bill.
func billRecord(n *C.voicecb_notification, i C.size_t, obj json.RawMessage, cs *cstrings) BillRecord {
	get := func(field string) (string, bool) {
		p, err := cs.add("field", field)
		if err != nil {
			return "", false
		}
		v := C.voicecb_notification_record_get(n, i, p)
		if v == nil {
			return "", false
		}
		return C.GoString(v), true
	}
	text := func(field string) string {
		v, _ := get(field)
		return v
	}
	// Counters come from the library in decimal.
	counter := func(field string) *int64 {
		v, ok := get(field)
		if !ok {
			return nil
		}
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil
		}
		return &c
	}
	r := BillRecord{
		Direction:             counter("direction"),
		SpID:                  text("spId"),
		AppKey:                text("appKey"),
		ICID:                  text("icid"),
		BindNum:               text("bindNum"),
		SessionID:             text("sessionId"),
		CallerNum:             text("callerNum"),
		CalleeNum:             text("calleeNum"),
		FwdDisplayNum:         text("fwdDisplayNum"),
		FwdDstNum:             text("fwdDstNum"),
		CallInTime:            text("callInTime"),
		FwdStartTime:          text("fwdStartTime"),
		FwdAlertingTime:       text("fwdAlertingTime"),
		FwdAnswerTime:         text("fwdAnswerTime"),
		CallEndTime:           text("callEndTime"),
		FwdUnaswRsn:           counter("fwdUnaswRsn"),
		FailTime:              text("failTime"),
		UlFailReason:          counter("ulFailReason"),
		SipStatusCode:         counter("sipStatusCode"),
		CallOutStartTime:      text("callOutStartTime"),
		CallOutAlertingTime:   text("callOutAlertingTime"),
		CallOutAnswerTime:     text("callOutAnswerTime"),
		CallOutUnaswRsn:       counter("callOutUnaswRsn"),
		RecordFlag:            counter("recordFlag"),
		RecordStartTime:       text("recordStartTime"),
		RecordObjectName:      text("recordObjectName"),
		RecordBucketName:      text("recordBucketName"),
		RecordDomain:          text("recordDomain"),
		RecordFileDownloadURL: text("recordFileDownloadUrl"),
		TTSPlayTimes:          counter("ttsPlayTimes"),
		TTSTransDuration:      counter("ttsTransDuration"),
		ServiceType:           text("serviceType"),
		HostName:              text("hostName"),
		UserData:              text("userData"),
		Fields:                map[string]string{},
		Raw:                   obj,
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(obj, &fields) == nil {
		for name := range fields {
			if v, ok := get(name); ok {
				r.Fields[name] = v
			}
		}
	}
	return r
}

// VerifyNotification checks the signature of a push, for deployments that
// sign them (others send neither header: then do not call it). url is the
// statusUrl or feeUrl exactly as given to [Client.Click2Call]; h holds the
// push's headers as net/http stores them (the first Authorization and
// X-AKSK values are checked; an absent header fails). The library checks
// the Authorization value, that X-AKSK's Username is appKey, that its
// Created is within window of now (either way; whole seconds, rounded
// down), and its digest, in constant time.
//
// A push that does not verify is an [ErrBadSignature] whose message names
// the failed check (never a digest or the secret); an empty appKey,
// appSecret or url is an [ErrInvalidArgument]. Nonces are not remembered:
// a push replayed within the window verifies again, and the digest does
// not cover the body (only HTTPS protects it).
func VerifyNotification(appKey, appSecret, url string, h http.Header, window time.Duration) error {
	var cs cstrings
	defer cs.free()
	ckey, err := cs.add("app_key", appKey)
	if err != nil {
		return err
	}
	csecret, err := cs.add("app_secret", appSecret)
	if err != nil {
		return err
	}
	curl, err := cs.add("url", url)
	if err != nil {
		return err
	}
	header := func(name, field string) (*C.char, error) {
		v := h.Values(name)
		if len(v) == 0 {
			return nil, nil // NULL: absent, which fails verification
		}
		return cs.add(field, v[0])
	}
	cauth, err := header("Authorization", "authorization")
	if err != nil {
		return err
	}
	caksk, err := header("X-AKSK", "x_aksk")
	if err != nil {
		return err
	}
	var cerr *C.voicecb_error
	if rc := C.voicecb_notification_verify(ckey, csecret, curl, cauth, caksk, windowSecs(window), &cerr); rc != C.VOICECB_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// windowSecs converts a window to the C ABI's whole seconds: rounded down,
// 0 when negative, at most MaxUint32.
func windowSecs(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	return C.uint32_t(min(uint64(d/time.Second), math.MaxUint32))
}
