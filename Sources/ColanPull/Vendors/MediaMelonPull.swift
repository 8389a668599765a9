import ColanCore
import FoundationEssentials

/// `colan pull mediamelon`: SmartSight's metrics query (`/mm-apis/qbrData/vod/{customerId}`) day
/// by day, paged by offset and limit until `pagecount` pages are read, and its alerts
/// (`/mm-apis/getAIAlerts/{customerId}`); authenticated by an API key header or by OAuth
/// (../shared/reference/mediamelon-smartsight-api.txt).
public struct MediaMelonPull: Sendable {
    /// How requests are authenticated.
    public enum Credentials: Sendable {
        /// `X-API-Key: KEY`.
        case apiKey(Secret)
        /// OAuth password grant for a bearer token, renewed with the refresh token.
        case password(user: String, password: Secret)
    }

    /// The vendor's address.
    public static let defaultBaseURL = "https://smartsight2.mediamelon.com"

    /// The API's address.
    public var baseURL = Self.defaultBaseURL
    /// The customer id (the SmartSight profile's).
    public var customer: String
    /// How requests are authenticated.
    public var credentials: Credentials
    /// The customer's plan level, when the account has one.
    public var planLevel: String?
    /// Metrics to query (comma-joined in the request).
    public var metrics: [String]
    /// The data dimension (`dimension=`: microscope, subscriber, ad, geo...).
    public var dimension: String?
    /// A breakdown beside time (`aggby=timestamp,DIM`).
    public var by: String?
    /// hour or day.
    public var granularity = "hour"
    /// First and last UTC day to pull (nil: continue from the store; yesterday).
    public var from: Day?
    public var to: Day?
    /// Days before the last day held that are pulled again.
    public var lookback = 3
    /// Also pull the alerts of the same days.
    public var alerts = false
    /// Records per page.
    public var pageLimit = 1000

    /// A pull of `customer`'s `metrics`.
    public init(customer: String, credentials: Credentials, metrics: [String]) {
        self.customer = customer
        self.credentials = credentials
        self.metrics = metrics
    }

    /// The secrets to keep out of every message.
    public var secrets: [Secret] {
        switch credentials {
        case .apiKey(let key): return [key]
        case .password(_, let password): return [password]
        }
    }

    /// The units: each UTC day's metrics (and alerts).
    public func plan(session: PullSession, today: Day) throws -> [PullJob] {
        var metricsUnit = "metrics/" + percentEncoded(customer) + "/" + percentEncoded(metrics.joined(separator: ",")) + "." + granularity
        if let dimension { metricsUnit += ".dimension=" + percentEncoded(dimension) }
        if let by { metricsUnit += ".by=" + percentEncoded(by) }
        let alertsUnit = "alerts/" + percentEncoded(customer)
        let last = to ?? today.adding(-1)
        var jobs: [PullJob] = []
        for (unit, isAlerts) in [(metricsUnit, false)] + (alerts ? [(alertsUnit, true)] : []) {
            guard let start = session.startDay(unit: unit, report: isAlerts ? "alerts" : "metrics", from: from, lookback: lookback) else {
                throw ColanError(.usage, "nothing pulled yet for \(unit): the first pull needs --from YYYY-MM-DD")
            }
            var day = start
            while day <= last {
                jobs.append(dayJob(day: day, unit: unit, alerts: isAlerts))
                day = day.adding(1)
            }
        }
        return jobs
    }

