# Sourced by the bench scripts: `median` prints the median of the numbers on stdin, one per line (the mean of the
# middle two for an even count). Printed with ten significant digits: awk's default (`%.6g`) would turn
# microsecond counts such as 1500000.5 into 1.5e+06.
median() {
    sort -n | awk '{a[NR] = $1} END {printf "%.10g\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
