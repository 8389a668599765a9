#!/usr/bin/env python3
"""Many small JSON responses: colan import against DuckDB's read_json and a Python json.loads loop.

    python3 Benchmarks/json_responses.py --colan BIN [--old BIN] --data DIR [--responses 20000] [--runs 7] [--json FILE]

The responses are generated once (`colan gen --format json`: one Amagi viewershipAnalytics
response per channel and day, 24 hourly rows; 40 channels, RESPONSES/40 days) into DIR/json.
Timed, round by round, medians of --runs:
- colan: `colan import --tz UTC --name '{channelId}_{startDate}.json'` into a fresh store, as a
  whole process (the old build too, when given);
- DuckDB, tuned: `read_json` with `format='unstructured'` and the schema detected from one
  sample file (faster here than the schema given as columns), the rows unnested and their
  sessions summed, two threads, no progress bar; the query alone, in-process (the connection
  made and the extension loaded before the clock starts), and as a whole process;
- Python: a `json.load` loop over the files summing sessions, as a whole process.
Every tool's total sessions must equal colan's (`colan agg --format csv`).
"""
import argparse, glob, json, os, shutil, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PY = os.path.join(HERE, ".venv", "bin", "python")


def duck_sql(pattern):
    # The fastest of the forms tried on these files (2026-12-06): the schema given as columns took
    # 3.0 s, detected from one sample file 1.0-1.3 s, so it is detected.
    return ("select sum(r.numberOfSession) from (select unnest(viewershipAnalytics) as r from read_json('" + pattern + "', "
            "format='unstructured', maximum_sample_files=1))")


def timed(cmd, **kw):
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)
    return time.perf_counter() - start, out.stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--colan", required=True)
    p.add_argument("--old")
    p.add_argument("--data", required=True)
    p.add_argument("--responses", type=int, default=20000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--json")
    a = p.parse_args()
    folder = os.path.join(a.data, "json")
    if not os.path.isdir(folder):
        subprocess.check_call([a.colan, "gen", "--rows", "10000000", "--days", str(a.responses // 40), "--channels", "40",
                               "--format", "json", "--out", folder], stdout=subprocess.DEVNULL)
    files = glob.glob(os.path.join(folder, "*.json"))
    size = sum(os.path.getsize(f) for f in files)
    pattern = os.path.join(folder, "*.json")
    # DuckDB query alone: a child process that times the query after connecting.
    duck_alone = ("import duckdb, sys, time\ncon = duckdb.connect(); con.execute('set threads=2'); con.execute('set enable_progress_bar=false'); con.execute('load json')\n"
                  "t = time.perf_counter(); v = con.execute(sys.argv[1]).fetchone()[0]\nprint(time.perf_counter() - t, v)")
    duck_whole = "import duckdb, sys\ncon = duckdb.connect(); con.execute('set threads=2'); con.execute('set enable_progress_bar=false'); print(con.execute(sys.argv[1]).fetchone()[0])"
    loads = ("import json, glob, sys\ntotal = 0\nfor f in glob.glob(sys.argv[1]):\n    with open(f) as h:\n"
             "        total += sum(r['numberOfSession'] for r in json.load(h)['viewershipAnalytics'])\nprint(total)")
    builds = {"colan": a.colan}
    if a.old:
        builds["colan (old)"] = a.old
    times = {name: [] for name in list(builds) + ["DuckDB read_json, query alone", "DuckDB read_json, whole process", "Python json.load loop"]}
    sums = {}
    for _ in range(a.runs):
        for name, colan in builds.items():
            store = os.path.join(a.data, "store")
            shutil.rmtree(store, ignore_errors=True)
            seconds, _ = timed([colan, "import", "--store", store, "--tz", "UTC", "--name", "{channelId}_{startDate}.json", folder])
            times[name].append(seconds)
            agg = subprocess.run([a.colan, "agg", "--store", store, "--metrics", "totalSessions", "--format", "csv"],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()
            sums[name] = int(agg[-1].split(",")[-1])
        _, out = timed([VENV_PY, "-c", duck_alone, duck_sql(pattern)])
        alone, value = out.split()
        times["DuckDB read_json, query alone"].append(float(alone))
        sums["DuckDB"] = int(value)
        seconds, out = timed([VENV_PY, "-c", duck_whole, duck_sql(pattern)])
        times["DuckDB read_json, whole process"].append(seconds)
        seconds, out = timed([sys.executable, "-c", loads, pattern])
        times["Python json.load loop"].append(seconds)
        sums["Python"] = int(out)
    shutil.rmtree(os.path.join(a.data, "store"), ignore_errors=True)
    colan = statistics.median(times["colan"])
    print(f"{len(files)} responses, {size / 1e6:.1f} MB; total sessions {sums}")
    for name, v in times.items():
        med = statistics.median(v)
        print(f"{name:34} {med:.3f} s [{min(v):.3f}-{max(v):.3f}]  colan/this {colan / med:.2f}x")
    if len(set(sums.values())) != 1:
        print("ANSWERS DIFFER", sums)
        return 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"responses": len(files), "bytes": size, "runs": times, "sums": sums}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
