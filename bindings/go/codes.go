package voicecb

/*
#include "voicecb.h"
*/
import "C"

import (
	"fmt"
	"math"
	"slices"
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
	// Advice is the handling advice in English (the documents' Chinese
	// advice, translated).
	Advice string
	// AdviceZH is the documents' handling advice in Chinese, to the letter.
	AdviceZH string
	// Retryable reports that the answer proves the call was not placed, so
	// sending the same request again later is safe.
	Retryable bool
	// APIs lists the APIs whose table of result codes has this entry
	// ([Click2Call], [CallStop], [CallNotify], [CallVerify], [RecordURL]).
	APIs []API
}

// API names one of the platform's APIs, whose tables of result codes
// differ in a few rows (a VOICECB_API_* value of the C ABI).
type API int32

// The APIs, with the header's values.
const (
	// Click2Call is the click2Call API ([Client.Click2Call]).
	Click2Call API = C.VOICECB_API_CLICK2CALL
	// CallStop is the callStop API ([Client.Stop]).
	CallStop API = C.VOICECB_API_CALL_STOP
	// CallNotify is the voice notification API ([Client.CallNotify]).
	CallNotify API = C.VOICECB_API_CALL_NOTIFY
	// CallVerify is the voice verification code API ([Client.CallVerify]).
	CallVerify API = C.VOICECB_API_CALL_VERIFY
	// RecordURL is the recording download URL API ([Client.RecordURL]).
	RecordURL API = C.VOICECB_API_RECORD_URL
)

// apis is every API, in the header's order.
var apis = []API{Click2Call, CallStop, CallNotify, CallVerify, RecordURL}

// String returns the API's name as the documents write it: "click2Call",
// "callStop", "callNotify", "callVerify" or "recordUrl".
func (a API) String() string {
	switch a {
	case Click2Call:
		return "click2Call"
	case CallStop:
		return "callStop"
	case CallNotify:
		return "callNotify"
	case CallVerify:
		return "callVerify"
	case RecordURL:
		return "recordUrl"
	}
	return fmt.Sprintf("API(%d)", int32(a))
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
		AdviceZH:      goString(C.voicecb_code_info_advice_zh(p)),
		Retryable:     bool(C.voicecb_code_info_retryable(p)),
		APIs:          listedFor(p),
	}
}

// listedFor returns the APIs whose table lists the entry.
func listedFor(p *C.voicecb_code_info) []API {
	var out []API
	for _, a := range apis {
		if C.voicecb_code_info_listed_for(p, C.int32_t(a)) {
			out = append(out, a)
		}
	}
	return out
}

// Describe returns the catalogue's entry for an HTTP status and a platform
// resultcode, from either API's table (click2Call's wording first), and
// false when the catalogue has none (or the status is not a valid HTTP
// status). Use [DescribeFor] when the API is known: one code is retry-safe
// for callStop only.
func Describe(httpStatus int, code string) (CodeInfo, bool) {
	return lookup(httpStatus, code, func(c *C.char, out **C.voicecb_code_info, e **C.voicecb_error) C.voicecb_result {
		return C.voicecb_code_lookup(C.uint16_t(httpStatus), c, out, e)
	})
}

// DescribeFor returns the entry of api's table for an HTTP status and a
// platform resultcode, and false when that table has none (or api is not
// one of the APIs, or the status is not a valid HTTP status).
func DescribeFor(api API, httpStatus int, code string) (CodeInfo, bool) {
	return lookup(httpStatus, code, func(c *C.char, out **C.voicecb_code_info, e **C.voicecb_error) C.voicecb_result {
		return C.voicecb_code_lookup_for(C.int32_t(api), C.uint16_t(httpStatus), c, out, e)
	})
}

// lookup runs one of the catalogue's lookups; a status that does not fit
// the C ABI's uint16_t, or a code that cannot be a C string, finds nothing.
func lookup(httpStatus int, code string, find func(*C.char, **C.voicecb_code_info, **C.voicecb_error) C.voicecb_result) (CodeInfo, bool) {
	if httpStatus < 0 || httpStatus > math.MaxUint16 {
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
	if rc := find(ccode, &info, &cerr); rc != C.VOICECB_OK {
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
// slice (and each entry's APIs) is the caller's to keep or change.
func Codes() []CodeInfo {
	out := slices.Clone(allCodes())
	for i := range out {
		out[i].APIs = slices.Clone(out[i].APIs)
	}
	return out
}
