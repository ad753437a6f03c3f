//go:build voicecb_dynamic

package voicecb

// With `-tags voicecb_dynamic`, the header and libvoicecb.so installed on
// the system (`make install`, or the SDK tarball with PKG_CONFIG_PATH
// naming its lib/pkgconfig) are used through pkg-config. The program then
// needs libvoicecb.so.0 at run time, where the dynamic loader finds it.

// #cgo pkg-config: voicecb
import "C"
