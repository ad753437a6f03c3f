package voicecb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// recorder keeps the events a client reports (the handler runs on the
// calls' goroutines).
type recorder struct {
	mu     sync.Mutex
	events []voicecb.CallEvent
}

func (r *recorder) add(e voicecb.CallEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []voicecb.CallEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]voicecb.CallEvent(nil), r.events...)
}

func TestEventsOfASuccessfulCall(t *testing.T) {
	resetSandbox(t)
	var rec recorder
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), voicecb.WithEventHandler(rec.add))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Click2Call(context.Background(), basicRequest())
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 1 || res.Elapsed <= 0 {
		t.Fatalf("result %+v", res)
	}
	ev := rec.all()
	if len(ev) != 2 || ev[0].Kind != "attempt" || ev[1].Kind != "finished" ||
		ev[0].Level != slog.LevelDebug || ev[1].Level != slog.LevelInfo {
		t.Fatalf("events %+v", ev)
	}
	for _, e := range ev {
		if e.API != "click2Call" || e.Outcome != "answered" || e.Attempt != 1 || e.SessionID != res.SessionID ||
			!e.MayHaveReachedPlatform || e.WillRetry || len(e.RequestID) != 32 ||
			e.Numbers["callerNbr"] != "+86138****0001" || e.AttemptElapsed > e.Elapsed {
			t.Fatalf("event %+v", e)
		}
	}
	if (ev[1].Elapsed - res.Elapsed).Abs() > time.Microsecond {
		t.Fatalf("finished after %v, result says %v", ev[1].Elapsed, res.Elapsed)
	}
}

func TestEventsOfARefusalAreWarnings(t *testing.T) {
	resetSandbox(t)
	var rec recorder
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL),
		voicecb.WithEventHandler(rec.add), voicecb.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 1})
	_, err = c.Click2Call(context.Background(), basicRequest())
	e := mustBeError[*voicecb.Error](t, err)
	if e.Attempts != 1 || e.Elapsed <= 0 {
		t.Fatalf("error %+v", e)
	}
	for _, ev := range rec.all() {
		if ev.Outcome != "refused" || ev.Level != slog.LevelWarn || ev.HTTPStatus != 403 ||
			ev.ResultCode != "1010010" || ev.ErrorKind != "platform" {
			t.Fatalf("event %+v", ev)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	t.Log(lines[len(lines)-1])
	if len(lines) != 2 || !strings.Contains(lines[1], `"level":"WARN"`) ||
		!strings.Contains(lines[1], `"result_code":"1010010"`) || !strings.Contains(lines[1], `"kind":"finished"`) ||
		!strings.Contains(lines[1], `"callerNbr":"+86138****0001"`) {
		t.Fatalf("log lines %q", lines)
	}
}

func TestEventsOfARetriedCall(t *testing.T) {
	resetSandbox(t)
	var rec recorder
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), fastRetry,
		voicecb.WithEventHandler(rec.add))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	forceNext(t, map[string]any{"http_status": 403, "resultcode": "1010010", "count": 2})
	res, err := c.Click2Call(context.Background(), basicRequest())
	if err != nil || res.Attempts != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	ev := rec.all()
	want := []string{"attempt 1 refused", "attempt 2 refused", "attempt 3 answered", "finished 3 answered"}
	if len(ev) != len(want) {
		t.Fatalf("events %+v", ev)
	}
	ids := map[string]bool{}
	for i, e := range ev {
		if got := e.Kind + " " + strconv.Itoa(e.Attempt) + " " + e.Outcome; got != want[i] {
			t.Fatalf("event %d: %s, want %s", i, got, want[i])
		}
		if (i < 2) != e.WillRetry || e.RetryIn > 20*time.Millisecond {
			t.Fatalf("event %d: %+v", i, e)
		}
		ids[e.RequestID] = true
	}
	if len(ids) != 3 {
		t.Fatalf("request ids %v", ids)
	}
}

func TestEventsOfATimeout(t *testing.T) {
	hang, _ := hangListener(t)
	var rec recorder
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(hang), voicecb.WithTimeout(300*time.Millisecond),
		voicecb.WithEventHandler(rec.add))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Click2Call(context.Background(), basicRequest())
	if !errors.Is(err, voicecb.ErrTimeout) {
		t.Fatal(err)
	}
	ev := rec.all()
	if len(ev) != 2 || ev[0].Outcome != "timeout" || ev[1].Outcome != "timeout" || !ev[1].MayHaveReachedPlatform ||
		ev[0].Level != slog.LevelDebug || ev[1].Level != slog.LevelWarn {
		t.Fatalf("events %+v", ev)
	}
}

