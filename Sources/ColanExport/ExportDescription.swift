import ColanSupport

/// The description written beside an export's data: `_colan.json` for programs and `README.txt`
/// for people (engines skip names starting with `_` or `.`, and README.txt sits above the
/// dataset folders). It names each dataset's cuboid and columns, how each metric aggregates, what
/// the time column means, and queries for DuckDB, Spark SQL, Trino and ClickHouse that reproduce
/// `colan agg --by deviceType` and the Eastern-day rollup.
struct ExportDescription {
    let outcome: Exporter.Outcome
    let options: Exporter.Options
    let store: String

    static let aggregation: [String: String] = [
        "time": "the UTC instant the row's interval starts (an hour, day, week or month of the dataset's zone); group by it converted to a zone",
        "dimension": "a value of the slice; group or filter by it",
        "additive": "sum",
        "distinct count": "exact only at this dataset's own grain (one row); a sum over rows is an upper bound, never an exact count",
        "gauge": "sum across dimensions at the same instant, then max / avg over instants",
        "ratio": "do not add or average: recompute from the summed counts (e.g. avgSessionDuration = sum(viewershipMinutes) / sum(numberOfSession))",
        "attribute": "a number colan does not know: sum if it is a count",
    ]

    static let derived: [(String, String)] = [
        ("totalSessions", "sum(numberOfSession)"),
        ("totalViewershipMinutes", "sum(viewershipMinutes)"),
        ("avgSessionDuration", "sum(viewershipMinutes) / sum(numberOfSession)"),
        ("avgSessionPerViewer", "sum(numberOfSession) / aggregatedViewers (a lower bound when aggregatedViewers is one)"),
        ("aggregatedViewers", "sum(uniqueViewers): exact only when the group is one row of the dataset; otherwise an upper bound"),
        ("dailyAverageViewershipMinutes", "sum(viewershipMinutes) / days in the bucket"),
        ("conversionRate", "sum(impressions) / sum(adAssets) * 100"),
    ]

    /// A dataset for the example queries: viewership with `dimension` (the fewest other dimensions first).
    func example(_ dimension: String, hourly: Bool = false) -> Exporter.Dataset? {
        outcome.datasets.filter {
            $0.report == "viewershipAnalytics" && $0.dimensions.contains(dimension) && (!hourly || $0.interval == "HOURLY")
                && $0.columns.contains { $0.name == "numberOfSession" } && $0.columns.contains { $0.name == "viewershipMinutes" }
        }.min { $0.dimensions.count < $1.dimensions.count }
    }

    /// The example queries, by engine: `agg --by deviceType`, then `agg --by channelId --interval day --tz US/Eastern`.
    func queries() -> [(engine: String, byDevice: String, easternDay: String)] {
        let device = example("deviceType")?.path ?? "viewershipAnalytics/DATASET-WITH-deviceType"
        let channel = example("channelId", hourly: true)?.path ?? "viewershipAnalytics/HOURLY-DATASET-WITH-channelId"
        let out = options.out
        let sums = "sum(numberOfSession) AS totalSessions, sum(viewershipMinutes) AS totalViewershipMinutes, "
            + "sum(uniqueViewers) AS aggregatedViewers_upper_bound, round(sum(viewershipMinutes) / sum(numberOfSession), 2) AS avgSessionDuration"
        let glob = options.format == .parquet ? "*.parquet" : "*.csv"
        let reader = options.format == .parquet ? "read_parquet" : "read_csv"
        return [
            ("DuckDB",
             "SELECT deviceType, \(sums)\nFROM \(reader)('\(out)/\(device)/**/\(glob)', hive_partitioning = true)\nGROUP BY deviceType ORDER BY deviceType;",
             "SELECT CAST(timezone('US/Eastern', time) AS DATE) AS day, channelId, \(sums)\nFROM \(reader)('\(out)/\(channel)/**/\(glob)', hive_partitioning = true)\nGROUP BY ALL ORDER BY ALL;"),
            ("Spark SQL",
             "SET spark.sql.session.timeZone = UTC;\nCREATE TEMPORARY VIEW by_device USING \(options.format.rawValue) OPTIONS (path '\(out)/\(device)'\(options.format == .csv ? ", header 'true', inferSchema 'true'" : ""));\nSELECT deviceType, \(sums)\nFROM by_device GROUP BY deviceType ORDER BY deviceType;",
             "CREATE TEMPORARY VIEW by_channel USING \(options.format.rawValue) OPTIONS (path '\(out)/\(channel)'\(options.format == .csv ? ", header 'true', inferSchema 'true'" : ""));\nSELECT to_date(from_utc_timestamp(time, 'US/Eastern')) AS day, channelId, \(sums)\nFROM by_channel GROUP BY 1, 2 ORDER BY 1, 2;"),
            ("Trino (Hive connector, external location; hive.parquet.time-zone = UTC)",
             "CREATE TABLE hive.colan.by_device (time timestamp(6), deviceType varchar, numberOfSession bigint, viewershipMinutes bigint, uniqueViewers bigint, month varchar)\nWITH (external_location = '\(out)/\(device)', format = '\(options.format == .parquet ? "PARQUET" : "CSV")', partitioned_by = ARRAY['month']);\nCALL hive.system.sync_partition_metadata('colan', 'by_device', 'ADD');\nSELECT deviceType, \(sums)\nFROM hive.colan.by_device GROUP BY deviceType ORDER BY deviceType;",
             "-- hive.colan.by_channel created the same way over '\(out)/\(channel)'\nSELECT date(with_timezone(time, 'UTC') AT TIME ZONE 'US/Eastern') AS day, channelId, \(sums)\nFROM hive.colan.by_channel GROUP BY 1, 2 ORDER BY 1, 2;"),
            ("ClickHouse",
             "SELECT deviceType, \(sums)\nFROM file('\(out)/\(device)/**/\(glob)', \(options.format == .parquet ? "Parquet" : "CSVWithNames"))\nGROUP BY deviceType ORDER BY deviceType;",
             "SELECT toDate(time, 'US/Eastern') AS day, channelId, \(sums)\nFROM file('\(out)/\(channel)/**/\(glob)', \(options.format == .parquet ? "Parquet" : "CSVWithNames"))\nGROUP BY day, channelId ORDER BY day, channelId;"),
        ]
    }

