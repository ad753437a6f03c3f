#!/bin/sh
# Installs the Debian packages that `make bench` needs beyond what `make test`
# needs: the headers of libcurl (OpenSSL flavour), OpenSSL and cJSON for the C
# peer (bench/c/peer_curl.c: what a C user would write), valgrind and strace for the profile, taskset
# (util-linux) for the threads table. bench/run.py runs it when one is
# missing; it installs only what is missing, so a second run does nothing.
set -eu
want="libcurl4-openssl-dev libssl-dev libcjson-dev valgrind strace util-linux pkg-config"
missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
echo "bench/deps.sh: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "bench/deps.sh: need root (or sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -qq --no-install-recommends $missing
