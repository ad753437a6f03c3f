package voicecb

/*
#include "voicecb.h"
*/
import "C"

// Sign computes the two headers that sign a request to the platform:
// the Authorization value and the X-AKSK value. It is for debugging and
// test vectors; [Client] signs its requests itself.
//
// nonce (1 to 128 characters of [0-9A-Za-z]) and created (UTC,
// "yyyy-MM-ddTHH:mm:ssZ") may each be "" for a fresh random nonce and the
// current time; give both to reproduce a signature. The X-AKSK value holds
// a digest that works as a password for a few minutes: do not log it.
func Sign(appKey, appSecret, nonce, created string) (authorization, xAKSK string, err error) {
	var cs cstrings
	defer cs.free()
	ckey, err := cs.add("app_key", appKey)
	if err != nil {
		return "", "", err
	}
	csecret, err := cs.add("app_secret", appSecret)
	if err != nil {
		return "", "", err
	}
	var cnonce, ccreated *C.char // NULL: the library makes fresh ones
	if nonce != "" {
		if cnonce, err = cs.add("nonce", nonce); err != nil {
			return "", "", err
		}
	}
	if created != "" {
		if ccreated, err = cs.add("created", created); err != nil {
			return "", "", err
		}
	}
	var auth, aksk *C.char
	var cerr *C.voicecb_error
	rc := C.voicecb_sign(ckey, csecret, cnonce, ccreated, &auth, &aksk, &cerr)
	if rc != C.VOICECB_OK {
		return "", "", takeError(rc, cerr)
	}
	authorization = C.GoString(auth)
	xAKSK = C.GoString(aksk)
	C.voicecb_string_free(auth)
	C.voicecb_string_free(aksk)
	return authorization, xAKSK, nil
}
