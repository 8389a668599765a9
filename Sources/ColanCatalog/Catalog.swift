import ColanColumns

/// What colan knows about the vendors' field names: which are times,
/// dimensions and metrics, and each metric's kind (docs/METRICS.md lists them).
/// Unknown fields are still imported, typed by inference, with the role
/// `attribute` (numbers) or `dimension` (strings).
public enum Catalog {
    /// One known field.
    public struct Field: Sendable {
        /// The canonical name columns are stored under.
        public var name: String
        /// Its role.
        public var role: ColumnRole
        /// Other spellings seen in exports (matched leniently, see `normalize`).
        public var aliases: [String]
    }

    /// The time field of report rows.
    public static let timeFields: [Field] = [
        Field(name: "time", role: .time, aliases: ["date", "datetime", "timestamp", "hour", "day", "interval"]),
    ]

    /// The dimensions the vendors filter and break down by.
    public static let dimensionFields: [Field] = [
        Field(name: "channelId", role: .dimension, aliases: ["channel", "channel_id"]),
        Field(name: "channelName", role: .dimension, aliases: []),
        Field(name: "customerId", role: .dimension, aliases: ["customer", "customer_id"]),
        Field(name: "country", role: .dimension, aliases: ["countryName"]),
        Field(name: "city", role: .dimension, aliases: ["cityName"]),
        Field(name: "region", role: .dimension, aliases: ["state"]),
        Field(name: "deviceName", role: .dimension, aliases: ["device"]),
        Field(name: "deviceType", role: .dimension, aliases: ["platform"]),
        Field(name: "studioName", role: .dimension, aliases: ["studio"]),
        Field(name: "contentId", role: .dimension, aliases: ["content", "content_id"]),
        Field(name: "contentName", role: .dimension, aliases: ["title", "contentTitle"]),
        Field(name: "seriesName", role: .dimension, aliases: ["series"]),
        Field(name: "adTag", role: .dimension, aliases: ["ad_tag"]),
    ]

    /// The metrics, with their kinds (see DESIGN.md "Metrics have kinds").
    public static let metricFields: [Field] = [
        Field(name: "numberOfSession", role: .metric(.additive), aliases: ["numberOfSessions", "sessions", "sessionCount", "noOfSessions"]),
        Field(name: "viewershipMinutes", role: .metric(.additive), aliases: ["viewershipMinute", "minutesWatched", "watchMinutes", "totalMinutes"]),
        Field(name: "uniqueViewers", role: .metric(.distinctCount), aliases: ["uniqueViewer", "uniqueUsers", "viewers", "numberOfViewers"]),
        Field(name: "concurrentUsers", role: .metric(.gauge), aliases: ["concurrentViewers", "concurrentUser", "concurrency"]),
        Field(name: "adOpportunities", role: .metric(.additive), aliases: ["adOpportunitiesDetected", "opportunities"]),
        Field(name: "adRequests", role: .metric(.additive), aliases: ["adRequestsSent", "requests"]),
        Field(name: "adResponses", role: .metric(.additive), aliases: ["adResponsesReceived", "responses"]),
        Field(name: "adAssets", role: .metric(.additive), aliases: ["adAssetsReceived", "assets"]),
        Field(name: "impressions", role: .metric(.additive), aliases: ["adImpressions", "impressionsRecorded"]),
        Field(name: "avgSessionDuration", role: .metric(.derived), aliases: ["averageSessionDuration"]),
        Field(name: "avgSessionPerViewer", role: .metric(.derived), aliases: ["averageSessionPerViewer"]),
        Field(name: "conversionRate", role: .metric(.derived), aliases: []),
        Field(name: "sessionPerViewer", role: .metric(.derived), aliases: []),
        Field(name: "sessionDurationPerViewer", role: .metric(.derived), aliases: []),
        Field(name: "fillRate", role: .metric(.derived), aliases: []),
        Field(name: "eCPM", role: .metric(.derived), aliases: ["ecpm"]),
    ]

    /// Amagi v2 report kinds, by the `type` query parameter and the response's array key.
    public static let amagiReportKinds = ReportKind.amagi.map(\.rawValue)

