import ColanCore

/// `colan pull amagi-scheduled`: the v1 scheduled reports, one CSV download per period
/// (`/api/v1/download-reports/{scheduleId}/{from_date}`, the reference's section 6).
public struct AmagiScheduledPull: Sendable {
    /// How often the schedule produces a report.
    public enum Every: String, Sendable, CaseIterable {
        case daily, weekly, monthly
    }

    /// The API's address.
    public var baseURL = AmagiPull.defaultBaseURL
    /// The personal access token, sent as `x-access-token`.
    public var token: Secret
    /// The schedule's id (the Scheduled Reports page's first column).
    public var schedule: String
    /// How often it reports.
    public var every = Every.daily
    /// The first period's from-date (a Monday for weekly, a 1st for monthly), and the last day.
    public var from: Day?
    public var to: Day?
    /// Days before the last day held that are pulled again.
    public var lookback = 3
    /// The zone the schedule's times are in (set when the schedule was made; not in its URL).
    public var zone = "US/Pacific"

    /// A pull of `schedule` with `token`.
    public init(token: Secret, schedule: String) {
        self.token = token
        self.schedule = schedule
    }

    /// The request with the token header.
    public func authorize(_ request: HTTPRequest) -> HTTPRequest {
        var out = request
        out.headers.append((name: "x-access-token", value: token.value))
        return out
    }

    /// The periods to download: each one's from-date and last day, ending by `to` (default
    /// yesterday: a daily report of a day is made the next day; a week's on the next Monday; a
    /// month's on the next 1st).
    /// - Throws: `ColanError` for a from-date that does not start a period, or none known.
    public func plan(session: PullSession, today: Day) throws -> [PullJob] {
        let unit = percentEncoded(schedule) + "/" + every.rawValue
        if let from {
            switch every {
            case .weekly where from.weekday != 1:
                throw ColanError(.usage, "weekly reports start on Mondays; \(from) is not one")
            case .monthly where from.dayOfMonth != 1:
                throw ColanError(.usage, "monthly reports start on a month's first day; \(from) is not one")
            default: break
            }
        }
        guard var start = session.startDay(unit: unit, report: percentEncoded(schedule), from: from, lookback: lookback) else {
            throw ColanError(.usage, "nothing pulled yet for schedule \(schedule): the first pull needs --from YYYY-MM-DD")
        }
        let last = to ?? today.adding(-1)
        switch every {
        case .daily: break
        case .weekly: start = start.adding(-((start.weekday + 6) % 7))
        case .monthly: start = start.monthStart
        }
        var jobs: [PullJob] = []
        while true {
            let end: Day
            switch every {
            case .daily: end = start
            case .weekly: end = start.adding(6)
            case .monthly: end = start.nextMonthStart.adding(-1)
            }
            guard end <= last else { break }
            let address = baseURL + "/api/v1/download-reports/" + percentEncoded(schedule) + "/" + start.description
            let file = "\(start)_\(end).csv"
            let zone = self.zone
            jobs.append(PullJob(channel: schedule, label: "schedule \(schedule) \(start)..\(end)") { session in
                var planned = PlannedFetch(url: address, unit: unit, file: file, kinds: nil)
                planned.facts = [("timezone", zone)]
                try await session.keep(planned)
            })
            start = end.adding(1)
        }
        return jobs
    }
}
