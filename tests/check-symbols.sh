#!/usr/bin/env bash
# Checks the exports of libvoicecb.so: only voicecb_ symbols, exactly the
# functions of the header, the SONAME, and no trace of the sandbox.
set -euo pipefail
so=$1 header=$2 major=$3
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
stray=$(grep -v '^voicecb_' <<<"$exported" || true)
if [ -n "$stray" ]; then echo "symbols: exported but not voicecb_: $stray"; exit 1; fi
declared=$(grep -o '\bvoicecb_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u)
if ! diff <(echo "$declared") <(echo "$exported"); then
  echo "symbols: header functions (<) and exports (>) differ"; exit 1
fi
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libvoicecb.so.$major" ]; then echo "symbols: SONAME is '$soname'"; exit 1; fi
if grep -q '__sandbox' "$so"; then echo "symbols: sandbox code is linked into $so"; exit 1; fi
echo "symbols: $(wc -l <<<"$exported") voicecb_ exports match the header; SONAME $soname; no sandbox code"
