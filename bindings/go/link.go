//go:build linux && !voicecb_external

package voicecb

// Links the static library built by `cargo build --release --lib --locked`
// in the repository root, by its path so that the linker cannot pick
// libvoicecb.so instead, plus the native libraries that rustc reports for
// it (`cargo rustc --release --lib --crate-type staticlib -- --print
// native-static-libs`). A program built this way needs no libvoicecb.so at
// run time.
//
// To link a library installed elsewhere, build with `-tags voicecb_external`
// (which leaves this file out) and give the whole link line in CGO_LDFLAGS;
// see README.md.

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libvoicecb.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
