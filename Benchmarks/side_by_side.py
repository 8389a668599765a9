#!/usr/bin/env python3
"""Side-by-side benchmarks of colan against DuckDB, chDB and Polars on the
same generated report history (colan gen), in one run.

  size: bytes on disk of colan's segments against Parquet+zstd written by
        DuckDB, Polars and chDB, and DuckDB's own database file.
  import: `colan import` of the CSV history (one file a day, and the same rows
        as one file) and of the JSON history (one Amagi response per channel
        and day), timed as a whole
        process, against DuckDB (read_csv / read_json), chDB and Polars writing
        Parquet+zstd, and a plain Python json.loads loop, the tools' runs
        interleaved round by round (medians); totals are checked.
  agg:  `colan agg --by deviceType` and `colan agg --by channelId --interval
        day --tz US/Eastern` timed as a whole process (median of runs), against
        the same rollups in DuckDB (its own database file, 2 threads), chDB and
        Polars (over the Parquet+zstd file), timed in-process (query alone) and
        as a whole process (python start + import + query). Every tool's
        answers are checked against colan's.

Usage: python3 Benchmarks/side_by_side.py [--rows N] [--parts size,agg] [--runs R] [--keep]
Installs duckdb, polars, chdb, pyarrow and numpy from PyPI into
Benchmarks/.venv on first run. Needs the release build of colan.
"""
import argparse
import csv
import io
import os
import shutil
import statistics
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


def median_time(fn, runs):
    fn()  # warm-up: file cache, lazy initialisation
    return statistics.median(timed(fn) for _ in range(runs))


def memory_bandwidth():
    """The physical limit for reference: GB/s of a plain sum over 1 GiB of int64 on one core (median of 5)."""
    import numpy as np
    a = np.arange(1 << 27, dtype=np.int64)
    return a.nbytes / statistics.median(timed(lambda: a.sum()) for _ in range(5)) / 1e9


# The two rollups, per tool. Each returns rows (key..., sessions, minutes, viewers) as tuples of str/int.
SUMS = "sum(numberOfSession), sum(viewershipMinutes), sum(uniqueViewers)"
DUCKDB_Q = {
    "deviceType": f"select deviceType, {SUMS} from v group by 1",
    "channelDayEastern": f"select channelId, strftime(date_trunc('day', timezone('US/Eastern', timezone('UTC', time))), '%Y-%m-%d'), {SUMS} from v group by 1, 2",
}
CHDB_Q = {
    "deviceType": f"select deviceType, {SUMS} from file('{{pq}}', Parquet) group by 1",
    "channelDayEastern": f"select channelId, formatDateTime(toStartOfDay(toTimeZone(toDateTime(time, 'UTC'), 'US/Eastern')), '%Y-%m-%d'), {SUMS} from file('{{pq}}', Parquet) group by 1, 2",
}
COLAN_ARGS = {
    "deviceType": ["--by", "deviceType"],
    "channelDayEastern": ["--by", "channelId", "--interval", "day", "--tz", "US/Eastern"],
}


def polars_query(pl, pq, name):
    frame = pl.scan_parquet(pq)
    sums = [pl.col("numberOfSession").sum(), pl.col("viewershipMinutes").sum(), pl.col("uniqueViewers").sum()]
    if name == "deviceType":
        return frame.group_by("deviceType").agg(sums).collect()
    day = pl.col("time").dt.replace_time_zone("UTC").dt.convert_time_zone("US/Eastern").dt.truncate("1d").dt.strftime("%Y-%m-%d")
    return frame.group_by([pl.col("channelId"), day.alias("day")]).agg(sums).collect()


def normalise(rows):
    return sorted(tuple(str(x) for x in r[:-3]) + tuple(int(x) for x in r[-3:]) for r in rows)


def colan_rows(store, name):
    out = subprocess.run([COLAN, "agg", "--store", store, "--format", "csv",
                          "--metrics", "totalSessions,totalViewershipMinutes,aggregatedViewers"] + COLAN_ARGS[name],
                         check=True, capture_output=True, text=True).stdout
    rows = []
    table = list(csv.reader(io.StringIO(out)))
    # CSV keeps numbers numeric; whether viewers are exact is its own last column, left out here.
    width = len(table[0]) - (1 if table[0][-1] == "viewersExact" else 0)
    for r in table[1:]:
        r = r[:width]
        if name == "channelDayEastern":
            r = [r[1], r[0][:10]] + r[2:]
        rows.append(r)
    return normalise(rows)


