#!/usr/bin/env bash
# Times shell commands interleaved, in a rotating order, so that each sees the same phases of a noisy host; prints
# the median and the best wall time of each, and each median's ratio to the first command's. A command that
# fails stops the script with its exit status and the command named.
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
        status=0
        bash -c "${commands[$k]}" >/dev/null 2>"$times/stderr" || status=$?
        end=$(date +%s%N)
        if [ "$status" -ne 0 ]; then
            printf 'bench-compare: exit %d from: %s\n' "$status" "${commands[$k]}" >&2
            tail -5 "$times/stderr" >&2
            exit "$status"
        fi
        echo $(((end - start) / 1000)) >>"$times/$k"
    done
done
# shellcheck source=scripts/median.sh
. "$(dirname "$0")/median.sh"
first=
for ((k = 0; k < n; k++)); do
    # Microseconds in, milliseconds out; all arithmetic in awk (integers stay exact, no bc needed).
    read -r median best < <(awk -v m="$(median <"$times/$k")" -v b="$(sort -n "$times/$k" | head -1)" \
        'BEGIN {printf "%.1f %.1f\n", m / 1000, b / 1000}')
    first=${first:-$median}
    ratio=$(awk -v m="$median" -v f="$first" 'BEGIN {printf "%.2f", m / f}')
    printf 'median %9s ms  best %9s ms  ratio %s  %s\n' "$median" "$best" "$ratio" "${commands[$k]}"
done
