import ColanCore
import Dispatch
import FoundationEssentials

/// One response to fetch and keep.
public struct PlannedFetch: Sendable {
    /// The request, without credentials (the session's `authorize` adds them).
    public var request: HTTPRequest
    /// Where it is kept: `UNIT/FILE` (UNIT a folder path naming report, scope and slice; FILE
    /// `FROM_TO[.pN].EXT` or a fetch time), saved as `raw/VENDOR/RUN/UNIT/FILE.zst`.
    public var unit: String
    public var file: String
    /// The report kinds the response may hold (nil: any); another kind is "not what was asked for".
    public var kinds: Set<String>?
    /// What the request does not say but the import must know (a scheduled report's zone):
    /// written as `NAME=VALUE` lines after the URL in the kept `.url` file.
    public var facts: [(String, String)] = []

    /// A fetch of `url`, kept as `unit/file`.
    public init(url: String, unit: String, file: String, kinds: Set<String>?) {
        request = HTTPRequest(.get, url)
        self.unit = unit
        self.file = file
        self.kinds = kinds
    }
}

/// One unit of a pull: the requests for one report, scope, slice and range (several when the
/// report is paged). Units run concurrently; a unit's requests run in order.
public struct PullJob: Sendable {
    /// The channel (or customer, or schedule) the unit belongs to: a refusal of the token or
    /// scope stops the rest of it.
    public var channel: String
    /// What it pulls, for messages ("viewershipAnalytics star111 2021-09-01..2021-09-30").
    public var label: String
    /// Fetches and keeps its responses through the session.
    public var run: @Sendable (PullSession) async throws -> Void

    /// A unit.
    public init(channel: String, label: String, run: @escaping @Sendable (PullSession) async throws -> Void) {
        self.channel = channel
        self.label = label
        self.run = run
    }
}

/// What a pull did, for its summary line.
public struct PullSummary: Sendable {
    /// Responses fetched.
    public var fetched = 0
    /// Of those, responses already in the store (same bytes): nothing changed for them.
    public var unchanged = 0
    /// Bytes fetched.
    public var bytes = 0
    /// Rows added and replaced by the imports.
    public var rowsAdded = 0
    public var rowsReplaced = 0
    /// Units that failed, and why (already redacted).
    public var failures: [String] = []
    /// Units skipped because their channel was stopped.
    public var skipped = 0
    /// Requests a dry run would send.
    public var planned: [String] = []
}

/// A pull in progress: fetches through a `Fetcher`, checks each response as `colan import` will
/// read it, keeps it in the store's raw folder and imports it, in batches, each batch one
/// import transaction (docs/PULL.md).
public final class PullSession: @unchecked Sendable {
    /// The store folder.
    public let store: String
    /// The vendor's folder under `raw/` ("amagi", "amagi-scheduled", "mediamelon").
    public let vendor: String
    let fetcher: Fetcher
    let redact: Redactor
    let importOptions: ImportOptions
    let dryRun: Bool
    /// Adds credentials to a request.
    let authorize: @Sendable (HTTPRequest) async throws -> HTTPRequest
    /// Renews credentials after a 401 (MediaMelon's OAuth), or nil: given the request as
    /// planned and as sent, returns it with fresh credentials.
    let reauthorize: (@Sendable (HTTPRequest, HTTPRequest) async throws -> HTTPRequest?)?
    /// Responses per import transaction.
    let batchSize: Int
    /// This run's folder name under `raw/VENDOR/`: its start in UTC (runs sort by time).
    let run: String
    let raw: RawResponses

    private let lock = PThreadMutex()
    private var summary = PullSummary()
    private var knownHashes: Set<String>
    private var held: [String: (first: Day, last: Day)]
    private var pending: [String] = []
    private var stoppedChannels: [String: String] = [:]
    private let commits = DispatchQueue(label: "colan.pull.commit")
    private var commitError: String?

    /// A session on `store` (it need not exist yet).
    public init(store: String, vendor: String, fetcher: Fetcher, redact: Redactor, importOptions: ImportOptions,
                dryRun: Bool, batchSize: Int = 64,
                authorize: @escaping @Sendable (HTTPRequest) async throws -> HTTPRequest,
                reauthorize: (@Sendable (HTTPRequest, HTTPRequest) async throws -> HTTPRequest?)? = nil) throws {
        self.store = store
        self.vendor = vendor
        self.fetcher = fetcher
        self.redact = redact
        self.importOptions = importOptions
        self.dryRun = dryRun
        self.batchSize = batchSize
        self.authorize = authorize
        self.reauthorize = reauthorize
        raw = RawResponses(store: store)
        run = compactUTC(currentSeconds())
        let sources = FileIO.exists(store + "/manifest") ? try Store(path: store).sources : []
        knownHashes = Set(sources.map(\.hash))
        held = Self.heldRanges(sourcePaths: sources.map(\.path), vendor: vendor)
    }

