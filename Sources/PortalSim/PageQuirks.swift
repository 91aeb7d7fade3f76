/// Odd but real paging behaviour a portal can show, off by default.
public struct PageQuirks: Sendable, Equatable {
    /// Share (0…1) of leads that a keyset page of `crm.lead.list` counts as two rows, as a SQL
    /// join does when it repeats a record: the page's 50-row limit then holds fewer leads, so a
    /// page comes back with 49 rows (or fewer) and more data follows it. `total` (with
    /// `start=0`) still counts each lead once.
    public var joinedTwiceShare: Double

    /// No quirks, or leads counted twice with the given share.
    public init(joinedTwiceShare: Double = 0) {
        self.joinedTwiceShare = min(1, max(0, joinedTwiceShare))
    }

    /// Whether a keyset page counts lead `id` as two rows (the same answer for an id every time).
    public func isCountedTwice(_ id: Int64) -> Bool {
        guard joinedTwiceShare > 0 else { return false }
        let mixed = UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15
        return Double(mixed >> 11) / Double(UInt64(1) << 53) < joinedTwiceShare
    }

    /// Page-limit rows that lead `id` takes.
    func rowsTaken(byLead id: Int64) -> Int {
        isCountedTwice(id) ? 2 : 1
    }
}
