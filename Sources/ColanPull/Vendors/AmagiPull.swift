import ColanCore
import FoundationEssentials

/// `colan pull amagi`: the Amagi Analytics API v2 (../shared/reference/amagi-analytics-api-v2.txt),
/// planned as units of requests the API accepts (docs/PULL.md).
public struct AmagiPull: Sendable {
    /// The reports a pull can ask for, by their `--reports` names.
    public enum Report: String, Sendable, CaseIterable {
        case viewership, content, ad, adContent, unique, concurrent

        /// The API's `type` parameter, which is also the report kind colan stores.
        public var type: String {
            switch self {
            case .viewership: return "viewershipAnalytics"
            case .content: return "contentAnalytics"
            case .ad: return "adAnalytics"
            case .adContent: return "adContentAnalytics"
            case .unique: return "uniqueViewersAnalytics"
            case .concurrent: return "concurrentUsers"
            }
        }

        /// Whether the API pages it (`page`, `limit`, a row count beside the rows).
        var paged: Bool { self == .content || self == .adContent }
        /// Whether it takes the dimension filters (`--split`).
        var splittable: Bool { self != .unique && self != .concurrent }
        /// Whether it takes `interval=DAILY|HOURLY`.
        var hasInterval: Bool { self == .viewership || self == .content }
        /// Whether its channels are the channel list's ad channels.
        var isAd: Bool { self == .ad || self == .adContent }
    }

    /// The vendor's address.
    public static let defaultBaseURL = "https://api-analytics.amagi.tv"
    /// The most days one request may span.
    public static let maxSpanDays = 30

    /// The API's address (tests give a server on 127.0.0.1).
    public var baseURL = Self.defaultBaseURL
    /// The personal access token, sent as `x-access-token`.
    public var token: Secret
    /// First and last day to pull (nil: continue from the store; yesterday in `zone`).
    public var from: Day?
    public var to: Day?
    /// Days before the last day held that are pulled again.
    public var lookback = 3
    /// Channel ids, or nil for every channel of the channel list.
    public var channels: [String]?
    /// Pull customer-wide (`customerId=`) instead of per channel, when no channels are given.
    public var customer: String?
    /// The reports to pull.
    public var reports: [Report] = Report.allCases
    /// DAILY or HOURLY (viewership and content).
    public var interval = "DAILY"
    /// Unique viewers' periods: DAILY, WEEKLY (Sunday to Saturday), MONTHLY.
    public var uniquePeriods = ["DAILY"]
    /// The API's zone: US/Pacific, US/Eastern or Universal.
    public var zone = "US/Pacific"
    /// Dimension filters to pull one slice per value of (several: every combination).
    public var splits: [(dimension: String, values: [String])] = []
    /// Rows per page of content analytics.
    public var pageLimit = 500
    /// Hours of concurrent users to ask for (1, 12 or 24).
    public var concurrentHours = 24

    /// A pull with `token`.
    public init(token: Secret) { self.token = token }

    /// The zones the API takes.
    public static let zones = ["US/Pacific", "US/Eastern", "Universal"]

    /// Headers for every request.
    /// The request with the token header.
    public func authorize(_ request: HTTPRequest) -> HTTPRequest {
        var out = request
        out.headers.append((name: "x-access-token", value: token.value))
        return out
    }

    /// The channel list: (viewership channels, ad channels), each id with its name, in order.
    /// The list is kept and imported too (it names the channels: `channelName`).
    public func channelList(session: PullSession) async throws -> (viewership: [String], ad: [String]) {
        let now = currentSeconds()
        let planned = PlannedFetch(url: baseURL + "/api/v2/channelList", unit: "channelList",
                                   file: String(CivilTime.format(now).prefix(10)) + ".json", kinds: Set(Catalog.channelListKinds))
        let body = session.isDryRun ? try await session.peek(planned) : try await session.keep(planned).body
        guard let list = try? JSONDecoder().decode(ChannelList.self, from: Data(body)) else {
            throw FetchFailure.unusable("the channel list is not a JSON object of channel lists")
        }
        return ((list.viewershipChannels ?? []).compactMap(\.channelId), (list.adAnalyticsChannels ?? []).compactMap(\.channelId))
    }

