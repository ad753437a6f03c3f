//go:build !linux && !voicecb_external && !voicecb_dynamic

package voicecb

// The default link line (link.go) is for Linux. On any other system, build
// with `-tags voicecb_dynamic` (pkg-config) or `-tags voicecb_external` and
// the link line in CGO_LDFLAGS (see README.md); this undefined name stops
// the build with a pointer to that instead of a wall of undefined C symbols.
var _ = voicecb_build_with_tag_voicecb_dynamic_or_voicecb_external_see_README
