package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// Category is what kind of problem a platform result code reports (a
// VOICECB_CATEGORY_* value of the C ABI).
type Category int32

// The categories of the catalogue, with the header's values.
const (
	// CategoryUnknown marks an [*Error] that has no catalogue entry.
	CategoryUnknown Category = -1
	// CategorySuccess: the request succeeded.
	CategorySuccess Category = C.VOICECB_CATEGORY_SUCCESS
	// CategoryAuthHeader: the Authorization or X-AKSK header is missing or
	// malformed. Matches [ErrAuth].
	CategoryAuthHeader Category = C.VOICECB_CATEGORY_AUTH_HEADER
	// CategorySignature: the digest did not verify, or the clock is off.
	// Matches [ErrAuth].
	CategorySignature Category = C.VOICECB_CATEGORY_SIGNATURE
	// CategoryApp: the app key, app or account is unknown, suspended or not
	// allowed.
	CategoryApp Category = C.VOICECB_CATEGORY_APP
	// CategoryNumber: a phone number is invalid or not the app's. Matches
	// [ErrNumber].
	CategoryNumber Category = C.VOICECB_CATEGORY_NUMBER
	// CategoryQuota: a quota, call limit, port limit or flow control was
	// hit. Matches [ErrRateLimited].
	CategoryQuota Category = C.VOICECB_CATEGORY_QUOTA
	// CategoryPolicy: a policy refused the call. Matches [ErrPolicy].
	CategoryPolicy Category = C.VOICECB_CATEGORY_POLICY
	// CategoryParameter: a request parameter is malformed.
	CategoryParameter Category = C.VOICECB_CATEGORY_PARAMETER
	// CategoryPlatform: an internal error of the platform.
	CategoryPlatform Category = C.VOICECB_CATEGORY_PLATFORM
)

// String returns the library's short stable name of the category
// ("auth_header", "quota", ...), or "unknown" for [CategoryUnknown].
func (c Category) String() string {
	if p := C.voicecb_category_name(C.int32_t(c)); p != nil {
		return C.GoString(p)
	}
	if c == CategoryUnknown {
		return "unknown"
	}
	return fmt.Sprintf("Category(%d)", int32(c))
}

// CodeInfo is one entry of the library's catalogue of platform result
// codes, from the API documents.
type CodeInfo struct {
	// HTTPStatus is the HTTP status the platform sends with the code.
	HTTPStatus int
	// Code is the platform's resultcode, e.g. "1010010".
	Code string
	// Category is what kind of problem the code reports.
	Category Category
	// Description is the documents' English description.
	Description string
	// DescriptionZH is the documents' Chinese description.
	DescriptionZH string
	// Advice is the documents' handling advice (Chinese).
	Advice string
	// Retryable reports that the answer proves the call was not placed, so
	// sending the same request again later is safe.
	Retryable bool
}

// codeInfo copies a static catalogue entry.
func codeInfo(p *C.voicecb_code_info) CodeInfo {
	return CodeInfo{
		HTTPStatus:    int(C.voicecb_code_info_http_status(p)),
		Code:          goString(C.voicecb_code_info_code(p)),
		Category:      Category(C.voicecb_code_info_category(p)),
		Description:   goString(C.voicecb_code_info_en(p)),
		DescriptionZH: goString(C.voicecb_code_info_zh(p)),
		Advice:        goString(C.voicecb_code_info_advice(p)),
		Retryable:     bool(C.voicecb_code_info_retryable(p)),
	}
}

// Describe returns the catalogue's entry for an HTTP status and a platform
// resultcode, and false when the catalogue has none (or the status is not
// a valid HTTP status).
func Describe(httpStatus int, code string) (CodeInfo, bool) {
	if httpStatus < 0 || httpStatus > math.MaxUint16 || strings.IndexByte(code, 0) >= 0 {
		return CodeInfo{}, false
	}
	var cs cstrings
	defer cs.free()
	ccode, err := cs.add("code", code)
	if err != nil {
		return CodeInfo{}, false
	}
	var info *C.voicecb_code_info
	var cerr *C.voicecb_error
	rc := C.voicecb_code_lookup(C.uint16_t(httpStatus), ccode, &info, &cerr)
	if rc != C.VOICECB_OK {
		C.voicecb_error_free(cerr)
		return CodeInfo{}, false
	}
	return codeInfo(info), true
}

// allCodes reads the static catalogue once.
var allCodes = sync.OnceValue(func() []CodeInfo {
	n := C.voicecb_code_count()
	out := make([]CodeInfo, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		p := C.voicecb_code_at(i)
		if p == nil {
			break
		}
		out = append(out, codeInfo(p))
	}
	return out
})

// Codes returns every entry of the catalogue, in the library's order. The
// slice is the caller's to keep or change.
func Codes() []CodeInfo {
	return slices.Clone(allCodes())
}
