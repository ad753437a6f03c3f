package voicecb

/*
#include "voicecb.h"

// voicecbGoEvent is exported by events.go.
extern void voicecbGoEvent(voicecb_event *ev, void *userdata);

static voicecb_result voicecb_go_set_events(voicecb_options *o, void *userdata, voicecb_error **err) {
	return voicecb_options_set_event_callback(o, (voicecb_event_callback)voicecbGoEvent, userdata, err);
}
*/
import "C"

import (
	"log/slog"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Option sets one setting of [NewClient]. Options are applied in order;
// when one is given twice, the last wins.
type Option func(*settings)

// settings collects the options; nil (or unset) means the library's default.
type settings struct {
	baseURL            *string
	connectTimeout     *time.Duration
	timeout            *time.Duration
	caFile             *string
	insecureSkipVerify *bool
	proxy              *string
	userAgent          *string
	encodeNonASCII     *bool
	clockOffset        *time.Duration
	allowBaseURLPath   *bool
	retry              *RetryPolicy
	logger             *slog.Logger
	onEvent            func(CallEvent)
	maskNumbers        *bool
}

// WithBaseURL sets the platform's address, "http[s]://host[:port]" with a
// port 1-65535 when given (default
// "https://rtccall.cn-north-1.myhuaweicloud.cn:443"). [NewClient] checks
// it, and refuses a path unless [WithAllowBaseURLPath] is given.
func WithBaseURL(url string) Option {
	return func(s *settings) { s.baseURL = &url }
}

// WithAllowBaseURLPath, when true, accepts a base URL with a path (a
// gateway's prefix, put in front of the API's paths). Off by default: a
// pasted full endpoint URL would fail with 403/1010006 on every call.
func WithAllowBaseURLPath(allow bool) Option {
	return func(s *settings) { s.allowBaseURLPath = &allow }
}

// WithConnectTimeout sets the time allowed for DNS, TCP and TLS set-up
// (default 5 s). It is passed in whole milliseconds, rounded up; zero or a
// negative duration makes [NewClient] fail with [ErrInvalidArgument].
// Durations beyond about 49 days are cut to that.
func WithConnectTimeout(d time.Duration) Option {
	return func(s *settings) { s.connectTimeout = &d }
}

// WithTimeout sets the time allowed for a whole request, answer included
// (default 15 s). Milliseconds and limits as for [WithConnectTimeout]. A
// context deadline can shorten it for one call.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) { s.timeout = &d }
}

// WithCAFile makes the client trust the certificates of this PEM file
// instead of the built-in roots. [NewClient] reads the file.
func WithCAFile(path string) Option {
	return func(s *settings) { s.caFile = &path }
}

// WithInsecureSkipVerify, when true, skips every check of the server's
// certificate. Dangerous: anyone on the path can read the calls and reuse
// their signatures. For tests against a throwaway certificate only.
func WithInsecureSkipVerify(insecure bool) Option {
	return func(s *settings) { s.insecureSkipVerify = &insecure }
}

// WithProxy sends requests through this HTTP proxy, "http://host:port" or
// "https://host:port"; [NewClient] refuses other schemes ("socks5://") and
// ports outside 1-65535. Proxy variables of the environment are never read.
func WithProxy(url string) Option {
	return func(s *settings) { s.proxy = &url }
}

// WithUserAgent sets the User-Agent header (default "libvoicecb/<version>").
func WithUserAgent(userAgent string) Option {
	return func(s *settings) { s.userAgent = &userAgent }
}

// WithEncodeNonASCIIUserData, when true, makes the client Base64-encode a
// non-ASCII [Click2CallRequest.UserData] (sent with the prefix "b64:")
// instead of refusing it. Off by default.
func WithEncodeNonASCIIUserData(encode bool) Option {
	return func(s *settings) { s.encodeNonASCII = &encode }
}

// WithClockOffset adds d to this host's clock when signing requests, for a
// host whose clock is known to be off (the platform refuses with 1010013,
// an [ErrAuth]). The library takes whole seconds: d is rounded to the
// nearest second; at most one day either way.
func WithClockOffset(d time.Duration) Option {
	return func(s *settings) { s.clockOffset = &d }
}

// RetryPolicy says how [WithRetry] retries failed calls.
type RetryPolicy struct {
	// MaxAttempts counts every try, the first included: 1 to 10, where 1
	// turns retries off.
	MaxAttempts int
	// InitialBackoff is the longest wait before the second try; each later
	// wait may be twice as long as the one before, up to MaxBackoff. Every
	// wait is drawn at random between zero and its bound (full jitter).
	InitialBackoff time.Duration
	// MaxBackoff bounds every wait: at least InitialBackoff, at most 60 s.
	MaxBackoff time.Duration
}

