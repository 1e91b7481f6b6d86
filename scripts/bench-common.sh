# Shared by the end-to-end benchmark scripts (sourced, not run): builds dpwall in release mode, generates the
# seeded fraud-model input of $size bytes once into .build-bench/, warms the page cache, and defines `median`
# (of numbers on stdin) and `seconds` (wall time of a command, output discarded).
#
# Sets: input, bytes, dpwall.
mkdir -p .build-bench
input=.build-bench/fraud-$size.jsonl
if [ ! -s "$input" ]; then
    python3 scripts/gen-traffic.py --models fraud --protocol v2 --only-valid --seed 7 --bytes "$size" -o "$input"
fi
swift build -c release --product dpwall >/dev/null
dpwall=.build/release/dpwall
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
