import B24Core

/// The list engine shared by every `*.list` method: filter, order, 50-row pages.
extension SimulatedPortal {
    /// How a method pages.
    enum PagingStyle {
        /// Legacy CRM lists: `start=-1` gives `total: 0` and no `next`; an out-of-range page gives page 1 again.
        case legacy
        /// Engine methods (`crm.item.*`, `crm.stagehistory.list`): `start=-1` gives neither; out of range is empty.
        case engine
    }

    /// One page of records matching `query`, with `total` and `next` as the paging style writes them.
    ///
    /// - Parameters:
    ///   - ids: every record id, ascending.
    ///   - valueOf: reads a field of the record with that id (`nil` when it does not exist).
    ///   - sortValueOf: the value ordering uses, when it differs (stages order by their sort).
    ///   - rowsTaken: how many of a keyset page's 50 rows a record takes (see `PageQuirks`).
    func page(
        _ query: ListQuery, ids: [Int64], style: PagingStyle, valueOf: @escaping (Int64, FieldSpec) -> FieldValue?,
        sortValueOf: ((Int64, FieldSpec) -> FieldValue?)? = nil, rowsTaken: ((Int64) -> Int)? = nil
    ) -> (ids: [Int64], total: Int?, next: Int?) {
        let sortValue = sortValueOf ?? valueOf
        let time = dataset.time
        func matches(_ id: Int64) -> Bool {
            query.matches({ valueOf(id, $0) ?? .null }, time: time)
        }
        let candidates = candidateIDs(query, ids: ids)
        let idOrder = query.order.count == 1 && query.order[0].field.name == "ID"
        let pageSize = ListQuery.pageSize
        let offset = query.start >= 0 ? query.start / pageSize * pageSize : 0

        if idOrder, query.start < 0 {
            var found: [Int64] = []
            var taken = 0
            let sequence = query.order[0].descending ? AnySequence(candidates.reversed()) : AnySequence(candidates)
            for id in sequence where matches(id) {
                found.append(id)
                taken += rowsTaken?(id) ?? 1
                if taken >= pageSize { break }
            }
            return (found, style == .legacy ? 0 : nil, nil)
        }

        var matching = candidates.filter(matches)
        if idOrder {
            if query.order[0].descending { matching.reverse() }
        } else {
            let order = query.order
            matching.sort { left, right in
                for key in order {
                    let comparison = ListQuery.sortOrder(
                        sortValue(left, key.field) ?? .null, sortValue(right, key.field) ?? .null)
                    if comparison != 0 { return key.descending ? comparison > 0 : comparison < 0 }
                }
                return left < right
            }
        }
        if query.start < 0 {
            return (Array(matching.prefix(pageSize)), style == .legacy ? 0 : nil, nil)
        }
        var effectiveOffset = offset
        if effectiveOffset >= matching.count {
            if style == .engine || matching.isEmpty { return ([], matching.count, nil) }
            effectiveOffset = 0
        }
        let end = min(matching.count, effectiveOffset + pageSize)
        let next = end < matching.count ? end : nil
        return (Array(matching[effectiveOffset..<end]), matching.count, next)
    }

    /// The ids worth looking at: narrowed by `=ID`/`@ID` sets and `>ID`/`>=ID`/`<ID`/`<=ID` bounds.
    private func candidateIDs(_ query: ListQuery, ids: [Int64]) -> ArraySlice<Int64> {
        var lower = Int64.min
        var upper = Int64.max
        var explicit: Set<Int64>?
        for condition in query.conditions where condition.field.name == "ID" {
            let value = condition.value
            switch condition.op {
            case .greater: lower = max(lower, ListQuery.integer(value) &+ 1)
            case .greaterOrEqual: lower = max(lower, ListQuery.integer(value))
            case .less: upper = min(upper, ListQuery.integer(value) &- 1)
            case .lessOrEqual: upper = min(upper, ListQuery.integer(value))
            case .in, .equal:
                if condition.op == .equal, value.arrayValue == nil, ListQuery.scalarText(value).isEmpty { continue }
                let set = Set((value.elements ?? [value]).map(ListQuery.integer))
                explicit = explicit.map { $0.intersection(set) } ?? set
            default: break
            }
        }
        guard lower <= upper else { return [] }
        if let explicit {
            // Look the few named ids up instead of scanning every id.
            return ArraySlice(
                explicit.sorted().filter { id in
                    guard id >= lower, id <= upper else { return false }
                    let index = Self.lowerBound(ids, id)
                    return index < ids.count && ids[index] == id
                })
        }
        let from = Self.lowerBound(ids, lower)
        let to = Self.lowerBound(ids, upper == Int64.max ? upper : upper + 1)
        return ids[from..<max(from, to)]
    }

    /// The first index whose id is at least `value`.
    static func lowerBound(_ ids: [Int64], _ value: Int64) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A paged legacy list result.
    func listOutcome(_ rows: [JSON], total: Int?, next: Int?) -> MethodOutcome {
        .success(result: .array(rows), total: total, next: next)
    }
}
