#!/bin/sh
# `make install`: copies the built library, header, CLI, pkg-config file and
# CMake package into a prefix. The Makefile passes every variable:
#   PREFIX LIBDIR INCLUDEDIR BINDIR   where things go (LIBDIR may be
#                                     $PREFIX/lib64 or a multiarch directory)
#   DESTDIR                           stages the files (for a package)
#   VERSION MAJOR                     the crate's version and its major part
#   NATIVE_LIBS                       rustc's native-static-libs (Libs.private)
#   REL                               the cargo output directory
#   RELOCATABLE=1                     the .pc and the CMake files find the
#                                     files relative to themselves (the SDK
#                                     tarball); else the .pc holds PREFIX
set -eu
: "${PREFIX:?}" "${LIBDIR:?}" "${INCLUDEDIR:?}" "${BINDIR:?}" "${VERSION:?}" "${MAJOR:?}" "${NATIVE_LIBS:?}" "${REL:?}"
DESTDIR=${DESTDIR:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

for d in "$PREFIX" "$LIBDIR" "$INCLUDEDIR" "$BINDIR"; do
    case $d in
        /*) ;;
        *) echo "install: PREFIX, LIBDIR, INCLUDEDIR and BINDIR must be absolute paths, got '$d'" >&2; exit 2 ;;
    esac
done

lib=$DESTDIR$LIBDIR
install -d "$lib/pkgconfig" "$lib/cmake/voicecb" "$DESTDIR$INCLUDEDIR" "$DESTDIR$BINDIR"
install -m 755 "$REL/voicecb" "$DESTDIR$BINDIR/voicecb"
install -m 755 "$REL/libvoicecb.so" "$lib/libvoicecb.so.$VERSION"
ln -sf "libvoicecb.so.$VERSION" "$lib/libvoicecb.so.$MAJOR"
ln -sf "libvoicecb.so.$MAJOR" "$lib/libvoicecb.so"
install -m 644 "$REL/libvoicecb.a" "$lib/libvoicecb.a"
install -m 644 "$root/include/voicecb.h" "$DESTDIR$INCLUDEDIR/voicecb.h"

# A path as seen from directory $2 (both absolute; neither needs to exist).
rel() { realpath -m --relative-to="$2" "$1"; }

# pkg-config: libdir and includedir under ${prefix} when they are in it,
# so that pkg-config's --define-prefix and sysroot handling work.
under_prefix() {
    case $1 in
        "$PREFIX"/*) printf '${prefix}%s' "${1#"$PREFIX"}" ;;
        *) printf '%s' "$1" ;;
    esac
}
if [ "${RELOCATABLE:-}" = 1 ]; then
    pc_prefix="\${pcfiledir}/$(rel "$PREFIX" "$LIBDIR/pkgconfig")"
else
    pc_prefix=$PREFIX
fi
sed -e "s|@PREFIX@|$pc_prefix|" \
    -e "s|@LIBDIR@|$(under_prefix "$LIBDIR")|" \
    -e "s|@INCLUDEDIR@|$(under_prefix "$INCLUDEDIR")|" \
    -e "s|@VERSION@|$VERSION|" \
    -e "s|@NATIVE_LIBS@|$NATIVE_LIBS|" \
    "$root/voicecb.pc.in" > "$lib/pkgconfig/voicecb.pc"

# CMake: always relative to the config file's own directory, as CMake
# packages are; rustc's "-lm -ldl" become the list "m;dl".
cmake_dir=$LIBDIR/cmake/voicecb
cmake_libs=$(printf '%s\n' "$NATIVE_LIBS" | tr ' ' '\n' | sed -n 's/^-l//p' | paste -sd';' -)
for f in voicecbConfig.cmake voicecbConfigVersion.cmake; do
    sed -e "s|@CMAKE_TO_LIBDIR@|$(rel "$LIBDIR" "$cmake_dir")|" \
        -e "s|@CMAKE_TO_INCLUDEDIR@|$(rel "$INCLUDEDIR" "$cmake_dir")|" \
        -e "s|@VERSION@|$VERSION|" \
        -e "s|@MAJOR@|$MAJOR|" \
        -e "s|@NATIVE_LIBS@|$cmake_libs|" \
        "$here/cmake/$f.in" > "$lib/cmake/voicecb/$f"
done