// WithRetry makes the client retry failed calls where that cannot place a
// call twice: a request that never left (connecting failed), a refusal the
// catalogue marks retry-safe ([Error.Retryable], e.g. flow control), and
// [Client.Stop] after a transport error or a timeout. [Client.Click2Call]
// is never sent again once its request may have reached the platform.
// Off by default. The library checks the policy when [NewClient] runs (an
// [ErrInvalidArgument] whose Field is "retry.max_attempts",
// "retry.initial_backoff" or "retry.max_backoff"). Waits are passed in
// whole milliseconds, rounded up; zero or negative ones mean no wait.
//
// The waits happen inside the call. A context deadline bounds the whole
// call, waits included: the library starts no try that the deadline would
// cut short.
func WithRetry(policy RetryPolicy) Option {
	return func(s *settings) { s.retry = &policy }
}

// millis converts a duration to the C ABI's milliseconds: rounded up, at
// least 1 ms when positive, at most MaxUint32; 0 (refused by the library)
// when d is zero or negative.
func millis(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	return C.uint32_t(ms)
}

// Client is a client of the platform for one app: its credentials, its
// settings and a pool of kept-alive connections. Make it with [NewClient];
// any number of goroutines may use one client at once. Call [Client.Close]
// when done; a client that is garbage collected unclosed is freed too, but
// only as a backstop.
type Client struct {
	mu      sync.Mutex
	handle  *C.voicecb_client // nil once freed
	hook    *eventHook        // nil without events; freed with handle
	inUse   int               // calls in flight
	closed  bool
	cleanup runtime.Cleanup
}

// liveHandles counts the C clients not yet freed, for the tests.
var liveHandles atomic.Int64

// native is what freeing a client releases: the library's client, then
// the event hook it called.
type native struct {
	handle *C.voicecb_client
	hook   *eventHook
}

func freeNative(n native) {
	C.voicecb_client_free(n.handle)
	n.hook.free()
	liveHandles.Add(-1)
}

// NewClient makes a client for the app appKey with secret appSecret. It
// checks every setting (and reads the CA file) but does no network I/O.
// Errors are [*Error] values; an invalid setting is an [ErrInvalidArgument]
// whose Field names it ("base_url", "timeout", "ca_file", ...).
func NewClient(appKey, appSecret string, opts ...Option) (*Client, error) {
	var cs cstrings
	defer cs.free()
	ckey, err := cs.add("app_key", appKey)
	if err != nil {
		return nil, err
	}
	csecret, err := cs.add("app_secret", appSecret)
	if err != nil {
		return nil, err
	}
	return newClient(opts, &cs, func(copts *C.voicecb_options, h **C.voicecb_client, cerr **C.voicecb_error) C.voicecb_result {
		return C.voicecb_client_new(ckey, csecret, copts, h, cerr)
	})
}

// NewClientFromEnv makes a client configured by the environment, as the
// voicecb command is: VOICECB_APP_KEY and VOICECB_APP_SECRET (required),
// VOICECB_BASE_URL, VOICECB_CA_FILE, VOICECB_INSECURE_SKIP_VERIFY,
// VOICECB_PROXY, VOICECB_TIMEOUT and VOICECB_CONNECT_TIMEOUT (seconds). The
// library reads them, with its rules; an empty variable is unset. An
// option given here replaces the environment's setting (the on/off ones
// can only turn an option on). A missing or refused variable is an
// [ErrInvalidArgument] whose Field names it.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	var cs cstrings
	defer cs.free()
	return newClient(opts, &cs, func(copts *C.voicecb_options, h **C.voicecb_client, cerr **C.voicecb_error) C.voicecb_result {
		return C.voicecb_client_new_from_env(copts, h, cerr)
	})
}

// newClient applies opts to a new voicecb_options, sets the event hook,
// if any, and makes the client with create.
func newClient(opts []Option, cs *cstrings,
	create func(*C.voicecb_options, **C.voicecb_client, **C.voicecb_error) C.voicecb_result) (*Client, error) {
	var s settings
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	var copts *C.voicecb_options
	if rc := C.voicecb_options_new(&copts); rc != C.VOICECB_OK {
		return nil, takeError(rc, nil)
	}
	defer C.voicecb_options_free(copts)
	if err := applySettings(copts, &s, cs); err != nil {
		return nil, err
	}
	var hook *eventHook
	var cerr *C.voicecb_error
	if s.logger != nil || s.onEvent != nil {
		hook = newEventHook(&eventSink{logger: s.logger, onEvent: s.onEvent})
		if rc := C.voicecb_go_set_events(copts, hook.userdata, &cerr); rc != C.VOICECB_OK {
			hook.free()
			return nil, takeError(rc, cerr)
		}
	}
	var h *C.voicecb_client
	if rc := create(copts, &h, &cerr); rc != C.VOICECB_OK {
		hook.free()
		return nil, takeError(rc, cerr)
	}
	liveHandles.Add(1)
	c := &Client{handle: h, hook: hook}
	c.cleanup = runtime.AddCleanup(c, freeNative, native{h, hook})
	return c, nil
}

