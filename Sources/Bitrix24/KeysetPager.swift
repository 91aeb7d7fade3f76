import B24Core

/// Reads a whole list the fast way: `ORDER ID ASC`, filter `>ID`, `start=-1` (no COUNT), with up
/// to 50 pages chained inside one batch request through `$result[…][49][ID]` references.
///
/// A request the portal cuts on time (a COUNT and 49 full pages can pass its 60 s) is sent
/// again with half as many pages chained, down to one, for the rest of the scan; a first page
/// whose COUNT alone is cut is asked again without it.
///
/// The first page of a scan is asked with `start=0`, the only page that pays for a COUNT: its
/// `total` says how many rows the scan must see (the official PHP SDK reads `total` the same
/// way). A page shorter than 50 rows ends the scan once that many rows arrived; before that, a
/// short page is a page the portal cut (a join counted a row twice) and the scan goes on after
/// its last id, in a new request, because the rest of the chain resolved its reference to
/// garbage. Without a `total`, the first short page ends the scan.
///
/// Pages must continue strictly after the previous one. A row repeated from the page before, or
/// right after itself (a join listing one record once per matching row, as `crm.activity.list`
/// may with a `BINDINGS` filter), is dropped and counted in `ClientStatistics.duplicateRows` and
/// in the scan's `repeatedRows`; any other id at or below the last one is an order the pager
/// cannot trust, and it stops with an error naming the method and the id.
public struct KeysetPager: Sendable {
    /// Where a method's rows are in its `result`.
    public enum Shape: Sendable {
        /// `result` is the list (legacy `crm.*.list`).
        case list
        /// `result.<member>` is the list (engine methods: `items`, `productRows`).
        case member(String)
    }

    /// The client.
    public let client: BitrixClient
    /// The list method, e.g. `crm.lead.list`.
    public let method: String
    /// Fields to select (the id field is added when missing).
    public let select: [String]
    /// Extra filter conditions (AND-ed with the keyset condition).
    public let filter: JSONObject
    /// Other parameters, e.g. `entityTypeId`.
    public let extraParameters: JSONObject
    /// Where the rows are.
    public let shape: Shape
    /// The id field name (`ID`, or `id` for camelCase engine methods).
    public let idField: String
    /// Pages chained per batch request (1…50).
    public let pagesPerRequest: Int

    /// Rows per page, fixed by the API.
    public static let pageSize = 50

    /// A pager for `method`.
    public init(
        client: BitrixClient, method: String, select: [String], filter: JSONObject = [:],
        extraParameters: JSONObject = [:], shape: Shape = .list, idField: String = "ID", pagesPerRequest: Int = 50
    ) {
        self.client = client
        self.method = method
        self.select = select.contains(idField) || select.isEmpty ? select : [idField] + select
        self.filter = filter
        self.extraParameters = extraParameters
        self.shape = shape
        self.idField = idField
        self.pagesPerRequest = min(50, max(1, pagesPerRequest))
    }

    /// Reads every row with an id greater than `afterID`, handing each page to `body` in id order.
    ///
    /// - Returns: the last id seen (or `afterID` when there were no rows).
    /// - Throws: `BitrixError` from the client or a page that breaks the id order; errors thrown by `body`.
    @discardableResult
    public func forEachPage(after afterID: Int64 = 0, _ body: ([JSON]) async throws -> Void) async throws -> Int64 {
        try await scan(after: afterID, body).lastID
    }