    // MARK: What the store holds

    /// The first and last day held per unit of `vendor`, from the raw responses the store's
    /// manifest records (a response counts once it is committed, not when it is saved).
    static func heldRanges(sourcePaths: [String], vendor: String) -> [String: (first: Day, last: Day)] {
        var out: [String: (first: Day, last: Day)] = [:]
        let marker = "/raw/" + vendor + "/"
        for path in sourcePaths {
            guard let at = path.firstRange(of: marker) else { continue }
            var parts = path[at.upperBound...].split(separator: "/").map(String.init)
            guard parts.count >= 3 else { continue }
            parts.removeFirst()  // the run
            let file = parts.removeLast()
            let unit = parts.joined(separator: "/")
            let dates = file.split(separator: ".").first.map { $0.split(separator: "_").map(String.init) } ?? []
            guard let first = dates.first.flatMap(Day.init), let last = (dates.count > 1 ? dates[1] : dates[0]).description as String?,
                  let lastDay = Day(last) else { continue }
            let was = out[unit]
            out[unit] = (min(was?.first ?? first, first), max(was?.last ?? lastDay, lastDay))
        }
        return out
    }

    /// The last day the store holds for `unit`, or nil.
    public func lastHeld(unit: String) -> Day? { lock.withLock { held[unit]?.last } }

    /// The first day the store holds for any unit under `prefix` (a report's folder), or nil:
    /// where a channel new to the store starts when no `--from` is given.
    public func firstHeld(under prefix: String) -> Day? {
        lock.withLock { held.filter { $0.key.hasPrefix(prefix) }.map(\.value.first).min() }
    }

    /// The days a unit pulls: from `from` when given, else from `lookback` days before the last
    /// day held (re-pulling the days the vendor may still revise), else from where the store's
    /// other units of `report` start; nil when none of these is known (the first pull needs --from).
    public func startDay(unit: String, report: String, from: Day?, lookback: Int) -> Day? {
        if let from { return from }
        if let last = lastHeld(unit: unit) { return last.adding(1 - max(lookback, 0)) }
        return firstHeld(under: report + "/")
    }

    // MARK: Fetching

    /// Fetches `planned` and checks it is the report asked for, without keeping it (what a dry
    /// run needs to plan: the channel list).
    public func peek(_ planned: PlannedFetch) async throws -> [UInt8] {
        let response = try await fetcher.fetch(try await authorize(planned.request))
        do {
            _ = try ReportImporter.importResponse(response.body, requestURL: planned.request.url, options: importOptions)
        } catch let error as ColanError {
            throw FetchFailure.unusable(redact("not a usable report: \(error.message)"))
        }
        return response.body
    }

    /// Whether this is a dry run (requests are listed, not sent).
    public var isDryRun: Bool { dryRun }

    /// Fetches `planned`, checks it is the report asked for, keeps it and queues its import.
    /// - Returns: the body and its parsed reports (empty for an empty report or a dry run).
    /// - Throws: `FetchFailure`, or a `ColanError` when the raw folder cannot be written.
    @discardableResult
    public func keep(_ planned: PlannedFetch) async throws -> (body: [UInt8], reports: [ImportedReport]) {
        if dryRun {
            let headers = planned.request.headers.map { "\($0.name): \($0.value)" }
            let authorized = try await authorize(planned.request)
            let secretHeaders = authorized.headers.dropFirst(planned.request.headers.count).map { "\($0.name): ***" }
            lock.withLock { summary.planned.append(redact(([planned.request.method.rawValue, planned.request.url] + headers + secretHeaders).joined(separator: "  "))) }
            return ([], [])
        }
        let request = try await authorize(planned.request)
        var renewal: (@Sendable () async throws -> HTTPRequest?)? = nil
        if let reauthorize { renewal = { try await reauthorize(planned.request, request) } }
        let response = try await fetcher.fetch(request, reauthorize: renewal)
        let reports: [ImportedReport]
        do {
            reports = try ReportImporter.importResponse(response.body, requestURL: planned.request.url, facts: planned.facts,
                                                        options: importOptions)
        } catch let error as ColanError {
            throw FetchFailure.unusable(redact("not a usable report: \(error.message)" + (error.location.map { " (\($0))" } ?? "")))
        }
        if let kinds = planned.kinds, let other = reports.first(where: { !kinds.contains($0.kind) }) {
            throw FetchFailure.unusable("asked for \(kinds.sorted().joined(separator: " or ")), the response is \(other.kind)")
        }
        let hash = RawResponses.contentHash(of: response.body)
        let isNew: Bool = lock.withLock {
            summary.fetched += 1
            summary.bytes += response.body.count
            if knownHashes.contains(hash) {
                summary.unchanged += 1
                return false
            }
            knownHashes.insert(hash)
            return true
        }
        if isNew {
            let name = vendor + "/" + run + "/" + planned.unit + "/" + planned.file + ".zst"
            let sidecar = ([planned.request.url] + planned.facts.map { "\($0.0)=\($0.1)" }).joined(separator: "\n")
            let saved: String = try raw.save(response.body, name: name, url: redact(sidecar))
            queueImport(saved)
        }
        return (response.body, reports)
    }