// goBinding is this package's name for voicecb_options_set_binding; a
// static C string, never freed.
var goBinding = C.CString("go")

// applySettings passes every option that was given to its voicecb_options_*
// setter.
func applySettings(o *C.voicecb_options, s *settings, cs *cstrings) error {
	var cerr *C.voicecb_error
	check := func(rc C.voicecb_result) error {
		if rc != C.VOICECB_OK {
			return takeError(rc, cerr)
		}
		return nil
	}
	setString := func(v *string, field string, set func(*C.char) C.voicecb_result) error {
		if v == nil {
			return nil
		}
		p, err := cs.add(field, *v)
		if err != nil {
			return err
		}
		return check(set(p))
	}
	// Messages then name options as this package spells them.
	if err := check(C.voicecb_options_set_binding(o, goBinding, &cerr)); err != nil {
		return err
	}
	if err := setString(s.baseURL, "base_url", func(p *C.char) C.voicecb_result {
		return C.voicecb_options_set_base_url(o, p, &cerr)
	}); err != nil {
		return err
	}
	if s.connectTimeout != nil {
		if err := check(C.voicecb_options_set_connect_timeout_ms(o, millis(*s.connectTimeout), &cerr)); err != nil {
			return err
		}
	}
	if s.timeout != nil {
		if err := check(C.voicecb_options_set_timeout_ms(o, millis(*s.timeout), &cerr)); err != nil {
			return err
		}
	}
	if err := setString(s.caFile, "ca_file", func(p *C.char) C.voicecb_result {
		return C.voicecb_options_set_ca_file(o, p, &cerr)
	}); err != nil {
		return err
	}
	if s.insecureSkipVerify != nil {
		if err := check(C.voicecb_options_set_insecure_skip_verify(o, C.bool(*s.insecureSkipVerify), &cerr)); err != nil {
			return err
		}
	}
	if err := setString(s.proxy, "proxy", func(p *C.char) C.voicecb_result {
		return C.voicecb_options_set_proxy(o, p, &cerr)
	}); err != nil {
		return err
	}
	if err := setString(s.userAgent, "user_agent", func(p *C.char) C.voicecb_result {
		return C.voicecb_options_set_user_agent(o, p, &cerr)
	}); err != nil {
		return err
	}
	if s.encodeNonASCII != nil {
		if err := check(C.voicecb_options_set_encode_non_ascii_user_data(o, C.bool(*s.encodeNonASCII), &cerr)); err != nil {
			return err
		}
	}
	if s.retry != nil {
		attempts := C.uint32_t(0) // refused by the library, as a negative count should be
		if s.retry.MaxAttempts > 0 {
			attempts = C.uint32_t(min(uint64(s.retry.MaxAttempts), math.MaxUint32))
		}
		if err := check(C.voicecb_options_set_retry(o, attempts, millis(s.retry.InitialBackoff), millis(s.retry.MaxBackoff), &cerr)); err != nil {
			return err
		}
	}
	if s.maskNumbers != nil {
		if err := check(C.voicecb_options_set_mask_numbers(o, C.bool(*s.maskNumbers), &cerr)); err != nil {
			return err
		}
	}
	if s.clockOffset != nil {
		secs := int64(s.clockOffset.Round(time.Second) / time.Second)
		if err := check(C.voicecb_options_set_clock_offset_secs(o, C.int64_t(secs), &cerr)); err != nil {
			return err
		}
	}
	if s.allowBaseURLPath != nil {
		if err := check(C.voicecb_options_set_allow_base_url_path(o, C.bool(*s.allowBaseURLPath), &cerr)); err != nil {
			return err
		}
	}
	return nil
}

// acquire returns the C handle for one call, which must be followed by
// release; ErrClosed after Close.
func (c *Client) acquire() (*C.voicecb_client, error) {
	if c == nil {
		return nil, ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.handle == nil {
		return nil, ErrClosed
	}
	c.inUse++
	return c.handle, nil
}

// release ends a call; the last call to end after Close frees the handle.
func (c *Client) release() {
	c.mu.Lock()
	c.inUse--
	var n native
	if c.closed && c.inUse == 0 {
		n = c.take()
	}
	c.mu.Unlock()
	if n.handle != nil {
		freeNative(n)
	}
}

// take hands over the native client to be freed; c.mu is held.
func (c *Client) take() native {
	n := native{c.handle, c.hook}
	c.handle, c.hook = nil, nil
	return n
}

// Close releases the client and its connections. Calls made afterwards
// return [ErrClosed]. Close does not wait for calls in flight: they finish
// normally, and the library's client is freed when the last of them ends.
// Closing again does nothing; Close always returns nil.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cleanup.Stop()
	var n native
	if c.inUse == 0 {
		n = c.take()
	}
	c.mu.Unlock()
	if n.handle != nil {
		freeNative(n)
	}
	return nil
}
