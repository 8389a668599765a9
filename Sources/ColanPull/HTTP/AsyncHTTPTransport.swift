import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The real transport: swift-server's AsyncHTTPClient (SwiftNIO, TLS through swift-nio-ssl with
/// certificates verified against the system's trust roots). One client for the whole pull, so
/// connections to a vendor are reused (docs/DECISIONS.md, "HTTP client").
public final class AsyncHTTPTransport: HTTPTransport {
    private let client: HTTPClient
    /// The largest body accepted for one response.
    public let bodyLimit: Int

    /// A transport whose connections time out after `connectTimeout` seconds.
    public init(connectTimeout: Double = 30, bodyLimit: Int = 1 << 30) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(connectTimeout * 1000)))
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.decompression = .enabled(limit: .ratio(200))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.bodyLimit = bodyLimit
    }

    /// Closes the client's connections; call once, when the pull is over.
    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: HTTPRequest, timeout: Double) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method == .get ? .GET : .POST
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        outgoing.headers.replaceOrAdd(name: "User-Agent", value: "colan-pull")
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let deadline = TimeAmount.milliseconds(Int64(timeout * 1000))
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            let body = try await response.body.collect(upTo: bodyLimit)
            return HTTPResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
        } catch let error as HTTPClientError {
            throw Self.translate(error, timeout: timeout, limit: bodyLimit)
        } catch is NIOTooManyBytesError {
            throw TransportError.tooLarge(limit: bodyLimit)
        } catch {
            throw TransportError.connection(String(describing: error))
        }
    }

    private static func translate(_ error: HTTPClientError, timeout: Double, limit: Int) -> TransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout: return .timedOut(seconds: timeout)
        case .connectTimeout: return .connection("connect timed out")
        case .invalidURL, .emptyHost, .emptyScheme: return .badURL(String(describing: error))
        default: return .connection(String(describing: error))
        }
    }
}
