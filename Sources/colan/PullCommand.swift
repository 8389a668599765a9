import ArgumentParser
import ColanCore
import ColanPull
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `colan pull VENDOR`: fetch reports from a vendor's API into the store (docs/PULL.md).
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch reports from the vendors' APIs into the store (for cron: see docs/PULL.md).",
        discussion: """
            Each response is checked as `colan import` reads it, kept compressed in STORE/raw with \
            its request URL (never a token), and imported through the same all-or-nothing import \
            (re-pulled days replace what the store held; a response already held changes nothing). \
            Without --from, a pull continues from the last day the store holds for each report, \
            channel and slice, re-pulling the last --lookback days.
            """,
        subcommands: [PullAmagi.self, PullAmagiScheduled.self, PullMediaMelon.self]
    )
}

/// Options every `colan pull` takes.
struct PullCommonOptions: ParsableArguments {
    @Option(help: "The store folder (default: $COLAN_STORE, else ./colan-store).")
    var store: String?

    @Option(help: ArgumentHelp("First day to pull (default: continue from the store).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last day to pull (default: yesterday).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: "Days before the last day held that are pulled again (the vendor revises recent days).")
    var lookback: Int = 3

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 4

    @Option(help: "Seconds allowed for one response.")
    var timeout: Double = 120

    @Option(help: "Attempts per request (timeouts, connection errors, 429 and 5xx are retried).")
    var attempts: Int = 5

    @Option(help: "Seconds the first retry waits at most (doubling each time, with jitter; Retry-After is honoured).")
    var retryDelay: Double = 2

    @Flag(help: "List the requests that would be sent (credentials as ***), send none.")
    var dryRun = false

    @Flag(help: "Print nothing but errors and the summary line of a failed run (for cron).")
    var quiet = false

    func day(_ text: String?, _ option: String) throws -> Day? {
        guard let text else { return nil }
        guard let day = Day(text) else { throw ColanError(.usage, "\(option) takes YYYY-MM-DD, not '\(text)'") }
        return day
    }

    func validate() throws {
        guard lookback >= 0 else { throw ValidationError("--lookback must be 0 or more") }
        guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be 1 to 64") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard attempts >= 1 else { throw ValidationError("--attempts must be 1 or more") }
        guard retryDelay >= 0 else { throw ValidationError("--retry-delay must be 0 or more") }
    }

    var policy: RetryPolicy {
        var policy = RetryPolicy()
        policy.attempts = attempts
        policy.baseDelay = retryDelay
        policy.timeout = timeout
        return policy
    }

    /// Runs a pull: the session, its jobs, progress and the summary; exit 1 when anything failed.
    func execute(vendor: String, secrets: [Secret], zone: String,
                 authorize: @escaping @Sendable (Fetcher) -> (@Sendable (HTTPRequest) async throws -> HTTPRequest),
                 reauthorize: (@Sendable (Fetcher) -> (@Sendable (HTTPRequest, HTTPRequest) async throws -> HTTPRequest?))? = nil,
                 plan: @escaping @Sendable (PullSession) async throws -> [PullJob]) throws {
        let watch = Stopwatch()
        let storePath = Store.defaultPath(store)
        let redact = Redactor(secrets)
        let quiet = self.quiet
        let showProgress = !quiet && isatty(2) != 0
        let transport = AsyncHTTPTransport(connectTimeout: min(timeout, 30))
        let fetcher = Fetcher(transport: transport, policy: policy, concurrency: concurrency) { reason, wait in
            if !quiet { printError(redact("colan: retrying in \(formatSeconds(wait)) s: \(reason)")) }
        }
        var options = ImportOptions()
        options.zone = zone
        let importOptions = options
        let concurrency = self.concurrency
        let dryRun = self.dryRun
        let outcome: Result<PullSummary, Error> = blockingWait {
            let result = await Self.pull(storePath: storePath, vendor: vendor, fetcher: fetcher, redact: redact, importOptions: importOptions,
                                         dryRun: dryRun, concurrency: concurrency, showProgress: showProgress,
                                         authorize: authorize, reauthorize: reauthorize, plan: plan)
            await transport.shutdown()
            return result
        }
        let summary: PullSummary
        switch outcome {
        case .success(let value): summary = value
        case .failure(let error as ColanError):
            throw ColanError(error.stage, redact(error.message), file: error.file, location: error.location, hint: error.hint)
        case .failure(let error): throw ColanError(.store, redact("\(error)"))
        }
        if dryRun {
            for line in summary.planned { print(line) }
            if !quiet { print("dry run: \(summary.planned.count) requests, none sent") }
        } else if !quiet || !summary.failures.isEmpty {
            var line = "pulled \(summary.fetched) responses (\(summary.bytes) bytes"
            if summary.unchanged > 0 { line += ", \(summary.unchanged) already in the store" }
            line += ") into \(storePath) in \(formatSeconds(watch.seconds)) s: \(summary.rowsAdded) rows added"
            if summary.rowsReplaced > 0 { line += ", \(summary.rowsReplaced) replaced" }
            if !summary.failures.isEmpty { line += "; \(summary.failures.count) failed" }
            if summary.skipped > 0 { line += ", \(summary.skipped) skipped (channel stopped)" }
            if summary.failures.isEmpty { print(line) } else { printError("colan: " + line) }
        }
        for failure in summary.failures { printError("colan: failed: \(failure)") }
        if !summary.failures.isEmpty { throw Reported() }
    }

    /// The pull itself, on the concurrency pool: the session, recovery, the plan, the units.
    private static func pull(storePath: String, vendor: String, fetcher: Fetcher, redact: Redactor, importOptions: ImportOptions,
                             dryRun: Bool, concurrency: Int, showProgress: Bool,
                             authorize: @Sendable (Fetcher) -> (@Sendable (HTTPRequest) async throws -> HTTPRequest),
                             reauthorize: (@Sendable (Fetcher) -> (@Sendable (HTTPRequest, HTTPRequest) async throws -> HTTPRequest?))?,
                             plan: @Sendable (PullSession) async throws -> [PullJob]) async -> Result<PullSummary, Error> {
        do {
            let session = try PullSession(store: storePath, vendor: vendor, fetcher: fetcher, redact: redact,
                                          importOptions: importOptions, dryRun: dryRun,
                                          authorize: authorize(fetcher), reauthorize: reauthorize?(fetcher))
            try session.recoverUncommitted()
            let jobs: [PullJob]
            do {
                jobs = try await plan(session)
            } catch let failure as FetchFailure {
                session.fail("planning: \(failure)")
                return .success(session.currentSummary)
            }
            let summary = await session.run(jobs, concurrency: concurrency) { done, total in
                if showProgress { Progress.draw(done: done, total: total, unit: "units") }
            }
            if showProgress { Progress.clear() }
            return .success(summary)
        } catch {
            return .failure(error)
        }
    }
}

/// Runs `body` on the concurrency pool and waits for it on this (the main) thread.
func blockingWait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Carries `blockingWait`'s result from the task to the waiting thread (the semaphore orders the two).
private final class BlockingBox<T>: @unchecked Sendable {
    var value: T?
}

/// `colan pull amagi`: Amagi Analytics API v2.
struct PullAmagi: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amagi",
        abstract: "Pull Amagi Analytics API v2 reports (channel list, viewership, content, ad, ad content, unique viewers, concurrent users).",
        discussion: """
            The token comes from --token-file or $AMAGI_TOKEN and is sent only as the x-access-token \
            header. --split deviceType pulls one slice per device type the API lists (deviceName and \
            country too); --split country=Canada,Mexico one per value given; several --split options \
            pull every combination. Requests span at most 30 days; content is read page by page; \
            unique viewers period by period; concurrent users for the last 24 hours.
            """
    )

