#!/usr/bin/env python3
"""Interleaved head-to-head of two colan builds on `colan agg`, whole process, on the stores users have.

    python3 Benchmarks/agg_head_to_head.py --data DATA --old OLD/colan --new NEW/colan [--runs 15] [--out FILE.json]

DATA holds `csv/` (one CSV file a day: `colan gen --rows 10000000 --seed 1 --format csv --out DATA/csv`) and
`json/` (one Amagi response per channel and day: `colan gen --rows 2000000 --seed 1 --format json --out DATA/json`).
Each build imports them into its own stores under DATA (`s_csv_old`, `j_old`, ...; made once), then the queries
run round by round, the builds' order alternating, and the medians with quartiles are printed (and written as
JSON with every run's seconds to --out). Answers of the two builds are compared, and differences named.
"""
import argparse, json, os, statistics, subprocess, time

QUERIES = [
    ("agg --by deviceType (CSV history)", "csv", ["--by", "deviceType"]),
    ("agg --by channelId --interval day --tz US/Eastern (CSV history)", "csv", ["--by", "channelId", "--interval", "day", "--tz", "US/Eastern"]),
    ("agg --tz UTC (14,600 JSON responses)", "json", ["--tz", "UTC"]),
    ("agg --by channelId --interval day --tz UTC (14,600 JSON responses)", "json", ["--by", "channelId", "--interval", "day", "--tz", "UTC"]),
]


def store(data, kind, build, binary):
    path = os.path.join(data, f"{kind}_store_{build}")
    if not os.path.exists(os.path.join(path, "manifest")):
        extra = ["--name", "{channelId}_{startDate}.json"] if kind == "json" else []
        subprocess.run([binary, "import", "--store", path, "--tz", "UTC", "--quiet"] + extra + [os.path.join(data, kind)], check=True)
    return path


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--old", required=True)
    p.add_argument("--new", required=True)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--out")
    a = p.parse_args()
    builds = {"old": a.old, "new": a.new}
    stores = {(k, b): store(a.data, k, b, path) for k in ("csv", "json") for b, path in builds.items()}
    seconds, answers = {}, {}
    for r in range(a.runs):
        for name, kind, args in QUERIES:
            for b in (["old", "new"] if r % 2 == 0 else ["new", "old"]):
                t = time.perf_counter()
                out = subprocess.run([builds[b], "agg", "--store", stores[(kind, b)]] + args, capture_output=True).stdout
                seconds.setdefault(name, {}).setdefault(b, []).append(time.perf_counter() - t)
                answers[(name, b)] = out
    for name, _, _ in QUERIES:
        line = f"{name}:"
        for b in ("old", "new"):
            v = seconds[name][b]
            q = statistics.quantiles(v, n=4)
            line += f"  {b} {statistics.median(v) * 1000:.1f} ms [{q[0] * 1000:.1f}-{q[2] * 1000:.1f}]"
        line += f"  new/old {statistics.median(seconds[name]['new']) / statistics.median(seconds[name]['old']):.3f}"
        if answers[(name, "old")] != answers[(name, "new")]:
            line += "  (answers differ)"
        print(line)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"runs": a.runs, "seconds": seconds}, f, indent=1)


if __name__ == "__main__":
    main()