    /// The keys Amagi v2 responses hold their rows under, and the report kind each means: the
    /// reference's keys (named after the `type` parameter) and those real responses use
    /// (../shared/reference/amagi-real-shapes.md).
    public static let amagiRowKeys: [(key: String, kind: String)] = [
        ("viewershipAnalytics", "viewershipAnalytics"),
        ("contentAnalytics", "contentAnalytics"), ("contentData", "contentAnalytics"),
        ("adAnalytics", "adAnalytics"),
        ("adContentAnalytics", "adContentAnalytics"), ("adContentData", "adContentAnalytics"),
        ("concurrentUsers", "concurrentUsers"),
        ("uniqueViewersAnalytics", "uniqueViewersAnalytics"), ("uniqueViewerAnalytics", "uniqueViewersAnalytics"),
    ]

    /// The Amagi channel lists' keys, which are also their report kinds (channelId -> channelName).
    public static let channelListKinds = ReportKind.allCases.filter(\.isChannelList).map(\.rawValue)

    /// A unique-viewers response's headline keys (`weeklyUniqueViewers`...): the exact distinct
    /// count of the whole requested period, by the interval the request asked for.
    public static let uniqueViewersHeadlines: [(key: String, interval: String)] = [
        ("dailyUniqueViewers", "DAILY"), ("weeklyUniqueViewers", "WEEKLY"), ("monthlyUniqueViewers", "MONTHLY"),
    ]

    /// Fields a report kind names its own way (normalized name -> canonical name): real concurrent
    /// users responses call the gauge `viewerCount`, a name other sources use for other counts.
    public static let kindFields: [String: [String: String]] = [
        "concurrentUsers": ["viewercount": "concurrentUsers"],
    ]

    /// Dimensions that describe another (a content's name, studio and series describe its id): in a
    /// report that holds both, they do not make its slice finer, so `--by contentId` over content
    /// rows that also carry contentName is still at the rows' own grain.
    public static let describingDimensions: [String: String] = [
        "contentName": "contentId", "studioName": "contentId", "seriesName": "contentId", "channelName": "channelId",
    ]

    /// `dimensions` without those that describe another one of them (see `describingDimensions`).
    public static func slicing(_ dimensions: Set<String>) -> Set<String> {
        dimensions.filter { describingDimensions[$0].map { !dimensions.contains($0) } ?? true }
    }

    /// Every dimension name colan knows.
    public static var dimensionNames: [String] { dimensionFields.map(\.name) }

    /// Lower-case letters and digits only: "Viewership Minutes", "viewership_minutes"
    /// and "viewershipMinutes" all become "viewershipminutes".
    public static func normalize(_ name: String) -> String {
        // ASCII names (nearly all) byte by byte: Unicode property lookups cost microseconds per name.
        if name.utf8.allSatisfy({ $0 < 128 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(name.utf8.count)
            for b in name.utf8 {
                if b >= 65 && b <= 90 { bytes.append(b + 32) } else if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) { bytes.append(b) }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            .flatMap { $0.properties.lowercaseMapping.unicodeScalars }))
    }

    private static let index: [String: Field] = {
        var map: [String: Field] = [:]
        for field in timeFields + dimensionFields + metricFields {
            for alias in [field.name] + field.aliases where map[normalize(alias)] == nil {
                map[normalize(alias)] = field
            }
        }
        return map
    }()

    /// Canonical names spelled exactly (JSON keys usually are): found without normalizing.
    /// Only names whose normalized form leads to the same field, so the result never differs.
    private static let exact: [String: Field] = {
        var map: [String: Field] = [:]
        for field in timeFields + dimensionFields + metricFields where index[normalize(field.name)]?.name == field.name {
            map[field.name] = field
        }
        return map
    }()

    /// The catalog field a header or key stands for, matched leniently. A metric's name with a
    /// `total` prefix is that metric (ad content rows say "totalImpressionsRecorded", content rows
    /// "totalSessions"): a row's total of a count is the count.
    public static func field(named name: String) -> Field? {
        if let f = exact[name] { return f }
        let key = normalize(name)
        if let f = index[key] { return f }
        guard key.hasPrefix("total"), let f = index[String(key.dropFirst(5))], case .metric = f.role else { return nil }
        return f
    }

    /// The canonical dimension name for `name`, if it is a known dimension.
    public static func dimension(named name: String) -> String? {
        guard let f = field(named: name), f.role == .dimension else { return nil }
        return f.name
    }
}
