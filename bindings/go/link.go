//go:build linux && !voicecb_external && !voicecb_dynamic

package voicecb

// Inside the repository: links the static library built by `cargo build
// --release --lib --locked` in the repository root, by its path so that the
// linker cannot pick libvoicecb.so instead, plus the native libraries that
// rustc reports for it (packaging/native-libs.sh; `make test-dist` checks
// that this line still names them). A program built this way needs no
// libvoicecb.so at run time.
//
// A release of the module (packaging/dist.sh, dist/go) replaces this file
// and link_include.go by ones that name the prebuilt libraries shipped in
// the module itself, so that `go get` needs no Rust.
//
// Other ways to link: `-tags voicecb_dynamic` (link_dynamic.go) links an
// installed libvoicecb.so through pkg-config; `-tags voicecb_external`
// leaves the link line to CGO_LDFLAGS. See README.md.

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libvoicecb.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
