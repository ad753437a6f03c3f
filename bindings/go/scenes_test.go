package voicecb_test

// Issue 16: the voice notification, the verification code and the
// recording URL against the sandbox: round trips with their pushes and
// bills, every refusal the sandbox gives, validation that sends nothing,
// the record flow down to the WAV file, and the retry rules.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The sandbox's announcements and templates (voicecb sandbox --help).
var (
	voiceItem    = voicecb.PlayInfo{NotifyVoice: "notifyvoice.wav"}
	templateItem = voicecb.PlayInfo{TemplateID: "test_template", TemplateParas: []string{"3", "south gate"}}
)

// pushReceiver is an HTTP server on 127.0.0.1 whose every push, parsed by
// NotificationHandler, goes to the channel it returns; its URL is the
// server's base.
func pushReceiver(t *testing.T) (string, <-chan voicecb.Event) {
	t.Helper()
	events := make(chan voicecb.Event, 64)
	srv := httptest.NewServer(voicecb.NotificationHandler(func(ev voicecb.Event) { events <- ev }))
	t.Cleanup(srv.Close)
	return srv.URL, events
}

// untilBill returns every push of the call up to and including its bill
// (at most 20, so that a sandbox that never bills fails the test).
func untilBill(t *testing.T, events <-chan voicecb.Event, sessionID string) ([]string, []*voicecb.StatusEvent, *voicecb.Bill) {
	t.Helper()
	var kinds []string
	var statuses []*voicecb.StatusEvent
	for range 20 {
		ev := nextEvent(t, events, "a push")
		kinds = append(kinds, ev.Type())
		switch e := ev.(type) {
		case *voicecb.Bill:
			if len(e.Records) != 1 || e.Records[0].SessionID != sessionID {
				t.Fatalf("bill of another call: %s", e.Raw)
			}
			return kinds, statuses, e
		case *voicecb.StatusEvent:
			if e.SessionID != sessionID {
				t.Fatalf("push of another call: %s", e.Raw)
			}
			statuses = append(statuses, e)
		default:
			t.Fatalf("unexpected push %T %s", ev, ev.Body())
		}
	}
	t.Fatalf("no bill among 20 pushes: %v", kinds)
	return nil, nil, nil
}

func TestCallNotifyRoundTrip(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	res, err := c.CallNotify(context.Background(), voicecb.CallNotifyRequest{
		DisplayNbr: display,
		CalleeNbr:  callee,
		PlayInfo: []voicecb.PlayInfo{
			templateItem,
			{NotifyVoice: "welcome.wav", CollectInd: voicecb.Ptr(4)},
		},
		StatusURL:      voicecb.Ptr(base + "/status"),
		FeeURL:         voicecb.Ptr(base + "/fee"),
		ReturnIdlePort: voicecb.Ptr(true),
		UserData:       voicecb.Ptr("order-42"),
	})
	if err != nil {
		t.Fatalf("CallNotify: %v", err)
	}
	if res.SessionID == "" || res.Attempts != 1 || !res.HasIdlePort {
		t.Fatalf("result %+v", res)
	}
	kinds, statuses, bill := untilBill(t, events, res.SessionID)
	if got := strings.Join(kinds, ","); got != "callout,alerting,answer,collectInfo,disconnect,fee" {
		t.Fatalf("pushes %s", got)
	}
	// By the end of calleeNbr ...0002: the first 4 of 1234567890.
	if st := statuses[3]; st.Kind != voicecb.StatusCollectInfo || st.DigitInfo != "1234" || st.UserData != "order-42" {
		t.Fatalf("collectInfo %+v", st)
	}
	if r := bill.Records[0]; r.ServiceType != "001" || r.UserData != "order-42" || r.RecordObjectName != "" {
		t.Fatalf("bill record %+v", r)
	}
	if n := counter(t, "callnotify"); n != 1 {
		t.Fatalf("%d callnotify requests", n)
	}
}

