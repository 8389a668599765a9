"""Checks a `colan export` with independent readers (pyarrow, DuckDB), as `make test` runs it
(Tests/ColanCLITests/ExportTests.swift):

    python check_export.py EXPORT_DIR EXPECTED.json

EXPECTED.json holds colan's own answers: {"by_device": [[deviceType, sessions, minutes], ...],
"eastern_day": [[day, channelId, sessions, minutes], ...], "nulls": {...}} (see the Swift test).
Prints one line per failed check and exits 1 if any failed; prints "ok" otherwise.
"""
import glob, json, os, sys

import duckdb
import pyarrow.parquet as pq

out, expected_path = sys.argv[1], sys.argv[2]
expected = json.load(open(expected_path))
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


description = json.load(open(os.path.join(out, "_colan.json")))
datasets = {d["path"]: d for d in description["datasets"]}
files = sorted(glob.glob(os.path.join(out, "**", "*.parquet"), recursive=True))
check(len(files) > 0, "no parquet files")
for f in files:
    rel = os.path.relpath(f, out)
    check(os.path.basename(f).startswith("part-") and not os.path.basename(f).startswith("."), f"file name {rel}")
    pf = pq.ParquetFile(f)
    md = pf.metadata
    check(md.created_by.startswith("colan version "), f"created_by {md.created_by}")
    schema = pf.schema_arrow
    table = pf.read()
    check(table.num_rows == md.num_rows, f"{rel}: rows {table.num_rows} != metadata {md.num_rows}")
    # The time: required TIMESTAMP(UTC, MICROS) with the legacy converted type too.
    if "time" in schema.names:
        field = schema.field("time")
        check(str(field.type) == "timestamp[us, tz=UTC]" and not field.nullable, f"{rel}: time is {field.type}")
        col = pf.schema.column(schema.get_field_index("time"))
        check(col.converted_type == "TIMESTAMP_MICROS", f"{rel}: time converted type {col.converted_type}")
    for i in range(len(schema)):
        field = schema.field(i)
        col = pf.schema.column(i)
        if str(field.type) == "string":
            check(col.logical_type.type == "STRING" and col.converted_type == "UTF8", f"{rel}: {field.name} string types")
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        for c in range(rg.num_columns):
            chunk = rg.column(c)
            check(chunk.compression == "ZSTD", f"{rel}: {chunk.path_in_schema} compression {chunk.compression}")
            stats = chunk.statistics
            check(stats is not None and stats.has_null_count, f"{rel}: {chunk.path_in_schema} has no statistics")
            values = table.column(chunk.path_in_schema).combine_chunks()
            nulls = values.null_count
            if md.num_row_groups == 1:
                check(stats.null_count == nulls, f"{rel}: {chunk.path_in_schema} null_count {stats.null_count} != {nulls}")
                present = [v for v in values.to_pylist() if v is not None]
                if present and stats.has_min_max:
                    check(stats.min == min(present) and stats.max == max(present),
                          f"{rel}: {chunk.path_in_schema} min/max {stats.min}/{stats.max} != {min(present)}/{max(present)}")
            if chunk.physical_type == "BYTE_ARRAY" and chunk.num_values - nulls > 0 and "RLE_DICTIONARY" in chunk.encodings:
                check(chunk.has_dictionary_page, f"{rel}: {chunk.path_in_schema} dictionary encoded without a dictionary page")

# DuckDB: its own metadata reader, and the rollups through hive partitioning.
meta = duckdb.sql(f"select count(*) from parquet_metadata('{files[0]}')").fetchall()[0][0]
check(meta > 0, "duckdb parquet_metadata empty")
by_device = [d for d in datasets if d.startswith("viewershipAnalytics/") and datasets[d]["dimensions"] == ["deviceType"]]
check(len(by_device) == 1, f"datasets by deviceType: {by_device}")
q1 = duckdb.sql(f"""select deviceType, sum(numberOfSession)::bigint, sum(viewershipMinutes)::bigint
    from read_parquet('{out}/{by_device[0]}/**/*.parquet', hive_partitioning = true) group by 1 order by 1""").fetchall()
check([list(r) for r in q1] == expected["by_device"], f"Q1 {q1} != {expected['by_device']}")
by_channel = [d for d in datasets if d.startswith("viewershipAnalytics/hourly") and datasets[d]["dimensions"] == ["channelId"]]
check(len(by_channel) == 1, f"hourly datasets by channelId: {by_channel}")
q2 = duckdb.sql(f"""select strftime(cast(timezone('US/Eastern', time) as date), '%Y-%m-%d'), channelId,
    sum(numberOfSession)::bigint, sum(viewershipMinutes)::bigint
    from read_parquet('{out}/{by_channel[0]}/**/*.parquet', hive_partitioning = true) group by all order by all""").fetchall()
check([list(r) for r in q2] == expected["eastern_day"], f"Q2 {q2} != {expected['eastern_day']}")
months = duckdb.sql(f"select distinct month from read_parquet('{out}/{by_channel[0]}/**/*.parquet', hive_partitioning = true) order by 1").fetchall()
check([m[0] for m in months] == expected["months"], f"partitions {months}")

# A dataset with nulls and a dictionary too big for a dictionary page: values read back as written.
if "nulls" in expected:
    path = [d for d in datasets if d.startswith("generic/") and "name" in datasets[d]["dimensions"]][0]
    rows = duckdb.sql(f"select name, count, ratio from read_parquet('{out}/{path}/**/*.parquet') order by time, name").fetchall()
    check([list(r) for r in rows] == expected["nulls"]["rows"], f"null rows differ: {rows[:5]} ...")
    f = glob.glob(f"{out}/{path}/**/*.parquet", recursive=True)[0]
    encodings = set()
    md = pq.ParquetFile(f).metadata
    for g in range(md.num_row_groups):
        encodings |= set(md.row_group(g).column(1).encodings)
    check("PLAIN" in encodings, f"big dictionary not PLAIN: {encodings}")

for f in failures:
    print(f)
print("ok" if not failures else f"{len(failures)} failed")
sys.exit(1 if failures else 0)
