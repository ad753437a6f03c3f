package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// CheckReport is what [Client.Check] found: one entry per step and the
// verdict. Its texts (advice, details, the checklist) are the library's.
type CheckReport struct {
	// Passed is true only when the platform accepted the credentials and
	// no step failed (a step may have warned).
	Passed bool
	// Verdict names the outcome: "accepted", "app_key_unknown",
	// "wrong_secret", "clock_skew", "header_refused", "wrong_path",
	// "refused", "unexpected_answer", "not_resolved", "connect_failed",
	// "tls_failed", "timeout" or "transport_failed".
	Verdict string
	// VerdictCode is the verdict's number (the C VOICECB_CHECK_* value).
	VerdictCode int
	// Summary is the verdict in a few words.
	Summary string
	// Advice says what to do (for an accepted check, what was proven).
	Advice string
	// Endpoint is the host:port checked.
	Endpoint string
	// Proxy is the proxy's host:port, or "" without one.
	Proxy string
	// Addresses are the endpoint's addresses (ip:port).
	Addresses []string
	// ConnectedTo is the address connected to, or "".
	ConnectedTo string
	// ConnectTime is how long the TCP connection took (0: none was made).
	ConnectTime time.Duration
	// TLS holds the handshake's facts, or nil without one.
	TLS *CheckTLS
	// ProbeTime is the probe's round trip (0: it got no answer).
	ProbeTime time.Duration
	// HTTPStatus, ResultCode and ResultDesc are the probe's answer (0 and
	// "" without one).
	HTTPStatus int
	ResultCode string
	ResultDesc string
	// PlatformTime is the platform's clock from its Date header (zero
	// without one).
	PlatformTime time.Time
	// ClockSkew is the platform's clock minus this host's (positive: this
	// host is behind), valid when ClockSkewKnown.
	ClockSkew      time.Duration
	ClockSkewKnown bool
	// ClockOffset is the client's clock offset ([WithClockOffset]).
	ClockOffset time.Duration
	// Steps are resolve, connect, tls, probe, clock and credentials, in order.
	Steps []CheckStep
	// Elapsed is how long the whole check took.
	Elapsed time.Duration
	// Checklist is the report as `voicecb doctor` prints it.
	Checklist string
}

// CheckTLS is what the TLS handshake of a check showed.
type CheckTLS struct {
	// Version is "TLSv1.3" or "TLSv1.2".
	Version string
	// Subject is the server certificate's subject, e.g. "CN=localhost".
	Subject string
	// NotAfter is when the certificate expires (zero if unreadable).
	NotAfter time.Time
	// VerifiedBy names the root that verified the chain and where it came
	// from, or why none did.
	VerifiedBy string
}

// CheckStep is one line of the checklist.
type CheckStep struct {
	// Step is "resolve", "connect", "tls", "probe", "clock" or "credentials".
	Step string
	// Status is "ok", "warning", "failed" or "skipped".
	Status string
	// Detail is what was found, or why the step was not tried.
	Detail string
	// Advice is what to do, for a step that failed or warned; else "".
	Advice string
}

// String returns the checklist.
func (r *CheckReport) String() string { return r.Checklist }

// checkJSON is the library's JSON form of a report.
type checkJSON struct {
	Passed      bool     `json:"passed"`
	Verdict     string   `json:"verdict"`
	VerdictCode int      `json:"verdict_code"`
	Summary     string   `json:"summary"`
	Advice      string   `json:"advice"`
	Endpoint    string   `json:"endpoint"`
	Proxy       *string  `json:"proxy"`
	Addresses   []string `json:"addresses"`
	ConnectedTo *string  `json:"connected_to"`
	ConnectUS   *int64   `json:"connect_us"`
	TLS         *struct {
		Version    string  `json:"version"`
		Subject    string  `json:"subject"`
		NotAfter   *string `json:"not_after"`
		VerifiedBy string  `json:"verified_by"`
	} `json:"tls"`
	ProbeUS         *int64  `json:"probe_us"`
	HTTPStatus      *int    `json:"http_status"`
	ResultCode      *string `json:"result_code"`
	ResultDesc      *string `json:"result_desc"`
	PlatformTime    *string `json:"platform_time"`
	ClockSkewSecs   *int64  `json:"clock_skew_secs"`
	ClockOffsetSecs int64   `json:"clock_offset_secs"`
	Steps           []struct {
		Step   string  `json:"step"`
		Status string  `json:"status"`
		Detail string  `json:"detail"`
		Advice *string `json:"advice"`
	} `json:"steps"`
	ElapsedUS int64 `json:"elapsed_us"`
}