func TestCallVerifyRoundTrip(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	res, err := c.CallVerify(context.Background(), voicecb.CallVerifyRequest{
		DisplayNbr:   display,
		CalleeNbr:    callee,
		VerifyCode:   "2468",
		PreTone:      "pretone.wav",
		PosTone:      voicecb.Ptr("postone.wav"),
		LanguageType: voicecb.Ptr(2),
		Times:        voicecb.Ptr(2),
		StatusURL:    voicecb.Ptr(base + "/status"),
		FeeURL:       voicecb.Ptr(base + "/fee"),
	})
	if err != nil {
		t.Fatalf("CallVerify: %v", err)
	}
	if res.SessionID == "" || res.HasIdlePort {
		t.Fatalf("result %+v", res)
	}
	kinds, statuses, bill := untilBill(t, events, res.SessionID)
	if got := strings.Join(kinds, ","); got != "callout,alerting,answer,disconnect,fee" {
		t.Fatalf("pushes %s", got)
	}
	if st := statuses[3]; st.StateCode == nil || *st.StateCode != 0 {
		t.Fatalf("disconnect %+v", st)
	}
	if r := bill.Records[0]; r.ServiceType != "001" || r.TTSPlayTimes == nil {
		t.Fatalf("bill record %+v", r)
	}
	if n := counter(t, "callverify"); n != 1 {
		t.Fatalf("%d callverify requests", n)
	}
}

// TestCallVerifyTimesReachesThePlatform: an unset Times is left out (the
// platform's default applies), which plays more than Times 1.
func TestCallVerifyTimesReachesThePlatform(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	var plays []int64
	for _, times := range []*int{nil, voicecb.Ptr(1)} {
		res, err := c.CallVerify(context.Background(), voicecb.CallVerifyRequest{
			DisplayNbr: display, CalleeNbr: callee, VerifyCode: "24", PreTone: "pretone.wav",
			Times: times, FeeURL: voicecb.Ptr(base + "/fee"),
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _, bill := untilBill(t, events, res.SessionID)
		if bill.Records[0].TTSPlayTimes == nil {
			t.Fatalf("no ttsPlayTimes: %s", bill.Raw)
		}
		plays = append(plays, *bill.Records[0].TTSPlayTimes)
	}
	if plays[0] <= plays[1] {
		t.Fatalf("ttsPlayTimes unset %d, times 1 %d", plays[0], plays[1])
	}
}

func TestSceneRefusals(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	notify := func(items ...voicecb.PlayInfo) func() error {
		return func() error {
			_, err := c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: items})
			return err
		}
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"template unknown", notify(voicecb.PlayInfo{TemplateID: "no_such"}), "1012003"},
		{"template not approved", notify(voicecb.PlayInfo{TemplateID: "pending_template", TemplateParas: []string{"x"}}), "1012002"},
		{"wrong number of templateParas", notify(voicecb.PlayInfo{TemplateID: "test_template", TemplateParas: []string{"3"}}), "1012004"},
		{"templateParas value too long for the template", notify(voicecb.PlayInfo{TemplateID: "test_template", TemplateParas: []string{"12345678901", "x"}}), "1012005"},
		{"recording not found", func() error {
			_, err := c.RecordURL(ctx, "no-such-recording.wav", "example.com")
			return err
		}, "1012007"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resetSandbox(t)
			err := tc.call()
			e := mustBeError[*voicecb.Error](t, err)
			if !errors.Is(err, voicecb.ErrPlatform) || e.HTTPStatus != 403 || e.ResultCode != tc.code || e.RequestNotSent {
				t.Fatalf("%+v", e)
			}
			if n := requests(t); n != 1 {
				t.Fatalf("%d requests: a refusal is not retried", n)
			}
			if tc.code == "1012007" {
				// The missing recording's code is not documented.
				if e.Info != nil {
					t.Fatalf("catalogued: %+v", e.Info)
				}
			} else if e.Info == nil || !containsAPI(e.Info.APIs, voicecb.CallNotify) {
				t.Fatalf("not the notification's code: %+v", e.Info)
			}
		})
	}
}

func containsAPI(apis []voicecb.API, a voicecb.API) bool {
	for _, x := range apis {
		if x == a {
			return true
		}
	}
	return false
}