    @OptionGroup var common: PullCommonOptions

    @Option(help: ArgumentHelp("A file holding the personal access token (else $AMAGI_TOKEN).", valueName: "FILE"))
    var tokenFile: String?

    @Option(help: "The API's address.")
    var baseURL: String = AmagiPull.defaultBaseURL

    @Option(help: ArgumentHelp("'all' (the channel list's) or channel ids.", valueName: "all|ID[,ID...]"))
    var channels: String?

    @Option(help: ArgumentHelp("Pull customer-wide (customerId=) instead of per channel.", valueName: "ID"))
    var customer: String?

    @Option(help: ArgumentHelp("Reports to pull.", valueName: "viewership,content,ad,adContent,unique,concurrent"))
    var reports: String = "viewership,content,ad,adContent,unique,concurrent"

    @Option(help: "DAILY or HOURLY rows for viewership and content.")
    var interval: String = "DAILY"

    @Option(help: ArgumentHelp("Unique viewers' periods.", valueName: "DAILY,WEEKLY,MONTHLY"))
    var uniquePeriods: String = "DAILY"

    @Option(help: "The API's zone: US/Pacific, US/Eastern or Universal.")
    var tz: String = "US/Pacific"

    @Option(help: ArgumentHelp("Pull one slice per value of a filter (repeatable).", valueName: "DIM[=V1,V2...]"))
    var split: [String] = []

    @Option(help: "Rows per page of content analytics.")
    var pageLimit: Int = 500

    func run() throws {
        try runReportingErrors { try pull() }
    }

