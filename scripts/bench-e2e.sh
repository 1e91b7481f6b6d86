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
mkdir -p .build-bench
input=.build-bench/fraud-$size.jsonl
if [ ! -s "$input" ]; then
    python3 scripts/gen-traffic.py --models fraud --protocol v2 --only-valid --seed 7 --bytes "$size" -o "$input"
fi
swift build -c release --product dpwall >/dev/null
dpwall=.build/release/dpwall
policy=samples/policy.yaml
bytes=$(stat -L -c %s "$input")
cat "$input" >/dev/null  # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

: >.build-bench/dpwall.times
: >.build-bench/zstd.times
for _ in $(seq "$runs"); do
    seconds zstd -3 -T1 -q -c --no-progress "$input" >>.build-bench/zstd.times
    seconds "$dpwall" filter --quiet --progress never --policy "$policy" "$input" >>.build-bench/dpwall.times
done
z=$(median <.build-bench/zstd.times)
d=$(median <.build-bench/dpwall.times)
rss=$(/usr/bin/time -f %M "$dpwall" filter --quiet --progress never --policy "$policy" "$input" 2>&1 >/dev/null | tail -1)
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$(wc -l <"$input")"
printf 'zstd -3 -T1: median %.3f s  %.0f MB/s\n' "$z" "$(echo "$bytes / $z / 1000000" | bc -l)"
printf 'dpwall filter: median %.3f s  %.0f MB/s  peak RSS %d KB\n' "$d" "$(echo "$bytes / $d / 1000000" | bc -l)" "$rss"
printf 'time ratio dpwall / zstd: %.2f (runs: %d)\n' "$(echo "$d / $z" | bc -l)" "$runs"