    /// The units of the pull. `viewershipChannels`/`adChannels`: the channel list's, when every
    /// channel is asked for.
    /// - Throws: `ColanError` when no start day is known (the store holds nothing and no --from).
    public func plan(session: PullSession, viewershipChannels: [String], adChannels: [String], today: Day) throws -> [PullJob] {
        let last = to ?? today.adding(-1)
        var jobs: [PullJob] = []
        let slices = Self.slices(splits)
        var unknownStart: [String] = []
        for report in reports {
            let scopes: [(param: String, value: String)]
            if let channels {
                scopes = channels.map { ("channelId", $0) }
            } else if let customer {
                scopes = [("customerId", customer)]
            } else {
                scopes = (report.isAd ? adChannels : viewershipChannels).map { ("channelId", $0) }
            }
            for scope in scopes {
                if report == .concurrent {
                    jobs.append(concurrentJob(scope: scope))
                    continue
                }
                let periods = report == .unique ? uniquePeriods : [report.hasInterval ? interval : "DAILY"]
                for period in periods {
                    for slice in report.splittable ? slices : [[]] {
                        let unit = Self.unit(report: report, period: period, zone: zone, scope: scope, slice: slice)
                        guard let start = session.startDay(unit: unit, report: report.type, from: from, lookback: lookback) else {
                            unknownStart.append(unit)
                            continue
                        }
                        let spans = report == .unique ? Self.periods(period, from: start, to: last)
                                                      : Day.spans(from: start, to: last, days: Self.maxSpanDays)
                        for (first, end) in spans {
                            jobs.append(rangeJob(report: report, period: period, scope: scope, slice: slice, unit: unit, first: first, last: end))
                        }
                    }
                }
            }
        }
        if !unknownStart.isEmpty {
            throw ColanError(.usage, "nothing pulled yet for \(unknownStart.count) report slice(s) (e.g. \(unknownStart[0])): "
                             + "the first pull needs --from YYYY-MM-DD")
        }
        return jobs
    }

