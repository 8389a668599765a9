#!/usr/bin/env python3
"""colan export against DuckDB's COPY and Polars' write_parquet (both ZSTD) on the same rows.

    python3 Benchmarks/export_side_by_side.py --colan .build/release/colan --store STORE --csv 'DATA/csv/*.csv' [--runs 5] [--out FILE.json]

STORE is a colan store of the CSV files (`colan import --store STORE --tz UTC DATA/csv`). The peers load the
same CSV files into memory first (not timed), then write one Parquet file with ZSTD; colan is timed as a whole
process exporting from its store (reading and decoding included). Runs alternate tool by tool; medians and the
files' sizes are printed, and the export's rollup by deviceType, read back by DuckDB, is checked against
`colan agg --by deviceType`. Needs duckdb, polars and pyarrow (Benchmarks/.venv from side_by_side.py has them).
"""
import argparse, glob, json, os, shutil, statistics, subprocess, tempfile, time

import duckdb
import polars as pl

p = argparse.ArgumentParser()
p.add_argument("--colan", required=True)
p.add_argument("--store", required=True)
p.add_argument("--csv", required=True)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--out")
a = p.parse_args()
work = tempfile.mkdtemp(prefix="colan-export-bench-")
con = duckdb.connect()
con.sql(f"create table v as select * from read_csv('{a.csv}', timestampformat='%Y-%m-%d %H:%M:%S')")
frame = con.sql("select * from v").pl()
seconds = {"colan": [], "duckdb": [], "polars": []}
sizes = {}
for r in range(a.runs):
    target = os.path.join(work, "colan")
    t = time.perf_counter()
    subprocess.run([a.colan, "export", "--store", a.store, "--out", target], check=True, capture_output=True)
    seconds["colan"].append(time.perf_counter() - t)
    sizes["colan"] = sum(os.path.getsize(f) for f in glob.glob(f"{target}/**/*.parquet", recursive=True))
    t = time.perf_counter()
    con.sql(f"copy v to '{work}/duck.parquet' (format parquet, compression zstd)")
    seconds["duckdb"].append(time.perf_counter() - t)
    sizes["duckdb"] = os.path.getsize(f"{work}/duck.parquet")
    t = time.perf_counter()
    frame.write_parquet(f"{work}/polars.parquet", compression="zstd")
    seconds["polars"].append(time.perf_counter() - t)
    sizes["polars"] = os.path.getsize(f"{work}/polars.parquet")
for tool, v in seconds.items():
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    print(f"{tool:7s} median {statistics.median(v):.2f} s [{q[0]:.2f}-{q[2]:.2f}]  {sizes[tool]:,} bytes")
dataset = [d for d in glob.glob(f"{work}/colan/viewershipAnalytics/*") if "deviceType" in d][0]
exported = con.sql(f"select deviceType, sum(numberOfSession)::bigint, sum(viewershipMinutes)::bigint from read_parquet('{dataset}/**/*.parquet', hive_partitioning = true) group by 1 order by 1").fetchall()
agg = subprocess.run([a.colan, "agg", "--store", a.store, "--by", "deviceType", "--metrics", "totalSessions,totalViewershipMinutes", "--format", "csv"],
                     check=True, capture_output=True, text=True).stdout.split("\n")[1:-1]
same = [list(r) for r in exported] == [[x.split(",")[0], int(x.split(",")[1]), int(x.split(",")[2])] for x in agg]
print("export read back by DuckDB equals colan agg --by deviceType:", same)
if a.out:
    json.dump({"seconds": seconds, "bytes": sizes, "answers_equal": same}, open(a.out, "w"), indent=1)
shutil.rmtree(work)
