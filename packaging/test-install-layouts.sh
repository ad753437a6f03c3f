#!/usr/bin/env bash
# Part of `make test-install`: `make install` into staged Debian multiarch
# and lib64 layouts (PREFIX, LIBDIR, INCLUDEDIR, DESTDIR), each file where
# it belongs, the .pc and CMake files pointing at them, and programs built
# against the staged trees (pkg-config with PKG_CONFIG_SYSROOT_DIR for the
# DESTDIR; CMake through lib64/cmake and lib/<arch>/cmake), run against the
# sandbox.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
make=${MAKE:-make}
work=$(mktemp -d "${TMPDIR:-/tmp}/voicecb-layouts.XXXXXX")
trap 'rm -rf "$work"' EXIT
version=$(cargo pkgid --offline -p voicecb | sed 's/.*[#@]//')
major=${version%%.*}
fail() { echo "test-install-layouts: $*" >&2; exit 1; }
run() { # <command...>: against the sandbox; its output only if it fails
    tests/with-sandbox.sh "$@" >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "$* failed"; }
}
expect_files() { # <stage> <files...>
    local stage=$1 f
    shift
    for f in "$@"; do [ -e "$stage$f" ] || fail "$f is not in the staged install ($stage)"; done
}

# Debian multiarch: /usr, libraries in /usr/lib/x86_64-linux-gnu.
multi=$work/multiarch
$make --no-print-directory install DESTDIR="$multi" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu >/dev/null
lib=/usr/lib/x86_64-linux-gnu
expect_files "$multi" /usr/bin/voicecb /usr/include/voicecb.h "$lib/libvoicecb.so.$version" "$lib/libvoicecb.so.$major" \
    "$lib/libvoicecb.so" "$lib/libvoicecb.a" "$lib/pkgconfig/voicecb.pc" "$lib/cmake/voicecb/voicecbConfig.cmake" \
    "$lib/cmake/voicecb/voicecbConfigVersion.cmake"
[ ! -e "$multi/usr/lib/libvoicecb.a" ] || fail "LIBDIR was ignored: /usr/lib/libvoicecb.a was installed"
grep -x 'libdir=${prefix}/lib/x86_64-linux-gnu' "$multi$lib/pkgconfig/voicecb.pc" >/dev/null || fail "voicecb.pc: $(cat "$multi$lib/pkgconfig/voicecb.pc")"
cflags=$(PKG_CONFIG_PATH="$multi$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$multi" pkg-config --cflags --libs voicecb)
echo "multiarch: pkg-config --cflags --libs voicecb (sysroot $multi): $cflags"
cc -std=c11 -Wall -Werror examples/click2call.c $cflags -lpthread -o "$work/click2call-multiarch"
run env LD_LIBRARY_PATH="$multi$lib" "$work/click2call-multiarch"

# lib64 and a header folder of its own, under /opt.
l64=$work/lib64
$make --no-print-directory install DESTDIR="$l64" PREFIX=/opt/voicecb LIBDIR=/opt/voicecb/lib64 \
    INCLUDEDIR=/opt/voicecb/include/voicecb BINDIR=/opt/voicecb/sbin >/dev/null
expect_files "$l64" /opt/voicecb/sbin/voicecb /opt/voicecb/include/voicecb/voicecb.h /opt/voicecb/lib64/libvoicecb.a \
    "/opt/voicecb/lib64/libvoicecb.so.$version" /opt/voicecb/lib64/pkgconfig/voicecb.pc \
    /opt/voicecb/lib64/cmake/voicecb/voicecbConfig.cmake
grep -x 'includedir=${prefix}/include/voicecb' "$l64/opt/voicecb/lib64/pkgconfig/voicecb.pc" >/dev/null \
    || fail "voicecb.pc: $(cat "$l64/opt/voicecb/lib64/pkgconfig/voicecb.pc")"
mkdir -p "$work/app"
cp examples/click2call.c examples/print_error.h "$work/app/"
# Debian's CMake looks into lib64 only when told; Fedora's and RHEL's do by
# default, which this property mimics.
cat >"$work/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(click2call C)
set_property(GLOBAL PROPERTY FIND_LIBRARY_USE_LIB64_PATHS TRUE)
find_package(voicecb CONFIG REQUIRED)
find_package(Threads REQUIRED)
add_executable(click2call click2call.c)
target_link_libraries(click2call PRIVATE voicecb::voicecb Threads::Threads)
CMAKE
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$l64/opt/voicecb" >"$work/cmake.log" 2>&1 \
    && cmake --build "$work/app/build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "the CMake build against lib64 failed"; }
grep '^voicecb_DIR' "$work/app/build/CMakeCache.txt"
loaded=$(ldd "$work/app/build/click2call" | awk '/libvoicecb/ { print $3 }')
[ "$(realpath "$loaded")" = "$l64/opt/voicecb/lib64/libvoicecb.so.$version" ] || fail "the lib64 build loads '$loaded'"
run "$work/app/build/click2call"
# A multiarch CMake search (lib/<arch>/cmake) finds the other tree.
rm -rf "$work/app/build"
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$multi/usr" >"$work/cmake.log" 2>&1 \
    && cmake --build "$work/app/build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "the CMake build against multiarch failed"; }
grep '^voicecb_DIR' "$work/app/build/CMakeCache.txt"
run env LD_LIBRARY_PATH="$multi$lib" "$work/app/build/click2call"
echo "install layouts: multiarch (pkg-config with sysroot, CMake) and lib64 (CMake) builds ran against the sandbox"
