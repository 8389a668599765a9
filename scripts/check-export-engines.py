#!/usr/bin/env python3
"""Reads a `colan export` with Spark (pyspark, local mode, the vectorized Parquet reader on and off) and
chDB, and checks `colan agg --by deviceType` and the Eastern-day rollup against colan's own answers.
Not part of make test (pyspark and a JVM are large):

    python3 -m venv /tmp/engines && /tmp/engines/bin/pip install pyspark chdb
    /tmp/engines/bin/python scripts/check-export-engines.py --colan .build/release/colan --store STORE --out /tmp/export

Prints one line per engine and check, and exits 1 if any differs.
"""
import argparse, glob, json, os, subprocess, sys

p = argparse.ArgumentParser()
p.add_argument("--colan", required=True)
p.add_argument("--store", required=True)
p.add_argument("--out", required=True)
a = p.parse_args()
subprocess.run([a.colan, "export", "--store", a.store, "--out", a.out], check=True)
datasets = {d["path"]: d for d in json.load(open(os.path.join(a.out, "_colan.json")))["datasets"]}
device = min((d for d in datasets if d.startswith("viewershipAnalytics/") and "deviceType" in datasets[d]["dimensions"]), key=lambda d: len(datasets[d]["dimensions"]))
channel = min((d for d in datasets if d.startswith("viewershipAnalytics/hourly") and "channelId" in datasets[d]["dimensions"]), key=lambda d: len(datasets[d]["dimensions"]))


def agg(*args):
    out = subprocess.run([a.colan, "agg", "--store", a.store, "--format", "csv", "--metrics", "totalSessions,totalViewershipMinutes"] + list(args),
                         check=True, capture_output=True, text=True).stdout
    return [line.split(",") for line in out.strip().split("\n")[1:]]


expected_device = [(r[0], int(r[1]), int(r[2])) for r in agg("--by", "deviceType")]
expected_day = [(r[0][:10], r[1], int(r[2]), int(r[3])) for r in agg("--by", "channelId", "--interval", "day", "--tz", "US/Eastern")]
failed = 0


def report(engine, what, got, expected):
    global failed
    same = [tuple(r) for r in got] == expected
    failed += 0 if same else 1
    print(f"{engine}: {what}: {'equal' if same else 'DIFFERENT'} ({len(got)} rows)")
    if not same:
        print("  got     ", got[:5])
        print("  expected", expected[:5])


from pyspark.sql import SparkSession

spark = SparkSession.builder.master("local[2]").appName("colan-export-check").config("spark.sql.session.timeZone", "UTC").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
for vectorized in ("true", "false"):
    spark.conf.set("spark.sql.parquet.enableVectorizedReader", vectorized)
    spark.read.parquet(os.path.join(a.out, device)).createOrReplaceTempView("by_device")
    spark.read.parquet(os.path.join(a.out, channel)).createOrReplaceTempView("by_channel")
    got = spark.sql("SELECT deviceType, sum(numberOfSession), sum(viewershipMinutes) FROM by_device GROUP BY deviceType ORDER BY deviceType").collect()
    report(f"Spark (vectorized reader {vectorized})", "agg --by deviceType", [(r[0], int(r[1]), int(r[2])) for r in got], expected_device)
    got = spark.sql("""SELECT date_format(to_date(from_utc_timestamp(time, 'US/Eastern')), 'yyyy-MM-dd'), channelId,
                       sum(numberOfSession), sum(viewershipMinutes) FROM by_channel GROUP BY 1, 2 ORDER BY 1, 2""").collect()
    report(f"Spark (vectorized reader {vectorized})", "Eastern-day rollup", [(r[0], r[1], int(r[2]), int(r[3])) for r in got], expected_day)
spark.stop()

import chdb

rows = chdb.query(f"SELECT deviceType, sum(numberOfSession), sum(viewershipMinutes) FROM file('{a.out}/{device}/**/*.parquet', Parquet) GROUP BY deviceType ORDER BY deviceType", "JSONCompact")
report("chDB", "agg --by deviceType", [(r[0], int(r[1]), int(r[2])) for r in json.loads(str(rows))["data"]], expected_device)
rows = chdb.query(f"""SELECT toString(toDate(time, 'US/Eastern')), channelId, sum(numberOfSession), sum(viewershipMinutes)
                      FROM file('{a.out}/{channel}/**/*.parquet', Parquet) GROUP BY 1, 2 ORDER BY 1, 2""", "JSONCompact")
report("chDB", "Eastern-day rollup", [(r[0], r[1], int(r[2]), int(r[3])) for r in json.loads(str(rows))["data"]], expected_day)
sys.exit(1 if failed else 0)
