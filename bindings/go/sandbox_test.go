package voicecb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The sandbox's default app.
const (
	appKey    = "sandbox-app-key"
	appSecret = "sandbox-app-secret"
	display   = "+8675512345678"
	caller    = "+8613800000001"
	callee    = "+8613800000002"
)

var (
	// sandboxURL is the base URL of the sandbox that TestMain starts.
	sandboxURL string
	// closedURL points at a port of 127.0.0.1 that nothing listens on.
	closedURL string
)

// admin talks to the sandbox's admin paths; never through a proxy.
var admin = &http.Client{
	Transport: &http.Transport{Proxy: nil},
	Timeout:   5 * time.Second,
}

func TestMain(m *testing.M) {
	if os.Getenv(closeTwiceEnv) == "1" {
		os.Exit(closeTwiceChild())
	}
	// Closing a client twice is checked first and in a process of its own:
	// a Close that was not idempotent once crashed the whole test binary in
	// an unrelated test before TestClose ran, which hid the cause. Run
	// here, the check precedes every test whatever -run, -shuffle or the
	// order of files and functions, and a crash in it is reported as its
	// own, with the child's output.
	if err := checkCloseTwice(); err != nil {
		fmt.Fprintln(os.Stderr, "voicecb tests: closing a client twice:", err)
		os.Exit(1)
	}
	os.Exit(runTests(m))
}

// closeTwiceEnv makes the test binary run only closeTwiceChild.
const closeTwiceEnv = "VOICECB_TEST_CLOSE_TWICE_CHILD"

// checkCloseTwice runs closeTwiceChild in a child process (this test
// binary again) and returns its failure, with its output.
func checkCloseTwice() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), closeTwiceEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, bytes.TrimSpace(out))
	}
	return nil
}

// closeTwiceChild makes a client, closes it twice and checks that the
// handle was freed once; it returns the exit status. It needs no sandbox:
// NewClient does no network I/O.
func closeTwiceChild() int {
	c, err := voicecb.NewClient(appKey, appSecret, voicecb.WithBaseURL("http://127.0.0.1:9"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "NewClient:", err)
		return 2
	}
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "first Close:", err)
		return 2
	}
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "second Close:", err)
		return 2
	}
	if !voicecb.Freed(c) || voicecb.LiveHandles() != 0 {
		fmt.Fprintf(os.Stderr, "after two Closes: freed %v, %d live handles (want 0)\n", voicecb.Freed(c), voicecb.LiveHandles())
		return 2
	}
	return 0
}

func runTests(m *testing.M) int {
	url, stop, err := startSandbox()
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecb tests:", err)
		return 1
	}
	defer stop()
	sandboxURL = url

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecb tests:", err)
		return 1
	}
	closedURL = "http://" + ln.Addr().String()
	ln.Close()

	return m.Run()
}

// startSandbox starts a voicecb sandbox on 127.0.0.1, with extra
// arguments after its own (such as "--sign-pushes"), and waits (at most
// 10 s) for its port file. It returns the sandbox's base URL; stop kills
// it.
func startSandbox(extra ...string) (url string, stop func(), err error) {
	bin := os.Getenv("VOICECB_SANDBOX_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "release", "voicecb")
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return "", nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", nil, fmt.Errorf("sandbox binary not found (build it with `cargo build --release --locked` in the repository root, or set VOICECB_SANDBOX_BIN): %w", err)
	}
	dir, err := os.MkdirTemp("", "voicecb-go-test-")
	if err != nil {
		return "", nil, err
	}
	portFile := filepath.Join(dir, "port")
	logFile, err := os.Create(filepath.Join(dir, "sandbox.log"))
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	args := append([]string{"sandbox", "--listen", "127.0.0.1:0", "--port-file", portFile}, extra...)
	cmd := exec.Command(bin, args...)
	// The sandbox's own default app, whatever the environment says.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOICECB_APP_KEY=") && !strings.HasPrefix(kv, "VOICECB_APP_SECRET=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	killWithParent(cmd)
	// Pdeathsig fires when the thread that started the child ends: start it
	// from a locked thread, which Go keeps after UnlockOSThread.
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("starting the sandbox %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop = func() {
		cmd.Process.Kill()
		<-exited
		logFile.Close()
		os.RemoveAll(dir)
	}
	log := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return strings.TrimSpace(string(b))
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(portFile); err == nil {
			if port, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && port > 0 && port < 65536 {
				return fmt.Sprintf("http://127.0.0.1:%d", port), stop, nil
			}
		}
		select {
		case <-exited:
			err := fmt.Errorf("the sandbox exited before writing its port file: %s", log())
			stop()
			return "", nil, err
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("the sandbox wrote no port file within 10 s: %s", log())
		}
	}
}

