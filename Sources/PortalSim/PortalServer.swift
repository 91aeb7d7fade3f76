import B24Core
import NIOCore
import NIOHTTP1
import NIOPosix

/// The simulated portal's HTTP server on loopback, built directly on SwiftNIO so that faults
/// such as dropped connections and cut bodies can be injected at the connection level.
public final class PortalServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The port the server listens on (useful when started on port 0).
    public let port: Int
    /// The host the server listens on.
    public let host: String

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, host: String, port: Int) {
        self.group = group
        self.channel = channel
        self.host = host
        self.port = port
    }

    /// Starts serving `router` on `host:port` (port 0 picks a free one).
    ///
    /// - Throws: when the address cannot be bound.
    public static func start(
        router: PortalRouter, host: String = "127.0.0.1", port: Int = 0
    ) async throws -> PortalServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(PortalHTTPHandler(router: router))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            let boundPort = channel.localAddress?.port ?? port
            return PortalServer(group: group, channel: channel, host: host, port: boundPort)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:8080`.
    public var baseURL: String {
        "http://\(host):\(port)"
    }

    /// Stops listening and releases the threads.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Waits until the server is closed (for the `b24pg sim` command, which runs until killed).
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}

/// Collects one HTTP request, asks the router, and writes (or withholds) the answer.
final class PortalHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: PortalRouter
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(router: PortalRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let request = SimHTTPRequest(
                method: requestHead.method.rawValue, uri: requestHead.uri,
                contentType: requestHead.headers.first(name: "content-type"), body: body)
            let response = router.respond(request)
            if response.drop {
                context.close(promise: nil)
                return
            }
            let keepAlive = requestHead.isKeepAlive
            if response.delay > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(response.delay * 1000))) {
                    self.write(response, keepAlive: keepAlive, version: requestHead.version, context: context)
                }
            } else {
                write(response, keepAlive: keepAlive, version: requestHead.version, context: context)
            }
        }
    }

    private func write(
        _ response: SimHTTPResponse, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
