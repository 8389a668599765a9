# Turns package-benchmark's markdown into one line per benchmark: the p50
# wall-clock time of one 65,536-value stream and the values per second it implies.
/^### / { name = substr($0, 5) }
/Time \(wall clock\)/ {
    split($0, cells, "|"); p50 = cells[5]; gsub(/ /, "", p50)
    unit = $0; sub(/.*\(wall clock\) \(/, "", unit); sub(/\).*/, "", unit)
    scale = (unit == "ns") ? 1e-9 : (unit == "μs" || unit == "us") ? 1e-6 : (unit == "ms") ? 1e-3 : 1
    seconds = p50 * scale
    printf "| %-60s | %8s %-2s | %8.0f Mvalues/s |\n", name, p50, unit, 65536 / seconds / 1e6
}
