#!/usr/bin/env bash
# `make dist`: writes dist/ with every release artifact, from a clone:
#
#   libvoicecb-<v>-linux-x86_64.tar.gz            C/C++ SDK: header, .so, .a, pkg-config,
#                                                 CMake package, the voicecb CLI, README, LICENSE
#   voicecb-<v>-py3-none-manylinux_2_17_x86_64.whl the Python wheel (glibc 2.17 and newer)
#   voicecb-<v>.tar.gz                            the Python sdist, carrying the crate
#   go/                                           the Go module as the release tag holds it
#   goproxy/                                      that module as a GOPROXY=file:// folder
#   voicecb-<v>.crate                             the crate as `cargo package` makes it
#   SHA256SUMS
#
# The Python tools (zig, cargo-zigbuild, auditwheel, build) go into
# build/dist-venv from packaging/requirements-dist.txt. Everything native
# (the SDK's libraries and CLI, the wheel's library, the Go module's
# archives) is built with zig as the linker against glibc 2.17 (target
# x86_64-unknown-linux-gnu.2.17, and aarch64 for Go) in build/zig-target,
# so that it runs on every glibc distribution of the last decade.
#
# VOICECB_GO_PLATFORMS (default "linux-amd64 linux-arm64") names the Go
# module's prebuilt platforms; the Rust targets are added with rustup.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO=${CARGO:-cargo}
dist=$root/dist
build=$root/build
venv=$build/dist-venv
zigtarget=$build/zig-target
platforms=${VOICECB_GO_PLATFORMS:-linux-amd64 linux-arm64}
started=$(date +%s)
step() { echo "dist: [$(($(date +%s) - started)) s] $*"; }

# Archive times come from the last commit (the tarball's tar, the wheel
# through SOURCE_DATE_EPOCH), so that those can be built again bit for bit.
# The sdist is not yet: its tar takes the times of a fresh cargo package.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 1577836800)}
version=$($CARGO pkgid --offline -p voicecb | sed 's/.*[#@]//')
major=${version%%.*}
step "voicecb $version"
rm -rf "$dist"
mkdir -p "$dist" "$build"

step "tools: $venv (packaging/requirements-dist.txt)"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r packaging/requirements-dist.txt
export PATH="$venv/bin:$PATH"

# -- Libraries for glibc 2.17 (wheel, Go) -------------------------------------
# One rustc invocation gives the libraries and rustc's native-static-libs for
# them (the same command again is fresh and cargo replays the note).
zig_build() { # <rust target> <crate types>
    cargo-zigbuild rustc -p voicecb --release --lib --locked --target "$1.2.17" \
        --target-dir "$zigtarget" --crate-type "$2" --message-format=json -- --print native-static-libs \
        | sed -n 's/.*"message":"native-static-libs: \([^"\\]*\).*/\1/p' | head -n 1
}
rust_target() {
    case $1 in
        linux-amd64) echo x86_64-unknown-linux-gnu ;;
        linux-arm64) echo aarch64-unknown-linux-gnu ;;
        *) echo "dist: no Rust target known for the Go platform '$1'" >&2; return 1 ;;
    esac
}
go_libs=()
x86_native=
for p in $platforms; do
    t=$(rust_target "$p")
    if ! rustup target list --installed | grep -qx "$t"; then
        step "rustup target add $t"
        rustup target add "$t" || {
            echo "dist: cannot add the Rust target $t; set VOICECB_GO_PLATFORMS to leave $p out" >&2
            exit 1
        }
    fi
    types=staticlib
    [ "$p" = linux-amd64 ] && types=cdylib,staticlib
    step "cargo zigbuild: $t.2.17 ($types)"
    native=$(zig_build "$t" "$types")
    if [ -z "$native" ]; then
        echo "dist: rustc reported no native-static-libs for $t" >&2
        exit 1
    fi
    echo "dist: $t native libraries: $native"
    [ "$p" = linux-amd64 ] && x86_native=$native
    go_libs+=(--lib "$p=$zigtarget/$t/release/libvoicecb.a=$native")
done

