#!/usr/bin/env bash
# End-to-end throughput of `dpwall filter` against `zstd -3` on the same generated file, interleaved so that
# both see the same machine state; prints medians and their ratio. Also reports dpwall's peak RSS.
#
#   scripts/bench-e2e.sh [SIZE_BYTES] [RUNS]        (defaults: 500000000 bytes, 7 runs)
#
# The input is fraud-model records (about 640 bytes: 30 FP32 inputs, 2 FP32 outputs, mechanism none) from
# scripts/gen-traffic.py, cached in .build-bench/. dpwall is built in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-500000000}
runs=${2:-7}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
policy=samples/policy.yaml

: >.build-bench/dpwall.times
: >.build-bench/zstd.times
for _ in $(seq "$runs"); do
    seconds zstd -3 -T1 -q -c --no-progress "$input" >>.build-bench/zstd.times
    seconds "$dpwall" filter --quiet --progress never --ledger :memory: --no-audit --policy "$policy" "$input" >>.build-bench/dpwall.times
done
z=$(median <.build-bench/zstd.times)
d=$(median <.build-bench/dpwall.times)
rss=$(/usr/bin/time -f %M "$dpwall" filter --quiet --progress never --ledger :memory: --no-audit --policy "$policy" "$input" 2>&1 >/dev/null | tail -1)
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$(wc -l <"$input")"
printf 'zstd -3 -T1: median %.3f s  %.0f MB/s\n' "$z" "$(echo "$bytes / $z / 1000000" | bc -l)"
printf 'dpwall filter: median %.3f s  %.0f MB/s  peak RSS %d KB\n' "$d" "$(echo "$bytes / $d / 1000000" | bc -l)" "$rss"
printf 'time ratio dpwall / zstd: %.2f (runs: %d)\n' "$(echo "$d / $z" | bc -l)" "$runs"
