#!/usr/bin/env bash
# Tests the Python binding as a user gets it: builds the wheel (cargo builds
# libvoicecb, which the wheel embeds), installs it into a fresh venv under
# <repo>/build/venv-python, and runs the tests from outside the source tree,
# so that the installed package and its own copy of the library are what
# gets imported. The sandbox is <repo>/target/release/voicecb (built here
# unless VOICECB_SANDBOX_BIN names one).
#
# Needs python3 (with venv), pip access to PyPI, and cargo. Every step is
# bounded in time; the exit status is non-zero when anything fails.
#   PYTHON=python3.9 bindings/python/run-tests.sh    # another interpreter
#   bindings/python/run-tests.sh -k sign             # extra pytest arguments
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$root/build/venv-python
python=${PYTHON:-python3}
cargo=${CARGO:-cargo}
started=$(date +%s)

step() { echo "run-tests: $*"; }

command -v "$python" >/dev/null || { echo "run-tests: $python not found" >&2; exit 1; }
command -v "$cargo" >/dev/null || { echo "run-tests: $cargo not found (install Rust)" >&2; exit 1; }

step "fresh venv in $venv"
rm -rf "$venv"
mkdir -p "$root/build"
if ! timeout 300 "$python" -m venv "$venv"; then
  echo "run-tests: '$python -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
  exit 1
fi

# Leftovers of an earlier in-place build must not end up in the wheel.
rm -rf "$here/build" "$here/src/voicecb.egg-info"

step "pip install $here pytest (cargo builds libvoicecb)"
timeout 1800 "$venv/bin/python" -m pip install --disable-pip-version-check --no-input "$here" pytest

if [ -z "${VOICECB_SANDBOX_BIN:-}" ]; then
  step "building the sandbox (cargo build --release --locked --bin voicecb)"
  (cd "$root" && timeout 1800 "$cargo" build --release --locked --bin voicecb)
  target=${CARGO_TARGET_DIR:-target}
  case $target in /*) ;; *) target=$root/$target ;; esac
  export VOICECB_SANDBOX_BIN=$target/release/voicecb
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset VOICECB_LIBRARY
export VOICECB_EXPECT_INSTALLED=1
export PYTHONDONTWRITEBYTECODE=1
step "pytest from $work"
status=0
timeout 900 "$venv/bin/python" -m pytest -p no:cacheprovider -ra "$here/tests" "$@" || status=$?
step "done in $(($(date +%s) - started)) s (pytest exit status $status)"
exit "$status"
