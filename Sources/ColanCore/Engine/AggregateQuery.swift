/// A rollup request (`colan agg`).
public struct AggregateQuery: Sendable {
    /// The report kind to read.
    public var report = "viewershipAnalytics"
    /// Dimensions to group by, in output order.
    public var by: [String] = []
    /// Filters: a dimension and the values it may take (any of them).
    public var filters: [String: [String]] = [:]
    /// The time buckets.
    public var interval: BucketInterval = .total
    /// The zone buckets and dates are in.
    public var zone = "US/Pacific"
    /// Put daily (or coarser) rows of another zone into this zone's buckets by their dates.
    public var approximateZone = false
    /// First local date included (YYYY-MM-DD), if any.
    public var from: String?
    /// Last local date included (YYYY-MM-DD), if any.
    public var to: String?
    /// Metrics to output; empty means the report's defaults.
    public var metrics: [String] = []

    /// A query with the defaults (viewershipAnalytics, total, US/Pacific, all time).
    public init() {}
}

/// One output value.
public enum ResultValue: Sendable, Equatable {
    /// A count.
    case integer(Int64)
    /// A derived ratio, rounded to 2 decimals when shown.
    case decimal(Double)
    /// A dimension value.
    case text(String)
    /// A distinct count that is only an upper bound ("<=" when shown), or a
    /// ratio computed from one (a lower bound, ">=").
    case bound(Double, upper: Bool)
    /// No value (a ratio with a zero denominator).
    case none
}

/// The answer to an `AggregateQuery`: named columns and one row per group,
/// sorted by time, then by the dimension values (UTF-8 byte order).
public struct AggregateResult: Sendable {
    /// Column names: "time" unless the interval is total, the --by dimensions, then the metrics.
    public var columns: [String]
    /// One row per group.
    public var rows: [[ResultValue]]
    /// Lines describing the plan (`--explain`).
    public var explain: [String]
    /// What the reader must know to read the answer right (a metric some reports lack...);
    /// the CLI prints them to stderr as "note: ...".
    public var notes: [String] = []
}
