/// How each output metric of a report kind is computed (docs/METRICS.md is
/// the prose version). Derived metrics are recomputed per output row from the
/// sums of their parts, never averaged.
enum MetricDefinitions {
    /// Statistics of a gauge over a bucket, taken over its per-instant sums.
    enum GaugeStatistic: String, Sendable {
        case max = "Max", avg = "Avg", p95 = "P95"
    }

    /// An output metric: the stored columns it sums and how it is finished,
    /// or the gauge column and statistic it takes.
    struct Definition: Sendable {
        var name: String
        var inputs: [String]
        var gauge: (column: String, statistic: GaugeStatistic)? = nil
        /// Finishes the metric from the sums of its inputs (`b` is 0 for one input).
        var finish: @Sendable (_ a: Int64, _ b: Int64, _ days: Int, _ viewersExact: Bool) -> ResultValue
    }

    /// The viewership metrics under the vendor's names, in the vendor's order.
    static let viewership: [Definition] = [
        Definition(name: "totalSessions", inputs: ["numberOfSession"]) { a, _, _, _ in .integer(a) },
        Definition(name: "totalViewershipMinutes", inputs: ["viewershipMinutes"]) { a, _, _, _ in .integer(a) },
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

    /// a / b, or a bound of it when a part is a bound (dividing by an upper bound gives a lower bound).
    static func ratio(_ a: Int64, _ b: Int64, exact: Bool, upper: Bool = false) -> ResultValue {
        guard b != 0 else { return .none }
        let v = Double(a) / Double(b)
        return exact ? .decimal(v) : .bound(v, upper: upper)
    }

    /// The definitions for `report`, given its segments' columns: the vendor's
    /// for viewership; otherwise each metric column by its kind's rule.
    static func defaults(for report: String, columns: [ColumnSchema]) -> [Definition] {
        if report == "viewershipAnalytics" { return viewership }
        var seen = Set<String>()
        var out: [Definition] = []
        for c in columns where c.type == .int64 && seen.insert(c.name).inserted {
            guard case .metric(let kind) = c.role else { continue }
            out += definitions(for: c.name, kind: kind)
        }
        return out
    }

    /// The output metrics of one stored column of `kind`.
    static func definitions(for column: String, kind: MetricKind?) -> [Definition] {
        switch kind {
        case .gauge:
            return [GaugeStatistic.max, .avg, .p95].map { stat in
                Definition(name: column + stat.rawValue, inputs: [], gauge: (column, stat)) { _, _, _, _ in .none }
            }
        case .distinctCount:
            return [Definition(name: column, inputs: [column]) { a, _, _, exact in exact ? .integer(a) : .bound(Double(a), upper: true) }]
        default:
            return [Definition(name: column, inputs: [column]) { a, _, _, _ in .integer(a) }]
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
