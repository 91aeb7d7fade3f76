/// Where a portal's REST API lives: scheme, host, port and base path, checked to be safe.
///
/// Plain `http` is refused unless the host is a loopback address (the simulator): a real
/// portal is only ever reached over HTTPS with certificate verification.
public struct PortalEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `https` (or `http` for loopback).
    public let scheme: String
    /// Host name, e.g. `example.bitrix24.com`.
    public let host: String
    /// Port, when the URL names one.
    public let port: Int?
    /// The path up to and including `/rest/`, or `/rest/USER/CODE/` for a webhook.
    let basePath: String

    /// Parses an absolute URL's scheme, host and port; the path is kept as given.
    init(url: String) throws(BitrixError) {
        guard let schemeEnd = url.range(of: "://") else { throw .configuration("not an absolute URL") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw .configuration("URLs with user:password@ are not supported") }
        var host = String(authority)
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .configuration("malformed IPv6 host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]) else {
                throw .configuration("malformed port")
            }
            port = number
        }
        guard !host.isEmpty else { throw .configuration("URL has no host") }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host)) else {
            throw .configuration(
                scheme == "http"
                    ? "plain http is refused for \(host): use https (http is accepted for loopback hosts only)"
                    : "unsupported scheme \(scheme)")
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        var path = String(rest[authorityEnd...])
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        if !path.hasSuffix("/") { path += "/" }
        basePath = path
    }

    /// The name a portal gets when no config names it: the host, with the port when the URL names
    /// one other than the scheme's default (two portals on one host stay apart).
    public var defaultName: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// Whether `host` is 127.0.0.0/8, `::1` or `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `scheme://host[:port]`.
    public var origin: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart)" + (port.map { ":\($0)" } ?? "")
    }

    /// The full URL of `method` under the base path.
    func url(for method: String) -> String {
        origin + basePath + method
    }

    /// `scheme://host[:port]` — never the path, which may hold a webhook secret.
    public var description: String { origin }
}
