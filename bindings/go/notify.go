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
	"runtime"
	"strconv"
	"time"
	"unsafe"
)

// The library's limits on a push, from the header.
const (
	// MaxNotificationBody is the largest push body, in bytes, that
	// [ParseNotification] accepts (VOICECB_NOTIFICATION_MAX_BODY, 1 MiB),
	// and the most that [NotificationHandler] reads (a longer body is
	// answered 413).
	MaxNotificationBody = C.VOICECB_NOTIFICATION_MAX_BODY
	// MaxBillRecords is the most records a [Bill] may have
	// (VOICECB_NOTIFICATION_MAX_RECORDS, 50).
	MaxBillRecords = C.VOICECB_NOTIFICATION_MAX_RECORDS
	// MaxNotificationFields is the most fields a statusInfo object or one
	// bill record may have (VOICECB_NOTIFICATION_MAX_FIELDS, 1024); a push
	// with more is an [ErrBadNotification].
	MaxNotificationFields = C.VOICECB_NOTIFICATION_MAX_FIELDS
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
	// platform's clock (timestamp); [StatusEvent.Time] has it as a
	// [time.Time].
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
	// DisplayCallerNum is the number shown to the called party
	// (displayCallerNum).
	DisplayCallerNum string
	// Fields holds every statusInfo field that is present and not null, by
	// its API name, as the library renders it: strings as sent (userData
	// decoded), integer fields in decimal, other numbers and booleans as
	// JSON text, nested values as compact JSON. It reaches fields the
	// struct does not name.
	Fields map[string]string
	// Raw is the whole body as compact JSON (object keys may come in
	// another order than sent; userData as sent).
	Raw json.RawMessage

	// at is Timestamp as the library read it at parse time; hasTime says
	// whether it could.
	at      time.Time
	hasTime bool
}