    private func pull() throws {
        let token = try Secret.load(file: tokenFile, variable: "AMAGI_TOKEN", option: "--token-file")
        var pull = AmagiPull(token: token)
        pull.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        pull.from = try common.day(common.from, "--from")
        pull.to = try common.day(common.to, "--to")
        pull.lookback = common.lookback
        guard AmagiPull.zones.contains(tz) else { throw ColanError(.usage, "--tz must be one of " + AmagiPull.zones.joined(separator: ", ")) }
        pull.zone = tz
        guard ["DAILY", "HOURLY"].contains(interval.uppercased()) else { throw ColanError(.usage, "--interval must be DAILY or HOURLY") }
        pull.interval = interval.uppercased()
        pull.uniquePeriods = try uniquePeriods.split(separator: ",").map { period in
            let p = period.uppercased()
            guard ["DAILY", "WEEKLY", "MONTHLY"].contains(p) else { throw ColanError(.usage, "--unique-periods takes DAILY, WEEKLY, MONTHLY, not '\(period)'") }
            return p
        }
        pull.reports = try reports.split(separator: ",").map { name in
            guard let report = AmagiPull.Report(rawValue: String(name)) else {
                throw ColanError(.usage, "unknown report '\(name)'", hint: "known: " + AmagiPull.Report.allCases.map(\.rawValue).joined(separator: ","))
            }
            return report
        }
        if let channels, channels != "all" {
            pull.channels = channels.split(separator: ",").map(String.init)
        } else if channels == nil {
            pull.customer = customer
        }
        guard pageLimit >= 1 else { throw ColanError(.usage, "--page-limit must be 1 or more") }
        pull.pageLimit = pageLimit
        pull.splits = try split.map(AmagiPull.parseSplit)
        if let from = pull.from, let to = pull.to, from > to { throw ColanError(.usage, "--from \(from) is after --to \(to)") }
        let today = try Day(at: nowSeconds(), in: ZoneOffsets.named(tz))
        let planned = pull
        try common.execute(vendor: "amagi", secrets: [token], zone: tz,
                           authorize: { _ in { planned.authorize($0) } }) { session in
            var viewership: [String] = [], ad: [String] = []
            if planned.channels == nil && planned.customer == nil {
                (viewership, ad) = try await planned.channelList(session: session)
            }
            return try planned.plan(session: session, viewershipChannels: viewership, adChannels: ad, today: today)
        }
    }
}

/// `colan pull amagi-scheduled`: Amagi's v1 scheduled CSV reports.
struct PullAmagiScheduled: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amagi-scheduled",
        abstract: "Pull an Amagi v1 scheduled report (CSV), period by period.",
        discussion: """
            A daily schedule's report of a day is downloaded by that day; a weekly one's by its \
            Monday; a monthly one's by the month's first day (the reference's section 6). A blank \
            download is an empty report. The schedule's zone is not in its URL: give it with --tz.
            """
    )

    @OptionGroup var common: PullCommonOptions

    @Option(help: ArgumentHelp("A file holding the personal access token (else $AMAGI_TOKEN).", valueName: "FILE"))
    var tokenFile: String?

    @Option(help: "The API's address.")
    var baseURL: String = AmagiPull.defaultBaseURL

    @Option(help: "The schedule id.")
    var schedule: String

    @Option(help: "daily, weekly or monthly.")
    var every: String = "daily"

    @Option(help: "The zone the schedule's times are in.")
    var tz: String = "US/Pacific"

    func run() throws {
        try runReportingErrors { try pull() }
    }

    private func pull() throws {
        let token = try Secret.load(file: tokenFile, variable: "AMAGI_TOKEN", option: "--token-file")
        var pull = AmagiScheduledPull(token: token, schedule: schedule)
        pull.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let every = AmagiScheduledPull.Every(rawValue: every.lowercased()) else {
            throw ColanError(.usage, "--every must be daily, weekly or monthly")
        }
        pull.every = every
        pull.from = try common.day(common.from, "--from")
        pull.to = try common.day(common.to, "--to")
        pull.lookback = common.lookback
        let zone = try ZoneOffsets.named(tz)
        pull.zone = tz
        let today = Day(at: nowSeconds(), in: zone)
        let planned = pull
        try common.execute(vendor: "amagi-scheduled", secrets: [token], zone: tz,
                           authorize: { _ in { planned.authorize($0) } }) { session in
            try planned.plan(session: session, today: today)
        }
    }
}

