//go:build !linux && !voicecb_external

package voicecb

// The default link line (link.go) lists the native libraries rustc needs on
// Linux. On any other system, build with `-tags voicecb_external` and give
// the link line in CGO_LDFLAGS (see README.md); this undefined name stops the
// build with a pointer to that instead of a wall of undefined C symbols.
var _ = voicecb_build_with_tag_voicecb_external_and_set_CGO_LDFLAGS_see_README
