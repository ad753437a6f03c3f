#!/usr/bin/env bash
# `make test-dist`: tests what `make dist` wrote, each artifact the way its
# users use it, in a fresh temporary folder outside the repository:
#
#   sdk      the tarball unpacked anywhere: a CMake project (find_package,
#            voicecb::voicecb, shared and static) and pkg-config builds
#            (shared and static) of examples/click2call.c each place a call
#            against the sandbox of the tarball's own bin/voicecb
#   wheel    installed into a fresh virtualenv, no Rust on PATH; the Python
#            test-suite runs against the installed package
#   sdist    pip install of the sdist in a fresh virtualenv (cargo builds the
#            library from the crate inside it); the Python test-suite again
#   go       a new module requires the Go module from dist/goproxy
#            (GOPROXY=file://, empty module cache, no Rust on PATH), builds and
#            places a call; then the same after `go mod vendor` (offline); then
#            -tags voicecb_dynamic against the tarball through pkg-config; the
#            linux/arm64 archive is linked by a cross build (zig cc)
#   golink   the repository's bindings/go/link.go names the native
#            libraries that rustc reports
#
#   packaging/test-dist.sh [sdk wheel sdist go golink]   (default: all)
#
# Only what the tests need is taken from the repository: the Python tests
# and the shared test vectors, examples/click2call.c, tests/with-sandbox.sh
# (which starts the tarball's sandbox).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$root/dist
venv_tools=$root/build/dist-venv
parts=${*:-sdk wheel sdist go golink}
started=$(date +%s)
step() { printf '\n== test-dist [%s s]: %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { echo "test-dist: $*" >&2; exit 1; }

version=$(cd "$root" && cargo pkgid --offline -p voicecb | sed 's/.*[#@]//')
major=${version%%.*}
sdk_name=libvoicecb-$version-linux-x86_64
[ -f "$dist/$sdk_name.tar.gz" ] || fail "$dist/$sdk_name.tar.gz is missing: run 'make dist' first"

work=$(mktemp -d "${TMPDIR:-/tmp}/voicecb-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
case $work in "$root"/*) fail "the scratch folder $work is inside the repository" ;; esac

# A PATH of the tools a user has, and no Rust: symlinks to each, so that
# nothing else of their folders (cargo, rustc, rustup) comes along.
real_python=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
toolbin=$work/toolbin
mkdir -p "$toolbin"
for t in sh bash env cat cp mv rm ln ls mkdir rmdir mktemp chmod dirname basename tr sed grep awk \
         head tail sort uniq wc find xargs tar gzip touch sleep kill seq timeout date readlink \
         realpath tee cc gcc c++ g++ cpp ld as ar ranlib nm objdump readelf ldd make cmake \
         pkg-config pkgconf git uname id expr printf test true false; do
    p=$(command -v "$t" 2>/dev/null) || continue
    case $p in /*) ln -sf "$p" "$toolbin/$t" ;; esac
done
ln -sf "$real_python" "$toolbin/python3"
gobin=$(dirname "$(readlink -f "$(command -v go)")")
ln -sf "$gobin/go" "$toolbin/go"
ln -sf "$gobin/gofmt" "$toolbin/gofmt"
NORUST_PATH=$toolbin
for t in cargo rustc rustup; do
    if PATH=$NORUST_PATH command -v "$t" >/dev/null 2>&1; then fail "$t is on the no-Rust PATH"; fi
done

# Runs a command against a fresh sandbox of the given voicecb binary (the
# tarball's), with the sandbox's URL and credentials in the environment.
with_sandbox() { # <voicecb binary> <command...>
    local bin=$1
    shift
    VOICECB_SANDBOX_BIN=$bin "$root/tests/with-sandbox.sh" "$@"
}

# The tarball, unpacked where a user would put it.
sdk=$work/opt/$sdk_name
mkdir -p "$work/opt"
tar -xzf "$dist/$sdk_name.tar.gz" -C "$work/opt"
sandbox=$sdk/bin/voicecb

# Which libvoicecb.so.N a program loads, as a canonical path ("" if none).
loaded_lib() { # <program> [env...]
    local p=$1
    shift
    env "$@" ldd "$p" | awk '/libvoicecb/ { print $3 }' | while read -r f; do realpath "$f"; done
}
expect_loads() { # <program> <what> [env...]
    local p=$1 what=$2 got want
    shift 2
    want=$(realpath "$sdk/lib/libvoicecb.so.$version")
    got=$(loaded_lib "$p" "$@")
    echo "$(basename "$p") loads $got"
    [ "$got" = "$want" ] || fail "$what loads '$got', not the tarball's $want"
}
expect_static() { # <program> <what>
    local got
    got=$(loaded_lib "$1")
    [ -z "$got" ] || fail "$2 needs libvoicecb.so ($got): it should be linked statically"
    echo "$(basename "$1"): ldd shows no libvoicecb (static)"
}

# ---------------------------------------------------------------------------
test_sdk() {
    step "SDK tarball: contents"
    (cd "$sdk" && find . \( -type f -o -type l \) -printf '%M %9s %p %l\n' | sort -k3)
    for f in include/voicecb.h "lib/libvoicecb.so.$version" "lib/libvoicecb.so.$major" lib/libvoicecb.so \
             lib/libvoicecb.a lib/pkgconfig/voicecb.pc lib/cmake/voicecb/voicecbConfig.cmake \
             lib/cmake/voicecb/voicecbConfigVersion.cmake bin/voicecb README.md LICENSE; do
        [ -e "$sdk/$f" ] || fail "the tarball has no $f"
    done
    # Built against glibc 2.17 (zig): no newer symbol version may be needed.
    local f newest
    for f in "$sdk/lib/libvoicecb.so.$version" "$sdk/bin/voicecb"; do
        newest=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1)
        echo "$(basename "$f") needs glibc $newest"
        [ "$(printf '%s\n' "$newest" 2.17 | sort -V | tail -n 1)" = 2.17 ] || fail "$f needs glibc $newest, more than 2.17"
    done
    soname=$(readelf -d "$sdk/lib/libvoicecb.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$soname" = "libvoicecb.so.$major" ] || fail "SONAME is '$soname'"
    [ "$("$sandbox" --version)" = "libvoicecb/$version" ] || fail "bin/voicecb --version: $("$sandbox" --version)"
    echo "SONAME $soname; bin/voicecb --version: $("$sandbox" --version)"
    grep '^Libs.private:' "$sdk/lib/pkgconfig/voicecb.pc"
    grep 'INTERFACE_LINK_LIBRARIES "' "$sdk/lib/cmake/voicecb/voicecbConfig.cmake"

    local app=$work/c-app
    mkdir -p "$app"
    cp "$root/examples/click2call.c" "$root/examples/print_error.h" "$app/"
    cat >"$app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(click2call C)
option(APP_STATIC "link libvoicecb statically" OFF)
if(APP_STATIC)
  find_package(voicecb 0.1 CONFIG REQUIRED COMPONENTS static)
else()
  find_package(voicecb 0.1 CONFIG REQUIRED)
endif()
find_package(Threads REQUIRED)
add_executable(click2call click2call.c)
target_link_libraries(click2call PRIVATE voicecb::voicecb Threads::Threads)
CMAKE
    for kind in shared static; do
        step "SDK: CMake project ($kind), find_package(voicecb CONFIG REQUIRED), voicecb::voicecb"
        local b=$app/build-$kind flag=OFF
        [ "$kind" = static ] && flag=ON
        PATH=$NORUST_PATH cmake -S "$app" -B "$b" -DCMAKE_PREFIX_PATH="$sdk" -DAPP_STATIC=$flag >"$b.log" 2>&1 \
            || { cat "$b.log"; fail "cmake configure ($kind) failed"; }
        PATH=$NORUST_PATH cmake --build "$b" >>"$b.log" 2>&1 || { cat "$b.log"; fail "cmake build ($kind) failed"; }
        grep -E 'voicecb_DIR|Found' "$b.log" || true
        grep '^voicecb_DIR' "$b/CMakeCache.txt"
        if [ "$kind" = shared ]; then
            expect_loads "$b/click2call" "the CMake shared build"
        else
            expect_static "$b/click2call" "the CMake static build"
        fi
        with_sandbox "$sandbox" "$b/click2call" >"$b.run" 2>&1 || { cat "$b.run"; fail "click2call ($kind, CMake) failed"; }
        grep -E 'session|placed|stopped|refus' "$b.run" | head -n 4
    done

    export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
    step "SDK: pkg-config (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"
    echo "pkg-config --cflags --libs voicecb: $(pkg-config --cflags --libs voicecb)"
    echo "pkg-config --static --libs voicecb: $(pkg-config --static --libs voicecb)"
    [ "$(pkg-config --modversion voicecb)" = "$version" ] || fail "pkg-config --modversion voicecb: $(pkg-config --modversion voicecb)"
    PATH=$NORUST_PATH cc -std=c11 -Wall -Werror "$app/click2call.c" $(pkg-config --cflags --libs voicecb) -lpthread \
        -Wl,-rpath,"$(pkg-config --variable=libdir voicecb)" -o "$app/click2call-pc"
    PATH=$NORUST_PATH cc -std=c11 -Wall -Werror "$app/click2call.c" $(pkg-config --cflags voicecb) "$sdk/lib/libvoicecb.a" \
        $(pkg-config --libs-only-l --static voicecb | sed 's/-lvoicecb//') -o "$app/click2call-pc-static"
    expect_loads "$app/click2call-pc" "the pkg-config shared build"
    expect_static "$app/click2call-pc-static" "the pkg-config static build"
    for p in click2call-pc click2call-pc-static; do
        with_sandbox "$sandbox" "$app/$p" >"$app/$p.run" 2>&1 || { cat "$app/$p.run"; fail "$p failed"; }
        echo "$p: ran against the sandbox:"
        grep -E 'session|placed|stopped|refus' "$app/$p.run" | head -n 4
    done
    unset PKG_CONFIG_PATH
}

# The Python test-suite, outside the repository: tests/ and what they read
# (the header from the tarball, the shared vectors, src/notify.rs for the
# bill fields) laid out as conftest.py expects, so REPO means that folder.
python_suite() { # <venv> <label>
    local venv=$1 label=$2 tree=$work/$2-tree
    mkdir -p "$tree/bindings/python" "$tree/include" "$tree/tests" "$tree/src"
    cp -r "$root/bindings/python/tests" "$tree/bindings/python/tests"
    cp "$sdk/include/voicecb.h" "$tree/include/"
    cp -r "$root/tests/vectors" "$tree/tests/vectors"
    cp "$root/src/notify.rs" "$tree/src/"
    (
        cd "$work/$label"
        unset VOICECB_LIBRARY
        PATH=$venv/bin:$NORUST_PATH VOICECB_SANDBOX_BIN=$sandbox VOICECB_EXPECT_INSTALLED=1 PYTHONDONTWRITEBYTECODE=1 \
            timeout 1200 "$venv/bin/python" -m pytest -p no:cacheprovider -q "$tree/bindings/python/tests" 2>&1 | tail -n 15
        exit "${PIPESTATUS[0]}"
    )
}

test_wheel() {
    local whl=$dist/voicecb-$version-py3-none-manylinux_2_17_x86_64.whl
    [ -f "$whl" ] || fail "$whl is missing"
    step "wheel: auditwheel show"
    "$venv_tools/bin/auditwheel" show "$whl"
    step "wheel: pip install into a fresh venv in an empty folder, no Rust on PATH"
    mkdir -p "$work/wheel"
    cp "$whl" "$work/wheel/"
    "$real_python" -m venv "$work/wheel/venv"
    (cd "$work/wheel" && PATH=$work/wheel/venv/bin:$NORUST_PATH python3 -m pip install -q --disable-pip-version-check \
        --no-input "./$(basename "$whl")" pytest)
    (cd "$work/wheel" && PATH=$work/wheel/venv/bin:$NORUST_PATH python3 -c \
        'import voicecb, sys; print("import voicecb:", voicecb.__file__, voicecb.LIBRARY_PATH, voicecb.__version__ if hasattr(voicecb, "__version__") else "")')
    step "wheel: the Python test-suite against the installed package"
    python_suite "$work/wheel/venv" wheel
}

test_sdist() {
    local sd=$dist/voicecb-$version.tar.gz
    [ -f "$sd" ] || fail "$sd is missing"
    step "sdist: pip install voicecb-$version.tar.gz into a fresh venv (cargo builds the crate inside it)"
    mkdir -p "$work/sdist"
    cp "$sd" "$work/sdist/"
    "$real_python" -m venv "$work/sdist/venv"
    (cd "$work/sdist" && timeout 2400 "$work/sdist/venv/bin/python" -m pip install --disable-pip-version-check \
        --no-input --no-cache-dir -v "./voicecb-$version.tar.gz" pytest >"$work/sdist/pip.log" 2>&1) \
        || { tail -n 60 "$work/sdist/pip.log"; fail "pip install of the sdist failed"; }
    grep -E 'voicecb: running|Finished|Successfully installed' "$work/sdist/pip.log" | sed 's/^ *//'
    local pkg
    pkg=$("$work/sdist/venv/bin/python" -c 'import voicecb, os; print(os.path.dirname(voicecb.__file__))')
    readelf -d "$pkg/libvoicecb.so" | grep "Library soname: \[libvoicecb.so.$major\]" || fail "the sdist's library has no SONAME libvoicecb.so.$major"
    step "sdist: the Python test-suite against the installed package (no Rust on PATH)"
    python_suite "$work/sdist/venv" sdist
}

# A program of its own module: places a call and stops it.
write_go_app() { # <folder>
    mkdir -p "$1"
    cat >"$1/go.mod" <<GOMOD
module example.com/voicecb-app

go 1.24

require github.com/libvoicecb/libvoicecb/bindings/go v$version
GOMOD
    cat >"$1/main.go" <<'GO'
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

func main() {
	client, err := voicecb.NewClientFromEnv(voicecb.WithTimeout(10 * time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := client.Click2Call(ctx, voicecb.Click2CallRequest{
		DisplayNbr: "+8675512345678",
		CallerNbr:  "+8613800000001",
		CalleeNbr:  "+8613800000002",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "click2Call:", err)
		os.Exit(1)
	}
	if err := client.Stop(ctx, call.SessionID); err != nil {
		fmt.Fprintln(os.Stderr, "callStop:", err)
		os.Exit(1)
	}
	fmt.Println("go app: call placed and stopped, session id of", len(call.SessionID), "characters")
}
GO
}

test_go() {
    [ -f "$dist/go/go.mod" ] || fail "$dist/go is missing"
    export GOPATH=$work/gopath GOMODCACHE=$work/gopath/pkg/mod GOFLAGS=-mod=mod GOSUMDB=off GONOSUMDB='*' \
        GOPROXY=file://$dist/goproxy GOTOOLCHAIN=local CGO_ENABLED=1
    local mod=github.com/libvoicecb/libvoicecb/bindings/go
    step "Go: the released module: gofmt and go vet"
    cp -r "$dist/go" "$work/go-release"
    [ -z "$(cd "$work/go-release" && PATH=$NORUST_PATH gofmt -l .)" ] || fail "dist/go is not gofmt-formatted"
    (cd "$work/go-release" && PATH=$NORUST_PATH go vet ./...)
    find "$work/go-release" -type f -printf '%10s  %P\n' | sort -k2 | grep -v '\.go$' || true

    step "Go: a new module, GOPROXY=file://$dist/goproxy, empty module cache, no Rust on PATH"
    local app=$work/go-app
    write_go_app "$app"
    (cd "$app" && PATH=$NORUST_PATH go build -x -o app . 2>"$work/go-build.log") || { cat "$work/go-build.log"; fail "go build failed"; }
    # Nothing of the repository (its target/, include/) takes part in the build.
    if grep -F "$root/" "$work/go-build.log" | grep -v -F "$dist/goproxy" >/dev/null; then
        grep -F "$root/" "$work/go-build.log" | grep -v -F "$dist/goproxy" | head -n 5
        fail "the Go build used files of the repository"
    fi
    grep '^go: downloading' "$work/go-build.log" || true
    echo "linked: $(grep -o '[^ ]*/lib/linux-amd64/libvoicecb.a' "$work/go-build.log" | sort -u | head -n 1)"
    (cd "$app" && PATH=$NORUST_PATH go list -m -f '{{.Path}} {{.Version}} {{.Dir}}' "$mod")
    grep "$mod" "$app/go.sum"
    expect_static "$app/app" "the Go program"
    with_sandbox "$sandbox" "$app/app"

    step "Go: go mod vendor, then an offline build from vendor/"
    (cd "$app" && PATH=$NORUST_PATH go mod vendor)
    ls -l "$app/vendor/$mod/lib/"*/libvoicecb.a "$app/vendor/$mod/include/voicecb.h"
    (cd "$app" && PATH=$NORUST_PATH GOFLAGS=-mod=vendor GOPROXY=off go build -o app-vendored .)
    expect_static "$app/app-vendored" "the vendored Go program"
    with_sandbox "$sandbox" "$app/app-vendored"

    step "Go: -tags voicecb_dynamic against the tarball (PKG_CONFIG_PATH=$sdk/lib/pkgconfig)"
    (cd "$app" && PATH=$NORUST_PATH PKG_CONFIG_PATH=$sdk/lib/pkgconfig go build -tags voicecb_dynamic -o app-dynamic .)
    expect_loads "$app/app-dynamic" "the voicecb_dynamic build" LD_LIBRARY_PATH="$sdk/lib"
    with_sandbox "$sandbox" env LD_LIBRARY_PATH="$sdk/lib" "$app/app-dynamic"

    if [ -f "$dist/go/lib/linux-arm64/libvoicecb.a" ]; then
        step "Go: linux/arm64 cross build (zig cc -target aarch64-linux-gnu.2.17)"
        local zigcc=$work/zigcc-arm64
        printf '#!/bin/sh\nexec "%s" -m ziglang cc -target aarch64-linux-gnu.2.17 "$@"\n' "$venv_tools/bin/python" >"$zigcc"
        chmod +x "$zigcc"
        (cd "$app" && PATH=$NORUST_PATH GOOS=linux GOARCH=arm64 CC=$zigcc go build -o app-arm64 .)
        file_kind=$(readelf -h "$app/app-arm64" | sed -n 's/.*Machine: *//p')
        echo "app-arm64: $file_kind (linked against lib/linux-arm64/libvoicecb.a; not run: no arm64 machine here)"
        [ "$file_kind" = AArch64 ] || fail "the arm64 build is a $file_kind binary"
    fi
    unset GOPATH GOMODCACHE GOFLAGS GOSUMDB GONOSUMDB GOPROXY GOTOOLCHAIN
}

test_golink() {
    step "Go: bindings/go/link.go names rustc's native libraries"
    local want have
    want=$(CARGO=cargo "$root/packaging/native-libs.sh" 2>/dev/null)
    have=$(sed -n 's|^// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libvoicecb.a ||p' "$root/bindings/go/link.go")
    echo "rustc: $want"
    echo "link.go: $have"
    [ "$want" = "$have" ] || fail "bindings/go/link.go links '$have' but rustc reports '$want': update link.go"
}

for p in $parts; do
    case $p in
        sdk) test_sdk ;;
        wheel) test_wheel ;;
        sdist) test_sdist ;;
        go) test_go ;;
        golink) test_golink ;;
        *) fail "unknown part '$p' (sdk wheel sdist go golink)" ;;
    esac
done
step "every artifact of dist/ passed ($parts)"