func TestScenesWrongSecret(t *testing.T) {
	resetSandbox(t)
	c, err := voicecb.NewClient(appKey, "not-the-secret", voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	_, e1 := c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{voiceItem}})
	_, e2 := c.CallVerify(ctx, voicecb.CallVerifyRequest{DisplayNbr: display, CalleeNbr: callee, VerifyCode: "1234", PreTone: "pretone.wav"})
	_, e3 := c.RecordURL(ctx, "a.wav", "example.com")
	for i, err := range []error{e1, e2, e3} {
		e := mustBeError[*voicecb.Error](t, err)
		if !errors.Is(err, voicecb.ErrAuth) || e.HTTPStatus != 401 || e.ResultCode != "1010010" || strings.Contains(e.Error(), "not-the-secret") {
			t.Fatalf("call %d: %+v", i, e)
		}
	}
}

func TestSceneValidationSendsNothing(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	notify := func(items []voicecb.PlayInfo, edit ...func(*voicecb.CallNotifyRequest)) func() error {
		return func() error {
			req := voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: items}
			for _, f := range edit {
				f(&req)
			}
			_, err := c.CallNotify(ctx, req)
			return err
		}
	}
	verify := func(edit func(*voicecb.CallVerifyRequest)) func() error {
		return func() error {
			req := voicecb.CallVerifyRequest{DisplayNbr: display, CalleeNbr: callee, VerifyCode: "1234", PreTone: "pretone.wav"}
			edit(&req)
			_, err := c.CallVerify(ctx, req)
			return err
		}
	}
	record := func(name, domain string) func() error {
		return func() error {
			_, err := c.RecordURL(ctx, name, domain)
			return err
		}
	}
	items := func(extra ...voicecb.PlayInfo) []voicecb.PlayInfo {
		return append([]voicecb.PlayInfo{voiceItem, templateItem}, extra...)
	}
	six := []voicecb.PlayInfo{voiceItem, voiceItem, voiceItem, voiceItem, voiceItem, voiceItem}
	for i, tc := range []struct {
		call  func() error
		field string
	}{
		{notify(items(voicecb.PlayInfo{TemplateID: strings.Repeat("t", 33)})), "playInfoList[2].templateId"},
		{notify(items(voicecb.PlayInfo{NotifyVoice: strings.Repeat("v", 129)})), "playInfoList[2].notifyVoice"},
		{notify(nil), "playInfoList"},
		{notify(six), "playInfoList"},
		{notify([]voicecb.PlayInfo{{NotifyVoice: "a.wav", TemplateParas: []string{"x"}}}), "playInfoList[0].templateParas"},
		{notify(items(voicecb.PlayInfo{TemplateID: "t", TemplateParas: []string{"ok", strings.Repeat("x", 33)}})), "playInfoList[2].templateParas[1]"},
		{notify([]voicecb.PlayInfo{{NotifyVoice: "a.wav", CollectInd: voicecb.Ptr(33)}}), "playInfoList[0].collectInd"},
		{notify([]voicecb.PlayInfo{voiceItem, {NotifyVoice: "a.wav", ReplayAfterCollection: voicecb.Ptr(true)}}), "playInfoList[1].replayAfterCollection"},
		{notify([]voicecb.PlayInfo{{NotifyVoice: "a.wav", CollectInd: voicecb.Ptr(1), ReplayAfterCollection: voicecb.Ptr(true), CollectContentTriggerReplaying: voicecb.Ptr("12")}}), "playInfoList[0].collectContentTriggerReplaying"},
		{notify([]voicecb.PlayInfo{voiceItem, {NotifyVoice: "a.wav", TemplateID: "t"}}), "playInfoList[1].templateId"},
		{notify([]voicecb.PlayInfo{{}}), "playInfoList[0].notifyVoice"},
		{notify([]voicecb.PlayInfo{{NotifyVoice: "a\x00.wav"}}), "playInfoList[0].notifyVoice"},
		{notify(items(), func(r *voicecb.CallNotifyRequest) { r.CalleeNbr = "12" }), "calleeNbr"},
		{notify(items(), func(r *voicecb.CallNotifyRequest) { r.StatusURL = voicecb.Ptr("ftp://example.com/x") }), "statusUrl"},
		{notify(items(), func(r *voicecb.CallNotifyRequest) { r.UserData = voicecb.Ptr("{x}") }), "userData"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.VerifyCode = "12a4" }), "verifyCode"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.VerifyCode = "1" }), "verifyCode"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.VerifyCode = "123456789" }), "verifyCode"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.PreTone = "" }), "preTone"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.PosTone = voicecb.Ptr(strings.Repeat("p", 129)) }), "posTone"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.Times = voicecb.Ptr(10) }), "times"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.LanguageType = voicecb.Ptr(1) }), "languageType"},
		{verify(func(r *voicecb.CallVerifyRequest) { r.DisplayNbr = "" }), "displayNbr"},
		{record("", "example.com"), "fileName"},
		{record("a.wav", strings.Repeat("d", 129)), "recordDomain"},
		{func() error {
			_, err := c.RecordURLFor(ctx, voicecb.BillRecord{})
			return err
		}, "recordObjectName"},
	} {
		t.Run(fmt.Sprintf("%d-%s", i, tc.field), func(t *testing.T) {
			resetSandbox(t)
			err := tc.call()
			e := mustBeError[*voicecb.Error](t, err)
			if !errors.Is(err, voicecb.ErrInvalidArgument) || e.Field != tc.field || !e.RequestNotSent || !strings.Contains(e.Error(), tc.field) {
				t.Fatalf("%+v", e)
			}
			if n := requests(t); n != 0 {
				t.Fatalf("%d requests sent", n)
			}
		})
	}
}

