package voicecb_test

import (
	"testing"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

// The API's names of the enums come from the library.
func TestEnumNames(t *testing.T) {
	for v, want := range map[voicecb.LastMinToUE]string{voicecb.ToCaller: "toa", voicecb.ToCallee: "tob", voicecb.ToBoth: "both", 9: "LastMinToUE(9)"} {
		if got := v.String(); got != want {
			t.Errorf("%d: %q, want %q", int32(v), got, want)
		}
	}
	for v, want := range map[voicecb.CalleeMedia]string{voicecb.CalleeMediaAll: "all", voicecb.CalleeMediaNone: "none", voicecb.CalleeMediaFail: "fail", 0: "CalleeMedia(0)"} {
		if got := v.String(); got != want {
			t.Errorf("%d: %q, want %q", int32(v), got, want)
		}
	}
}