// Check proves the client's configuration works without placing a call:
// it resolves and connects to the endpoint, makes a TLS handshake (https),
// and sends one callStop of a session that cannot exist, whose answer says
// whether the app key, the digest and Created passed. A failed check is the
// report's verdict, not an error; the error is for a closed client or a ctx
// already done. A deadline of ctx bounds the whole check.
func (c *Client) Check(ctx context.Context) (*CheckReport, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	timeout, _, err := callTimeout(ctx, "check")
	if err != nil {
		return nil, err
	}
	h, err := c.acquire()
	if err != nil {
		return nil, err
	}
	// The deferred release keeps c reachable until the C call is over.
	defer c.release()
	var report *C.voicecb_check_report
	var cerr *C.voicecb_error
	if rc := C.voicecb_client_check(h, timeout, &report, &cerr); rc != C.VOICECB_OK {
		return nil, takeError(rc, cerr)
	}
	defer C.voicecb_check_report_free(report)
	var raw checkJSON
	if err := json.Unmarshal([]byte(C.GoString(C.voicecb_check_report_json(report))), &raw); err != nil {
		return nil, fmt.Errorf("voicecb: the library's check report is not its JSON form: %w", err)
	}
	return raw.report(C.GoString(C.voicecb_check_report_checklist(report))), nil
}

func (raw *checkJSON) report(checklist string) *CheckReport {
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	usec := func(us *int64) time.Duration {
		if us == nil {
			return 0
		}
		return time.Duration(*us) * time.Microsecond
	}
	at := func(s *string) time.Time {
		if s == nil {
			return time.Time{}
		}
		t, _ := time.Parse(time.RFC3339, *s)
		return t
	}
	r := &CheckReport{
		Passed:       raw.Passed,
		Verdict:      raw.Verdict,
		VerdictCode:  raw.VerdictCode,
		Summary:      raw.Summary,
		Advice:       raw.Advice,
		Endpoint:     raw.Endpoint,
		Proxy:        text(raw.Proxy),
		Addresses:    raw.Addresses,
		ConnectedTo:  text(raw.ConnectedTo),
		ConnectTime:  usec(raw.ConnectUS),
		ProbeTime:    usec(raw.ProbeUS),
		ResultCode:   text(raw.ResultCode),
		ResultDesc:   text(raw.ResultDesc),
		PlatformTime: at(raw.PlatformTime),
		ClockOffset:  time.Duration(raw.ClockOffsetSecs) * time.Second,
		Elapsed:      time.Duration(raw.ElapsedUS) * time.Microsecond,
		Checklist:    checklist,
	}
	if raw.HTTPStatus != nil {
		r.HTTPStatus = *raw.HTTPStatus
	}
	if raw.ClockSkewSecs != nil {
		r.ClockSkew = time.Duration(*raw.ClockSkewSecs) * time.Second
		r.ClockSkewKnown = true
	}
	if raw.TLS != nil {
		r.TLS = &CheckTLS{
			Version:    raw.TLS.Version,
			Subject:    raw.TLS.Subject,
			NotAfter:   at(raw.TLS.NotAfter),
			VerifiedBy: raw.TLS.VerifiedBy,
		}
	}
	for _, s := range raw.Steps {
		r.Steps = append(r.Steps, CheckStep{Step: s.Step, Status: s.Status, Detail: s.Detail, Advice: text(s.Advice)})
	}
	return r
}