func TestRecordFlowDownToTheWAV(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	ctx := context.Background()
	req := basicRequest()
	req.RecordFlag = voicecb.Ptr(true)
	req.MaxDuration = voicecb.Ptr[uint32](1)
	req.FeeURL = voicecb.Ptr(base + "/fee")
	call, err := c.Click2Call(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, _, bill := untilBill(t, events, call.SessionID)
	r := bill.Records[0]
	if r.RecordFlag == nil || *r.RecordFlag != 1 || r.RecordObjectName == "" || r.RecordDomain == "" || r.RecordFileDownloadURL == "" {
		t.Fatalf("bill record without the record fields: %s", r.Raw)
	}

	url, err := c.RecordURL(ctx, r.RecordObjectName, r.RecordDomain)
	if err != nil {
		t.Fatalf("RecordURL: %v", err)
	}
	if !strings.HasPrefix(url, sandboxURL+"/") {
		t.Fatalf("URL %s", url)
	}
	wav := download(t, url)
	if len(wav) < 12 || string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file: %q", wav[:min(len(wav), 16)])
	}

	// The helper asks with recordObjectName and recordDomain...
	before := counter(t, "record")
	url2, err := c.RecordURLFor(ctx, r)
	if err != nil {
		t.Fatalf("RecordURLFor: %v", err)
	}
	if counter(t, "record") != before+1 || string(download(t, url2)) != string(wav) {
		t.Fatalf("RecordURLFor gave %s", url2)
	}
	// ...and without them gives recordFileDownloadUrl as it is, asking nothing.
	fallback := voicecb.BillRecord{Raw: []byte(fmt.Sprintf(`{"recordFileDownloadUrl":%q}`, r.RecordFileDownloadURL))}
	if got, err := c.RecordURLFor(ctx, fallback); err != nil || got != r.RecordFileDownloadURL {
		t.Fatalf("fallback: %q, %v", got, err)
	}
	if counter(t, "record") != before+1 {
		t.Fatal("the fallback asked the platform")
	}
}