// adminPost posts a JSON body to an admin path of the sandbox.
func adminPost(t testing.TB, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := admin.Post(sandboxURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d %s", path, resp.StatusCode, answer)
	}
}

// forceNext makes the sandbox give the next answer(s) verbatim.
func forceNext(t testing.TB, answer map[string]any) {
	t.Helper()
	adminPost(t, "/__sandbox/next", answer)
}

// resetSandbox clears forced answers, counters and sessions.
func resetSandbox(t testing.TB) {
	t.Helper()
	adminPost(t, "/__sandbox/reset", map[string]any{})
}

// sandboxStats returns the counters of the sandbox that TestMain started.
func sandboxStats(t testing.TB) map[string]any {
	t.Helper()
	return statsOf(t, sandboxURL)
}

// statsOf returns the counters of the sandbox at base.
func statsOf(t testing.TB, base string) map[string]any {
	t.Helper()
	resp, err := admin.Get(base + "/__sandbox/stats")
	if err != nil {
		t.Fatalf("GET stats: %v", err)
	}
	defer resp.Body.Close()
	var stats map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatalf("GET stats: %v", err)
	}
	return stats
}

// requests returns the sandbox's count of platform requests.
func requests(t testing.TB) int {
	t.Helper()
	n, ok := sandboxStats(t)["requests"].(float64)
	if !ok {
		t.Fatalf("stats without a requests counter")
	}
	return int(n)
}

// serveLocal listens on 127.0.0.1 and passes each connection it accepts to
// handle, on the accepting goroutine; it returns the listener's address.
// The listener is closed, and the goroutine waited for, when the test ends.
func serveLocal(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// hangServer accepts connections on 127.0.0.1 and never answers. It is
// closed when the test ends.
type hangServer struct {
	url      string
	count    atomic.Int64
	accepted chan struct{} // one value per accepted connection
	mu       sync.Mutex
	conns    []net.Conn
}

func newHangServer(t testing.TB) *hangServer {
	t.Helper()
	h := &hangServer{accepted: make(chan struct{}, 1024)}
	// Registered before serveLocal's, so run after the listener is closed.
	t.Cleanup(h.dropConns)
	h.url = "http://" + serveLocal(t, func(c net.Conn) {
		h.mu.Lock()
		h.conns = append(h.conns, c)
		h.mu.Unlock()
		h.count.Add(1)
		select {
		case h.accepted <- struct{}{}:
		default:
		}
		// Read and drop the request, never answer.
		go io.Copy(io.Discard, c)
	})
	return h
}

// waitAccepted waits for n more accepted connections; the bound only
// keeps a broken test from hanging, it decides nothing on a slow machine.
func (h *hangServer) waitAccepted(t testing.TB, n int) {
	t.Helper()
	bound := time.After(time.Minute)
	for i := 0; i < n; i++ {
		select {
		case <-h.accepted:
		case <-bound:
			t.Fatalf("%d of %d connections accepted within a minute", i, n)
		}
	}
}

// dropConns closes every accepted connection, so that calls waiting on
// them end at once with a transport error.
func (h *hangServer) dropConns() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

// hangListener starts a [hangServer] and returns its URL and its count of
// accepted connections.
func hangListener(t testing.TB) (url string, accepted *atomic.Int64) {
	t.Helper()
	h := newHangServer(t)
	return h.url, &h.count
}

// mustBeError returns err as a T (found with errors.As), failing the test otherwise.
func mustBeError[T error](t testing.TB, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T) is not a %T", err, err, target)
	}
	return target
}