    /// A `--split DIM[=V1,V2...]`: the filter and its values (without values, the values the
    /// reference lists for deviceType, deviceName and country).
    /// - Throws: `ColanError` for a filter the API does not take, or one without listed values.
    public static func parseSplit(_ text: String) throws -> (dimension: String, values: [String]) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let dimension = parts.first ?? ""
        guard AmagiValues.filters.contains(dimension), dimension != "channelId" else {
            throw ColanError(.usage, "--split takes one of the API's filters, not '\(dimension)'",
                             hint: "filters: " + AmagiValues.filters.filter { $0 != "channelId" }.joined(separator: ", "))
        }
        if parts.count == 2 {
            let values = parts[1].split(separator: ",").map(String.init).filter { !$0.isEmpty }
            guard !values.isEmpty else { throw ColanError(.usage, "--split \(dimension)= needs at least one value") }
            return (dimension, values)
        }
        guard let listed = AmagiValues.listed(dimension) else {
            throw ColanError(.usage, "the API lists no values of \(dimension): give them, e.g. --split \(dimension)=A,B")
        }
        return (dimension, listed)
    }

    /// The folder a unit's responses are kept in: report, interval and zone, scope, slice.
    static func unit(report: Report, period: String, zone: String, scope: (param: String, value: String),
                     slice: [(String, String)]) -> String {
        var parts = [report.type, period + "." + percentEncoded(zone), scope.param + "=" + percentEncoded(scope.value)]
        parts += slice.map { $0.0 + "=" + percentEncoded($0.1) }
        return parts.joined(separator: "/")
    }

    /// Every combination of the splits' values, dimensions in the order given.
    static func slices(_ splits: [(dimension: String, values: [String])]) -> [[(String, String)]] {
        var out: [[(String, String)]] = [[]]
        for split in splits {
            out = out.flatMap { prefix in split.values.map { prefix + [(split.dimension, $0)] } }
        }
        return out
    }

    /// The unique-viewers periods that end by `to` and contain a day from `from` on: days;
    /// weeks Sunday to Saturday; calendar months.
    static func periods(_ period: String, from: Day, to: Day) -> [(Day, Day)] {
        var out: [(Day, Day)] = []
        switch period {
        case "WEEKLY":
            var start = from.adding(-from.weekday)
            while start.adding(6) <= to {
                out.append((start, start.adding(6)))
                start = start.adding(7)
            }
        case "MONTHLY":
            var start = from.monthStart
            while start.nextMonthStart.adding(-1) <= to {
                out.append((start, start.nextMonthStart.adding(-1)))
                start = start.nextMonthStart
            }
        default:
            var day = from
            while day <= to {
                out.append((day, day))
                day = day.adding(1)
            }
        }
        return out
    }

    /// One date range of one report, scope and slice; content analytics page by page.
    func rangeJob(report: Report, period: String, scope: (param: String, value: String), slice: [(String, String)],
                  unit: String, first: Day, last: Day) -> PullJob {
        var parameters: [(String, String)] = [("type", report.type), ("startDate", first.description), ("endDate", last.description)]
        if report.hasInterval || report == .unique { parameters.append(("interval", period)) }
        if period == "HOURLY" { parameters += [("startTime", "00:00"), ("endTime", "23:00")] }
        parameters.append((scope.param, scope.value))
        parameters += slice
        parameters.append(("timezone", zone))
        let range = "\(first)_\(last)"
        let query = parameters
        let label = "\(report.type) \(scope.value)\(slice.map { " \($0.0)=\($0.1)" }.joined()) \(first)..\(last)"
        let base = baseURL + "/api/v2"
        let limit = pageLimit
        return PullJob(channel: scope.value, label: label) { session in
            guard report.paged else {
                try await session.keep(PlannedFetch(url: url(base, query), unit: unit, file: range + ".json", kinds: [report.type]))
                return
            }
            var page = 1
            var rows = 0
            while true {
                let pageURL = url(base, query + [("page", String(page)), ("limit", String(limit))])
                let (body, reports) = try await session.keep(PlannedFetch(url: pageURL, unit: unit, file: "\(range).p\(page).json",
                                                                          kinds: [report.type]))
                let pageRows = reports.reduce(0) { $0 + $1.table.rowCount }
                rows += pageRows
                // The response's count of rows (contentCount, adContentCount) is the whole query's.
                let fields = JSONFields.of(body)
                let count = fields?.int("contentCount") ?? fields?.int("adContentCount")
                if body.isEmpty || pageRows == 0 || pageRows < limit || (count.map { rows >= $0 } ?? false) || page >= 100_000 { return }
                page += 1
            }
        }
    }

    /// The last `concurrentHours` hours of concurrent users (the API keeps no more): kept under
    /// the time of the pull, their minutes replacing those an earlier pull kept.
    func concurrentJob(scope: (param: String, value: String)) -> PullJob {
        let parameters = [("type", "concurrentUsers"), ("hoursLimit", String(concurrentHours)), (scope.param, scope.value)]
        let unit = [Report.concurrent.type, scope.param + "=" + percentEncoded(scope.value)].joined(separator: "/")
        let base = baseURL + "/api/v2"
        let now = currentSeconds()
        let file = compactUTC(now) + ".json"
        return PullJob(channel: scope.value, label: "concurrentUsers \(scope.value) last \(concurrentHours) h") { session in
            try await session.keep(PlannedFetch(url: url(base, parameters), unit: unit, file: file, kinds: ["concurrentUsers"]))
        }
    }
}