def import_part(args, out, csv_dir, gen, duckdb, pl, chdb):
    """Import speed: colan as a whole process against the peers writing Parquet+zstd."""
    python = os.path.join(VENV, "bin", "python")
    runs = max(args.runs // 2, 2)
    json_dir = os.path.join(out, "json")
    subprocess.check_call(gen + ["--format", "json", "--out", json_dir])
    csv_mb = size(csv_dir) / 1e6
    json_files = len(os.listdir(json_dir))
    json_mb = size(json_dir) / 1e6
    csv_glob, json_glob = os.path.join(csv_dir, "*.csv"), os.path.join(json_dir, "*.json")
    target = os.path.join(out, "import-target")

    def colan_import(source, extra):
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([COLAN, "import", "--store", target, "--quiet", "--tz", "UTC"] + extra + [source], check=True)

    def colan_sessions():
        out_csv = subprocess.run([COLAN, "agg", "--store", target, "--tz", "UTC", "--format", "csv", "--metrics", "totalSessions"],
                                 check=True, capture_output=True, text=True).stdout
        return int(out_csv.splitlines()[1])

    # The same history as one CSV file: colan then parses it in chunks on both cores.
    one_dir = os.path.join(out, "csv-one-file")
    os.makedirs(one_dir, exist_ok=True)
    one_csv = os.path.join(one_dir, "history.csv")
    with open(one_csv, "wb") as whole:
        for i, f in enumerate(sorted(os.listdir(csv_dir))):
            with open(os.path.join(csv_dir, f), "rb") as part:
                header = part.readline()
                if i == 0:
                    whole.write(header)
                shutil.copyfileobj(part, whole)
    # The files were just written: flush them first, so that no tool (colan is timed first)
    # runs while the kernel writes 1.7 GB of fresh data back to disk.
    os.sync()
    pq = os.path.join(out, "import.parquet")
    name = ["--name", "{channelId}_{startDate}.json"]
    print(f"\n| import | tool | seconds | MB/s | vs colan | total sessions |\n|---|---|---:|---:|---:|---|")
    for label, source, extra, mb in [("CSV history", csv_dir, [], csv_mb), ("CSV history in one file", one_csv, [], csv_mb),
                                     (f"JSON history ({json_files} files)", json_dir, name, json_mb)]:
        if source in (csv_dir, one_csv):
            files = csv_glob if source == csv_dir else one_csv
            peers = {
                "DuckDB read_csv -> Parquet+zstd": f"import duckdb; duckdb.connect().execute(\"copy (select * from read_csv('{files}', header=true)) to '{pq}' (format parquet, compression zstd)\")",
                "chDB -> Parquet+zstd": f"import chdb; chdb.query(\"INSERT INTO FUNCTION file('{pq}', Parquet) SELECT * FROM file('{files}', CSVWithNames) SETTINGS output_format_parquet_compression_method='zstd', engine_file_truncate_on_insert=1\")",
                "Polars scan_csv -> Parquet+zstd": f"import polars as pl; pl.scan_csv('{files}').sink_parquet('{pq}', compression='zstd')",
            }
            check = "numberOfSession"
        else:
            peers = {
                "DuckDB read_json -> Parquet+zstd": f"import duckdb; duckdb.connect().execute(\"copy (select unnest(viewershipAnalytics, recursive := true) from read_json('{json_glob}')) to '{pq}' (format parquet, compression zstd)\")",
                "Python json.loads loop": f"import json, glob\nrows = []\nfor f in glob.glob('{json_glob}'):\n    rows += json.load(open(f))['viewershipAnalytics']\nprint(sum(r['numberOfSession'] for r in rows))",
            }
            check = "numberOfSession"
        # Every tool's runs interleaved, round by round, after a warm-up of each: the machine's
        # load drifts (other tenants, the kernel writing back and the host reclaiming the memory
        # of the files just generated), and a tool timed in one block would take all of a bad spell.
        tools = [("colan", lambda: colan_import(source, extra))] + [
            (tool, lambda script=script: subprocess.run([python, "-c", script], check=True, capture_output=True))
            for tool, script in peers.items()]
        for _, run in tools:
            run()
        times = {tool: [] for tool, _ in tools}
        for _ in range(runs):
            for tool, run in tools:
                times[tool].append(timed(run))
        colan_s = statistics.median(times["colan"])
        sessions = colan_sessions()
        print(f"| {label} | colan (whole process) | {colan_s:.2f} | {mb / colan_s:.0f} | 1.00x | {sessions} |")
        for tool, script in peers.items():
            seconds = statistics.median(times[tool])
            if "json.loads" in tool:
                total = int(subprocess.run([python, "-c", script], check=True, capture_output=True, text=True).stdout)
            else:
                total = duckdb.connect().execute(f"select sum({check}) from read_parquet('{pq}')").fetchone()[0]
            verdict = "equal" if total == sessions else f"DIFFERENT ({total})"
            print(f"| {label} | {tool} | {seconds:.2f} | {mb / seconds:.0f} | {seconds / colan_s:.2f}x | {verdict} |")
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(json_dir, ignore_errors=True)
    shutil.rmtree(one_dir, ignore_errors=True)


def main():
    ensure_venv()
    import duckdb
    import polars as pl
    import chdb

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", default="size,import,agg")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-data"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    parts = args.parts.split(",")

    out = os.path.join(args.out, f"{args.rows}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    csv_dir = os.path.join(out, "csv")
    gen = [COLAN, "gen", "--rows", str(args.rows), "--seed", str(args.seed)]
    subprocess.check_call(gen + ["--format", "csv", "--out", csv_dir])
    if "import" in parts:
        import_part(args, out, csv_dir, gen, duckdb, pl, chdb)
    store = os.path.join(out, "store")
    subprocess.check_call(gen + ["--format", "store", "--out", store])

    csv_glob = os.path.join(csv_dir, "*.csv")
    db = os.path.join(out, "duckdb.db")
    con = duckdb.connect(db)
    con.execute(f"create table v as select * from read_csv('{csv_glob}', header=true, timestampformat='%Y-%m-%d %H:%M:%S')")
    rows = con.execute("select count(*) from v").fetchone()[0]
    assert rows == args.rows, f"DuckDB read {rows} rows, expected {args.rows}"
    pq = os.path.join(out, "duckdb.parquet")
    con.execute(f"copy v to '{pq}' (format parquet, compression zstd)")
    con.close()
    shutil.rmtree(csv_dir)
    print(f"\n{args.rows:,} rows; machine: {os.cpu_count()} cores")

    if "size" in parts:
        results = []
        for policy in ["cold", "everywhere", "never"]:
            path = os.path.join(out, f"colan-{policy}.colan")
            subprocess.check_call(gen + ["--format", "segment", "--zstd", policy, "--out", path])
            results.append((f"colan segment, zstd {policy}" + (" (default)" if policy == "cold" else ""), size(path)))
            os.remove(path)
        results.append(("colan store (default policy)", size(store)))
        results.append(("DuckDB Parquet+zstd", size(pq)))
        results.append(("DuckDB database file", size(db)))
        ppq = os.path.join(out, "polars.parquet")
        pl.read_parquet(pq).write_parquet(ppq, compression="zstd")
        results.append(("Polars Parquet+zstd", size(ppq)))
        cpq = os.path.join(out, "chdb.parquet")
        chdb.query(f"SELECT * FROM file('{pq}', Parquet) INTO OUTFILE '{cpq}' FORMAT Parquet "
                   "SETTINGS output_format_parquet_compression_method='zstd'")
        results.append(("chDB Parquet+zstd", size(cpq)))
        best = min(b for n, b in results if "Parquet" in n)
        print(f"\n| file | MB | vs best Parquet+zstd |\n|---|---:|---:|")
        for name, b in results:
            print(f"| {name} | {b / 1e6:.1f} | {b / best:.3f}x |")

    if "agg" in parts:
        con = duckdb.connect(db, read_only=True)
        con.execute("set threads=2")
        print(f"\n| query | tool | in-process s | whole process s | answers |\n|---|---|---:|---:|---|")
        for name in ["deviceType", "channelDayEastern"]:
            expected = colan_rows(store, name)
            colan_cmd = [COLAN, "agg", "--store", store, "--format", "csv"] + COLAN_ARGS[name]
            colan_s = median_time(lambda: subprocess.run(colan_cmd, check=True, capture_output=True), args.runs)
            peak = subprocess.run(["/usr/bin/time", "-f", "%M"] + colan_cmd, check=True, capture_output=True, text=True).stderr.strip().splitlines()[-1]
            print(f"| {name} | colan | - | {colan_s:.4f} | reference (peak {int(peak) / 1024:.0f} MiB) |")
            peers = {
                "DuckDB (own file)": (lambda: con.execute(DUCKDB_Q[name]).fetchall(),
                                      f"import duckdb; c=duckdb.connect({db!r}, read_only=True); c.execute('set threads=2'); c.execute({DUCKDB_Q[name]!r}).fetchall()"),
                "chDB (Parquet)": (lambda: [r.split(",") for r in str(chdb.query(CHDB_Q[name].format(pq=pq), "CSV")).strip().replace('"', "").splitlines()],
                                   f"import chdb; chdb.query({CHDB_Q[name].format(pq=pq)!r}, 'CSV')"),
                "Polars (Parquet)": (lambda: polars_query(pl, pq, name).rows(),
                                     "import sys; sys.path.insert(0, " + repr(HERE) + "); import polars as pl, side_by_side as s; s.polars_query(pl, " + repr(pq) + ", " + repr(name) + ")"),
            }
            python = os.path.join(VENV, "bin", "python")
            for tool, (query, script) in peers.items():
                answer = normalise(query())
                inproc = median_time(query, args.runs)
                whole = median_time(lambda: subprocess.run([python, "-c", script], check=True, capture_output=True), max(args.runs // 2, 2))
                ok = "equal" if answer == expected else f"DIFFERENT ({len(answer)} rows vs {len(expected)})"
                print(f"| {name} | {tool} | {inproc:.4f} | {whole:.4f} | {ok} |")
                print(f"|  | colan vs {tool} | {inproc / colan_s:.2f}x (query alone) | {whole / colan_s:.2f}x | |")
        con.close()

    print(f"\nmemory bandwidth, plain sum over 1 GiB of int64 on one core (numpy): {memory_bandwidth():.1f} GB/s")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
