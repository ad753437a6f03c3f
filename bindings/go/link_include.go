//go:build !voicecb_dynamic

package voicecb

// The header inside the repository. With `-tags voicecb_dynamic` the
// installed one is used instead (pkg-config's Cflags, link_dynamic.go).

// #cgo CFLAGS: -I${SRCDIR}/../../include
import "C"
