package voicecb

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// DefaultNotificationWindow is the window of [NotificationOptions] when
// Window is zero: how far a signed push's Created may be from now. It is
// the library's (voicecb_default_notification_window_secs), not restated.
var DefaultNotificationWindow = defaultNotificationWindow()

// NotificationOptions sets up [NotificationHandlerWith].
type NotificationOptions struct {
	// AppKey and AppSecret are the app's credentials. When either is set,
	// every push must carry a valid signature ([VerifyNotification]);
	// when both are "", signatures are not checked (for deployments that
	// do not sign pushes).
	AppKey    string
	AppSecret string
	// URL is the statusUrl or feeUrl exactly as given to
	// [Client.Click2Call], which the signature covers. Required when AppKey
	// or AppSecret is set (every push is then answered 500, with an
	// [ErrInvalidArgument] naming "url" given to OnError): it is never
	// derived from the request, whose Host header the sender chooses, so
	// that a push signed for another receiver of the same app does not
	// verify here.
	URL string
	// Window is how far a signed push's Created may be from now, either
	// way; zero means [DefaultNotificationWindow].
	Window time.Duration
	// SignerClock is the time zone the platform writes Created in
	// ([SignerClockUTC] by default, [SignerClockUTC8] for Beijing time).
	SignerClock SignerClock
	// DigestForm pins the digest's message; the zero value accepts both.
	DigestForm DigestForm
	// OnError, when set, is called for every push answered with an error
	// status (400, 401, 413 or 500; not 405), before the answer: err is the
	// library's [*Error] ([ErrBadNotification], [ErrBadSignature], or
	// [ErrInvalidArgument] for credentials the library refuses, answered
	// 500) or the error of reading the body; body is what was read, nil
	// when the body was not read. The platform sends a push again until it
	// gets 200, so log what cannot be handled.
	OnError func(r *http.Request, body []byte, err error)
}

// NotificationHandler returns an [http.Handler] that receives the
// platform's pushes, without checking signatures: each POST body is
// parsed with [ParseNotification] and passed to fn, and answered 200 once
// fn returns. See [NotificationHandlerWith] for the answers to bad
// requests and for signed pushes.
func NotificationHandler(fn func(Event)) http.Handler {
	return NotificationHandlerWith(fn, NotificationOptions{})
}

// NotificationHandlerWith returns an [http.Handler] that receives the
// platform's pushes. For each request it answers:
//
//   - 405 to anything but POST;
//   - when credentials are set, 401 to a push whose signature does not
//     verify (checked before the body is read), and 500 when the library
//     refuses the credentials or the URL (an empty URL included);
//   - 413 to a body over [MaxNotificationBody] (no more than that and one
//     byte is read);
//   - 400 to a body that cannot be read or is not a notification;
//   - 200 after fn has returned, for every other push, an [*OtherEvent]
//     included.
//
// fn runs on the request's goroutine; a push that fn cannot handle should
// still be answered 200 (and logged), or the platform sends it again.
func NotificationHandlerWith(fn func(Event), opts NotificationOptions) http.Handler {
	if opts.Window == 0 {
		opts.Window = DefaultNotificationWindow
	}
	return &notificationHandler{fn: fn, opts: opts}
}

type notificationHandler struct {
	fn   func(Event)
	opts NotificationOptions
}

func (h *notificationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer(w, http.StatusMethodNotAllowed)
		return
	}
	fail := func(status int, body []byte, err error) {
		if h.opts.OnError != nil {
			h.opts.OnError(r, body, err)
		}
		answer(w, status)
	}
	if h.opts.AppKey != "" || h.opts.AppSecret != "" {
		vopts := VerifyOptions{Window: h.opts.Window, SignerClock: h.opts.SignerClock, DigestForm: h.opts.DigestForm}
		if err := VerifyNotificationWith(h.opts.AppKey, h.opts.AppSecret, h.opts.URL, r.Header, vopts); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, ErrBadSignature) {
				status = http.StatusUnauthorized
			}
			fail(status, nil, err)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBody+1))
	if err != nil {
		fail(http.StatusBadRequest, body, err)
		return
	}
	ev, err := ParseNotification(body)
	if len(body) > MaxNotificationBody {
		// What was read is cut short: the library's error says the body
		// is too large (it refuses more than MaxNotificationBody unread).
		fail(http.StatusRequestEntityTooLarge, body, err)
		return
	}
	if err != nil {
		fail(http.StatusBadRequest, body, err)
		return
	}
	if h.fn != nil {
		h.fn(ev)
	}
	w.WriteHeader(http.StatusOK)
}

// answer writes an error status with its standard text: the library's
// messages are for the receiver's logs (see OnError), not for whoever
// sent the request.
func answer(w http.ResponseWriter, status int) {
	http.Error(w, http.StatusText(status), status)
}