    func dayJob(day: Day, unit: String, alerts: Bool) -> PullJob {
        let start = day.utcMidnight, end = day.adding(1).utcMidnight - 1
        var parameters: [(String, String)] = []
        if let planLevel { parameters.append(("planlevel", planLevel)) }
        parameters.append(("period", "start=\(start),end=\(end)"))
        let path: String
        if alerts {
            path = "/mm-apis/getAIAlerts/" + percentEncoded(customer)
        } else {
            path = "/mm-apis/qbrData/vod/" + percentEncoded(customer)
            parameters += [("metrics", metrics.joined(separator: ",")), ("granularity", granularity),
                           ("aggby", (["timestamp"] + (by.map { [$0] } ?? [])).joined(separator: ","))]
            if let dimension { parameters.append(("dimension", dimension)) }
        }
        let base = baseURL + path
        let query = parameters
        let limit = pageLimit
        let label = (alerts ? "alerts " : "metrics ") + "\(customer) \(day)"
        return PullJob(channel: customer, label: label) { session in
            var page = 0
            while true {
                let address = url(base, query + [("limit", String(limit)), ("offset", String(page * limit))])
                let (body, reports) = try await session.keep(PlannedFetch(url: address, unit: unit, file: "\(day)_\(day).p\(page + 1).json",
                                                                          kinds: nil))
                let rows = reports.reduce(0) { $0 + $1.table.rowCount }
                let pages = JSONFields.of(body)?.int("pagecount")
                page += 1
                if body.isEmpty || rows == 0 || page >= 100_000 { return }
                if let pages { if page >= pages { return } } else if rows < limit { return }
            }
        }
    }
}

/// A SmartSight OAuth token, requested with the password grant, renewed with the refresh token
/// when it expires or a request gets a 401 (and requested again if the refresh is refused).
/// Kept in memory only.
public actor MediaMelonAuth {
    private let tokenURL: String
    private let user: String
    private let password: Secret
    private let fetcher: Fetcher
    private var access: Secret?
    private var refresh: Secret?
    private var expires: Double = 0

    /// Authentication for `user` against `baseURL`'s token endpoint.
    public init(baseURL: String, user: String, password: Secret, fetcher: Fetcher) {
        tokenURL = baseURL + "/generateOAuthToken"
        self.user = user
        self.password = password
        self.fetcher = fetcher
    }

    /// The request with a bearer token that is not about to expire.
    public func authorize(_ request: HTTPRequest) async throws -> HTTPRequest {
        if access == nil || Double(currentSeconds()) >= expires - 30 { try await renew() }
        var out = request
        out.headers.append((name: "Authorization", value: "Bearer " + (access?.value ?? "")))
        return out
    }

    /// After a 401 of `request` (as sent before `authorize`): a new token, unless another
    /// request renewed the refused one already, then the request with it.
    public func reauthorize(_ request: HTTPRequest, refused: String?) async throws -> HTTPRequest? {
        if refused == nil || refused == access?.value { access = nil }
        return try await authorize(request)
    }

    /// The bearer token a sent request carries.
    public static func bearer(of request: HTTPRequest) -> String? {
        request.headers.first { $0.name == "Authorization" }.map { String($0.value.dropFirst("Bearer ".count)) }
    }

    /// The renewal under way: requests that need a token meanwhile wait for it (the actor lets
    /// them in while it awaits the token endpoint) instead of each signing in again.
    private var renewing: Task<Void, Error>?

    private func renew() async throws {
        if let renewing { return try await renewing.value }
        let task = Task { try await self.renewNow() }
        renewing = task
        defer { renewing = nil }
        try await task.value
    }

    private func renewNow() async throws {
        if let refresh, let answer = try? await grant([("grant_type", "refresh_token"), ("refresh_token", refresh.value)]) {
            take(answer)
            return
        }
        take(try await grant([("grant_type", "password"), ("username", user), ("password", password.value)]))
    }

    private func grant(_ form: [(String, String)]) async throws -> JSONFields {
        let body = form.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        let request = HTTPRequest(.post, tokenURL, headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                                  body: Array(body.utf8))
        let response: HTTPResponse
        do {
            response = try await fetcher.fetch(request)
        } catch FetchFailure.refused(let status, let message) {
            throw FetchFailure.refused(status: status, message: "sign-in refused: \(message)")
        }
        guard let object = JSONFields.of(response.body), let token = object.strings["access_token"], !token.isEmpty else {
            throw FetchFailure.unusable("the token response holds no access_token")
        }
        return object
    }

    private func take(_ object: JSONFields) {
        access = Secret(object.strings["access_token"] ?? "")
        if let value = object.strings["refresh_token"], !value.isEmpty {
            refresh = Secret(value)
        }
        let seconds = object.numbers["expires_in"] ?? object.strings["expires_in"].flatMap { Double($0) } ?? 3600
        expires = Double(currentSeconds()) + seconds
    }
}
