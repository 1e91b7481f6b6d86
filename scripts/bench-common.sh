# Shared by the end-to-end benchmark scripts (sourced, not run): builds dpwall in release mode, generates the
# seeded fraud-model input of $size bytes once into .build-bench/, warms the page cache, and defines `median`
# (of numbers on stdin) and `seconds` (wall time of a command, output discarded).
#
# Sets: input, bytes, dpwall. Defines `gaussian_policy FILE [unbounded]`: the sample policy with the fraud model's
# output under discrete Gaussian noise (the production block the sample recommends), and with `unbounded`, every
# budget raised so far that every record is charged.
mkdir -p .build-bench
input=.build-bench/fraud-$size.jsonl
if [ ! -s "$input" ]; then
    python3 scripts/gen-traffic.py --models fraud --protocol v2 --only-valid --seed 7 --bytes "$size" -o "$input"
fi
swift build -c release --experimental-lto-mode=full --product dpwall >/dev/null
dpwall=.build/release/dpwall
bytes=$(stat -L -c %s "$input")
cat "$input" >/dev/null  # warm the page cache

# shellcheck source=scripts/median.sh
. scripts/median.sh
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

gaussian_policy() {
    local budget='s/^$//'
    [ "${2:-}" = unbounded ] && budget='s/budget: { epsilon: [0-9.]*/budget: { epsilon: 1.0e12/'
    sed -e 's/privacy: { mechanism: none, round: 4 }/privacy: { mechanism: gaussian, epsilon: 0.1, delta: 1.0e-7, clamp: [0, 1], normalize: true, round: 2 }/' \
        -e "$budget" samples/policy.yaml >"$1"
    grep -q 'mechanism: gaussian, epsilon: 0.1' "$1" || { echo "the fraud privacy line was not found" >&2; exit 1; }
}