func TestEventsNeverShowTheSecretOrANumber(t *testing.T) {
	resetSandbox(t)
	const secret = "s3cr3t-never-shown-0123456789"
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hang, _ := hangListener(t)
	var rec recorder
	for _, base := range []string{sandboxURL, hang, closedURL} {
		c, err := voicecb.NewClient(appKey, secret, voicecb.WithBaseURL(base), voicecb.WithTimeout(300*time.Millisecond),
			fastRetry, voicecb.WithLogger(logger), voicecb.WithEventHandler(rec.add))
		if err != nil {
			t.Fatal(err)
		}
		bad := basicRequest()
		bad.CallerNbr = "123"
		for _, call := range []func() error{
			func() error { _, err := c.Click2Call(context.Background(), basicRequest()); return err },
			func() error { _, err := c.Click2Call(context.Background(), bad); return err },
			func() error { return c.Stop(context.Background(), "1_2_0_3@x") },
		} {
			if call() == nil {
				t.Fatalf("%s: a call with the wrong secret succeeded", base)
			}
		}
		c.Close()
	}
	texts := []string{buf.String()}
	for _, e := range rec.all() {
		texts = append(texts, e.Line, e.RequestID, e.ResultDesc)
		for _, n := range e.Numbers {
			texts = append(texts, n)
		}
	}
	if len(rec.all()) < 9 {
		t.Fatalf("only %d events", len(rec.all()))
	}
	for _, s := range texts {
		for _, bad := range []string{secret, "PasswordDigest", "UsernameToken", caller, callee} {
			if strings.Contains(s, bad) {
				t.Fatalf("%q shows %q", s, bad)
			}
		}
	}
}

func TestEventHandlerPanicIsRecovered(t *testing.T) {
	resetSandbox(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), voicecb.WithLogger(logger),
		voicecb.WithEventHandler(func(voicecb.CallEvent) { panic("the application's bug") }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Click2Call(context.Background(), basicRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(context.Background(), res.SessionID); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "the event handler panicked") {
		t.Fatalf("log: %s", buf.String())
	}
}

func TestMaskNumbersOff(t *testing.T) {
	resetSandbox(t)
	var rec recorder
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL(sandboxURL), voicecb.WithMaskNumbers(false),
		voicecb.WithEventHandler(rec.add))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Click2Call(context.Background(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	if ev := rec.all(); ev[0].Numbers["callerNbr"] != caller {
		t.Fatalf("%+v", ev[0])
	}
}

func TestNewClientFromEnv(t *testing.T) {
	resetSandbox(t)
	for _, v := range []string{"VOICECB_APP_KEY", "VOICECB_APP_SECRET", "VOICECB_BASE_URL", "VOICECB_TIMEOUT"} {
		t.Setenv(v, "")
	}
	_, err := voicecb.NewClientFromEnv()
	if e := mustBeError[*voicecb.Error](t, err); e.Field != "VOICECB_APP_KEY" {
		t.Fatalf("%+v", e)
	}
	t.Setenv("VOICECB_APP_KEY", appKey)
	t.Setenv("VOICECB_APP_SECRET", appSecret)
	t.Setenv("VOICECB_BASE_URL", sandboxURL)
	t.Setenv("VOICECB_TIMEOUT", "soon")
	_, err = voicecb.NewClientFromEnv()
	if e := mustBeError[*voicecb.Error](t, err); e.Field != "VOICECB_TIMEOUT" || !strings.Contains(e.Message, "soon") ||
		strings.Contains(e.Message, appSecret) {
		t.Fatalf("%+v", e)
	}
	t.Setenv("VOICECB_TIMEOUT", "5")
	var rec recorder
	c, err := voicecb.NewClientFromEnv(voicecb.WithEventHandler(rec.add))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Click2Call(context.Background(), basicRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(context.Background(), res.SessionID); err != nil {
		t.Fatal(err)
	}
	if len(rec.all()) != 4 {
		t.Fatalf("events %+v", rec.all())
	}
	// An option replaces the environment's setting.
	t.Setenv("VOICECB_BASE_URL", "http://127.0.0.1:9")
	c2, err := voicecb.NewClientFromEnv(voicecb.WithBaseURL(sandboxURL))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Click2Call(context.Background(), basicRequest()); err != nil {
		t.Fatal(err)
	}
}

// A client with events, dropped unclosed: the cleanup frees the library's
// client and the event hook.
func TestCleanupFreesAClientWithEvents(t *testing.T) {
	before, hooks := voicecb.LiveHandles(), voicecb.LiveHooks()
	func() {
		_, err := voicecb.NewClient(appKey, appSecret, voicecb.WithLogger(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))))
		if err != nil {
			t.Fatal(err)
		}
	}()
	for i := 0; i < 3000 && (voicecb.LiveHandles() > before || voicecb.LiveHooks() > hooks); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if voicecb.LiveHandles() > before || voicecb.LiveHooks() > hooks {
		t.Fatal("an unreachable client with events was never freed, or its event hook was not")
	}
}

func TestCloseFreesTheEventHook(t *testing.T) {
	hooks := voicecb.LiveHooks()
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithEventHandler(func(voicecb.CallEvent) {}))
	if err != nil {
		t.Fatal(err)
	}
	if voicecb.LiveHooks() != hooks+1 {
		t.Fatalf("%d hooks after NewClient, want %d", voicecb.LiveHooks(), hooks+1)
	}
	c.Close()
	if voicecb.LiveHooks() != hooks {
		t.Fatalf("%d hooks after Close, want %d", voicecb.LiveHooks(), hooks)
	}
	// A client without events makes none.
	c2, err := voicecb.NewClient(appKey, appSecret)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if voicecb.LiveHooks() != hooks {
		t.Fatal("a client without events made an event hook")
	}
}
