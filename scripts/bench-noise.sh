#!/usr/bin/env bash
# What noise costs end to end: `dpwall filter` on the same fraud-model traffic with the sample policy's
# `mechanism: none`, with discrete Gaussian noise (the production block the sample policy recommends), and with
# Gaussian noise under --noise-key (one keyed generator per row). Runs are interleaved; prints medians and the
# throughput of each noised run as a fraction of the none run (the issue's target: at least 0.80 for Gaussian).
#
#   scripts/bench-noise.sh [SIZE_BYTES] [RUNS]        (defaults: 200000000 bytes, 7 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200000000}
runs=${2:-7}
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
none=samples/policy.yaml
gaussian=.build-bench/policy-gaussian.yaml
gaussian_policy "$gaussian"
key=.build-bench/noise.key
[ -s "$key" ] || "$dpwall" keygen --noise-key "$key" 2>/dev/null
: >.build-bench/none.times
: >.build-bench/gaussian.times
: >.build-bench/keyed.times
for _ in $(seq "$runs"); do
    seconds "$dpwall" filter --quiet --progress never --ledger :memory: --no-audit --policy "$none" "$input" >>.build-bench/none.times
    seconds "$dpwall" filter --quiet --progress never --ledger :memory: --no-audit --policy "$gaussian" "$input" \
        >>.build-bench/gaussian.times
    seconds "$dpwall" filter --quiet --progress never --ledger :memory: --no-audit --policy "$gaussian" --noise-key "$key" "$input" \
        >>.build-bench/keyed.times
done
n=$(median <.build-bench/none.times)
g=$(median <.build-bench/gaussian.times)
k=$(median <.build-bench/keyed.times)
printf 'input: %s (%d bytes, %d records)\n' "$input" "$bytes" "$(wc -l <"$input")"
printf 'mechanism none:           median %.3f s  %.0f MB/s\n' "$n" "$(echo "$bytes / $n / 1000000" | bc -l)"
printf 'gaussian:                 median %.3f s  %.0f MB/s  throughput %.2f of none\n' "$g" \
    "$(echo "$bytes / $g / 1000000" | bc -l)" "$(echo "$n / $g" | bc -l)"
printf 'gaussian + --noise-key:   median %.3f s  %.0f MB/s  throughput %.2f of none\n' "$k" \
    "$(echo "$bytes / $k / 1000000" | bc -l)" "$(echo "$n / $k" | bc -l)"
