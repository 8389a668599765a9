import ColanSupport

/// What a response reports, with the policy that follows from it. The manifest and the
/// segments record a kind by its raw value; a value this colan does not know is refused where
/// the manifest is read, never taken for another kind.
public enum ReportKind: String, Sendable, CaseIterable {
    // Amagi Analytics v2 (the `type` parameter) and v1 CSVs of the same reports.
    case viewershipAnalytics, contentAnalytics, adAnalytics, adContentAnalytics, uniqueViewersAnalytics, concurrentUsers
    /// Amagi's channel lists (channelId -> channelName), one kind per list.
    case viewershipChannels, adAnalyticsChannels
    /// MediaMelon SmartSight's metrics (`response` rows).
    case smartsight
    /// Any other JSON array of objects or CSV with a header.
    case generic
    /// A blank download (recorded in the manifest, holding no rows).
    case empty

    /// The family of metrics the vendor defines for a kind (`MetricDefinitions`) and the totals
    /// block its responses carry (`colan verify`).
    public enum Family: Sendable {
        /// Viewers, sessions and minutes, with their averages.
        case viewership
        /// The ad funnel and its conversion rate.
        case adFunnel
    }

    /// The kind's family, or nil for kinds whose numeric columns each show as themselves.
    public var family: Family? {
        switch self {
        case .viewershipAnalytics, .contentAnalytics: .viewership
        case .adAnalytics, .adContentAnalytics: .adFunnel
        default: nil
        }
    }

    /// Whether its rows are levels at instants (concurrent users): peaks and averages over time,
    /// never sums; its times are UTC instants whatever zone the import is told.
    public var isGauge: Bool { self == .concurrentUsers }

    /// Whether it is a channel list, not a report of numbers.
    public var isChannelList: Bool { self == .viewershipChannels || self == .adAnalyticsChannels }

    /// Whether its responses' headline is the exact distinct viewers of the requested period,
    /// with rows one interval finer (`ReportInterval.finer`).
    public var hasPeriodHeadline: Bool { self == .uniqueViewersAnalytics }

    /// The kind whose exact distinct counts also answer this kind's unique viewers (a viewership
    /// query takes the unique-viewers reports' headlines).
    public var exactViewersAlsoFrom: ReportKind? { self == .viewershipAnalytics ? .uniqueViewersAnalytics : nil }

    /// Whether `colan agg --report` names a kind colan reads (to tell "none imported yet" from a typo).
    public var isQueryable: Bool { !isChannelList && self != .empty }

    /// The Amagi v2 report kinds.
    public static let amagi: [ReportKind] = [.viewershipAnalytics, .contentAnalytics, .concurrentUsers, .adAnalytics, .adContentAnalytics,
                                             .uniqueViewersAnalytics]

    /// The kind recorded as `text`.
    /// - Throws: a `ColanError` naming `place` for a kind this colan does not know.
    public static func recorded(_ text: String, at place: String) throws -> ReportKind {
        guard let kind = ReportKind(rawValue: text) else {
            throw ColanError(.store, "\(place) names report kind '\(text)', which this colan does not know",
                             hint: "written by a newer colan? known: " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return kind
    }
}

/// The interval of a report's rows, as the manifest and the segments record it.
public enum ReportInterval: String, Sendable, CaseIterable {
    /// Points in time (concurrent users, a minute apart).
    case instant = "INSTANT"
    case hourly = "HOURLY"
    case daily = "DAILY"
    case weekly = "WEEKLY"
    case monthly = "MONTHLY"
    /// Rows without time (channel lists).
    case none = "NONE"

    /// The intervals ordered by length, for comparing with query buckets; nil for no time.
    public var rank: Int? {
        switch self {
        case .instant: 0
        case .hourly: 1
        case .daily: 2
        case .weekly: 3
        case .monthly: 4
        case .none: nil
        }
    }

    /// The interval of the rows that break a period of this interval down (a unique-viewers
    /// response: a day's 24 hours, a week's or a month's days).
    public var finer: ReportInterval? {
        switch self {
        case .daily: .hourly
        case .weekly, .monthly: .daily
        default: nil
        }
    }

    /// The days a period of this interval spans, from its first: a day 1, a week 7; nil when
    /// it varies (a month) or is not a period of days.
    public var days: Int? {
        switch self {
        case .daily: 1
        case .weekly: 7
        default: nil
        }
    }
}
