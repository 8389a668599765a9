/// One HTTP exchange as `colan pull` sees it: what is sent and what comes back, with no
/// client library's types, so the vendors' code and the tests do not depend on one.

/// A request to send.
public struct HTTPRequest: Sendable {
    /// GET or POST.
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    /// The method.
    public var method: Method
    /// The full URL, query included.
    public var url: String
    /// Headers to send. Secrets go here (never in `url`), so that the URL can be logged and kept.
    public var headers: [(name: String, value: String)]
    /// The body (form-encoded for OAuth), empty for GET.
    public var body: [UInt8]

    /// A request to `url`.
    public init(_ method: Method = .get, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A response, its body read whole.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Headers, names lower-cased.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why an exchange produced no response.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    /// No answer within the time allowed.
    case timedOut(seconds: Double)
    /// The connection could not be made or broke (refused, reset, DNS, TLS).
    case connection(String)
    /// The body was larger than colan accepts for one response.
    case tooLarge(limit: Int)
    /// The URL cannot be requested.
    case badURL(String)

    public var description: String {
        switch self {
        case .timedOut(let seconds): return "no answer within \(seconds.formatted1) s"
        case .connection(let why): return "connection failed: \(why)"
        case .tooLarge(let limit): return "response larger than \(limit / (1 << 20)) MiB"
        case .badURL(let url): return "cannot request \(url)"
        }
    }

    /// Whether trying again may help.
    public var isTransient: Bool {
        switch self {
        case .timedOut, .connection: return true
        case .tooLarge, .badURL: return false
        }
    }
}

/// Sends requests. `AsyncHTTPTransport` is the real one.
public protocol HTTPTransport: Sendable {
    /// Sends `request`, waiting at most `timeout` seconds for the whole response.
    /// - Throws: `TransportError` when no response came back.
    func send(_ request: HTTPRequest, timeout: Double) async throws -> HTTPResponse
}

extension Double {
    /// The number with at most one decimal ("12", "0.5").
    var formatted1: String {
        let tenths = (self * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}
