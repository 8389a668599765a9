#!/usr/bin/env python3
"""Import of one big CSV file: time, CPU and peak memory by file size, build against build.

    python3 Benchmarks/big_file_import.py --colan NEW/colan [--old OLD/colan] --data DIR \
        [--rows 10000000,30000000,160000000] [--runs 3] [--old-up-to 30000000] [--daily | --response] [--json FILE]

For each size the history is generated once (`colan gen --format csv`, one file a day; 365
days, or 1,095 from 100M rows on) and joined into DIR/history-ROWS.csv (header once), the
form a user downloads a long range in. Each run imports the file into a fresh store as a whole
process, `/usr/bin/time` giving wall seconds, CPU seconds and peak resident memory; the
builds run in turn, round by round. Then the same for a revised file (every metric ending in 0
ends in 1: same size, same row keys, other values) imported over the store holding the first:
every row replaced. The old build runs only up to --old-up-to rows (before windowed reads its
peak grew with the file: a 13 GB file would not fit this machine). The answers
(`agg --by deviceType`) of the two builds' stores must be equal, after each import.
With --daily, the file and its revision are split into one file a day (DIR/history-ROWS-daily/,
DIR/history-ROWS-revised-daily/) and imported as folders instead: a re-download of every day.
With --response, each is written as one Amagi viewershipAnalytics JSON response instead (the date
range before the rows, totals after them; DIR/history-ROWS.json), as a whole-history API export.
"""
import argparse, csv, json, os, re, shutil, statistics, subprocess, sys, tempfile


def generate(colan, rows, data):
    path = os.path.join(data, f"history-{rows}.csv")
    if os.path.exists(path):
        return path
    days = 365 if rows < 100_000_000 else 1095
    parts = tempfile.mkdtemp(dir=data)
    subprocess.check_call([colan, "gen", "--rows", str(rows), "--seed", "1", "--days", str(days),
                           "--format", "csv", "--out", parts])
    with open(path + ".tmp", "wb") as out:
        for i, name in enumerate(sorted(os.listdir(parts))):
            with open(os.path.join(parts, name), "rb") as f:
                header = f.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(f, out, 16 << 20)
    shutil.rmtree(parts)
    os.rename(path + ".tmp", path)
    return path


def revised(path):
    out = path.replace(".csv", "-revised.csv")
    if not os.path.exists(out):
        with open(out + ".tmp", "wb") as f:
            subprocess.check_call(["sed", "s/0$/1/", path], stdout=f)
        os.rename(out + ".tmp", out)
    return out


def daily(path):
    """The file's rows as one file a day (the header in each), in a folder beside it."""
    out = path.replace(".csv", "-daily")
    if not os.path.exists(out):
        os.makedirs(out + ".tmp")
        with open(path, "rb") as f:
            header = f.readline()
            day, part = None, None
            for line in f:
                if line[:10] != day:
                    if part:
                        part.close()
                    day = line[:10]
                    part = open(os.path.join(out + ".tmp", f"viewership_{day.decode()}.csv"), "wb")
                    part.write(header)
                part.write(line)
            if part:
                part.close()
        os.rename(out + ".tmp", out)
    return out


def response(path):
    """The file's rows as one Amagi viewershipAnalytics response beside it."""
    out = path.replace(".csv", ".json")
    if not os.path.exists(out):
        with open(path, newline="") as f, open(out + ".tmp", "w") as o:
            rows = csv.reader(f)
            header = next(rows)
            o.write('{"dateRange": {"startDate": "2024-01-01", "endDate": "2026-12-31", "interval": "DAILY"},\n"viewershipAnalytics": [\n')
            for i, row in enumerate(rows):
                fields = ", ".join(f'"{k}": {v}' if v.isdigit() else f'"{k}": "{v}"' for k, v in zip(header, row))
                o.write(("," if i else "") + "{" + fields + "}\n")
            o.write('],\n"totalSessions": 0, "totalViewershipMinutes": 0}\n')
        os.rename(out + ".tmp", out)
    return out


def run_import(colan, path, store, fresh=True):
    if fresh:
        shutil.rmtree(store, ignore_errors=True)
    done = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M", colan, "import", "--store", store, "--tz", "UTC", path],
                          capture_output=True, text=True, check=True)
    wall, user, system, kb = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", done.stderr).groups()
    return {"seconds": float(wall), "cpu": float(user) + float(system), "peak_mib": int(kb) / 1024}


def answer(colan, store):
    return subprocess.run([colan, "agg", "--store", store, "--by", "deviceType", "--format", "csv"],
                          capture_output=True, text=True, check=True).stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--colan", required=True)
    p.add_argument("--old")
    p.add_argument("--data", required=True)
    p.add_argument("--rows", default="10000000,30000000,160000000")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--old-up-to", type=int, default=30_000_000)
    p.add_argument("--daily", action="store_true")
    p.add_argument("--response", action="store_true")
    p.add_argument("--json")
    a = p.parse_args()
    os.makedirs(a.data, exist_ok=True)
    results = []
    for rows in map(int, a.rows.split(",")):
        path = generate(a.colan, rows, a.data)
        builds = {"new": a.colan}
        if a.old and rows <= a.old_up_to:
            builds["old"] = a.old
        changed = revised(path)
        if a.daily:
            path, changed = daily(path), daily(changed)
        elif a.response:
            path, changed = response(path), response(changed)
        runs = {name: [] for name in builds}
        replacing = {name + " replacing": [] for name in builds}
        equal = []
        for _ in range(a.runs):
            for name, colan in builds.items():
                runs[name].append(run_import(colan, path, os.path.join(a.data, f"store-{name}")))
            if "old" in builds:
                equal.append(answer(a.colan, os.path.join(a.data, "store-new")) == answer(a.colan, os.path.join(a.data, "store-old")))
            for name, colan in builds.items():
                replacing[name + " replacing"].append(run_import(colan, changed, os.path.join(a.data, f"store-{name}"), fresh=False))
            if "old" in builds:
                equal.append(answer(a.colan, os.path.join(a.data, "store-new")) == answer(a.colan, os.path.join(a.data, "store-old")))
        runs.update(replacing)
        size = sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path)) if a.daily else os.path.getsize(path)
        entry = {"rows": rows, "file_bytes": size, "form": "daily files" if a.daily else "one JSON response" if a.response else "one file",
                 "runs": runs}
        if "old" in builds:
            entry["answers_equal"] = all(equal)
        results.append(entry)
        for name, v in runs.items():
            med = lambda k: statistics.median(r[k] for r in v)
            lo = lambda k: min(r[k] for r in v)
            hi = lambda k: max(r[k] for r in v)
            print(f"{rows:>11,} rows {entry['file_bytes'] / 1e9:6.2f} GB {name}: {med('seconds'):.2f} s [{lo('seconds'):.2f}-{hi('seconds'):.2f}]"
                  f" cpu {med('cpu'):.2f} s, peak {med('peak_mib'):.0f} MiB [{lo('peak_mib'):.0f}-{hi('peak_mib'):.0f}]"
                  + (f", answers equal: {entry['answers_equal']}" if name == "old replacing" else ""), flush=True)
        for name in builds:
            shutil.rmtree(os.path.join(a.data, f"store-{name}"), ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"colan": a.colan, "old": a.old, "daily": a.daily, "response": a.response, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
