/// One HTTP request as the client sends it.
public struct TransportRequest: Sendable {
    /// `GET` or `POST`.
    public var method: String
    /// The full URL (may contain a webhook secret: never log it).
    public var url: String
    /// Header names and values.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]
    /// Longest wait for the whole answer, seconds.
    public var timeout: Double

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double = 70)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// One HTTP answer.
public struct TransportResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// Header names and values.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// Creates an answer.
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Sends HTTP requests; the real one pools keep-alive connections, tests use an in-memory fake.
///
/// Implementations throw `BitrixError` with code `.transport` for network failures (refused,
/// reset, timed out), without the URL in the message.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the whole answer.
    func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse
}
