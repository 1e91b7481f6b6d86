#!/usr/bin/env bash
# `dpwall report` on a big ledger: 1M clients and 20M charges made by scripts/gen-ledger.py (seeded; made once
# into .build-bench/, about 2 GB and 90 s), each format written to a file, RUNS runs each. Prints the median wall
# time and the largest peak RSS per format (GNU time).
#
#   scripts/bench-report.sh [RUNS] [CLIENTS] [CHARGES]        (defaults: 3 runs, 1000000 clients, 20000000 charges)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
clients=${2:-1000000}
charges=${3:-20000000}
mkdir -p .build-bench
ledger=.build-bench/ledger-$clients-$charges.db
[ -s "$ledger" ] || python3 scripts/gen-ledger.py "$ledger" --clients "$clients" --charges "$charges" --seed 1
swift build -c release --experimental-lto-mode=full --product dpwall >/dev/null
dpwall=.build/release/dpwall
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }
# shellcheck source=scripts/median.sh
. scripts/median.sh
echo "ledger: $ledger ($(stat -L -c %s "$ledger") bytes), $runs runs per format"
for format in table csv json html; do
    : >.build-bench/report.times
    : >.build-bench/report.rss
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o .build-bench/report.one "$dpwall" report --ledger "$ledger" --format "$format" \
            -o ".build-bench/report.$format"
        read -r seconds rss <.build-bench/report.one
        echo "$seconds" >>.build-bench/report.times
        echo "$rss" >>.build-bench/report.rss
    done
    printf '%-6s median %6.2f s  peak RSS %5d MB  output %d bytes\n' "$format" "$(median <.build-bench/report.times)" \
        "$(($(sort -n .build-bench/report.rss | tail -1) / 1024))" "$(stat -c %s ".build-bench/report.$format")"
done
