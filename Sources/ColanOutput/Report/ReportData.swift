import ColanEngine

/// What `colan report` shows, every figure an `AggregateEngine` answer (the same engine as
/// `colan agg`, so the page and `agg` never disagree): gathered by `ReportData.gather`, drawn by
/// `ReportPage`. Each section is nil (left out) when the store holds no report it needs.
public struct ReportData: Sendable {
    /// What the report was asked for.
    public struct Request: Sendable {
        /// The store folder.
        public var store: String
        /// First and last local date (YYYY-MM-DD); nil: the last 28 days the store holds.
        public var from: String?
        /// See `from`.
        public var to: String?
        /// The zone of the days and hours.
        public var zone = "US/Pacific"
        /// `--where` filters: a dimension and the values it may take.
        public var filters: [String: [String]] = [:]
        /// The page's title.
        public var title: String?
        /// Recent days that a re-pull may still change (the vendor revises them).
        public var repullDays = 3

        /// A request for `store` with the defaults.
        public init(store: String) { self.store = store }
    }

    /// A KPI card: a figure, its previous period's, and whether it is exact.
    public struct Figure: Sendable {
        /// The metric's name (`agg`'s column).
        public var name: String
        /// Its value over the range, in the previous period, and the change in percent.
        public var value: ResultValue
        /// See `value`.
        public var previous: ResultValue
        /// See `value`.
        public var change: ResultValue
    }

    /// A series of values over the days of the range (nil: no value that day).
    public struct Series: Sendable {
        /// What the series counts (a device type, "other", the previous period).
        public var name: String
        /// One value per day of the range.
        public var values: [Double?]
    }

    /// A ranked breakdown: the `agg --sort ... --limit ... --share` answer for one dimension.
    public struct Ranking: Sendable {
        /// The section's title.
        public var title: String
        /// The engine's answer, sorted, limited and with shares.
        public var result: AggregateResult
    }

    /// One line of the coverage grid: a report kind and channel, and which days hold data.
    public struct Coverage: Sendable {
        /// The report kind.
        public var report: String
        /// The channel, or "all" (any data of the kind).
        public var channel: String
        /// Whether each day of the range holds data.
        public var days: [Bool]
    }

    /// What was asked for.
    public var request: Request
    /// The range shown, as local day numbers.
    public var days: ClosedRange<Int64>
    /// The KPI cards (viewership, concurrency).
    public var figures: [Figure] = []
    /// Daily minutes by the breakdown dimension (at most 7 series and "other"), with the dimension's name.
    public var dailyMinutes: (dimension: String, series: [Series], previous: Series)?
    /// Minutes by weekday (0 = Monday) and hour, in the zone.
    public var heatMap: [[Double]]?
    /// Peak concurrent users per hour (UTC instants as labels in the zone).
    public var concurrency: (labels: [String], max: [Double], average: [Double])?
    /// Top content, and top values of other dimensions.
    public var rankings: [Ranking] = []
    /// The ad funnel's totals and conversion rate.
    public var funnel: (steps: [(name: String, value: Int64)], conversionRate: ResultValue)?
    /// Which days hold data, per report kind and channel.
    public var coverage: [Coverage] = []
    /// The day of the newest data in the store (for the re-pull window).
    public var newestDay: Int64?
    /// Notes the queries carried.
    public var notes: [String] = []
}
