import ArgumentParser
import ColanCore
#if canImport(Glibc)
import Glibc
#endif

/// `colan agg`: a rollup over the store with the vendor's metrics recomputed.
struct AggCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agg",
        abstract: "Roll up imported reports by dimensions, recomputing the vendor's metrics.",
        discussion: """
            Each slice is answered from the coarsest imported reports (cuboid) that still hold every \
            grouped and filtered dimension, so an "All devices" report and per-device reports of the \
            same days are never summed together. Derived metrics (avgSessionDuration, \
            avgSessionPerViewer, daily averages) are recomputed from summed parts; unique viewers that \
            cannot be exact are shown as an upper bound, "<=N". Daily averages divide by the days in each \
            bucket (for total: in --from/--to, else the days the data spans in --tz). Gauges (concurrent \
            users) are summed per instant, then their max, average and 95th percentile per bucket. \
            See docs/METRICS.md.

            Hourly rows are re-bucketed into the hours, days, weeks (from Monday) and months of any \
            zone, across DST. Daily rows are days of their report's zone: asking for another zone's \
            buckets is an error unless --approximate-zone.
            """
    )

    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Option(help: "Report kind.")
    var report: String = "viewershipAnalytics"

    @Option(help: ArgumentHelp("Dimensions to group by, comma-separated.", valueName: "DIM[,DIM...]"))
    var by: String?

    @Option(help: "Time buckets: hour, day, week, month or total.")
    var interval: BucketInterval = .total

    @Option(help: "Time zone of the buckets and of --from/--to.")
    var tz: String = "US/Pacific"

    @Flag(help: "Put daily rows of another zone into this zone's buckets by their dates (an approximation).")
    var approximateZone = false

    @Option(help: ArgumentHelp("First local date included.", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last local date included.", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep rows whose dimension has this value (repeatable; several values of one dimension mean any).", valueName: "DIM=VALUE"))
    var filters: [String] = []

    @Option(help: ArgumentHelp("Metrics to output, comma-separated (default: all of the report's).", valueName: "NAME[,NAME...]"))
    var metrics: String?

    @Option(help: ArgumentHelp("Order rows within each time bucket by a metric, largest first unless :asc (repeatable; default: time, then dimensions).",
                               valueName: "METRIC[:asc|desc]"))
    var sort: [String] = []

    @Option(help: "Keep the first N rows of each time bucket (after --sort).")
    var limit: Int?

    @Flag(help: "Add each additive metric's share of its time bucket's total, in percent (NAMEShare).")
    var share = false

    @Option(help: ArgumentHelp("Add each metric's value in the previous period (previous: the preceding hour/day/week/month, or for a total the same span before --from) or a year earlier (year), and the change in percent.",
                               valueName: "previous|year"))
    var compare: AggregateQuery.Comparison?

    @Option(help: "Output format: table, csv, json, markdown or chart (the first metric as bars, or as a line per group across time).")
    var format: ResultRenderer.Format = .table

    @Flag(help: "Print the plan: cuboid, segments and row groups read and skipped, rows scanned, time.")
    var explain = false

    /// The parsed values, as the plain struct both argument parsers fill.
    var options: AggOptions {
        AggOptions(store: store, report: report, by: by, interval: interval, tz: tz, approximateZone: approximateZone,
                   from: from, to: to, filters: filters, metrics: metrics, sort: sort, limit: limit, share: share, compare: compare,
                   format: format, explain: explain)
    }

    func run() throws {
        try options.run()
    }
}

/// `colan agg`'s options as plain values, and the command itself.
struct AggOptions {
    var store: String?
    var report = "viewershipAnalytics"
    var by: String?
    var interval: BucketInterval = .total
    var tz = "US/Pacific"
    var approximateZone = false
    var from: String?
    var to: String?
    var filters: [String] = []
    var metrics: String?
    var sort: [String] = []
    var limit: Int?
    var share = false
    var compare: AggregateQuery.Comparison?
    var format: ResultRenderer.Format = .table
    var explain = false

