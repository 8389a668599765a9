/// How each output metric of a report kind is computed from summed columns
/// (docs/METRICS.md is the prose version). Derived metrics are recomputed per
/// output row from the sums, never averaged.
enum MetricDefinitions {
    /// An output metric: the stored columns it sums, and how it is finished.
    struct Definition: Sendable {
        var name: String
        var inputs: [String]
        var finish: @Sendable (_ sums: [Int64], _ days: Int, _ viewersExact: Bool) -> ResultValue
    }

    /// The viewership metrics under the vendor's names, in the vendor's order.
    static let viewership: [Definition] = [
        Definition(name: "totalSessions", inputs: ["numberOfSession"]) { s, _, _ in .integer(s[0]) },
        Definition(name: "totalViewershipMinutes", inputs: ["viewershipMinutes"]) { s, _, _ in .integer(s[0]) },
        Definition(name: "aggregatedViewers", inputs: ["uniqueViewers"]) { s, _, exact in
            exact ? .integer(s[0]) : .bound(Double(s[0]), upper: true)
        },
        Definition(name: "avgSessionDuration", inputs: ["viewershipMinutes", "numberOfSession"]) { s, _, _ in
            ratio(s[0], s[1], exact: true)
        },
        Definition(name: "avgSessionPerViewer", inputs: ["numberOfSession", "uniqueViewers"]) { s, _, exact in
            ratio(s[0], s[1], exact: exact)
        },
        Definition(name: "dailyAverageNumberOfViewers", inputs: ["uniqueViewers"]) { s, days, exact in
            ratio(s[0], Int64(days), exact: exact, upper: true)
        },
        Definition(name: "dailyAverageSessionCount", inputs: ["numberOfSession"]) { s, days, _ in ratio(s[0], Int64(days), exact: true) },
        Definition(name: "dailyAverageViewershipMinutes", inputs: ["viewershipMinutes"]) { s, days, _ in
            ratio(s[0], Int64(days), exact: true)
        },
    ]

    /// a / b, or a bound of it when a part is a bound (dividing by an upper bound gives a lower bound).
    static func ratio(_ a: Int64, _ b: Int64, exact: Bool, upper: Bool = false) -> ResultValue {
        guard b != 0 else { return .none }
        let v = Double(a) / Double(b)
        return exact ? .decimal(v) : .bound(v, upper: upper)
    }

    /// The definitions for `report`, given the numeric columns its segments hold.
    static func defaults(for report: String, columns: [ColumnSchema]) -> [Definition] {
        if report == "viewershipAnalytics" { return viewership }
        return columns.filter { if case .metric(let k) = $0.role { return k == .additive } else { return false } }
            .map { plain($0.name) }
    }

    /// A stored numeric column, summed.
    static func plain(_ column: String) -> Definition {
        Definition(name: column, inputs: [column]) { s, _, _ in .integer(s[0]) }
    }
}
