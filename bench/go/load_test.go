package main

import (
	"os"
	"testing"
)

// TestLoadReduced is the reduced load run for the test command: 16
// goroutines share one client, 200 calls each, against the sandbox named by
// VOICECB_BASE_URL (run it under tests/with-sandbox.sh, with -race):
//
//	tests/with-sandbox.sh sh -c 'cd bench/go && go test -race -count=1 -run TestLoadReduced .'
//
// It checks that no call fails; memory is left to `make load`, since the
// race detector's own memory would dominate RSS.
func TestLoadReduced(t *testing.T) {
	if os.Getenv("VOICECB_BASE_URL") == "" {
		t.Skip("VOICECB_BASE_URL is not set: run under tests/with-sandbox.sh")
	}
	c := newClient()
	defer c.Close()
	done, errors, _, _ := Load(c, 16, 200)
	if done != 16*200 || errors != 0 {
		t.Fatalf("%d calls done, %d errors; want 3200 and 0", done, errors)
	}
}
