/// How the simulated portal plays the lead-children behaviours the real API does not document
/// (`bitrix24-api.md` §10.9, §12, §13). The defaults are the harsher readings.
public struct ChildBehaviour: Sendable, Equatable {
    /// What `crm.item.productrow.list` does with an array of owner ids.
    public enum OwnerArrays: String, Sendable, Equatable, CaseIterable {
        /// As the server's source reads: `IN (…)`, the read permission checked on `(int)array`
        /// (lead 1) only, so a non-admin is refused when it cannot see lead 1 and otherwise gets
        /// the rows of every owner asked, seen or not.
        case serverSource = "source"
        /// Refused with `ACCESS_DENIED`, as a portal that checks each owner might answer a non-admin.
        case refuse
    }

    /// Whether writing product rows or contact bindings moves the lead's `DATE_MODIFY` (not
    /// verified on the real portal; off by default, so only an audit finds such changes).
    public var bumpsModify: Bool
    /// Owner arrays in `crm.item.productrow.list`.
    public var ownerArrays: OwnerArrays

    /// The harsher readings unless told otherwise.
    public init(bumpsModify: Bool = false, ownerArrays: OwnerArrays = .serverSource) {
        self.bumpsModify = bumpsModify
        self.ownerArrays = ownerArrays
    }
}
