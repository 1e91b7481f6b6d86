#!/usr/bin/env bash
# What the audit archive costs end to end: `dpwall filter` on fraud-model traffic with Gaussian noise and a fresh
# ledger file, with the audit archive and with --no-audit, interleaved; then `dpwall audit verify` on the last
# archive. Prints medians, the audit's cost as a fraction of the --no-audit throughput, and verify's speed.
#
#   scripts/bench-audit.sh [SIZE_BYTES] [RUNS]        (defaults: 200000000 bytes, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200000000}
runs=${2:-5}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
policy=.build-bench/policy-ledger.yaml
gaussian_policy "$policy" unbounded
ledger=.build-bench/audit.db
audit=.build-bench/audit
: >.build-bench/audit.times
: >.build-bench/noaudit.times
: >.build-bench/verify.times
for _ in $(seq "$runs"); do
    rm -rf "$ledger" "$ledger"-wal "$ledger"-shm "$audit"
    seconds "$dpwall" filter --quiet --progress never --policy "$policy" --ledger "$ledger" --no-audit "$input" \
        >>.build-bench/noaudit.times
    rm -rf "$ledger" "$ledger"-wal "$ledger"-shm
    seconds "$dpwall" filter --quiet --progress never --policy "$policy" --ledger "$ledger" --audit "$audit" "$input" \
        >>.build-bench/audit.times
    seconds "$dpwall" audit verify "$audit" >>.build-bench/verify.times
done
n=$(median <.build-bench/noaudit.times)
a=$(median <.build-bench/audit.times)
v=$(median <.build-bench/verify.times)
archive=$(du -cb "$audit"/*.zst | tail -1 | cut -f1)
entries=$(zstdcat "$audit"/*.zst | wc -c)
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$(wc -l <"$input")"
printf 'filter --no-audit: median %.3f s  %.0f MB/s\n' "$n" "$(echo "$bytes / $n / 1000000" | bc -l)"
printf 'filter with audit: median %.3f s  %.0f MB/s  throughput %.2f of --no-audit\n' "$a" \
    "$(echo "$bytes / $a / 1000000" | bc -l)" "$(echo "$n / $a" | bc -l)"
printf 'archive: %d bytes compressed, %d bytes of entries\n' "$archive" "$entries"
printf 'audit verify: median %.3f s  %.0f MB/s of archive, %.0f MB/s of entries\n' "$v" \
    "$(echo "$archive / $v / 1000000" | bc -l)" "$(echo "$entries / $v / 1000000" | bc -l)"
