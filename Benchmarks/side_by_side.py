#!/usr/bin/env python3
"""Side-by-side: colan's .colan segment size against Parquet+zstd written by
DuckDB, Polars and chDB, and DuckDB's own database file, on the same
generated report history (colan gen). Prints sizes and ratios.

Usage: python3 Benchmarks/side_by_side.py [--rows N] [--keep]
Installs duckdb, polars, chdb and pyarrow from PyPI into Benchmarks/.venv on first run.
Needs the release build: swift build -c release --product colan.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
COLAN = os.path.join(ROOT, ".build", "release", "colan")
PACKAGES = ["duckdb", "polars", "chdb", "pyarrow", "numpy"]


def ensure_venv():
    """Re-runs this script inside Benchmarks/.venv, creating it if needed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.prefix) == os.path.abspath(VENV):
        return
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q"] + PACKAGES)
    os.execv(python, [python] + sys.argv)


def size(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def memory_bandwidth():
    """The physical limit for reference: GB/s of a plain sum over 1 GiB of int64 on one core (median of 5)."""
    import numpy as np
    a = np.arange(1 << 27, dtype=np.int64)
    times = []
    for _ in range(5):
        times.append(timed(lambda: a.sum()))
    times.sort()
    return a.nbytes / times[2] / 1e9


def main():
    ensure_venv()
    import duckdb
    import polars as pl
    import chdb

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-data"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    out = os.path.join(args.out, f"{args.rows}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    csv_dir = os.path.join(out, "csv")
    gen = [COLAN, "gen", "--rows", str(args.rows), "--seed", str(args.seed)]
    subprocess.check_call(gen + ["--format", "csv", "--out", csv_dir])
    results = []  # (name, bytes, seconds to write)
    for policy in ["cold", "everywhere", "never"]:
        path = os.path.join(out, f"colan-{policy}.colan")
        seconds = timed(lambda: subprocess.check_call(gen + ["--format", "segment", "--zstd", policy, "--out", path]))
        results.append((f"colan segment, zstd {policy}" + (" (default)" if policy == "cold" else ""), size(path), seconds))

    csv_glob = os.path.join(csv_dir, "*.csv")
    con = duckdb.connect()
    con.execute(f"create table v as select * from read_csv('{csv_glob}', header=true, timestampformat='%Y-%m-%d %H:%M:%S')")
    rows = con.execute("select count(*) from v").fetchone()[0]
    assert rows == args.rows, f"DuckDB read {rows} rows, expected {args.rows}"
    pq = os.path.join(out, "duckdb.parquet")
    results.append(("DuckDB Parquet+zstd", None, timed(lambda: con.execute(f"copy v to '{pq}' (format parquet, compression zstd)"))))
    results[-1] = (results[-1][0], size(pq), results[-1][2])
    db = os.path.join(out, "duckdb.db")
    seconds = timed(lambda: (duckdb.connect(db).execute(f"create table v as select * from read_parquet('{pq}')").close()))
    results.append(("DuckDB database file", size(db), seconds))

    frame = pl.read_parquet(pq)
    ppq = os.path.join(out, "polars.parquet")
    results.append(("Polars Parquet+zstd", 0, timed(lambda: frame.write_parquet(ppq, compression="zstd"))))
    results[-1] = (results[-1][0], size(ppq), results[-1][2])

    cpq = os.path.join(out, "chdb.parquet")
    q = (f"SELECT * FROM file('{pq}', Parquet) INTO OUTFILE '{cpq}' FORMAT Parquet "
         "SETTINGS output_format_parquet_compression_method='zstd'")
    results.append(("chDB Parquet+zstd", 0, timed(lambda: chdb.query(q))))
    results[-1] = (results[-1][0], size(cpq), results[-1][2])

    best = min(b for n, b, _ in results if "Parquet" in n)
    print(f"\n{args.rows:,} rows, {size(csv_dir) / 1e6:.1f} MB of CSV\n")
    print("(seconds: colan generates, encodes and writes; the others write data already in memory)\n")
    print(f"| {'file':40} | {'MB':>8} | {'vs best Parquet+zstd':>20} | {'seconds':>8} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 22}|{'-' * 10}|")
    for name, b, s in results:
        print(f"| {name:40} | {b / 1e6:8.1f} | {b / best:19.3f}x | {s:8.2f} |")
    print(f"\nmemory bandwidth, plain sum over 1 GiB of int64 on one core (numpy): {memory_bandwidth():.1f} GB/s")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
