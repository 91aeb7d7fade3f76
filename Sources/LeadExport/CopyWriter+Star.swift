import B24Core
import LibPQ

/// COPY encodings of the star's value types.
extension CopyWriter {
    private static let utc = PortalTime(offsetSeconds: 0)

    /// A unix time as an ISO timestamp in UTC (`2024-05-23T15:18:25+00:00`); `nil` is NULL.
    mutating func append(timestamp: Int64?) {
        append(timestamp.map { Self.utc.format($0) })
    }

    /// A yyyymmdd date key.
    mutating func append(dateKey: Int) {
        append(Int64(dateKey))
    }
}