// Bill is a bill (eventType "fee"): the records of feeLst.
type Bill struct {
	// EventType is the eventType as sent ("fee").
	EventType string
	// Records holds the 1 to [MaxBillRecords] call records, in the order
	// sent.
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
	// DynIVRStartTime is when the dynamic IVR started (dynIVRStartTime).
	DynIVRStartTime string
	// DynIVRPath is the path taken through the dynamic IVR (dynIVRPath).
	DynIVRPath string
	// OrigCalleeNum is the callee number as the call asked for it
	// (origCalleeNum).
	OrigCalleeNum string
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

// Time returns Timestamp as a time in UTC, as the library read it when
// [ParseNotification] made the event (runs of spaces, as in some of the
// platform's samples, count as one), and false when the event has no
// timestamp or it is not "yyyy-MM-dd HH:mm:ss". A bad time does not make
// the event unparseable, so this is left to the caller. An event that
// ParseNotification did not make has no time; changing Timestamp does not
// change Time.
func (e *StatusEvent) Time() (time.Time, bool) {
	return e.at, e.hasTime
}

// ParseNotification reads the body of a push (a call-status event or a
// bill). A body that is not what the API defines (empty, not JSON, no
// eventType, a known field of an impossible type, a bill of 0 or more
// than [MaxBillRecords] records, more than [MaxNotificationBody] bytes) is
// an [ErrBadNotification] whose
// message names what is wrong (never quoting the body's values). An
// eventType the library does not know is not an error: it gives an
// [*OtherEvent].
//
// The platform sends a push again until it is answered 200, so a receiver
// that cannot parse one should still log it and answer; see
// [NotificationHandler].
func ParseNotification(body []byte) (Event, error) {
	n, err := parse(body)
	if err != nil {
		return nil, err
	}
	// Everything borrowed from n is copied before it is freed.
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

// parse gives the library's handle of a push; the caller frees it.
func parse(body []byte) (*C.voicecb_notification, error) {
	var ptr *C.uint8_t
	if len(body) > 0 {
		ptr = (*C.uint8_t)(unsafe.Pointer(&body[0]))
	}
	var n *C.voicecb_notification
	var cerr *C.voicecb_error
	rc := C.voicecb_notification_parse(ptr, C.size_t(len(body)), &n, &cerr)
	runtime.KeepAlive(body)
	if rc != C.VOICECB_OK {
		return nil, takeError(rc, cerr)
	}
	return n, nil
}

// statusEvent copies a status event out of the handle. The library lists
// the statusInfo fields that are present and not null, and renders each;
// the named fields are read from that list.
func statusEvent(n *C.voicecb_notification, eventType string, raw json.RawMessage) *StatusEvent {
	// By index: listing the fields stays linear in their number.
	count := C.voicecb_notification_field_count(n)
	fields := make(map[string]string, int(count))
	for i := range count {
		name, v := C.voicecb_notification_field_name(n, i), C.voicecb_notification_field_value(n, i)
		if name == nil || v == nil {
			break
		}
		fields[C.GoString(name)] = C.GoString(v)
	}
	ev := &StatusEvent{
		EventType:        eventType,
		Kind:             StatusKind(C.voicecb_notification_status_kind(n)),
		SessionID:        fields["sessionId"],
		Timestamp:        fields["timestamp"],
		Caller:           fields["caller"],
		Called:           fields["called"],
		UserData:         fields["userData"],
		StateDesc:        fields["stateDesc"],
		PartyType:        fields["partyType"],
		DigitInfo:        fields["digitInfo"],
		DisplayCallerNum: fields["displayCallerNum"],
		Fields:           fields,
		Raw:              raw,
	}
	var code C.int64_t
	if C.voicecb_notification_state_code(n, &code) == C.VOICECB_OK {
		v := int64(code)
		ev.StateCode = &v
	}
	// NULL err: a missing or malformed timestamp is only "no time".
	var secs C.int64_t
	if C.voicecb_notification_time(n, &secs, nil) == C.VOICECB_OK {
		ev.at, ev.hasTime = time.Unix(int64(secs), 0).UTC(), true
	}
	return ev
}

// bill copies a bill out of the handle.
func bill(n *C.voicecb_notification, eventType string, raw json.RawMessage) *Bill {
	count := C.voicecb_notification_record_count(n)
	b := &Bill{EventType: eventType, Records: make([]BillRecord, count), Raw: raw}
	for i := range count {
		b.Records[i] = billRecord(n, i)
	}
	return b
}

// billRecord copies record i of a bill: the fields the library lists for
// it (present and not null, rendered by the library) and its own JSON.
func billRecord(n *C.voicecb_notification, i C.size_t) BillRecord {
	count := C.voicecb_notification_record_field_count(n, i)
	fields := make(map[string]string, int(count))
	for j := range count {
		name, v := C.voicecb_notification_record_field_name(n, i, j), C.voicecb_notification_record_field_value(n, i, j)
		if name == nil || v == nil {
			break
		}
		fields[C.GoString(name)] = C.GoString(v)
	}
	var obj json.RawMessage
	if p := C.voicecb_notification_record_raw_json(n, i); p != nil {
		obj = json.RawMessage(C.GoString(p))
	}
	// Counters come from the library in decimal.
	counter := func(field string) *int64 {
		v, ok := fields[field]
		if !ok {
			return nil
		}
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil
		}
		return &c
	}
	return BillRecord{
		Direction:             counter("direction"),
		SpID:                  fields["spId"],
		AppKey:                fields["appKey"],
		ICID:                  fields["icid"],
		BindNum:               fields["bindNum"],
		SessionID:             fields["sessionId"],
		CallerNum:             fields["callerNum"],
		CalleeNum:             fields["calleeNum"],
		FwdDisplayNum:         fields["fwdDisplayNum"],
		FwdDstNum:             fields["fwdDstNum"],
		CallInTime:            fields["callInTime"],
		FwdStartTime:          fields["fwdStartTime"],
		FwdAlertingTime:       fields["fwdAlertingTime"],
		FwdAnswerTime:         fields["fwdAnswerTime"],
		CallEndTime:           fields["callEndTime"],
		FwdUnaswRsn:           counter("fwdUnaswRsn"),
		FailTime:              fields["failTime"],
		UlFailReason:          counter("ulFailReason"),
		SipStatusCode:         counter("sipStatusCode"),
		CallOutStartTime:      fields["callOutStartTime"],
		CallOutAlertingTime:   fields["callOutAlertingTime"],
		CallOutAnswerTime:     fields["callOutAnswerTime"],
		CallOutUnaswRsn:       counter("callOutUnaswRsn"),
		RecordFlag:            counter("recordFlag"),
		RecordStartTime:       fields["recordStartTime"],
		RecordObjectName:      fields["recordObjectName"],
		RecordBucketName:      fields["recordBucketName"],
		RecordDomain:          fields["recordDomain"],
		RecordFileDownloadURL: fields["recordFileDownloadUrl"],
		TTSPlayTimes:          counter("ttsPlayTimes"),
		TTSTransDuration:      counter("ttsTransDuration"),
		ServiceType:           fields["serviceType"],
		HostName:              fields["hostName"],
		UserData:              fields["userData"],
		DynIVRStartTime:       fields["dynIVRStartTime"],
		DynIVRPath:            fields["dynIVRPath"],
		OrigCalleeNum:         fields["origCalleeNum"],
		Fields:                fields,
		Raw:                   obj,
	}
}

// SignerClock is the time zone in which the platform writes a push's
// Created.
type SignerClock int32

const (
	// SignerClockUTC: Created is UTC (the default).
	SignerClockUTC SignerClock = C.VOICECB_SIGNER_CLOCK_UTC
	// SignerClockUTC8: Created is Beijing time (UTC+8) written with a
	// literal Z, as the vendor's current notification pages state.
	SignerClockUTC8 SignerClock = C.VOICECB_SIGNER_CLOCK_UTC8
)

// DigestForm is the message a push's digest is over.
type DigestForm int32

const (
	// DigestFormAny accepts either form below (the default).
	DigestFormAny DigestForm = C.VOICECB_DIGEST_FORM_ANY
	// DigestFormPlain accepts only url + nonce + created.
	DigestFormPlain DigestForm = C.VOICECB_DIGEST_FORM_PLAIN
	// DigestFormLines accepts only url + "\n" + nonce + "\n" + created.
	DigestFormLines DigestForm = C.VOICECB_DIGEST_FORM_LINES
)

// VerifyOptions sets how [VerifyNotificationWith] checks a signature.
type VerifyOptions struct {
	// Window is how far Created may be from now, either way (whole
	// seconds, rounded down; zero or negative: Created must be now).
	Window time.Duration
	// SignerClock is the time zone Created is written in.
	SignerClock SignerClock
	// DigestForm pins the digest's message; the zero value accepts both.
	DigestForm DigestForm
}

// VerifyNotification checks the signature of a push, for deployments that
// sign them (others send neither header: then do not call it), with
// Created read as UTC and either digest form; see [VerifyNotificationWith].
func VerifyNotification(appKey, appSecret, url string, h http.Header, window time.Duration) error {
	return VerifyNotificationWith(appKey, appSecret, url, h, VerifyOptions{Window: window})
}

// VerifyNotificationWith checks the signature of a push. url is the
// statusUrl or feeUrl exactly as given to [Client.Click2Call]; h holds the
// push's headers as net/http stores them (the first Authorization and
// X-AKSK values are checked; an absent header fails). The library checks
// the Authorization value, that X-AKSK's Username is appKey, that its
// Nonce is 1 to 128 characters of [0-9A-Za-z], that its Created (read in
// opts.SignerClock's time zone) is within opts.Window of now, either way,
// and its digest, in constant time.
//
// A push that does not verify is an [ErrBadSignature] whose message names
// the failed check (never a digest or the secret); an empty appKey,
// appSecret or url, or an unknown SignerClock or DigestForm, is an
// [ErrInvalidArgument]. Nonces are not remembered: a push replayed within
// the window verifies again, and the digest does not cover the body (only
// HTTPS protects it).
func VerifyNotificationWith(appKey, appSecret, url string, h http.Header, opts VerifyOptions) error {
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
	rc := C.voicecb_notification_verify_with(ckey, csecret, curl, cauth, caksk, windowSecs(opts.Window),
		C.int32_t(opts.SignerClock), C.int32_t(opts.DigestForm), &cerr)
	if rc != C.VOICECB_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// defaultNotificationWindow is the library's default window for signed
// pushes.
func defaultNotificationWindow() time.Duration {
	return time.Duration(C.voicecb_default_notification_window_secs()) * time.Second
}

// windowSecs converts a window to the C ABI's whole seconds: rounded down,
// 0 when negative, at most MaxUint32.
func windowSecs(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	return C.uint32_t(min(uint64(d/time.Second), math.MaxUint32))
}