# -- C/C++ SDK ---------------------------------------------------------------
# The libraries built above and the CLI, all for glibc 2.17, put in place by
# the same script as `make install`.
rel=$zigtarget/x86_64-unknown-linux-gnu/release
[ -n "$x86_native" ] || { echo "dist: the SDK and the wheel need linux-amd64 in VOICECB_GO_PLATFORMS" >&2; exit 1; }
step "cargo zigbuild: the voicecb CLI for x86_64-unknown-linux-gnu.2.17"
cargo-zigbuild build --release --locked -p voicecb-cli --bin voicecb --target x86_64-unknown-linux-gnu.2.17 \
    --target-dir "$zigtarget"
sdk=libvoicecb-$version-linux-x86_64
stage=$build/sdk-stage
rm -rf "$stage"
step "SDK: packaging/install.sh into $stage/$sdk (relocatable)"
PREFIX=/$sdk LIBDIR=/$sdk/lib INCLUDEDIR=/$sdk/include BINDIR=/$sdk/bin DESTDIR=$stage VERSION=$version \
    MAJOR=$major REL=$rel RELOCATABLE=1 NATIVE_LIBS=$x86_native packaging/install.sh
install -m 644 README.md LICENSE "$stage/$sdk/"
# The archive's bytes depend on the sources only (the last commit's time).
mtime=$(git log -1 --format=%cI 2>/dev/null || echo 2020-01-01T00:00:00Z)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -cf - "$sdk" \
    | gzip -n -9 > "$dist/$sdk.tar.gz"

# -- Python ------------------------------------------------------------------
so=$zigtarget/x86_64-unknown-linux-gnu/release/libvoicecb.so
if [ ! -f "$so" ]; then
    echo "dist: the wheel needs linux-amd64 in VOICECB_GO_PLATFORMS ($so was not built)" >&2
    exit 1
fi
# build.rs's linker arguments must have reached zig's linker too.
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libvoicecb.so.$major" ] || { echo "dist: $so has SONAME '$soname'" >&2; exit 1; }
tests/check-symbols.sh "$so" include/voicecb.h "$major"

rm -rf bindings/python/build bindings/python/src/voicecb.egg-info
step "Python wheel (manylinux_2_17_x86_64)"
VOICECB_PREBUILT_LIB=$so python -m build --wheel --no-isolation --outdir "$dist" \
    -C--build-option=--plat-name=manylinux_2_17_x86_64 bindings/python >"$build/dist-wheel.log" 2>&1 \
    || { cat "$build/dist-wheel.log"; exit 1; }
wheel=$dist/voicecb-$version-py3-none-manylinux_2_17_x86_64.whl
[ -f "$wheel" ] || { echo "dist: $wheel was not made:" >&2; ls "$dist" >&2; exit 1; }
auditwheel show "$wheel" | tee "$build/auditwheel-show.txt"
# auditwheel wraps its lines: join them before looking for the verdict.
if ! tr '\n' ' ' <"$build/auditwheel-show.txt" | grep -q 'is consistent with the following platform tag: "manylinux_2_17_x86_64"'; then
    echo "dist: auditwheel does not find $wheel consistent with manylinux_2_17_x86_64" >&2
    exit 1
fi

step "Python sdist (with the crate)"
python -m build --sdist --no-isolation --outdir "$dist" bindings/python >"$build/dist-sdist.log" 2>&1 \
    || { cat "$build/dist-sdist.log"; exit 1; }
rm -rf bindings/python/build bindings/python/src/voicecb.egg-info
tar -tzf "$dist/voicecb-$version.tar.gz" | grep -x "voicecb-$version/crate/Cargo.lock" >/dev/null \
    || { echo "dist: the sdist carries no crate/Cargo.lock" >&2; exit 1; }

# -- Rust --------------------------------------------------------------------
step "cargo package -p voicecb --locked --no-verify"
$CARGO package -p voicecb --locked --no-verify  # make test (package-check) verifies it
cp "target/package/voicecb-$version.crate" "$dist/"

# -- Go ----------------------------------------------------------------------
step "Go module: dist/go and dist/goproxy"
python3 packaging/go_module.py --version "$version" --out "$dist/go" --proxy "$dist/goproxy" "${go_libs[@]}"

(cd "$dist" && find . -type f ! -name SHA256SUMS ! -path './go/*' -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
step "done"
(cd "$dist" && find . -maxdepth 1 -type f -printf '%10s  %p\n' | sort -k2 && du -sh go goproxy)