    /// Reads every row with an id greater than `afterID` like `forEachPage`, and reports what the
    /// portal counted for the same filter on the scan's first page.
    ///
    /// - Throws: `BitrixError` from the client or a page that breaks the id order; errors thrown by `body`.
    /// `onTotal` hears the portal's count as soon as the first page brings it.
    public func scan(
        after afterID: Int64 = 0, onTotal: (Int) -> Void = { _ in }, _ body: ([JSON]) async throws -> Void
    ) async throws -> KeysetScan {
        var lastID = afterID
        var failures = 0
        var expected: Int?
        var received = 0
        var recentIDs = Set<Int64>()
        var portalTotal: Int?
        var repeated = 0
        var pages = pagesPerRequest
        var counts = true
        while true {
            let counting = counts && expected == nil && received == 0
            let commands = (0..<pages).map { index in
                command(
                    index, after: index == 0 ? .int(lastID) : .string(reference(to: index - 1)),
                    counting: index == 0 && counting)
            }
            guard var result = try await client.batchUnlessCut(commands, lighter: counting) else {
                // The portal cut the request on time: chain fewer pages from here on; a COUNT that
                // alone passes the limit is given up (the scan then ends at its first short page).
                if pages > 1 { pages = max(1, pages / 2) } else { counts = false }
                client.statistics.update { $0.batchesSplit += 1 }
                continue
            }
            if expected == nil, received == 0, result.errors["p0"] == nil, let total = result.totals["p0"] {
                portalTotal = total
                onTotal(total)
                if total > 0 { expected = total }
            }
            var finished = false
            for command in commands {
                if let error = result.errors[command.key] {
                    // The rest of the chain hangs on this page: start again after the last good id.
                    // An operating-time refusal only waits (the limiter holds the method until the reset).
                    if error.code != .operatingLimited { failures += 1 }
                    guard error.isRetryable, failures <= 8 else { throw error }
                    client.statistics.update { $0.retries += 1 }
                    break
                }
                // Taken out of the answer, so each page's JSON goes once `body` has seen it.
                let rows = Self.rows(result.results.removeValue(forKey: command.key), shape)
                let ids = rows.compactMap { $0[idField]?.lenientInt }
                guard ids.count == rows.count else {
                    throw BitrixError(
                        code: .malformedResponse, message: "a row of \(method) has no \(idField)", method: method,
                        portal: client.portal)
                }
                var fresh: [JSON] = []
                var freshIDs: [Int64] = []
                for (row, id) in zip(rows, ids) {
                    if (id <= lastID && recentIDs.contains(id)) || id == freshIDs.last {
                        client.statistics.update { $0.duplicateRows += 1 }
                        repeated += 1
                        if id == freshIDs.last { received += 1 }
                        continue
                    }
                    guard id > (freshIDs.last ?? lastID) else {
                        throw BitrixError(
                            code: .malformedResponse,
                            message:
                                "\(method) returned \(idField) \(id) after \(freshIDs.last ?? lastID), out of order; refusing to guess",
                            method: method, portal: client.portal)
                    }
                    fresh.append(row)
                    freshIDs.append(id)
                }
                if !fresh.isEmpty {
                    try await body(fresh)
                    lastID = freshIDs.last ?? lastID
                    received += fresh.count
                    failures = 0
                }
                recentIDs = Set(ids)
                if rows.count < Self.pageSize {
                    // A cut page before the counted rows arrived: go on after it in a new request.
                    finished = fresh.isEmpty || received >= (expected ?? 0)
                    if !finished { client.statistics.update { $0.shortPages += 1 } }
                    break
                }
            }
            if finished { return KeysetScan(lastID: lastID, portalTotal: portalTotal, repeatedRows: repeated) }
        }
    }

    private func command(_ index: Int, after: JSON, counting: Bool) -> BatchCommand {
        var parameters = extraParameters
        var conditions = filter
        conditions[">" + idField] = after
        parameters["order"] = [idField: "ASC"]
        parameters["filter"] = .object(conditions)
        if !select.isEmpty { parameters["select"] = .array(select.map { .string($0) }) }
        parameters["start"] = counting ? 0 : -1
        return BatchCommand(key: "p\(index)", method: method, parameters: parameters)
    }

    private func reference(to index: Int) -> String {
        switch shape {
        case .list: return "$result[p\(index)][\(Self.pageSize - 1)][\(idField)]"
        case .member(let member): return "$result[p\(index)][\(member)][\(Self.pageSize - 1)][\(idField)]"
        }
    }

    /// The rows of one result in either shape; an empty map (`[]`/`{}`) is no rows.
    static func rows(_ result: JSON?, _ shape: Shape) -> [JSON] {
        switch shape {
        case .list: return result?.elements ?? []
        case .member(let member): return result?[member]?.elements ?? []
        }
    }
}

/// What a keyset scan saw.
public struct KeysetScan: Sendable, Equatable {
    /// The last id read (or the starting id when there were none).
    public var lastID: Int64
    /// The portal's own count for the scan's filter (`total` of its first page), when it sent one.
    public var portalTotal: Int?
    /// Rows dropped as repeats of the row before (the portal's count includes them).
    public var repeatedRows: Int = 0
}
