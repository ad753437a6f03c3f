#!/bin/sh
# Prints the native libraries that a static link of libvoicecb.a needs
# besides it, as rustc reports them for this build (`--print
# native-static-libs`), e.g. "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc".
# Never hard-coded: they depend on the target, the toolchain and the
# dependencies.
#
# Arguments are passed to cargo before `--`; by default it asks about the
# host's release build. Cargo replays the message when the build is fresh,
# so this costs nothing after the first run:
#   packaging/native-libs.sh                            # the host target
#   CARGO="cargo-zigbuild" packaging/native-libs.sh --target aarch64-unknown-linux-gnu
# (the zigbuild form is what packaging/dist.sh runs.)
set -eu
cargo=${CARGO:-cargo}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(cd "$root" && $cargo rustc -p voicecb --release --lib --locked --crate-type staticlib \
        --message-format=json "$@" -- --print native-static-libs) || {
    echo "native-libs: '$cargo rustc ... --print native-static-libs' failed" >&2
    exit 1
}
# One JSON line carries the note; its "message" field is the text.
libs=$(printf '%s\n' "$out" | sed -n 's/.*"message":"native-static-libs: \([^"\\]*\).*/\1/p' | head -n 1)
if [ -z "$libs" ]; then
    echo "native-libs: rustc printed no native-static-libs note" >&2
    exit 1
fi
printf '%s\n' "$libs"