    /// Reads the common spelling of `agg`'s arguments (`--name value`,
    /// `--name=value`, each single-valued option at most once) without
    /// ArgumentParser, whose reflection costs about 1.5 ms a run: a tenth of
    /// a query. Anything else (help, an unknown or repeated option, a value
    /// that does not parse, a value starting with "-") returns nil, and
    /// ArgumentParser handles the arguments with its own messages. The
    /// CLI tests run both parsers over the same arguments.
    static func quickParse(_ arguments: ArraySlice<String>) -> AggOptions? {
        var o = AggOptions()
        var seen: Set<String> = []
        var i = arguments.startIndex
        while i < arguments.endIndex {
            var name = arguments[i]
            var value: String?
            guard name.hasPrefix("--") else { return nil }
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard name == "--where" || seen.insert(name).inserted else { return nil }
            i += 1
            if name == "--explain" || name == "--approximate-zone" {
                guard value == nil else { return nil }
                if name == "--explain" { o.explain = true } else { o.approximateZone = true }
                continue
            }
            if value == nil {
                guard i < arguments.endIndex else { return nil }
                value = arguments[i]
                i += 1
            }
            guard let v = value, !v.hasPrefix("-") else { return nil }
            switch name {
            case "--store": o.store = v
            case "--report": o.report = v
            case "--by": o.by = v
            case "--interval":
                guard let x = BucketInterval(rawValue: v) else { return nil }
                o.interval = x
            case "--tz": o.tz = v
            case "--from": o.from = v
            case "--to": o.to = v
            case "--where": o.filters.append(v)
            case "--metrics": o.metrics = v
            case "--format":
                guard let x = ResultRenderer.Format(rawValue: v) else { return nil }
                o.format = x
            default: return nil
            }
        }
        return o
    }

    /// Runs the rollup and writes the result to stdout (the plan to stderr with --explain).
    func run() throws {
        // The store stays referenced until `exit`: freeing it (a manifest of 20,000 sources) would be a
        // tenth of a query's time on a store of many responses, for a process about to end.
        var opened: Store?
        try runReportingErrors {
            var query = AggregateQuery()
            query.report = report
            query.by = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters() } } ?? []
            query.zone = tz
            query.interval = interval
            query.approximateZone = approximateZone
            query.from = from
            query.to = to
            query.metrics = metrics.map { $0.split(separator: ",").map { String($0).trimmingCharacters() } } ?? []
            query.sort = try sort.map { text in
                let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                guard let column = parts.first, !column.isEmpty, parts.count == 1 || ["asc", "desc"].contains(parts[1]) else {
                    throw ColanError(.usage, "--sort takes METRIC[:asc|desc], not '\(text)'")
                }
                return AggregateQuery.SortKey(column: column, descending: parts.count == 1 || parts[1] == "desc")
            }
            query.limit = limit
            query.share = share
            query.compare = compare
            query.filters = try parseFilters(filters)
            // A read-only command: it never writes or removes a file (an interrupted writer's
            // leftovers are the next writer's to remove).
            let target = try Store(path: Store.defaultPath(store))
            opened = target
            let result = try AggregateEngine.run(query, store: target)
            writeStdout(ResultRenderer.bytes(result, as: format, width: terminalWidth()))
            for note in result.notes { printError("note: " + note) }
            if explain { for line in result.explain { printError("explain: " + line) } }
        }
        // Answered: exit without unmapping the segments and freeing the plan and the store one piece at a time.
        withExtendedLifetime(opened) { exit(0) }
    }
}

extension ResultRenderer.Format: ExpressibleByArgument {}
extension AggregateQuery.Comparison: ExpressibleByArgument {}

/// The terminal's width in characters: stdout's window size, else $COLUMNS, else 80.
func terminalWidth() -> Int {
    var size = winsize()
    if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 { return columns }
    return 80
}
extension BucketInterval: ExpressibleByArgument {}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
