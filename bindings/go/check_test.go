package voicecb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

func stepOf(t *testing.T, r *voicecb.CheckReport, name string) voicecb.CheckStep {
	t.Helper()
	for _, s := range r.Steps {
		if s.Step == name {
			return s
		}
	}
	t.Fatalf("no %s step:\n%s", name, r)
	return voicecb.CheckStep{}
}

// checkWith checks a client of the sandbox made with secret and opts.
func checkWith(t *testing.T, secret string, opts ...voicecb.Option) *voicecb.CheckReport {
	t.Helper()
	c, err := voicecb.NewClient(appKey, secret, append([]voicecb.Option{voicecb.WithBaseURL(sandboxURL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckAcceptsGoodCredentialsAndPlacesNoCall(t *testing.T) {
	resetSandbox(t)
	r := checkWith(t, appSecret)
	if !r.Passed || r.Verdict != "accepted" || r.VerdictCode != 0 {
		t.Fatalf("not accepted:\n%s", r)
	}
	if r.HTTPStatus != 500 || r.ResultCode != "1020152" || !r.ClockSkewKnown || r.PlatformTime.IsZero() {
		t.Fatalf("probe answer: %+v", r)
	}
	if len(r.Steps) != 6 || stepOf(t, r, "tls").Status != "skipped" || stepOf(t, r, "credentials").Status != "ok" {
		t.Fatalf("steps: %+v", r.Steps)
	}
	if r.TLS != nil || len(r.Addresses) != 1 || r.ConnectedTo == "" {
		t.Fatalf("report: %+v", r)
	}
	stats := sandboxStats(t)
	if stats["click2call"] != float64(0) || stats["callstop"] != float64(1) || stats["active_sessions"] != float64(0) {
		t.Fatalf("the check did more than one callStop: %v", stats)
	}
}

func TestCheckVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name, secret, verdict string
		opts                  []voicecb.Option
	}{
		{"wrong secret", "not-the-secret", "wrong_secret", nil},
		{"clock off by 10 minutes", appSecret, "clock_skew", []voicecb.Option{voicecb.WithClockOffset(10 * time.Minute)}},
		{"wrong path prefix", appSecret, "wrong_path", []voicecb.Option{voicecb.WithBaseURL(sandboxURL + "/voice"), voicecb.WithAllowBaseURLPath(true)}},
		{"refused port", appSecret, "connect_failed", []voicecb.Option{voicecb.WithBaseURL(closedURL)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkWith(t, tc.secret, tc.opts...)
			if r.Passed || r.Verdict != tc.verdict || r.Advice == "" {
				t.Fatalf("want %s:\n%s", tc.verdict, r)
			}
			if strings.Contains(r.Checklist, "not-the-secret") {
				t.Fatalf("the secret leaked:\n%s", r)
			}
		})
	}
}

func TestCheckOfASilentServerEndsAtTheContextsDeadline(t *testing.T) {
	hang := newHangServer(t)
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang.url), voicecb.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "timeout" || stepOf(t, r, "probe").Status != "failed" {
		t.Fatalf("want a timeout of the probe:\n%s", r)
	}
	if !strings.Contains(stepOf(t, r, "probe").Detail, "the call's own timeout") {
		t.Fatalf("the context's deadline is not the limit that ran out:\n%s", r)
	}
	// A context already done sends nothing.
	if _, err := c.Check(ctx); err == nil {
		t.Fatal("Check with a done context: no error")
	}
}
