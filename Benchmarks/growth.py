#!/usr/bin/env python3
"""How colan's cost grows with the rows: store size, building the store, and the two
benchmark rollups' time and peak memory at each size, beside DuckDB, chDB and Polars
where they run here.

For each size in --rows:
  - the history is generated (`colan gen`, one year of hourly viewership rows);
    up to --csv-up-to rows as daily CSV files that `colan import` reads into the
    store (what a user does; timed, peak memory), beyond that straight into a
    store with `colan gen --format store` (the CSV would not fit the disk: about
    87 bytes a row);
  - `colan agg --by deviceType` and `colan agg --by channelId --interval day
    --tz US/Eastern` run as whole processes: median and range of --runs, peak
    memory (/usr/bin/time);
  - up to --peers-up-to rows the peers answer the same rollups: DuckDB over its
    own database file (2 threads), chDB and Polars over Parquet+zstd, each as a
    whole process (Python start, import, query; peak memory) and query alone
    (timed inside the process); their answers are checked against colan's. The
    peers' data comes from the CSV files, or, past --csv-up-to, from `colan
    export` (Parquet) of the store.

Usage: python3 Benchmarks/growth.py [--rows 1000000,10000000,100000000,1000000000]
         [--runs 5] [--csv-up-to 100000000] [--peers-up-to 1000000000]
         [--peer-tools "DuckDB (own file),chDB (Parquet),Polars (Parquet)"] [--out DIR] [--json FILE]
Prints one Markdown table per size and writes the raw figures as JSON (--json).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import side_by_side as s  # noqa: E402  (the rollups' SQL, answer normalisation, the venv)

PYTHON = os.path.join(s.VENV, "bin", "python")
QUERIES = ["deviceType", "channelDayEastern"]


def measured(cmd, env=None):
    """Runs cmd under /usr/bin/time: (seconds, peak MiB, stdout)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, check=True, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, done.stdout


def repeated(cmd, runs):
    """A warm-up, then `runs` runs: median, min and max seconds, max peak MiB, and the last stdout."""
    measured(cmd)
    results = [measured(cmd) for _ in range(runs)]
    seconds = [r[0] for r in results]
    return {"median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds),
            "peak_mib": max(r[1] for r in results), "stdout": results[-1][2]}


# Each peer as a script that loads its library, times the query alone and prints
# the seconds, then the answer rows (as JSON) on the next line.
def peer_script(tool, name, db, pq):
    if tool == "DuckDB (own file)":
        setup = f"import duckdb, time, json; c = duckdb.connect({db!r}, read_only=True); c.execute('set threads=2'); c.execute('set enable_progress_bar=false')"
        query = f"c.execute({s.DUCKDB_Q[name]!r}).fetchall()"
    elif tool == "chDB (Parquet)":
        setup = "import chdb, time, json"
        query = (f"[r.split(',') for r in str(chdb.query({s.CHDB_Q[name].format(pq=pq)!r}, 'CSV'))"
                 ".strip().replace('\"', '').splitlines()]")
    else:
        setup = (f"import sys, time, json; sys.path.insert(0, {s.HERE!r}); import polars as pl, side_by_side as s")
        query = f"s.polars_query(pl, {pq!r}, {name!r}).rows()"
    # Marked lines: a library may print to stdout too (DuckDB's progress bar on long queries).
    return (f"{setup}\nstart = time.perf_counter()\nrows = {query}\nprint('SECONDS', time.perf_counter() - start)\n"
            "print('ROWS', json.dumps([[str(x) for x in r] for r in rows]))")


