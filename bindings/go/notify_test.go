package voicecb_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// vectorDir holds the shared notification vectors.
var vectorDir = filepath.Join("..", "..", "tests", "vectors", "notifications")

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// notificationIndex is index.json: the structured expectations (the flat
// c_checks are for the C test).
type notificationIndex struct {
	Cases []struct {
		File        string               `json:"file"`
		Type        string               `json:"type"`
		EventType   string               `json:"event_type"`
		StatusKind  *string              `json:"status_kind"`
		SessionID   *string              `json:"session_id"`
		Timestamp   *string              `json:"timestamp"`
		StateCode   *int64               `json:"state_code"`
		UserData    *string              `json:"user_data"`
		RecordCount int                  `json:"record_count"`
		Fields      map[string]*string   `json:"fields"`
		Records     []map[string]*string `json:"records"`
	} `json:"cases"`
	Malformed []struct {
		Name          string  `json:"name"`
		Body          *string `json:"body"`
		MalformedFile string  `json:"malformed_file"`
		ErrorContains string  `json:"error_contains"`
	} `json:"malformed"`
}

func loadIndex(t testing.TB) notificationIndex {
	t.Helper()
	var idx notificationIndex
	if err := json.Unmarshal(readVector(t, "index.json"), &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// statusTyped gives the typed field of a StatusEvent for an API name.
func statusTyped(ev *voicecb.StatusEvent) map[string]string {
	return map[string]string{
		"sessionId": ev.SessionID, "timestamp": ev.Timestamp, "caller": ev.Caller, "called": ev.Called,
		"userData": ev.UserData, "stateDesc": ev.StateDesc, "partyType": ev.PartyType, "digitInfo": ev.DigitInfo,
		"displayCallerNum": ev.DisplayCallerNum,
	}
}

// recordTyped gives the typed text fields and counters of a BillRecord by API name.
func recordTyped(r *voicecb.BillRecord) (map[string]string, map[string]*int64) {
	texts := map[string]string{
		"spId": r.SpID, "appKey": r.AppKey, "icid": r.ICID, "bindNum": r.BindNum, "sessionId": r.SessionID,
		"callerNum": r.CallerNum, "calleeNum": r.CalleeNum, "fwdDisplayNum": r.FwdDisplayNum, "fwdDstNum": r.FwdDstNum,
		"callInTime": r.CallInTime, "fwdStartTime": r.FwdStartTime, "fwdAlertingTime": r.FwdAlertingTime,
		"fwdAnswerTime": r.FwdAnswerTime, "callEndTime": r.CallEndTime, "failTime": r.FailTime,
		"callOutStartTime": r.CallOutStartTime, "callOutAlertingTime": r.CallOutAlertingTime,
		"callOutAnswerTime": r.CallOutAnswerTime, "recordStartTime": r.RecordStartTime,
		"recordObjectName": r.RecordObjectName, "recordBucketName": r.RecordBucketName, "recordDomain": r.RecordDomain,
		"recordFileDownloadUrl": r.RecordFileDownloadURL, "serviceType": r.ServiceType, "hostName": r.HostName,
		"userData": r.UserData, "dynIVRStartTime": r.DynIVRStartTime, "dynIVRPath": r.DynIVRPath,
		"origCalleeNum": r.OrigCalleeNum,
	}
	counters := map[string]*int64{
		"direction": r.Direction, "fwdUnaswRsn": r.FwdUnaswRsn, "ulFailReason": r.UlFailReason,
		"sipStatusCode": r.SipStatusCode, "callOutUnaswRsn": r.CallOutUnaswRsn, "recordFlag": r.RecordFlag,
		"ttsPlayTimes": r.TTSPlayTimes, "ttsTransDuration": r.TTSTransDuration,
	}
	return texts, counters
}

// checkField compares one expected field (nil: absent) with the Fields map
// and, when the struct names the field, with the typed value.
func checkField(t *testing.T, where, name string, want *string, fields map[string]string, texts map[string]string, counters map[string]*int64) {
	t.Helper()
	got, ok := fields[name]
	if want == nil {
		if ok {
			t.Errorf("%s: Fields[%s] = %q, want absent", where, name, got)
		}
	} else if !ok || got != *want {
		t.Errorf("%s: Fields[%s] = %q (%v), want %q", where, name, got, ok, *want)
	}
	if typed, named := texts[name]; named && typed != str(want) {
		t.Errorf("%s: typed %s = %q, want %q", where, name, typed, str(want))
	}
	if c, named := counters[name]; named {
		switch {
		case want == nil && c != nil:
			t.Errorf("%s: counter %s = %d, want nil", where, name, *c)
		case want != nil && c == nil:
			t.Errorf("%s: counter %s = nil, want %s", where, name, *want)
		case want != nil && strconv.FormatInt(*c, 10) != *want:
			t.Errorf("%s: counter %s = %d, want %s", where, name, *c, *want)
		}
	}
}

func TestNotificationVectors(t *testing.T) {
	idx := loadIndex(t)
	if len(idx.Cases) < 10 {
		t.Fatalf("only %d cases", len(idx.Cases))
	}
	checks := 0
	for _, c := range idx.Cases {
		ev, err := voicecb.ParseNotification(readVector(t, c.File))
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if ev.Type() != c.EventType {
			t.Errorf("%s: Type() %q, want %q", c.File, ev.Type(), c.EventType)
		}
		var body map[string]any
		if err := json.Unmarshal(ev.Body(), &body); err != nil || body["eventType"] != c.EventType {
			t.Errorf("%s: Body() %s: %v", c.File, ev.Body(), err)
		}
		switch ev := ev.(type) {
		case *voicecb.StatusEvent:
			if c.Type != "status" {
				t.Errorf("%s: a status event, want %s", c.File, c.Type)
				continue
			}
			if c.StatusKind == nil || ev.Kind.String() != *c.StatusKind || ev.EventType != c.EventType {
				t.Errorf("%s: kind %v eventType %q", c.File, ev.Kind, ev.EventType)
			}
			if ev.SessionID != str(c.SessionID) || ev.Timestamp != str(c.Timestamp) || ev.UserData != str(c.UserData) {
				t.Errorf("%s: %+v", c.File, ev)
			}
			if (ev.StateCode == nil) != (c.StateCode == nil) || (ev.StateCode != nil && *ev.StateCode != *c.StateCode) {
				t.Errorf("%s: StateCode %v, want %v", c.File, ev.StateCode, c.StateCode)
			}
			texts := statusTyped(ev)
			for name, want := range c.Fields {
				checkField(t, c.File, name, want, ev.Fields, texts, map[string]*int64{"stateCode": ev.StateCode})
				checks++
			}
			if c.Timestamp != nil {
				tm, ok := ev.Time()
				if !ok || tm.Location() != time.UTC || tm.Format("2006-01-02 15:04:05") != strings.Join(strings.Fields(*c.Timestamp), " ") {
					t.Errorf("%s: Time() %v %v", c.File, tm, ok)
				}
			}
		case *voicecb.Bill:
			if c.Type != "bill" || ev.EventType != c.EventType {
				t.Errorf("%s: a bill, want %s", c.File, c.Type)
				continue
			}
			if len(ev.Records) != c.RecordCount || len(c.Records) != c.RecordCount {
				t.Fatalf("%s: %d records, want %d", c.File, len(ev.Records), c.RecordCount)
			}
			for i, want := range c.Records {
				r := &ev.Records[i]
				texts, counters := recordTyped(r)
				where := c.File + ": record " + strconv.Itoa(i)
				for name, v := range want {
					checkField(t, where, name, v, r.Fields, texts, counters)
					checks++
				}
				var obj map[string]any
				if err := json.Unmarshal(r.Raw, &obj); err != nil || obj["sessionId"] != str(want["sessionId"]) {
					t.Errorf("%s: Raw %s: %v", where, r.Raw, err)
				}
			}
		case *voicecb.OtherEvent:
			if c.Type != "other" || ev.EventType != c.EventType {
				t.Errorf("%s: other, want %s", c.File, c.Type)
			}
		default:
			t.Errorf("%s: %T", c.File, ev)
		}
	}
	if checks < 60 {
		t.Fatalf("only %d field checks", checks)
	}
}

// TestNotificationDetails checks what the shared expectations do not spell out.
func TestNotificationDetails(t *testing.T) {
	ev, err := voicecb.ParseNotification(readVector(t, "bill.json"))
	if err != nil {
		t.Fatal(err)
	}
	b := ev.(*voicecb.Bill)
	r0, r1 := b.Records[0], b.Records[1]
	// Every named field of a full record, sent as numbers.
	if r0.SpID != "CaaS_Test_01" || r0.AppKey != "ZRBRz4bAXoFgEH7o4Ew308eXc1RA" || r0.ICID == "" || r0.BindNum != "+8675512345678" ||
		r0.CallerNum != "+8675512345678" || r0.CalleeNum != "+8613800000001" || r0.FwdDisplayNum != "+8675512345678" ||
		r0.FwdDstNum != "+8613800000002" || r0.CallInTime != "2019-01-24 03:04:24" || r0.FwdStartTime != "2019-01-24 03:04:32" ||
		r0.FwdAlertingTime != "2019-01-24 03:04:35" || r0.FwdAnswerTime != "2019-01-24 03:04:41" ||
		r0.CallOutStartTime != "2019-01-24 03:04:24" || r0.CallOutAlertingTime != "2019-01-24 03:04:26" ||
		r0.RecordStartTime != "2019-01-24 03:04:41" || r0.RecordObjectName != "190124030441012501183040.wav" ||
		r0.RecordBucketName != "sp-v1z96521zfr3vxe5n2a1uj1sq1wp" || r0.RecordDomain != "ostor.huawei.com" ||
		r0.HostName != "callenabler246.huaweicaas.com" || *r0.RecordFlag != 1 || r0.Fields["endToEndID"] != "543207693" {
		t.Errorf("record 0: %+v", r0)
	}
	// Raw keeps userData as sent; UserData and Fields have it decoded.
	if !bytes.Contains(r1.Raw, []byte(`"b64:5a6i5oi3MTIz"`)) || r1.UserData != "客户123" || r1.Fields["userData"] != "客户123" {
		t.Errorf("record 1 userData: %q %q %s", r1.UserData, r1.Fields["userData"], r1.Raw)
	}
	if *r1.SipStatusCode != 486 || *r1.TTSPlayTimes != 3 || r1.FwdAlertingTime != "" || r1.CallOutUnaswRsn != nil {
		t.Errorf("record 1: %+v", r1)
	}

	// Unknown fields of a status event, rendered as the library does.
	body := `{"eventType":"DISCONNECT","statusInfo":{"sessionId":"s1","stateCode":"16","partyType":1,` +
		`"nested":{"a":[1,true]},"flag":false,"ratio":0.5,"nothing":null,"timestamp":"2019-13-01 00:00:00"}}`
	ev, err = voicecb.ParseNotification([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	st := ev.(*voicecb.StatusEvent)
	want := map[string]string{"sessionId": "s1", "stateCode": "16", "partyType": "1", "nested": `{"a":[1,true]}`,
		"flag": "false", "ratio": "0.5", "timestamp": "2019-13-01 00:00:00"}
	if len(st.Fields) != len(want) {
		t.Errorf("Fields %v", st.Fields)
	}
	for k, v := range want {
		if st.Fields[k] != v {
			t.Errorf("Fields[%s] = %q, want %q", k, st.Fields[k], v)
		}
	}
	if st.Kind != voicecb.StatusDisconnect || st.EventType != "DISCONNECT" || *st.StateCode != 16 || st.PartyType != "1" {
		t.Errorf("%+v", st)
	}
	if _, ok := st.Time(); ok {
		t.Error("month 13 read as a time")
	}
	if _, ok := (&voicecb.StatusEvent{}).Time(); ok {
		t.Error("no timestamp read as a time")
	}
	// The library reads the time when the event is parsed (runs of spaces
	// count as one); Time does not read Timestamp again.
	ev, err = voicecb.ParseNotification([]byte(`{"eventType":"answer","statusInfo":{"timestamp":"2019-01-24  03:04:24"}}`))
	if err != nil {
		t.Fatal(err)
	}
	st = ev.(*voicecb.StatusEvent)
	st.Timestamp = "garbage"
	if tm, ok := st.Time(); !ok || !tm.Equal(time.Date(2019, 1, 24, 3, 4, 24, 0, time.UTC)) || tm.Location() != time.UTC {
		t.Errorf("Time() %v %v", tm, ok)
	}
	ev, err = voicecb.ParseNotification([]byte(`{"eventType":"answer","statusInfo":{"sessionId":"s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ev.(*voicecb.StatusEvent).Time(); ok {
		t.Error("an event without a timestamp has a time")
	}

	// MaxBillRecords records, each with its own Raw; one more is refused.
	records := make([]string, voicecb.MaxBillRecords+1)
	for i := range records {
		records[i] = `{"sessionId":"s` + strconv.Itoa(i) + `","ttsPlayTimes":"` + strconv.Itoa(i) + `"}`
	}
	full := `{"eventType":"fee","feeLst":[` + strings.Join(records[:voicecb.MaxBillRecords], ",") + `]}`
	ev, err = voicecb.ParseNotification([]byte(full))
	if err != nil {
		t.Fatalf("%d records: %v", voicecb.MaxBillRecords, err)
	}
	b = ev.(*voicecb.Bill)
	if voicecb.MaxBillRecords != 50 || len(b.Records) != voicecb.MaxBillRecords {
		t.Fatalf("%d records, MaxBillRecords %d", len(b.Records), voicecb.MaxBillRecords)
	}
	for i, r := range b.Records {
		var obj map[string]any
		if err := json.Unmarshal(r.Raw, &obj); err != nil || len(obj) != 2 || obj["sessionId"] != "s"+strconv.Itoa(i) ||
			*r.TTSPlayTimes != int64(i) || len(r.Fields) != 2 {
			t.Fatalf("record %d: %+v (%v)", i, r, err)
		}
	}
	over := `{"eventType":"fee","feeLst":[` + strings.Join(records, ",") + `]}`
	if _, err := voicecb.ParseNotification([]byte(over)); !errors.Is(err, voicecb.ErrBadNotification) {
		t.Fatalf("%d records: %v", len(records), err)
	}
	for k, name := range map[voicecb.StatusKind]string{voicecb.StatusCallout: "callout", voicecb.StatusAlerting: "alerting",
		voicecb.StatusAnswer: "answer", voicecb.StatusCollectInfo: "collectInfo", voicecb.StatusDisconnect: "disconnect",
		voicecb.StatusKind(0): "StatusKind(0)"} {
		if k.String() != name {
			t.Errorf("%d: %q", k, k.String())
		}
	}

	// 1 MiB is the limit: one byte more is refused.
	padded := make([]byte, voicecb.MaxNotificationBody+1)
	for i := range padded {
		padded[i] = ' '
	}
	copy(padded, body)
	if _, err := voicecb.ParseNotification(padded[:voicecb.MaxNotificationBody]); err != nil {
		t.Fatalf("1 MiB: %v", err)
	}
	_, err = voicecb.ParseNotification(padded)
	if !errors.Is(err, voicecb.ErrBadNotification) || !strings.Contains(err.Error(), "1048577 bytes") {
		t.Fatalf("1 MiB + 1: %v", err)
	}
	if _, err := voicecb.ParseNotification(nil); !errors.Is(err, voicecb.ErrBadNotification) {
		t.Fatalf("nil body: %v", err)
	}
}

func TestMalformedNotifications(t *testing.T) {
	idx := loadIndex(t)
	if len(idx.Malformed) < 20 {
		t.Fatalf("only %d malformed bodies", len(idx.Malformed))
	}
	for _, m := range idx.Malformed {
		var body []byte
		switch {
		case m.Body != nil:
			body = []byte(*m.Body)
		case m.MalformedFile != "":
			body = readVector(t, m.MalformedFile)
		default:
			t.Fatalf("%s: no body", m.Name)
		}
		ev, err := voicecb.ParseNotification(body)
		if ev != nil || !errors.Is(err, voicecb.ErrBadNotification) || errors.Is(err, voicecb.ErrInvalidArgument) {
			t.Errorf("%s: %v, %v", m.Name, ev, err)
			continue
		}
		e := mustBeError[*voicecb.Error](t, err)
		if e.Kind != voicecb.KindBadNotification || e.Kind.String() != "bad_notification" || e.Field != "" ||
			!strings.Contains(e.Message, m.ErrorContains) {
			t.Errorf("%s: %+v, want a message containing %q", m.Name, e, m.ErrorContains)
		}
	}
}

// signedCase is one case of signed.json.
type signedCase struct {
	Name           string  `json:"name"`
	AppKey         string  `json:"app_key"`
	AppSecret      string  `json:"app_secret"`
	URL            string  `json:"url"`
	Body           string  `json:"body"`
	Authorization  *string `json:"authorization"`
	XAKSK          *string `json:"x_aksk"`
	Valid          bool    `json:"valid"`
	CWindowSecs    int64   `json:"c_window_secs"`
	CErrorContains *string `json:"c_error_contains"`
	SignerClock    string  `json:"signer_clock"`
	DigestForm     string  `json:"digest_form"`
}

func headers(auth, xaksk *string) http.Header {
	h := http.Header{}
	if auth != nil {
		h.Set("Authorization", *auth)
	}
	if xaksk != nil {
		h.Set("X-AKSK", *xaksk)
	}
	return h
}

// TestSignedNotifications runs signed.json. The library checks Created
// against the real clock, so each case gives the window to use with it
// (as the C test does): the widest for the cases about the digest, 300 s
// for those about Created, whose times are years in the past.
func TestSignedNotifications(t *testing.T) {
	var doc struct {
		Cases []signedCase `json:"cases"`
	}
	if err := json.Unmarshal(readVector(t, "signed.json"), &doc); err != nil {
		t.Fatal(err)
	}
	valid := 0
	for _, c := range doc.Cases {
		opts := voicecb.VerifyOptions{Window: time.Duration(c.CWindowSecs) * time.Second}
		switch c.SignerClock {
		case "utc8":
			opts.SignerClock = voicecb.SignerClockUTC8
		case "utc":
		default:
			t.Fatalf("%s: signer_clock %q", c.Name, c.SignerClock)
		}
		switch c.DigestForm {
		case "plain":
			opts.DigestForm = voicecb.DigestFormPlain
		case "lines":
			opts.DigestForm = voicecb.DigestFormLines
		case "any":
		default:
			t.Fatalf("%s: digest_form %q", c.Name, c.DigestForm)
		}
		err := voicecb.VerifyNotificationWith(c.AppKey, c.AppSecret, c.URL, headers(c.Authorization, c.XAKSK), opts)
		if c.Valid {
			if err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
			valid++
			if _, err := voicecb.ParseNotification([]byte(c.Body)); err != nil {
				t.Errorf("%s: body: %v", c.Name, err)
			}
			continue
		}
		if !errors.Is(err, voicecb.ErrBadSignature) || errors.Is(err, voicecb.ErrBadNotification) {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		e := mustBeError[*voicecb.Error](t, err)
		if e.Kind != voicecb.KindBadSignature || e.Kind.String() != "bad_signature" || c.CErrorContains == nil ||
			!strings.Contains(e.Message, *c.CErrorContains) || strings.Contains(e.Message, c.AppSecret) {
			t.Errorf("%s: %+v", c.Name, e)
		}
	}
	if len(doc.Cases) < 30 || valid < 7 {
		t.Fatalf("%d cases, %d valid", len(doc.Cases), valid)
	}
}

// signPush signs a push to url the way the platform does, created at the
// given time (Python's make_signed.py does the same for the vectors).
func signPush(key, secret, url string, created time.Time) http.Header {
	return signPushAs(key, secret, url, created.UTC().Format("2006-01-02T15:04:05Z"), "")
}

// signPushAs signs with Created written as given and sep between the
// digest's parts ("" or "\n").
func signPushAs(key, secret, url, c, sep string) http.Header {
	nonce := "0123456789ABCDEFabcdef"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(url + sep + nonce + sep + c))
	digest := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	h := http.Header{}
	h.Set("Authorization", `AKSK realm="SDP",profile="UsernameToken",type="Appkey"`)
	h.Set("X-AKSK", `UsernameToken Username="`+key+`",PasswordDigest="`+digest+`",Nonce="`+nonce+`",Created="`+c+`"`)
	return h
}

func TestVerifyNotificationClock(t *testing.T) {
	const url = "https://example.com/voicecb/status"
	now := time.Now()
	if err := voicecb.VerifyNotification("key", "secret", url, signPush("key", "secret", url, now), time.Minute); err != nil {
		t.Fatalf("fresh: %v", err)
	}
	for _, created := range []time.Time{now.Add(-10 * time.Minute), now.Add(10 * time.Minute)} {
		err := voicecb.VerifyNotification("key", "secret", url, signPush("key", "secret", url, created), 5*time.Minute)
		if !errors.Is(err, voicecb.ErrBadSignature) || !strings.Contains(err.Error(), "outside the 300 s window") {
			t.Errorf("created %v: %v", created, err)
		}
	}
	// Windows are whole seconds, rounded down; a negative one is 0.
	err := voicecb.VerifyNotification("key", "secret", url, signPush("key", "secret", url, now.Add(-3*time.Second)), 2999*time.Millisecond)
	if !errors.Is(err, voicecb.ErrBadSignature) || !strings.Contains(err.Error(), "outside the 2 s window") {
		t.Errorf("2.999 s window: %v", err)
	}
	err = voicecb.VerifyNotification("key", "secret", url, signPush("key", "secret", url, now.Add(-3*time.Second)), -time.Hour)
	if !strings.Contains(err.Error(), "outside the 0 s window") {
		t.Errorf("negative window: %v", err)
	}
	// Only the first value of a header counts.
	h := signPush("key", "secret", url, now)
	h.Add("X-AKSK", "garbage")
	if err := voicecb.VerifyNotification("key", "secret", url, h, time.Minute); err != nil {
		t.Errorf("second X-AKSK value: %v", err)
	}

	// Arguments the library refuses, and strings C cannot carry.
	h = signPush("key", "secret", url, now)
	for _, c := range []struct {
		key, secret, url string
		h                http.Header
		kind             voicecb.Kind
		field            string
	}{
		{"", "secret", url, h, voicecb.KindInvalidArgument, "app_key"},
		{"key", "", url, h, voicecb.KindInvalidArgument, "app_secret"},
		{"key", "secret", "", h, voicecb.KindInvalidArgument, "url"},
		{"key\xff", "secret", url, h, voicecb.KindInvalidUTF8, "app_key"},
		{"key", "secret\x00", url, h, voicecb.KindInvalidArgument, "app_secret"},
		{"key", "secret", url + "\x00", h, voicecb.KindInvalidArgument, "url"},
		{"key", "secret", url, http.Header{"Authorization": {"a\x00"}}, voicecb.KindInvalidArgument, "authorization"},
		{"key", "secret", url, http.Header{"X-Aksk": {"\xff"}}, voicecb.KindInvalidUTF8, "x_aksk"},
	} {
		wantInvalid(t, voicecb.VerifyNotification(c.key, c.secret, c.url, c.h, time.Minute), c.kind, c.field)
	}
	if err := voicecb.VerifyNotification("key", "secret", url, nil, time.Minute); !errors.Is(err, voicecb.ErrBadSignature) {
		t.Errorf("nil header: %v", err)
	}
}

func TestParseNotificationConcurrently(t *testing.T) {
	bodies := [][]byte{readVector(t, "bill.json"), readVector(t, "disconnect.json"), readVector(t, "unknown_event.json")}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ev, err := voicecb.ParseNotification(bodies[i%len(bodies)])
				if err != nil {
					errs <- err
					return
				}
				if b, ok := ev.(*voicecb.Bill); ok && *b.Records[1].TTSPlayTimes != 3 {
					errs <- errors.New("record 1 changed")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