func TestNotificationBillHasNoRecording(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	ctx := context.Background()
	res, err := c.CallNotify(ctx, voicecb.CallNotifyRequest{
		DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{voiceItem}, FeeURL: voicecb.Ptr(base + "/fee"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, bill := untilBill(t, events, res.SessionID)
	_, err = c.RecordURLFor(ctx, bill.Records[0])
	if e := mustBeError[*voicecb.Error](t, err); e.Field != "recordObjectName" || !e.RequestNotSent {
		t.Fatalf("%+v", e)
	}
	if n := counter(t, "record"); n != 0 {
		t.Fatalf("%d recording-URL requests", n)
	}
}

// download fetches url, never through a proxy.
func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := admin.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScenesTimedOutAfterSendingAreSentOnce(t *testing.T) {
	url, drain := countingServer(t)
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(url),
		voicecb.WithTimeout(800*time.Millisecond), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	_, err = c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{voiceItem}})
	if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, voicecb.ErrTimeout) || e.RequestNotSent {
		t.Fatalf("callNotify: %+v", e)
	}
	if n := drain(); n != 1 {
		t.Fatalf("callNotify was sent %d times after a timeout", n)
	}
	_, err = c.CallVerify(ctx, voicecb.CallVerifyRequest{DisplayNbr: display, CalleeNbr: callee, VerifyCode: "1234", PreTone: "pretone.wav"})
	if !errors.Is(err, voicecb.ErrTimeout) {
		t.Fatalf("callVerify: %v", err)
	}
	if n := drain(); n != 2 {
		t.Fatalf("callVerify was sent %d times after a timeout", n-1)
	}
	// The count does count retries: the recording URL, a read, is retried.
	if _, err := c.RecordURL(ctx, "a.wav", "example.com"); !errors.Is(err, voicecb.ErrTimeout) {
		t.Fatalf("recordUrl: %v", err)
	}
	if n := drain(); n != 2+3 {
		t.Fatalf("%d requests, want 2 calls and 3 recording-URL tries", n)
	}
}

// TestSceneDeadline: a context deadline shorter than the client's timeout
// ends the call, and the error matches context.DeadlineExceeded, as for
// Click2Call.
func TestSceneDeadline(t *testing.T) {
	url, drain := countingServer(t)
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(url), voicecb.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error {
			_, err := c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{voiceItem}})
			return err
		},
		func(ctx context.Context) error {
			_, err := c.CallVerify(ctx, voicecb.CallVerifyRequest{DisplayNbr: display, CalleeNbr: callee, VerifyCode: "1234", PreTone: "pretone.wav"})
			return err
		},
		func(ctx context.Context) error {
			_, err := c.RecordURL(ctx, "a.wav", "example.com")
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := call(ctx)
		cancel()
		if e := mustBeError[*voicecb.Error](t, err); !errors.Is(err, context.DeadlineExceeded) || e.TimeoutLimit != "call" {
			t.Fatalf("%+v", e)
		}
		// An expired context sends nothing.
		if err := call(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("expired context: %v", err)
		}
	}
	if n := drain(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestScenesAfterClose(t *testing.T) {
	c := newClient(t)
	c.Close()
	ctx := context.Background()
	_, e1 := c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{voiceItem}})
	_, e2 := c.CallVerify(ctx, voicecb.CallVerifyRequest{DisplayNbr: display, CalleeNbr: callee, VerifyCode: "1234", PreTone: "pretone.wav"})
	_, e3 := c.RecordURL(ctx, "a.wav", "example.com")
	_, e4 := c.RecordURLFor(ctx, voicecb.BillRecord{})
	for i, err := range []error{e1, e2, e3, e4} {
		if !errors.Is(err, voicecb.ErrClosed) {
			t.Fatalf("call %d after Close: %v", i, err)
		}
	}
}

// TestNewAPIsInTheCatalogue: the template codes are the notification's
// only, 1010007 the three new APIs'; their names are the documents'.
func TestNewAPIsInTheCatalogue(t *testing.T) {
	for api, name := range map[voicecb.API]string{voicecb.CallNotify: "callNotify", voicecb.CallVerify: "callVerify", voicecb.RecordURL: "recordUrl"} {
		if api.String() != name {
			t.Errorf("%d: %s", int32(api), api)
		}
	}
	info, ok := voicecb.DescribeFor(voicecb.CallNotify, 403, "1012003")
	if !ok || len(info.APIs) != 1 || info.APIs[0] != voicecb.CallNotify {
		t.Fatalf("1012003: %+v", info)
	}
	if _, ok := voicecb.DescribeFor(voicecb.Click2Call, 403, "1012003"); ok {
		t.Fatal("1012003 in click2Call's table")
	}
	info, ok = voicecb.DescribeFor(voicecb.RecordURL, 403, "1010007")
	want := []voicecb.API{voicecb.CallNotify, voicecb.CallVerify, voicecb.RecordURL}
	if !ok || fmt.Sprint(info.APIs) != fmt.Sprint(want) {
		t.Fatalf("1010007: %+v", info)
	}
}

