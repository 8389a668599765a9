#!/bin/bash
# Interleaved head-to-head of colan builds on one import, as BENCHMARKS.md quotes them:
#   Benchmarks/compare_builds.sh RUNS KIND DATA BUILD...
# KIND is csv (DATA/csv: one CSV file a day), big (DATA/big: the same rows as one file),
# json (DATA/json: one Amagi response per channel and day, named channel first, imported with
# --name) or json-by-date (DATA/json-by-date: the same responses named date first, so no two
# neighbours are of one channel). Make DATA with
#   colan gen --rows 10000000 --seed 1 --format csv --out DATA/csv    (json likewise; big: the days joined)
#   (json-by-date: links to DATA/json's files named STARTDATE_CHANNEL.json)
# Each round imports once with every build, in turn, into a fresh store; the medians of the
# summary line's total, parse and store seconds and of the CPU seconds (/usr/bin/time) are printed.
set -euo pipefail
RUNS=$1 KIND=$2 DATA=$3
shift 3
cd "$DATA"
extra=()
[ "$KIND" = json ] && extra=(--name '{channelId}_{startDate}.json')
[ "$KIND" = json-by-date ] && extra=(--name '{startDate}_{channelId}.json')
for _ in $(seq "$RUNS"); do
  for build in "$@"; do
    rm -rf compare-store
    out=$( { /usr/bin/time -f "CPU %U %S" "$build" import --store compare-store --tz UTC "${extra[@]}" "$KIND"; } 2>&1 | grep -E "imported|CPU" | tr '\n' ' ')
    echo "$build $out"
  done
done | python3 -c '
import collections, re, statistics, sys
runs = collections.defaultdict(list)
for line in sys.stdin:
    build = line.split()[0]
    m = re.search(r"in compare-store, ([\d.]+) s \(parse ([\d.]+) s, store ([\d.]+) s\)", line)
    c = re.search(r"CPU ([\d.]+) ([\d.]+)", line)
    runs[build].append(tuple(map(float, m.groups())) + (float(c.group(1)) + float(c.group(2)),))
for build, v in runs.items():
    print(build, "total %.3f parse %.3f store %.3f cpu %.2f" % tuple(statistics.median(x[i] for x in v) for i in range(4)))
'
rm -rf compare-store
