#!/usr/bin/env bash
# The budget ledger end to end: `dpwall filter` on fraud-model traffic with discrete Gaussian noise, every record
# charged into a fresh SQLite ledger file (WAL, synchronous FULL, group commit), against `zstd -3 -T1` on the same
# file, interleaved. Without the audit archive (scripts/bench-audit.sh measures that). The tiers' budgets are raised
# so that every record is charged (none is denied). Prints medians, MB/s, the ratio to zstd, and the releases in
# the clients' latest windows (read back with `dpwall budget show`).
#
#   scripts/bench-ledger.sh [SIZE_BYTES] [RUNS]        (defaults: 200000000 bytes, 7 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200000000}
runs=${2:-7}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
policy=.build-bench/policy-ledger.yaml
gaussian_policy "$policy" unbounded
ledger=.build-bench/bench.db
: >.build-bench/ledger.times
: >.build-bench/zstd.times
for _ in $(seq "$runs"); do
    rm -f "$ledger" "$ledger"-wal "$ledger"-shm
    seconds "$dpwall" filter --quiet --progress never --policy "$policy" --ledger "$ledger" --no-audit "$input" \
        >>.build-bench/ledger.times
    seconds zstd -3 -T1 -q -c "$input" >>.build-bench/zstd.times
done
d=$(median <.build-bench/ledger.times)
z=$(median <.build-bench/zstd.times)
charged=$("$dpwall" budget show --ledger "$ledger" --format csv | awk -F, 'NR > 1 {n += $11} END {print n}')
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$(wc -l <"$input")"
printf 'dpwall filter + gaussian + ledger: median %.3f s  %.0f MB/s  (%s releases in the latest window of each client)\n' "$d" \
    "$(echo "$bytes / $d / 1000000" | bc -l)" "$charged"
printf 'zstd -3 -T1:                       median %.3f s  %.0f MB/s\n' "$z" "$(echo "$bytes / $z / 1000000" | bc -l)"
printf 'time ratio dpwall / zstd: %.2f\n' "$(echo "$d / $z" | bc -l)"
