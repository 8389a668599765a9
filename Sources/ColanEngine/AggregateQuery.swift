@_spi(Benchmarks) import ColanTime

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
    /// Row order within each time bucket (`--sort`); empty keeps the dimensions' order.
    public var sort: [SortKey] = []
    /// At most this many rows per time bucket, after sorting (`--limit`).
    public var limit: Int?
    /// Add each additive metric's share of its bucket's total, in percent (`--share`).
    public var share = false
    /// Add each metric's value in an earlier period and the change against it (`--compare`).
    public var compare: Comparison?

    /// One `--sort` key: a column of the answer and its direction.
    public struct SortKey: Sendable, Equatable {
        /// The column (a metric, or a dimension).
        public var column: String
        /// Largest first.
        public var descending: Bool
        /// A key; metrics sort largest first unless told.
        public init(column: String, descending: Bool) {
            self.column = column
            self.descending = descending
        }
    }

    /// The earlier period `--compare` sets each bucket against.
    public enum Comparison: String, Sendable, CaseIterable {
        /// The preceding period of the same length: the previous hour, day, week or month, or for a
        /// total the same number of days before `--from`.
        case previous
        /// The same dates a year earlier (weeks: 52 weeks earlier, so weekdays line up).
        case year
    }

    /// A query with the defaults (viewershipAnalytics, total, US/Pacific, all time).
    public init() {}
}

/// What a column of an answer holds.
public enum ColumnKind: Sendable, Equatable {
    /// The bucket's label.
    case time
    /// A dimension's value.
    case dimension
    /// A sum of an additive count (it has a share of its bucket's total).
    case additive
    /// A metric computed from distinct counts (exact or a bound: see `viewersExact`).
    case viewers
    /// Any other number (ratios, gauges, row averages, comparisons).
    case number
}

/// One output value.
public enum ResultValue: Sendable, Hashable {
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
    /// What each column holds, in `columns` order.
    public var kinds: [ColumnKind] = []
    /// What the reader must know to read the answer right (a metric some reports lack...);
    /// the CLI prints them to stderr as "note: ...".
    public var notes: [String] = []
}

extension AggregateResult {
    /// Whether every viewer metric of row `r` is exact (the `viewersExact` column of CSV and JSON),
    /// or nil when the answer outputs no viewer metric.
    public func viewersExact(row r: Int) -> Bool? {
        guard kinds.contains(.viewers) else { return nil }
        for (c, kind) in kinds.enumerated() where kind == .viewers {
            if case .bound = rows[r][c] { return false }
        }
        return true
    }
}
