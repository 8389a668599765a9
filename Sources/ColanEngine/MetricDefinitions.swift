import ColanColumns
import ColanCatalog

/// How each output metric of a report kind is computed (docs/METRICS.md is
/// the prose version). Derived metrics are recomputed per output row from the
/// sums of their parts, never averaged.
enum MetricDefinitions {
    /// Statistics of a gauge over a bucket, taken over its per-instant sums.
    enum GaugeStatistic: String, Sendable {
        case max = "Max", avg = "Avg", p95 = "P95"
    }

    /// An output metric: the stored columns it sums and how it is finished,
    /// the gauge column and statistic it takes, or the column it averages over rows.
    struct Definition: Sendable {
        var name: String
        var inputs: [String]
        var gauge: (column: String, statistic: GaugeStatistic)? = nil
        /// A ratio or float column shown as its mean over the output row's rows (SmartSight, generic).
        var rowAverage: String? = nil
        /// A gauge-path metric whose per-instant sums are distinct counts (an hourly average of viewers):
        /// a bound unless the output row's viewers are exact.
        var distinctGauge = false
        /// Computed from a distinct count: exact or a bound.
        var usesViewers: Bool { distinctGauge || distinct || inputs.contains("uniqueViewers") }
        /// A distinct count column of another name (summed as a bound).
        var distinct = false
        /// A plain sum of one additive count (it has a share of a total: `--share`).
        var additive = false
        /// Finishes the metric from the sums of its inputs (`b` is 0 for one input).
        var finish: @Sendable (_ a: Int64, _ b: Int64, _ days: Int, _ viewersExact: Bool) -> ResultValue
    }

    /// Suffix of a row-average metric's name ("rebufferingratioRowAvg").
    static let rowAverageSuffix = "RowAvg"

