package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdio.h>
#include <stdlib.h>
#include "voicecb.h"

// Places n click2Calls from C on one client with one request built once,
// as a C program does; returns the number that failed.
static int c_calls(const voicecb_client *client, const voicecb_click2call *req, int n) {
	int errors = 0;
	for (int i = 0; i < n; i++) {
		char *sid = NULL;
		voicecb_error *err = NULL;
		if (voicecb_click2call_send(client, req, 0, &sid, NULL, &err) != VOICECB_OK) {
			if (errors++ == 0) fprintf(stderr, "c_calls: %s\n", voicecb_error_message(err));
			voicecb_error_free(err);
		} else {
			voicecb_string_free(sid);
		}
	}
	return errors;
}
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

// cClient is a client of the C ABI made and used from C, in this process
// (the library is the one the binding links), for paired Go-vs-C rounds.
type cClient struct {
	client *C.voicecb_client
	req    *C.voicecb_click2call
}

func newCClient() *cClient {
	cs := func(s string) *C.char { return C.CString(s) }
	url, key, secret := cs(env("VOICECB_BASE_URL", "http://127.0.0.1:8080")), cs(env("VOICECB_APP_KEY", "sandbox-app-key")),
		cs(env("VOICECB_APP_SECRET", "sandbox-app-secret"))
	d, a, b := cs(displayNbr), cs(callerNbr), cs(calleeNbr)
	defer func() {
		for _, p := range []*C.char{url, key, secret, d, a, b} {
			C.free(unsafe.Pointer(p))
		}
	}()
	var opts *C.voicecb_options
	var c cClient
	if C.voicecb_options_new(&opts) != C.VOICECB_OK || C.voicecb_options_set_base_url(opts, url, nil) != C.VOICECB_OK ||
		C.voicecb_client_new(key, secret, opts, &c.client, nil) != C.VOICECB_OK ||
		C.voicecb_click2call_new(d, a, b, &c.req, nil) != C.VOICECB_OK {
		fmt.Fprintln(os.Stderr, "C client: failed")
		os.Exit(2)
	}
	C.voicecb_options_free(opts)
	return &c
}

func (c *cClient) calls(n int) int { return int(C.c_calls(c.client, c.req, C.int(n))) }