// TestCallNotifyReplaysOnTheTriggerKeys: keys "11" (callee ...0000111)
// equal the trigger, so the item is replayed (twice at most): three
// collectInfo events come before the disconnect.
func TestCallNotifyReplaysOnTheTriggerKeys(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	res, err := c.CallNotify(context.Background(), voicecb.CallNotifyRequest{
		DisplayNbr: display,
		CalleeNbr:  "+8613800000111",
		PlayInfo: []voicecb.PlayInfo{{
			NotifyVoice:                    "notifyvoice.wav",
			CollectInd:                     voicecb.Ptr(2),
			ReplayAfterCollection:          voicecb.Ptr(true),
			CollectContentTriggerReplaying: voicecb.Ptr("11"),
		}},
		StatusURL: voicecb.Ptr(base + "/status"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 20 {
		st, ok := nextEvent(t, events, "a status event").(*voicecb.StatusEvent)
		if !ok || st.SessionID != res.SessionID {
			t.Fatalf("push %+v", st)
		}
		if st.Kind == voicecb.StatusCollectInfo {
			got = append(got, st.EventType+":"+st.DigitInfo)
		} else {
			got = append(got, st.EventType)
		}
		if st.Kind == voicecb.StatusDisconnect {
			break
		}
	}
	want := "callout,alerting,answer,collectInfo:11,collectInfo:11,collectInfo:11,disconnect"
	if strings.Join(got, ",") != want {
		t.Fatalf("pushes %v", got)
	}
}

// TestSceneCallsEndByStopOrMissingAnnouncement: Stop ends a notification;
// an announcement the app lacks ends one with stateCode 8006.
func TestSceneCallsEndByStopOrMissingAnnouncement(t *testing.T) {
	resetSandbox(t)
	c := newClient(t)
	base, events := pushReceiver(t)
	ctx := context.Background()
	disconnect := func(sessionID string, stop bool) *voicecb.StatusEvent {
		t.Helper()
		for range 10 {
			st, ok := nextEvent(t, events, "a status event").(*voicecb.StatusEvent)
			if !ok || st.SessionID != sessionID {
				t.Fatalf("push %+v", st)
			}
			if stop && st.Kind == voicecb.StatusAnswer {
				if err := c.Stop(ctx, sessionID); err != nil {
					t.Fatalf("Stop: %v", err)
				}
			}
			if st.Kind == voicecb.StatusDisconnect {
				return st
			}
		}
		t.Fatal("no disconnect among 10 pushes")
		return nil
	}
	five := []voicecb.PlayInfo{voiceItem, voiceItem, voiceItem, voiceItem, voiceItem}
	res, err := c.CallNotify(ctx, voicecb.CallNotifyRequest{DisplayNbr: display, CalleeNbr: callee, PlayInfo: five, StatusURL: voicecb.Ptr(base + "/status")})
	if err != nil {
		t.Fatal(err)
	}
	disconnect(res.SessionID, true)
	if n := counter(t, "callstop"); n != 1 {
		t.Fatalf("%d callStop requests", n)
	}
	res, err = c.CallNotify(ctx, voicecb.CallNotifyRequest{
		DisplayNbr: display, CalleeNbr: callee, PlayInfo: []voicecb.PlayInfo{{NotifyVoice: "missing.wav"}}, StatusURL: voicecb.Ptr(base + "/status"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := disconnect(res.SessionID, false); st.StateCode == nil || *st.StateCode != 8006 {
		t.Fatalf("disconnect %+v", st)
	}
}