    /// The viewership metrics under the vendor's names, in the vendor's order
    /// (content analytics rows carry the same counts, and take the same definitions).
    static let viewership: [Definition] = [
        Definition(name: "totalSessions", inputs: ["numberOfSession"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "totalViewershipMinutes", inputs: ["viewershipMinutes"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "aggregatedViewers", inputs: ["uniqueViewers"]) { a, _, _, exact in
            exact ? .integer(a) : .bound(Double(a), upper: true)
        },
        Definition(name: "avgSessionDuration", inputs: ["viewershipMinutes", "numberOfSession"]) { a, b, _, _ in
            ratio(a, b, exact: true)
        },
        Definition(name: "avgSessionPerViewer", inputs: ["numberOfSession", "uniqueViewers"]) { a, b, _, exact in
            ratio(a, b, exact: exact)
        },
        Definition(name: "dailyAverageNumberOfViewers", inputs: ["uniqueViewers"]) { a, _, days, exact in
            ratio(a, Int64(days), exact: exact, upper: true)
        },
        Definition(name: "dailyAverageSessionCount", inputs: ["numberOfSession"]) { a, _, days, _ in ratio(a, Int64(days), exact: true) },
        Definition(name: "dailyAverageViewershipMinutes", inputs: ["viewershipMinutes"]) { a, _, days, _ in
            ratio(a, Int64(days), exact: true)
        },
    ]

    /// An hourly response's averages (`hourlyAverage*` in its totals block): each a total over the
    /// hours that hold rows, so the mean over the output row's instants of their sums. Asked for
    /// by name (`--metrics`); not in the default set.
    static let hourlyAverages: [Definition] = [
        Definition(name: "hourlyAverageNumberOfViewers", inputs: [], gauge: ("uniqueViewers", .avg), distinctGauge: true) { _, _, _, _ in .none },
        Definition(name: "hourlyAverageSessionCount", inputs: [], gauge: ("numberOfSession", .avg)) { _, _, _, _ in .none },
        Definition(name: "hourlyAverageViewershipMinutes", inputs: [], gauge: ("viewershipMinutes", .avg)) { _, _, _, _ in .none },
    ]

    /// The ad funnel under the names of the vendor's totals block, and the conversion rate
    /// recomputed from the summed counts (impressions / ad assets x 100).
    static let ad: [Definition] = [
        Definition(name: "totalAdOpportunitiesDetected", inputs: ["adOpportunities"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "totalAdRequestsSent", inputs: ["adRequests"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "totalAdResponsesReceived", inputs: ["adResponses"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "totalAdAssetsReceived", inputs: ["adAssets"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "totalImpressionsRecorded", inputs: ["impressions"], additive: true) { a, _, _, _ in .integer(a) },
        Definition(name: "conversionRate", inputs: ["impressions", "adAssets"]) { a, b, _, _ in
            b == 0 ? .none : .decimal(Double(a) * 100 / Double(b))
        },
    ]

    /// The vendor's definitions of a report kind, all of them (defaults and those asked for by name).
    static func vendor(_ report: String) -> [Definition] {
        switch ReportKind(rawValue: report)?.family {
        case .viewership: viewership + hourlyAverages
        case .adFunnel: ad
        case nil: []
        }
    }

    /// a / b, or a bound of it when a part is a bound (dividing by an upper bound gives a lower bound).
    static func ratio(_ a: Int64, _ b: Int64, exact: Bool, upper: Bool = false) -> ResultValue {
        guard b != 0 else { return .none }
        let v = Double(a) / Double(b)
        return exact ? .decimal(v) : .bound(v, upper: upper)
    }

    /// The default definitions for `report`, given its segments' columns: the vendor's, where
    /// the segments hold their inputs; for other kinds every numeric column, by its kind's rule
    /// (counts and gauges as below, other integers summed, ratios and floats as row averages).
    static func defaults(for report: String, columns: [ColumnSchema]) -> [Definition] {
        let present = Set(columns.map(\.name))
        if let family = ReportKind(rawValue: report)?.family {
            return (family == .adFunnel ? ad : viewership).filter { $0.inputs.allSatisfy(present.contains) }
        }
        var seen = Set<String>()
        var out: [Definition] = []
        for c in columns where c.role != .time && c.role != .dimension && !c.name.hasPrefix("_") && seen.insert(c.name).inserted {
            out += definitions(for: c)
        }
        return out
    }

    /// The output metrics of one stored numeric column, by its kind: gauges as max, average and 95th
    /// percentile; distinct counts summed as bounds; other integers summed; ratios (derived) and floats
    /// averaged over rows. Empty for columns that are not numbers.
    static func definitions(for column: ColumnSchema) -> [Definition] {
        var kind: MetricKind?
        if case .metric(let k) = column.role { kind = k }
        if column.type == .float64 || kind == .derived {
            guard column.type == .float64 || column.type == .int64 else { return [] }
            return [Definition(name: column.name + rowAverageSuffix, inputs: [], rowAverage: column.name) { _, _, _, _ in .none }]
        }
        guard column.type == .int64 else { return [] }
        switch kind {
        case .gauge:
            return [GaugeStatistic.max, .avg, .p95].map { stat in
                Definition(name: column.name + stat.rawValue, inputs: [], gauge: (column.name, stat)) { _, _, _, _ in .none }
            }
        case .distinctCount:
            return [Definition(name: column.name, inputs: [column.name], distinct: true) { a, _, _, exact in
                exact ? .integer(a) : .bound(Double(a), upper: true)
            }]
        default:
            return [Definition(name: column.name, inputs: [column.name], additive: true) { a, _, _, _ in .integer(a) }]
        }
    }

    /// max, average and 95th percentile (nearest rank) of per-instant sums.
    static func gauge(_ values: [Int64], _ statistic: GaugeStatistic) -> ResultValue {
        guard !values.isEmpty else { return .none }
        switch statistic {
        case .max: return .integer(values.max() ?? 0)
        case .avg: return .decimal(Double(values.reduce(0, +)) / Double(values.count))
        case .p95:
            let sorted = values.sorted()
            let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
            return .integer(sorted[max(rank, 1) - 1])
        }
    }
}
