#!/usr/bin/env bash
# Replay against filter on the same input: seeded fraud-model traffic under the sample policy with the fraud output
# under discrete Gaussian noise (so every record is charged; budgets raised so none runs out), ledger in memory, no
# audit. Interleaved runs of
#   filter    dpwall filter, output to /dev/null;
#   replay    dpwall replay (the same pipeline with per-record outcomes tallied; released records dropped);
#   against   dpwall replay --against a second policy (both policies decide every record, in one pass).
# Prints medians and the ratios to filter.
#
#   scripts/bench-replay.sh [SIZE_BYTES] [RUNS]        (defaults: 100000000 bytes, 7 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100000000}
runs=${2:-7}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
b=.build-bench
gaussian_policy "$b/replay.yaml" unbounded
# The what-if: half the fraud model's epsilon (more noise), the same budgets.
sed -e 's/mechanism: gaussian, epsilon: 0.1,/mechanism: gaussian, epsilon: 0.05,/' "$b/replay.yaml" >"$b/replay-against.yaml"
for name in filter replay against; do : >"$b/replay-$name.times"; done
for _ in $(seq "$runs"); do
    seconds "$dpwall" filter --quiet --progress never --policy "$b/replay.yaml" --ledger :memory: --no-audit "$input" \
        >>"$b/replay-filter.times"
    seconds "$dpwall" replay --progress never --policy "$b/replay.yaml" "$input" >>"$b/replay-replay.times"
    seconds "$dpwall" replay --progress never --policy "$b/replay.yaml" --against "$b/replay-against.yaml" "$input" \
        >>"$b/replay-against.times"
done
base=$(median <"$b/replay-filter.times")
echo "input: $input ($bytes bytes), $runs runs, medians"
for name in filter replay against; do
    t=$(median <"$b/replay-$name.times")
    printf '%-8s %8.3f s  %7.1f MB/s  ratio to filter %.3f\n' "$name" "$t" "$(echo "$bytes / $t / 1000000" | bc -l)" \
        "$(echo "$t / $base" | bc -l)"
done
