import ColanCore
import FoundationEssentials

/// How a pull retries: exponential backoff with full jitter on timeouts, broken connections,
/// 429 (waiting at least what Retry-After says) and 5xx; never on other 4xx.
public struct RetryPolicy: Sendable {
    /// Attempts per request, the first included.
    public var attempts = 5
    /// The first retry waits up to this many seconds; each further one up to twice as long.
    public var baseDelay = 2.0
    /// No wait is longer than this (nor a Retry-After honoured beyond it).
    public var maxDelay = 120.0
    /// Seconds allowed for one response.
    public var timeout = 120.0

    /// The default policy.
    public init() {}

    /// The wait before retry `retry` (1, 2, ...): uniform in [0, min(max, base * 2^(retry-1))].
    func backoff(retry: Int) -> Double {
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(retry - 1, 20)))
        return Double.random(in: 0...max(ceiling, 0))
    }
}

/// A request that ended without a usable response.
public enum FetchFailure: Error, Sendable, CustomStringConvertible {
    /// The vendor refused it (401, 403, 422, other 4xx): retrying cannot help.
    case refused(status: Int, message: String)
    /// Every attempt failed; the last reason.
    case gaveUp(attempts: Int, last: String)
    /// The response is not what was asked for (an HTML page, truncated JSON, another report).
    case unusable(String)

    public var description: String {
        switch self {
        case .refused(let status, let message): return "HTTP \(status): \(message)"
        case .gaveUp(let attempts, let last): return "gave up after \(attempts) attempts: \(last)"
        case .unusable(let why): return why
        }
    }

    /// Whether the failure stops the rest of its channel (the token or the scope is refused).
    public var stopsChannel: Bool {
        if case .refused(let status, _) = self { return [401, 403, 422].contains(status) }
        return false
    }
}

/// Sends requests with retries, a bounded number in flight.
public final class Fetcher: Sendable {
    let transport: any HTTPTransport
    let policy: RetryPolicy
    private let slots: Slots
    /// Called before each retry with what failed and the wait, for the progress line.
    let onRetry: @Sendable (_ what: String, _ wait: Double) -> Void

    /// A fetcher with at most `concurrency` requests in flight.
    public init(transport: any HTTPTransport, policy: RetryPolicy, concurrency: Int,
                onRetry: @escaping @Sendable (String, Double) -> Void = { _, _ in }) {
        self.transport = transport
        self.policy = policy
        slots = Slots(max(1, concurrency))
        self.onRetry = onRetry
    }

    /// Fetches `request` until a 2xx response, retrying what may pass.
    /// - Parameters:
    ///   - reauthorize: called once on a 401; returns the request with fresh credentials, or nil.
    /// - Throws: `FetchFailure`.
    public func fetch(_ request: HTTPRequest, reauthorize: (@Sendable () async throws -> HTTPRequest?)? = nil) async throws -> HTTPResponse {
        var request = request
        var attempt = 0
        var reauthorized = false
        while true {
            attempt += 1
            let outcome: Result<HTTPResponse, TransportError>
            await slots.acquire()
            do {
                outcome = .success(try await transport.send(request, timeout: policy.timeout))
            } catch let error as TransportError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.connection(String(describing: error)))
            }
            await slots.release()
            var reason: String
            var wait: Double? = nil
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return response
            case .success(let response):
                let message = Self.vendorMessage(response)
                if response.status == 401, !reauthorized, let reauthorize, let fresh = try await reauthorize() {
                    reauthorized = true
                    request = fresh
                    attempt -= 1
                    continue
                }
                guard response.status == 429 || response.status == 408 || response.status >= 500 else {
                    throw FetchFailure.refused(status: response.status, message: message)
                }
                reason = "HTTP \(response.status)" + (message.isEmpty ? "" : ": \(message)")
                if let after = response.headers["retry-after"].flatMap(Self.retryAfterSeconds) {
                    wait = min(after, policy.maxDelay)
                }
            case .failure(let error):
                guard error.isTransient else { throw FetchFailure.gaveUp(attempts: attempt, last: error.description) }
                reason = error.description
            }
            guard attempt < policy.attempts else { throw FetchFailure.gaveUp(attempts: attempt, last: reason) }
            let delay = max(wait ?? 0, policy.backoff(retry: attempt))
            onRetry(reason, delay)
            if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        }
    }

    /// Seconds from a Retry-After value: delta-seconds, or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        let text = value.trimmingWhitespace()
        if let seconds = Double(text), seconds >= 0 { return seconds }
        // An IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let at = Int64(CivilTime.days(year: year, month: month + 1, day: day)) * 86400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
        return Double(max(0, at - currentSeconds()))
    }

    /// The vendor's message in an error body: a JSON `message` (Amagi, MediaMelon), `error` or
    /// `detail`, else the start of the text; an HTML page's title.
    static func vendorMessage(_ response: HTTPResponse) -> String {
        if let object = JSONFields.of(response.body) {
            for key in ["message", "error_description", "detail", "error"] {
                if let text = object.strings[key], !text.isEmpty { return text }
            }
        }
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
        if let open = text.firstRange(of: "<title>"), let close = text[open.upperBound...].firstRange(of: "</title>") {
            return String(text[open.upperBound..<close.lowerBound]).trimmingWhitespace()
        }
        let line = text.split(whereSeparator: { $0 == "\n" }).first.map(String.init) ?? ""
        return String(line.prefix(200)).trimmingWhitespace()
    }
}

/// A counting semaphore for tasks: at most `limit` holders at a time, waiters served in order.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ limit: Int) { free = limit }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