    private func queueImport(_ path: String) {
        let batch: [String]? = lock.withLock {
            pending.append(path)
            guard pending.count >= batchSize else { return nil }
            defer { pending = [] }
            return pending
        }
        if let batch { commits.async { self.commit(batch) } }
    }

    /// Imports `paths` in one transaction (on the commit queue, one batch at a time, in order).
    /// Returns the files whose content the store held already.
    @discardableResult
    private func commit(_ paths: [String]) -> [String] {
        guard lock.withLock({ commitError == nil }) else { return [] }
        var request = ImportTransaction.Request(store: store, paths: paths)
        request.options = importOptions
        request.keepGoing = true
        do {
            let result = try ImportTransaction.run(request)
            lock.withLock {
                summary.rowsAdded += result.outcome?.rowsAdded ?? 0
                summary.rowsReplaced += result.outcome?.rowsReplaced ?? 0
                for failure in result.failures { summary.failures.append(redact("import: \(failure)")) }
            }
            return result.outcome?.alreadyImported ?? []
        } catch {
            lock.withLock { commitError = redact("the store could not be written: \(error)") }
            return []
        }
    }

    /// Imports the raw responses of this vendor a killed pull saved but did not commit, and
    /// removes temporary files it left. A saved response whose content the store holds under
    /// another file (a later pull fetched it again) is removed: the raw folder keeps each once.
    public func recoverUncommitted() throws {
        guard !dryRun else { return }
        raw.removeLeftovers()
        guard FileIO.exists(store + "/manifest") else { return }
        let recorded = Set(try Store(path: store).sources.compactMap { source in
            source.path.firstRange(of: "/raw/").map { String(source.path[$0.upperBound...]) }
        })
        let orphans = try raw.files().filter { file in
            guard let at = file.firstRange(of: "/raw/") else { return false }
            let relative = String(file[at.upperBound...])
            return relative.hasPrefix(vendor + "/") && !recorded.contains(relative)
        }
        guard !orphans.isEmpty else { return }
        let held = commits.sync { commit(orphans) }
        for path in held {
            try? FileIO.remove(path + ".url")
            try? FileIO.remove(path)
        }
    }

    // MARK: Running

    /// Runs `jobs`, at most `concurrency` at a time, then imports what is still queued.
    /// - Parameter progress: called after each unit with units done and units in all.
    public func run(_ jobs: [PullJob], concurrency: Int, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async -> PullSummary {
        let total = jobs.count
        var next = 0
        var done = 0
        await withTaskGroup(of: Void.self) { group in
            func start(_ job: PullJob) {
                group.addTask {
                    let stopped = self.lock.withLock {
                        guard self.stoppedChannels[job.channel] != nil else { return false }
                        self.summary.skipped += 1
                        return true
                    }
                    if stopped { return }
                    do {
                        try await job.run(self)
                    } catch let failure as FetchFailure {
                        self.lock.withLock {
                            self.summary.failures.append(self.redact("\(job.label): \(failure)"))
                            if failure.stopsChannel, self.stoppedChannels[job.channel] == nil {
                                self.stoppedChannels[job.channel] = failure.description
                            }
                        }
                    } catch {
                        self.lock.withLock { self.summary.failures.append(self.redact("\(job.label): \(error)")) }
                    }
                }
            }
            while next < min(total, max(1, concurrency)) {
                start(jobs[next])
                next += 1
            }
            while await group.next() != nil {
                done += 1
                progress(done, total)
                if next < total {
                    start(jobs[next])
                    next += 1
                }
            }
        }
        let last: [String] = lock.withLock {
            defer { pending = [] }
            return pending
        }
        commits.sync { if !last.isEmpty { commit(last) } }
        return lock.withLock {
            var out = summary
            if let commitError { out.failures.append(commitError) }
            return out
        }
    }

    /// Records a failure that is not a unit's (the channel list, say).
    public func fail(_ message: String) {
        lock.withLock { summary.failures.append(redact(message)) }
    }

    /// The summary so far.
    public var currentSummary: PullSummary { lock.withLock { summary } }
}

/// Percent-encodes a value for a URL query or a folder name: everything but letters, digits
/// and `-._~` (so a name never holds `/`, a space or `%` unescaped).
public func percentEncoded(_ value: String) -> String {
    var out = ""
    for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(UnicodeScalar(byte))
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
        }
    }
    return out
}

/// A URL with a query built from `parameters` in order, values percent-encoded.
public func url(_ base: String, _ parameters: [(String, String)]) -> String {
    parameters.isEmpty ? base : base + "?" + parameters.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
}