def main():
    s.ensure_venv()
    import duckdb

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000,10000000,100000000,1000000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--csv-up-to", type=int, default=100_000_000)
    parser.add_argument("--peers-up-to", type=int, default=1_000_000_000)
    parser.add_argument("--peer-tools", default="DuckDB (own file),chDB (Parquet),Polars (Parquet)")
    parser.add_argument("--out", default=os.path.join(s.ROOT, "bench-data", "growth"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    # Sizes already measured in --json stay (a run per size can add to one file).
    earlier = json.load(open(args.json))["sizes"] if args.json and os.path.exists(args.json) else []
    report = {"commit": subprocess.run(["git", "-C", s.ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                       text=True).stdout.strip(), "cores": os.cpu_count(), "sizes": []}

    for rows in [int(r) for r in args.rows.split(",")]:
        out = os.path.join(args.out, str(rows))
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        gen = [s.COLAN, "gen", "--rows", str(rows), "--seed", "1"]
        store = os.path.join(out, "store")
        entry = {"rows": rows}
        csv_dir = os.path.join(out, "csv")
        if rows <= args.csv_up_to:
            subprocess.check_call(gen + ["--format", "csv", "--out", csv_dir])
            os.sync()
            seconds, peak, _ = measured([s.COLAN, "import", "--store", store, "--quiet", "--tz", "UTC", csv_dir])
            entry["build"] = {"how": "colan import of 365 daily CSV files", "seconds": seconds, "peak_mib": peak,
                              "input_mb": s.size(csv_dir) / 1e6}
        else:
            seconds, peak, _ = measured(gen + ["--format", "store", "--out", store])
            entry["build"] = {"how": "colan gen --format store", "seconds": seconds, "peak_mib": peak}
        entry["store_mb"] = s.size(store) / 1e6
        print(f"\n## {rows:,} rows: store {entry['store_mb']:.1f} MB, built by {entry['build']['how']} in "
              f"{entry['build']['seconds']:.1f} s (peak {entry['build']['peak_mib']:.0f} MiB)", flush=True)

        expected = {name: s.colan_rows(store, name) for name in QUERIES}
        entry["queries"] = {}
        for name in QUERIES:
            r = repeated([s.COLAN, "agg", "--store", store, "--format", "csv"] + s.COLAN_ARGS[name], args.runs)
            del r["stdout"]
            entry["queries"][name] = {"colan": r}

        if rows <= args.peers_up_to:
            db = os.path.join(out, "duckdb.db")
            pq = os.path.join(out, "data.parquet")
            con = duckdb.connect(db)
            if os.path.isdir(csv_dir):
                source = f"read_csv('{os.path.join(csv_dir, '*.csv')}', header=true, timestampformat='%Y-%m-%d %H:%M:%S')"
            else:
                exported = os.path.join(out, "export")
                subprocess.check_call([s.COLAN, "export", "--store", store, "--out", exported])
                parts = os.path.join(exported, "viewershipAnalytics", "**", "*.parquet")
                source = (f"(select timezone('UTC', time) as time, channelId, country, deviceType, deviceName, contentId, "
                          f"numberOfSession, viewershipMinutes, uniqueViewers from read_parquet('{parts}'))")
            con.execute(f"create table v as select * from {source}")
            assert con.execute("select count(*) from v").fetchone()[0] == rows
            con.execute(f"copy v to '{pq}' (format parquet, compression zstd)")
            con.close()
            shutil.rmtree(os.path.join(out, "export"), ignore_errors=True)
            for name in QUERIES:
                for tool in args.peer_tools.split(","):
                    cmd = [PYTHON, "-c", peer_script(tool, name, db, pq)]
                    try:
                        r = repeated(cmd, max(args.runs // 2, 2))
                    except subprocess.CalledProcessError as failure:
                        entry["queries"][name][tool] = {"failed": (failure.stderr or "").strip().splitlines()[-1:]}
                        continue
                    marked = dict(line.split(" ", 1) for line in r.pop("stdout").splitlines() if line.startswith(("SECONDS ", "ROWS ")))
                    r["query_alone_s"] = float(marked["SECONDS"])
                    r["answers"] = "equal" if s.normalise(json.loads(marked["ROWS"])) == expected[name] else "DIFFERENT"
                    entry["queries"][name][tool] = r
        shutil.rmtree(csv_dir, ignore_errors=True)

        print("\n| query | tool | whole process s (median [min-max]) | query alone s | peak MiB | answers |\n|---|---|---:|---:|---:|---|")
        for name in QUERIES:
            for tool, r in entry["queries"][name].items():
                if "failed" in r:
                    print(f"| {name} | {tool} | failed: {' '.join(r['failed'])} | | | |")
                    continue
                alone = f"{r['query_alone_s']:.3f}" if "query_alone_s" in r else "-"
                print(f"| {name} | {tool} | {r['median_s']:.3f} [{r['min_s']:.3f}-{r['max_s']:.3f}] | {alone} | "
                      f"{r['peak_mib']:.0f} | {r.get('answers', 'reference')} |", flush=True)
        earlier = [e for e in earlier if e["rows"] != rows]
        report["sizes"] = sorted(earlier + [e for e in report["sizes"] if e["rows"] != rows] + [entry], key=lambda e: e["rows"])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
        shutil.rmtree(out, ignore_errors=True)
    print(f"\nmemory bandwidth, plain sum over 1 GiB of int64 on one core (numpy): {s.memory_bandwidth():.1f} GB/s")


if __name__ == "__main__":
    main()