/// `colan pull mediamelon`: MediaMelon SmartSight.
struct PullMediaMelon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mediamelon",
        abstract: "Pull MediaMelon SmartSight metrics (and alerts), UTC day by day.",
        discussion: """
            Authenticated by an API key (--api-key-file or $MEDIAMELON_API_KEY, sent as X-API-Key) or \
            by OAuth (--user and --password-file or $MEDIAMELON_PASSWORD): the token is kept in memory \
            and renewed with the refresh token when it expires or is refused.
            """
    )

    @OptionGroup var common: PullCommonOptions

    @Option(help: "The customer id.")
    var customer: String

    @Option(help: ArgumentHelp("A file holding the API key (else $MEDIAMELON_API_KEY).", valueName: "FILE"))
    var apiKeyFile: String?

    @Option(help: "The SmartSight user name (OAuth).")
    var user: String?

    @Option(help: ArgumentHelp("A file holding the password (else $MEDIAMELON_PASSWORD).", valueName: "FILE"))
    var passwordFile: String?

    @Option(help: "The API's address.")
    var baseURL: String = MediaMelonPull.defaultBaseURL

    @Option(help: ArgumentHelp("Metrics to query.", valueName: "a,b"))
    var metrics: String

    @Option(help: "The data dimension (microscope, subscriber, ad, geo...).")
    var dimension: String?

    @Option(help: "A breakdown beside time (aggby).")
    var by: String?

    @Option(help: "hour or day.")
    var granularity: String = "hour"

    @Option(help: "The customer's plan level.")
    var planlevel: String?

    @Flag(help: "Also pull the alerts of the same days.")
    var alerts = false

    @Option(help: "Records per page.")
    var pageLimit: Int = 1000

    func run() throws {
        try runReportingErrors { try pull() }
    }

    private func pull() throws {
        let credentials: MediaMelonPull.Credentials
        if let user {
            credentials = .password(user: user, password: try Secret.load(file: passwordFile, variable: "MEDIAMELON_PASSWORD",
                                                                          option: "--password-file"))
        } else {
            credentials = .apiKey(try Secret.load(file: apiKeyFile, variable: "MEDIAMELON_API_KEY", option: "--api-key-file"))
        }
        let names = metrics.split(separator: ",").map(String.init)
        guard !names.isEmpty else { throw ColanError(.usage, "--metrics needs at least one metric") }
        var pull = MediaMelonPull(customer: customer, credentials: credentials, metrics: names)
        pull.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard ["hour", "day"].contains(granularity) else { throw ColanError(.usage, "--granularity must be hour or day") }
        pull.granularity = granularity
        pull.dimension = dimension
        pull.by = by
        pull.planLevel = planlevel
        pull.alerts = alerts
        guard pageLimit >= 1 else { throw ColanError(.usage, "--page-limit must be 1 or more") }
        pull.pageLimit = pageLimit
        pull.from = try common.day(common.from, "--from")
        pull.to = try common.day(common.to, "--to")
        pull.lookback = common.lookback
        let today = Day(at: nowSeconds(), in: try ZoneOffsets.named("UTC"))
        let planned = pull
        let base = pull.baseURL
        let authorize: @Sendable (Fetcher) -> (@Sendable (HTTPRequest) async throws -> HTTPRequest)
        var reauthorize: (@Sendable (Fetcher) -> (@Sendable (HTTPRequest, HTTPRequest) async throws -> HTTPRequest?))? = nil
        switch credentials {
        case .apiKey(let key):
            authorize = { _ in { request in
                var out = request
                out.headers.append((name: "X-API-Key", value: key.value))
                return out
            } }
        case .password where common.dryRun:
            // A dry run sends nothing, the sign-in included: the bearer header is shown as ***.
            authorize = { _ in { request in
                var out = request
                out.headers.append((name: "Authorization", value: "Bearer ***"))
                return out
            } }
        case .password(let user, let password):
            let holder = AuthHolder()
            authorize = { fetcher in
                let auth = holder.auth(base: base, user: user, password: password, fetcher: fetcher)
                return { try await auth.authorize($0) }
            }
            reauthorize = { fetcher in
                let auth = holder.auth(base: base, user: user, password: password, fetcher: fetcher)
                return { planned, sent in try await auth.reauthorize(planned, refused: MediaMelonAuth.bearer(of: sent)) }
            }
        }
        try common.execute(vendor: "mediamelon", secrets: pull.secrets, zone: "UTC", authorize: authorize,
                           reauthorize: reauthorize) { session in
            try planned.plan(session: session, today: today)
        }
    }
}

/// One `MediaMelonAuth` per pull, made when the fetcher exists.
private final class AuthHolder: @unchecked Sendable {
    private var made: MediaMelonAuth?
    private let lock = PThreadMutex()

    func auth(base: String, user: String, password: Secret, fetcher: Fetcher) -> MediaMelonAuth {
        lock.withLock {
            if let made { return made }
            let auth = MediaMelonAuth(baseURL: base, user: user, password: password, fetcher: fetcher)
            made = auth
            return auth
        }
    }
}

/// The current time, seconds since 1970.
func nowSeconds() -> Int64 { Int64(time(nil)) }
