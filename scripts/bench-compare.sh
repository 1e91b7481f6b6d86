#!/usr/bin/env bash
# Times shell commands interleaved, in a rotating order, so that each sees the same phases of a noisy host; prints
# the median and the best wall time of each, and each median's ratio to the first command's.
#
#   scripts/bench-compare.sh RUNS 'COMMAND' 'COMMAND' ...
#
# For example, two builds of dpwall against zstd on the same file:
#   scripts/bench-compare.sh 21 "zstd -3 -T1 -q -c $I" "/tmp/dpwall-old filter … $I" ".build/release/dpwall filter … $I"
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0" >&2; exit 64; }
runs=$1
shift
commands=("$@")
n=${#commands[@]}
times=$(mktemp -d)
trap 'rm -rf "$times"' EXIT
for ((r = 0; r < runs; r++)); do
    for ((j = 0; j < n; j++)); do
        k=$(((j + r) % n))
        start=$(date +%s%N)
        bash -c "${commands[$k]}" >/dev/null 2>&1
        end=$(date +%s%N)
        echo $(((end - start) / 1000)) >>"$times/$k"
    done
done
first=
for ((k = 0; k < n; k++)); do
    median=$(sort -n "$times/$k" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    best=$(sort -n "$times/$k" | head -1)
    first=${first:-$median}
    printf 'median %9.1f ms  best %9.1f ms  ratio %.2f  %s\n' "$(echo "$median / 1000" | bc -l)" \
        "$(echo "$best / 1000" | bc -l)" "$(echo "$median / $first" | bc -l)" "${commands[$k]}"
done