    func json() -> String {
        func s(_ v: String) -> String { TextFormat.jsonString(v) }
        var out = "{\n  \"colan_version\": \(s(ColanVersion.string)),\n  \"store\": \(s(store)),\n  \"format\": \(s(options.format.rawValue)),\n"
        out += "  \"partition\": \(s(options.partition.rawValue)),\n"
        out += "  \"time_column\": {\"name\": \"time\", \"type\": \"TIMESTAMP(isAdjustedToUTC=true, MICROS)\", \"meaning\": \(s(Self.aggregation["time"]!))},\n"
        out += "  \"partition_column\": \(s("a Hive folder (month=YYYY-MM or day=YYYY-MM-DD) of the row's local date in the dataset's zone")),\n"
        out += "  \"datasets\": [\n"
        for (i, d) in outcome.datasets.enumerated() {
            out += "    {\"path\": \(s(d.path)), \"report\": \(s(d.report)), \"interval\": \(s(d.interval)), \"zone\": \(s(d.zone)), "
            out += "\"dimensions\": [\(d.dimensions.map(s).joined(separator: ", "))], \"rows\": \(d.rows), \"files\": \(d.files),\n     \"columns\": ["
            out += d.columns.map { "{\"name\": \(s($0.name)), \"type\": \(s($0.type)), \"kind\": \(s($0.kind)), \"aggregate\": \(s(Self.aggregation[$0.kind] ?? ""))}" }
                .joined(separator: ",\n       ")
            out += "]}" + (i + 1 < outcome.datasets.count ? "," : "") + "\n"
        }
        out += "  ],\n  \"derived_metrics\": {" + Self.derived.map { "\(s($0.0)): \(s($0.1))" }.joined(separator: ", ") + "},\n"
        out += "  \"queries\": [\n" + queries().map { q in
            "    {\"engine\": \(s(q.engine)), \"agg --by deviceType\": \(s(q.byDevice)), \"agg --by channelId --interval day --tz US/Eastern\": \(s(q.easternDay))}"
        }.joined(separator: ",\n") + "\n  ]\n}\n"
        return out
    }

    func readme() -> String {
        var out = """
            colan export of \(store)
            ===========================================================================

            colan \(ColanVersion.string) wrote this folder: one dataset per report kind and cuboid, each a folder an
            engine can be pointed at, its files Hive-partitioned (\(options.partition == .none ? "no partitions" : options.partition.rawValue + "=...")) and named
            part-NNNN.\(options.format.rawValue). _colan.json says the same for programs.

            Why datasets are split by cuboid: a cuboid is the set of dimensions a report was broken down by.
            The "All devices" rows and the per-device rows of the same days describe the same viewing;
            summing them double counts. Within one dataset every row is a distinct slice, so summing an
            additive metric over a dataset (or part of one) is right. Never union two datasets of one
            report kind and sum.

            The time column: \(Self.aggregation["time"]!). Partitions hold the rows of a local \(options.partition == .day ? "day" : "month") in the dataset's zone.

            How each column aggregates:

            """
        for kind in ["additive", "distinct count", "gauge", "ratio", "attribute"] { out += "  \(kind): \(Self.aggregation[kind]!)\n" }
        out += "\nThe vendor's derived metrics, recomputed:\n\n"
        for (name, formula) in Self.derived { out += "  \(name) = \(formula)\n" }
        out += "\nDatasets:\n\n"
        for d in outcome.datasets {
            out += "  \(d.path)\n    \(d.report), \(d.interval), zone \(d.zone), dimensions: \(d.dimensions.isEmpty ? "none (All)" : d.dimensions.joined(separator: ", ")); \(d.rows) rows in \(d.files) files\n"
            out += "    columns: " + d.columns.map { "\($0.name) (\($0.kind))" }.joined(separator: ", ") + "\n\n"
        }
        out += "Queries that reproduce `colan agg --by deviceType` and `colan agg --by channelId --interval day --tz US/Eastern`\n"
        out += "(unique viewers summed are an upper bound, as colan marks them):\n"
        for q in queries() { out += "\n-- \(q.engine)\n\(q.byDevice)\n\n\(q.easternDay)\n" }
        return out
    }
}
