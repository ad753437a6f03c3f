package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
)

// PlayInfo is one item of a voice notification's playInfoList: either an
// announcement file (NotifyVoice) or a TTS template (TemplateID with its
// TemplateParas), never both. The library checks every value when the
// notification is sent; an error's Field names the item
// ("playInfoList[1].templateId").
type PlayInfo struct {
	// NotifyVoice is the announcement file to play (notifyVoice); "": none.
	NotifyVoice string
	// TemplateID is the approved template to speak (templateId); "": none.
	TemplateID string
	// TemplateParas holds one value per variable of the template, in order
	// (templateParas); only for a template item.
	TemplateParas []string
	// CollectInd is how many digits to collect after the item plays
	// (collectInd). nil: unset.
	CollectInd *int
	// ReplayAfterCollection replays the item when the digits collected
	// equal CollectContentTriggerReplaying (replayAfterCollection). nil: unset.
	ReplayAfterCollection *bool
	// CollectContentTriggerReplaying is the keys that replay the item
	// (collectContentTriggerReplaying). nil: unset.
	CollectContentTriggerReplaying *string
}

// CallNotifyRequest is a voice notification: the platform calls CalleeNbr
// and plays each item of PlayInfo in order. A nil optional field is left
// out of the request, so that the library's or the platform's default
// applies.
type CallNotifyRequest struct {
	// DisplayNbr is the number the callee sees, one of the app's
	// (displayNbr). Required.
	DisplayNbr string
	// CalleeNbr is the party called (calleeNbr). Required.
	CalleeNbr string
	// PlayInfo is the items played (playInfoList).
	PlayInfo []PlayInfo
	// StatusURL is where call-state events are pushed (statusUrl); the
	// rules of [Click2CallRequest.StatusURL]. nil: unset.
	StatusURL *string
	// FeeURL is where bills are pushed (feeUrl). nil: unset.
	FeeURL *string
	// ReturnIdlePort asks for the platform's count of idle call ports
	// (returnIdlePort). nil: unset.
	ReturnIdlePort *bool
	// UserData is the application's own tag, echoed in notifications
	// (userData); the rules of [Click2CallRequest.UserData]. nil: unset.
	UserData *string
}

// CallVerifyRequest is a voice verification code call: the platform calls
// CalleeNbr, plays PreTone, speaks VerifyCode, then plays PosTone. A nil
// optional field is left out, so that the library's or the platform's
// default applies.
type CallVerifyRequest struct {
	// DisplayNbr is the number the callee sees, one of the app's
	// (displayNbr). Required.
	DisplayNbr string
	// CalleeNbr is the party called (calleeNbr). Required.
	CalleeNbr string
	// VerifyCode is the digits spoken (verifyCode). Required.
	VerifyCode string
	// PreTone is the file played before the code (preTone). Required.
	PreTone string
	// LanguageType is the language the code is spoken in (languageType).
	// nil: the library's default.
	LanguageType *int
	// PosTone is the file played after the code (posTone). nil: unset.
	PosTone *string
	// Times is how many times the code is spoken (times). nil: left out,
	// so that the platform's default applies.
	Times *int
	// StatusURL, FeeURL, ReturnIdlePort and UserData are as in
	// [CallNotifyRequest].
	StatusURL      *string
	FeeURL         *string
	ReturnIdlePort *bool
	UserData       *string
}

// sendResult is a voicecb_*_send_result call on a built request.
type sendResult func(h *C.voicecb_client, timeout C.uint32_t, out **C.voicecb_call_result, cerr **C.voicecb_error) C.voicecb_result

