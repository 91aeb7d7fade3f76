import B24Core

/// Reads a list by offset, following `next` only: it never computes offsets from `total`
/// (a page past the end may return page 1 again) and stops when `next` is missing or does
/// not move forward.
public struct OffsetPager: Sendable {
    /// The client.
    public let client: BitrixClient
    /// The method.
    public let method: String
    /// Parameters other than `start`.
    public let parameters: JSONObject
    /// Where the rows are.
    public let shape: KeysetPager.Shape

    /// A pager for `method` with `parameters`.
    public init(client: BitrixClient, method: String, parameters: JSONObject = [:], shape: KeysetPager.Shape = .list) {
        self.client = client
        self.method = method
        self.parameters = parameters
        self.shape = shape
    }

    /// Hands every page to `body`; returns the number of rows read.
    @discardableResult
    public func forEachPage(_ body: ([JSON]) async throws -> Void) async throws -> Int {
        var start = 0
        var count = 0
        while true {
            var request = parameters
            request["start"] = .int(Int64(start))
            let response = try await client.call(method, request)
            let rows = KeysetPager.rows(response.result, shape)
            if !rows.isEmpty { try await body(rows) }
            count += rows.count
            guard let next = response.next, next > start else { return count }
            start = next
        }
    }

    /// Every row, collected (for small reference lists).
    public func all() async throws -> [JSON] {
        var rows: [JSON] = []
        try await forEachPage { rows += $0 }
        return rows
    }
}
