#!/usr/bin/env bash
# Runs a command against a fresh sandbox on a free port of 127.0.0.1, with
# VOICECB_BASE_URL, VOICECB_APP_KEY and VOICECB_APP_SECRET set for it, and
# stops the sandbox afterwards. The exit status is the command's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${VOICECB_SANDBOX_BIN:-$root/target/release/voicecb}
dir=$(mktemp -d)
"$bin" sandbox --port-file "$dir/port" >"$dir/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  [ -s "$dir/port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$dir/port" ]; then
  echo "with-sandbox: the sandbox did not start:" >&2
  cat "$dir/log" >&2
  exit 1
fi
export VOICECB_BASE_URL="http://127.0.0.1:$(cat "$dir/port")"
export VOICECB_APP_KEY=sandbox-app-key
export VOICECB_APP_SECRET=sandbox-app-secret
"$@"
