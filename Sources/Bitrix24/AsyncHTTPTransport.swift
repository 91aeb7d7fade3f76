import AsyncHTTPClient
import NIOCore

/// The real transport: async-http-client with pooled keep-alive connections, connect and read
/// timeouts, and TLS certificate verification always on (it cannot be turned off).
public final class AsyncHTTPTransport: HTTPTransport {
    private let client: HTTPClient

    /// A transport with its own connection pool.
    ///
    /// - Parameters:
    ///   - connectTimeout: seconds to establish a connection.
    ///   - readTimeout: seconds of silence on a connection before giving up.
    ///   - maxConnections: connections kept per host (enough for the concurrent workers).
    public init(connectTimeout: Double = 10, readTimeout: Double = 65, maxConnections: Int = 8) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(
            connect: .milliseconds(Int64(connectTimeout * 1000)), read: .milliseconds(Int64(readTimeout * 1000)))
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(200))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends the request and collects the whole body (up to `maximumBodyBytes`).
    public func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method == "GET" ? .GET : .POST
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(request.timeout * 1000)))
            // Straight into one array sized from Content-Length: the body is held once, not twice.
            var body: [UInt8] = []
            if let length = response.headers.first(name: "content-length").flatMap({ Int($0) }),
                length <= Self.maximumBodyBytes
            {
                body.reserveCapacity(length)
            }
            for try await part in response.body {
                guard body.count + part.readableBytes <= Self.maximumBodyBytes else {
                    throw BitrixError(
                        code: .transport, message: "the answer is larger than \(Self.maximumBodyBytes >> 20) MiB")
                }
                body.append(contentsOf: part.readableBytesView)
            }
            return TransportResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
        } catch let error as BitrixError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw BitrixError(code: .timedOut, message: Self.describe(error))
        } catch {
            throw BitrixError(code: .transport, message: Self.describe(error))
        }
    }

    /// The largest answer accepted; a bigger one is a transport error.
    static let maximumBodyBytes = 256 * 1024 * 1024

    /// Closes the pool.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    deinit {
        try? client.syncShutdown()
    }

    /// A short description of a network error that never includes the URL.
    static func describe(_ error: any Error) -> String {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout: return "connect timed out"
            case .readTimeout: return "read timed out"
            case .deadlineExceeded: return "request timed out"
            case .remoteConnectionClosed: return "connection closed by the portal"
            case .cancelled: return "request cancelled"
            default: return "HTTP client error \(clientError.shortDescription)"
            }
        }
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
