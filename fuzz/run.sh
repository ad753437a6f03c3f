#!/usr/bin/env bash
# Runs the fuzz targets one after another and prints, per target, the
# executions, the corpus size (files in fuzz/corpus/<target>, and how many
# libFuzzer kept in use after reducing), the coverage and the crashes found.
#
#   fuzz/run.sh TARGET SECONDS      one target (response, validation, notification, c_abi)
#   fuzz/run.sh all SECONDS         every target, SECONDS each
#
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked).
# The corpus grows in fuzz/corpus/<target> (not committed), starting from
# the committed seeds in fuzz/seeds/<target>; crashes land in
# fuzz/artifacts/<target>/, logs in fuzz/logs/<target>.log.
# Extra libFuzzer flags: FUZZ_ARGS="-max_len=8192" fuzz/run.sh all 60.
# Exits 1 when any target crashed (or leaked, timed out, ran out of memory).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(response validation notification c_abi)
usage() { echo "usage: $0 {all|${TARGETS[*]// /|}} SECONDS" >&2; exit 2; }
[ $# -eq 2 ] || usage
what=$1 secs=$2
[[ $secs =~ ^[0-9]+$ ]] || usage
if [ "$what" = all ]; then
  run=("${TARGETS[@]}")
else
  [[ " ${TARGETS[*]} " == *" $what "* ]] || usage
  run=("$what")
fi

mkdir -p fuzz/logs
echo "== building (ASan, coverage; log: fuzz/logs/build.log)"
if ! cargo +nightly fuzz build >fuzz/logs/build.log 2>&1; then
  tail -n 40 fuzz/logs/build.log; exit 1
fi

summary=() failed=0
for t in "${run[@]}"; do
  corpus=fuzz/corpus/$t artifacts=fuzz/artifacts/$t log=fuzz/logs/$t.log
  mkdir -p "$corpus" "$artifacts"
  before=$(find "$artifacts" -type f | wc -l)
  echo "== $t: fuzzing for $secs s (log: $log)"
  rc=0
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  cargo +nightly fuzz run "$t" "$corpus" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 ${FUZZ_ARGS:-} \
    >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  secs_run=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  size=$(find "$corpus" -type f | wc -l)
  inuse=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  status=ok
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    status="FAILED (exit $rc)"; failed=1
    grep -m 3 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|Test unit written' "$log" | sed 's/^/   /' || true
  fi
  line=$(printf '%-13s executions %-10s corpus %-6s (%s in use) coverage %-6s crashes %-3s %s' \
    "$t" "${execs:-?}" "$size" "${inuse:-?}" "${cov:-?}" "$crashes" "${secs_run:+in ${secs_run}s }$status")
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