// place runs a call-placing request as [Client.Click2Call] does. build
// makes the C request with strings from cs and gives its send and its free.
func (c *Client) place(ctx context.Context, api string, build func(cs *cstrings) (sendResult, func(), error)) (*CallResult, error) {
	var res *CallResult
	err := c.run(ctx, api, func(h *C.voicecb_client, cs *cstrings, t C.uint32_t, cerr **C.voicecb_error) (C.voicecb_result, error) {
		send, free, err := build(cs)
		if err != nil {
			return 0, err
		}
		defer free()
		var cres *C.voicecb_call_result
		rc := send(h, t, &cres, cerr)
		if rc == C.VOICECB_OK {
			res = takeCallResult(cres)
		}
		return rc, nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// takeCallResult copies a call result, then frees it.
func takeCallResult(cres *C.voicecb_call_result) *CallResult {
	defer C.voicecb_call_result_free(cres)
	res := &CallResult{
		SessionID: C.GoString(C.voicecb_call_result_session_id(cres)),
		Attempts:  int(C.voicecb_call_result_attempts(cres)),
		Elapsed:   micros(C.voicecb_call_result_elapsed_us(cres)),
	}
	if idle := C.voicecb_call_result_idle_port(cres); idle >= 0 {
		res.IdlePort = int(idle)
		res.HasIdlePort = true
	}
	return res
}

// CallNotify places a voice notification. The request is checked first
// and nothing is sent if it is invalid; the context is used as for
// [Client.Click2Call]. A notification is never sent again once it may have
// reached the platform, whatever [WithRetry] says. It returns the same
// [CallResult] as Click2Call; stop the call with [Client.Stop].
func (c *Client) CallNotify(ctx context.Context, req CallNotifyRequest) (*CallResult, error) {
	return c.place(ctx, "callNotify", func(cs *cstrings) (sendResult, func(), error) {
		r, err := buildNotify(&req, cs)
		if err != nil {
			return nil, nil, err
		}
		send := func(h *C.voicecb_client, t C.uint32_t, out **C.voicecb_call_result, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callnotify_send_result(h, r, t, out, e)
		}
		return send, func() { C.voicecb_callnotify_free(r) }, nil
	})
}

// CallVerify places a voice verification code call; as [Client.CallNotify].
func (c *Client) CallVerify(ctx context.Context, req CallVerifyRequest) (*CallResult, error) {
	return c.place(ctx, "callVerify", func(cs *cstrings) (sendResult, func(), error) {
		r, err := buildVerify(&req, cs)
		if err != nil {
			return nil, nil, err
		}
		send := func(h *C.voicecb_client, t C.uint32_t, out **C.voicecb_call_result, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callverify_send_result(h, r, t, out, e)
		}
		return send, func() { C.voicecb_callverify_free(r) }, nil
	})
}

// check turns a setter's result into an error. It takes the error's
// address, so that the error is read after the setter ran: Go does not order
// reading a variable operand against a call in the same argument list.
func check(rc C.voicecb_result, cerr **C.voicecb_error) error {
	if rc != C.VOICECB_OK {
		return takeError(rc, *cerr)
	}
	return nil
}

// textField is an optional text field of a C request (R, a pointer to
// it), and its setter.
type textField[R any] struct {
	field string
	value *string
	set   func(R, *C.char, **C.voicecb_error) C.voicecb_result
}

// setTexts passes every text field that is set to its setter.
func setTexts[R any](r R, cs *cstrings, texts []textField[R]) error {
	for _, t := range texts {
		if t.value == nil {
			continue
		}
		p, err := cs.add(t.field, *t.value)
		if err != nil {
			return err
		}
		var cerr *C.voicecb_error
		if err := check(t.set(r, p, &cerr), &cerr); err != nil {
			return err
		}
	}
	return nil
}

// buildNotify makes the C request; the caller frees it.
func buildNotify(req *CallNotifyRequest, cs *cstrings) (*C.voicecb_callnotify, error) {
	display, err := cs.add("displayNbr", req.DisplayNbr)
	if err != nil {
		return nil, err
	}
	callee, err := cs.add("calleeNbr", req.CalleeNbr)
	if err != nil {
		return nil, err
	}
	var r *C.voicecb_callnotify
	var cerr *C.voicecb_error
	if err := check(C.voicecb_callnotify_new(display, callee, &r, &cerr), &cerr); err != nil {
		return nil, err
	}
	if err := setNotify(r, req, cs); err != nil {
		C.voicecb_callnotify_free(r)
		return nil, err
	}
	return r, nil
}

func setNotify(r *C.voicecb_callnotify, req *CallNotifyRequest, cs *cstrings) error {
	for i := range req.PlayInfo {
		if err := addPlayItem(r, i, &req.PlayInfo[i], cs); err != nil {
			return err
		}
	}
	err := setTexts(r, cs, []textField[*C.voicecb_callnotify]{
		{"statusUrl", req.StatusURL, func(r *C.voicecb_callnotify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callnotify_set_status_url(r, v, e)
		}},
		{"feeUrl", req.FeeURL, func(r *C.voicecb_callnotify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callnotify_set_fee_url(r, v, e)
		}},
		{"userData", req.UserData, func(r *C.voicecb_callnotify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callnotify_set_user_data(r, v, e)
		}},
	})
	if err != nil {
		return err
	}
	var cerr *C.voicecb_error
	if req.ReturnIdlePort != nil {
		if err := check(C.voicecb_callnotify_set_return_idle_port(r, C.bool(*req.ReturnIdlePort), &cerr), &cerr); err != nil {
			return err
		}
	}
	return nil
}

// addPlayItem appends item p as item i of r.
func addPlayItem(r *C.voicecb_callnotify, i int, p *PlayInfo, cs *cstrings) error {
	at := fmt.Sprintf("playInfoList[%d]", i)
	index := C.size_t(i)
	var cerr *C.voicecb_error
	// "" is nil (left out): the library checks that exactly one is given.
	var voice, template *C.char
	if p.NotifyVoice != "" {
		v, err := cs.add(at+".notifyVoice", p.NotifyVoice)
		if err != nil {
			return err
		}
		voice = v
	}
	if p.TemplateID != "" {
		v, err := cs.add(at+".templateId", p.TemplateID)
		if err != nil {
			return err
		}
		template = v
	}
	if err := check(C.voicecb_callnotify_add_play_item(r, voice, template, &cerr), &cerr); err != nil {
		return err
	}
	for j, para := range p.TemplateParas {
		v, err := cs.add(fmt.Sprintf("%s.templateParas[%d]", at, j), para)
		if err != nil {
			return err
		}
		if err := check(C.voicecb_callnotify_add_template_para(r, index, v, &cerr), &cerr); err != nil {
			return err
		}
	}
	if p.CollectInd != nil {
		if err := check(C.voicecb_callnotify_item_set_collect_ind(r, index, C.int64_t(*p.CollectInd), &cerr), &cerr); err != nil {
			return err
		}
	}
	if p.ReplayAfterCollection != nil {
		if err := check(C.voicecb_callnotify_item_set_replay_after_collection(r, index, C.bool(*p.ReplayAfterCollection), &cerr), &cerr); err != nil {
			return err
		}
	}
	if p.CollectContentTriggerReplaying != nil {
		v, err := cs.add(at+".collectContentTriggerReplaying", *p.CollectContentTriggerReplaying)
		if err != nil {
			return err
		}
		if err := check(C.voicecb_callnotify_item_set_collect_content_trigger_replaying(r, index, v, &cerr), &cerr); err != nil {
			return err
		}
	}
	return nil
}

// buildVerify makes the C request; the caller frees it.
func buildVerify(req *CallVerifyRequest, cs *cstrings) (*C.voicecb_callverify, error) {
	var args [4]*C.char
	for i, f := range []struct{ field, value string }{
		{"displayNbr", req.DisplayNbr},
		{"calleeNbr", req.CalleeNbr},
		{"verifyCode", req.VerifyCode},
		{"preTone", req.PreTone},
	} {
		p, err := cs.add(f.field, f.value)
		if err != nil {
			return nil, err
		}
		args[i] = p
	}
	var r *C.voicecb_callverify
	var cerr *C.voicecb_error
	if err := check(C.voicecb_callverify_new(args[0], args[1], args[2], args[3], &r, &cerr), &cerr); err != nil {
		return nil, err
	}
	if err := setVerify(r, req, cs); err != nil {
		C.voicecb_callverify_free(r)
		return nil, err
	}
	return r, nil
}

func setVerify(r *C.voicecb_callverify, req *CallVerifyRequest, cs *cstrings) error {
	err := setTexts(r, cs, []textField[*C.voicecb_callverify]{
		{"posTone", req.PosTone, func(r *C.voicecb_callverify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callverify_set_pos_tone(r, v, e)
		}},
		{"statusUrl", req.StatusURL, func(r *C.voicecb_callverify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callverify_set_status_url(r, v, e)
		}},
		{"feeUrl", req.FeeURL, func(r *C.voicecb_callverify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callverify_set_fee_url(r, v, e)
		}},
		{"userData", req.UserData, func(r *C.voicecb_callverify, v *C.char, e **C.voicecb_error) C.voicecb_result {
			return C.voicecb_callverify_set_user_data(r, v, e)
		}},
	})
	if err != nil {
		return err
	}
	var cerr *C.voicecb_error
	if req.LanguageType != nil {
		if err := check(C.voicecb_callverify_set_language_type(r, C.int64_t(*req.LanguageType), &cerr), &cerr); err != nil {
			return err
		}
	}
	if req.Times != nil {
		if err := check(C.voicecb_callverify_set_times(r, C.int64_t(*req.Times), &cerr), &cerr); err != nil {
			return err
		}
	}
	if req.ReturnIdlePort != nil {
		if err := check(C.voicecb_callverify_set_return_idle_port(r, C.bool(*req.ReturnIdlePort), &cerr), &cerr); err != nil {
			return err
		}
	}
	return nil
}

// RecordURL asks the platform for the download URL of a recording:
// fileName is a bill record's RecordObjectName, recordDomain its
// RecordDomain. The platform answers with a redirect, which is not
// followed: its target is returned. The URL expires (see the README):
// fetch it soon rather than store it. The context is used as for
// [Client.Click2Call]; with [WithRetry] this read is also retried after a
// transport error or a timeout.
func (c *Client) RecordURL(ctx context.Context, fileName, recordDomain string) (string, error) {
	return c.recordURL(ctx, func(h *C.voicecb_client, cs *cstrings, t C.uint32_t, out **C.char, e **C.voicecb_error) (C.voicecb_result, error) {
		name, err := cs.add("fileName", fileName)
		if err != nil {
			return 0, err
		}
		domain, err := cs.add("recordDomain", recordDomain)
		if err != nil {
			return 0, err
		}
		return C.voicecb_record_url(h, name, domain, t, out, e), nil
	})
}

// RecordURLFor gives the download URL of the recording of a bill record
// (from [ParseNotification]): asked of the platform with the record's
// recordObjectName and recordDomain, or its recordFileDownloadUrl as it is
// (no request) when those are empty. A record of a call that was not
// recorded is an [ErrInvalidArgument] with Field "recordObjectName".
// Otherwise as [Client.RecordURL].
func (c *Client) RecordURLFor(ctx context.Context, record BillRecord) (string, error) {
	obj := record.Raw
	if len(obj) == 0 {
		obj = json.RawMessage("{}")
	}
	// The library, not this package, reads the record: it is handed a bill
	// holding only the record's own object as sent (and refuses one that is
	// not an object, as ParseNotification would).
	body := make([]byte, 0, len(obj)+32)
	body = append(body, `{"eventType":"fee","feeLst":[`...)
	body = append(body, obj...)
	body = append(body, "]}"...)
	n, err := parse(body)
	if err != nil {
		return "", err
	}
	defer C.voicecb_notification_free(n)
	return c.recordURL(ctx, func(h *C.voicecb_client, _ *cstrings, t C.uint32_t, out **C.char, e **C.voicecb_error) (C.voicecb_result, error) {
		return C.voicecb_notification_record_url(h, n, 0, t, out, e), nil
	})
}

// recordURL runs a recording-URL request; call makes the C call, which
// gives the URL in out.
func (c *Client) recordURL(ctx context.Context, call func(h *C.voicecb_client, cs *cstrings, t C.uint32_t, out **C.char, e **C.voicecb_error) (C.voicecb_result, error)) (string, error) {
	var url string
	err := c.run(ctx, "recordUrl", func(h *C.voicecb_client, cs *cstrings, t C.uint32_t, cerr **C.voicecb_error) (C.voicecb_result, error) {
		var out *C.char
		rc, err := call(h, cs, t, &out, cerr)
		if err == nil && rc == C.VOICECB_OK {
			defer C.voicecb_string_free(out)
			url = C.GoString(out)
		}
		return rc, err
	})
	return url, err
}
