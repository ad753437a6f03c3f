#!/bin/sh
# Builds libvoicecb and the sandbox, then checks the Go binding: gofmt, go
# vet, the tests under the race detector and under GOGC=1 (against the
# sandbox, which the tests start themselves), and that a built test binary
# does not need libvoicecb.so. Exits non-zero on the first failure.
#
# Environment: CARGO and GO name the tools (default cargo and go);
# VOICECB_SANDBOX_BIN overrides the sandbox binary the tests start.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CARGO=${CARGO:-cargo}
GO=${GO:-go}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/voicecb-go.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }

step "cargo build --release --locked (library and sandbox)"
(cd "$root" && "$CARGO" build --release --locked)

cd "$here"

step "gofmt -l"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "not gofmt-formatted:" >&2
    echo "$unformatted" >&2
    exit 1
fi

step "go vet"
"$GO" vet ./...

step "go test -race"
"$GO" test -race -count=1 ./...

step "GOGC=1 go test"
GOGC=1 "$GO" test -count=1 ./...

step "ldd of a test binary: no libvoicecb.so"
"$GO" test -c -o "$tmp/voicecb.test" .
ldd "$tmp/voicecb.test" > "$tmp/ldd.txt"
cat "$tmp/ldd.txt"
if grep -q libvoicecb "$tmp/ldd.txt"; then
    echo "the test binary needs libvoicecb.so: it should link libvoicecb.a" >&2
    exit 1
fi

echo
echo "bindings/go: every check passed"
